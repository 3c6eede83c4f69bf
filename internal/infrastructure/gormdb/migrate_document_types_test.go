package gormdb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Migration 8 (the buy side) widens the document types, which on SQLite rebuilds
// commercial_documents and documents under their names. Documents made
// before it keep every row that points at them (lines, payments, archived
// files, the source link), those foreign keys still hold, and the new types
// are admitted while a made-up one is still refused.
func TestDocumentTypesMigrationKeepsDocuments(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			dsn := testdb.Fresh(t, d)
			mg, err := gormdb.NewMigrator(d, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer mg.Close()
			if err := mg.Up(); err != nil {
				t.Fatal(err)
			}
			// Back to 7, to fill it as an older release would: one step
			// per later migration (8 and whatever followed it).
			for v, _, err := mg.Version(); v > 7; v, _, err = mg.Version() {
				if err != nil {
					t.Fatal(err)
				}
				if err := mg.Down(1); err != nil {
					t.Fatal(err)
				}
			}
			assertVersion(t, mg, 7)
			db, err := gormdb.Open(ctx, d, dsn, testdb.Pool())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			exec := func(q string, args ...any) error { return db.Gorm.WithContext(ctx).Exec(q, args...).Error }
			must := func(q string, args ...any) {
				t.Helper()
				if err := exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			now := "2026-12-03 10:00:00"
			must(`INSERT INTO thirdparties (id, name, code, created_at, updated_at) VALUES (1, 'Acme', 'C1', ?, ?)`, now, now)
			doc := `INSERT INTO commercial_documents (id, doc_type, ref, status, thirdparty_id, doc_date, currency, note,
				source_id, total_net, total_vat, total_gross, created_at, updated_at) VALUES (?, ?, ?, ?, 1, '2026-12-03', 'EUR', '', ?, 10, 2, 12, ?, ?)`
			must(doc, 1, "invoice", "FA1", "validated", nil, now, now)
			must(doc, 2, "credit_note", "AV1", "validated", 1, now, now)
			must(`INSERT INTO commercial_document_lines (document_id, line_no, description, qty, unit_price, discount_percent,
				vat_rate, total_net, total_vat, total_gross) VALUES (1, 1, 'x', 1, 10, 0, 20, 10, 2, 12)`)
			must(`INSERT INTO payments (document_id, amount, pay_date, method, created_at) VALUES (1, 5, '2026-12-03', 'cash', ?)`, now)
			must(`INSERT INTO documents (owner_type, owner_id, lang, filename, content_type, size, sha256, content, created_at)
				VALUES ('invoice', 1, 'en', 'FA1.pdf', 'application/pdf', 1, ?, ?, ?)`, strings.Repeat("0", 64), []byte("%"), now)

			if err := mg.Up(); err != nil {
				t.Fatal(err)
			}
			top, err := gormdb.ExpectedVersion(d) // 8 and every later migration ran over the old rows
			if err != nil {
				t.Fatal(err)
			}
			assertVersion(t, mg, top)
			for table, want := range map[string]int64{
				"commercial_documents": 2, "commercial_document_lines": 1, "payments": 1, "documents": 1,
			} {
				var n int64
				if err := db.Gorm.WithContext(ctx).Table(table).Count(&n).Error; err != nil || n != want {
					t.Errorf("%s: %d rows (%v), want %d", table, n, err, want)
				}
			}
			var source int64
			if err := db.Gorm.WithContext(ctx).Raw(`SELECT source_id FROM commercial_documents WHERE id = 2`).Scan(&source).Error; err != nil || source != 1 {
				t.Errorf("credit note's source: %d, %v", source, err)
			}
			if d == sqldialect.SQLite {
				var broken []map[string]any
				if err := db.Gorm.WithContext(ctx).Raw(`PRAGMA foreign_key_check`).Scan(&broken).Error; err != nil || len(broken) != 0 {
					t.Errorf("foreign_key_check: %v, %v", broken, err)
				}
			}
			// The foreign keys still bite: a line of a missing document, a
			// delete of a document with payments.
			if exec(`INSERT INTO commercial_document_lines (document_id, line_no, description, qty, unit_price, discount_percent,
				vat_rate, total_net, total_vat, total_gross) VALUES (99, 1, 'x', 1, 1, 0, 0, 1, 0, 1)`) == nil {
				t.Error("a line of a missing document was accepted")
			}
			if exec(`DELETE FROM commercial_documents WHERE id = 1`) == nil {
				t.Error("an invoice with payments, a credit note and an archived file was deleted")
			}
			must(doc, 3, "supplier_credit_note", "SA1", "partially_received", nil, now, now)
			must(`INSERT INTO documents (owner_type, owner_id, lang, filename, content_type, size, sha256, content, created_at)
				VALUES ('supplier_credit_note', 3, 'en', 'SA1.pdf', 'application/pdf', 1, ?, ?, ?)`, strings.Repeat("0", 64), []byte("%"), now)
			if exec(doc, 4, "bogus", "B1", "draft", nil, now, now) == nil {
				t.Error("a made-up document type was accepted")
			}
		})
	}
}
