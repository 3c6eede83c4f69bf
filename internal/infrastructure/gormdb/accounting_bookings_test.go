package gormdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/shopspring/decimal"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// AddBookings writes more bookings than one INSERT holds, and every entry
// lands under its own booking, whose id the booking is given. On MySQL also
// as MySQL (no RETURNING) with auto_increment_increment = 2 (a Galera
// cluster's kind of setting): a multi-row INSERT's ids are not consecutive
// there, and entries linked to the ids GORM supposes (the first, plus one a
// row) would fail their foreign key or land under another booking.
func TestAddBookingsLinksEntriesToTheirBookings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		addBookings(t, db.DB)
		if db.Dialect != sqldialect.MySQL {
			return
		}
		c, err := mysql.ParseDSN(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		c.Params["auto_increment_increment"] = "2"
		spaced, err := gormdb.Open(context.Background(), db.Dialect, c.FormatDSN(), testdb.Pool())
		if err != nil {
			t.Fatal(err)
		}
		defer spaced.Close()
		// GORM reads a batch's ids from RETURNING on MariaDB; MySQL has
		// none, and GORM supposes them from the first.
		g, err := gorm.Open(gmysql.New(gmysql.Config{Conn: spaced.SQL, DisableWithReturning: true}),
			&gorm.Config{SkipDefaultTransaction: true, TranslateError: true, Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		addBookings(t, &gormdb.DB{Gorm: g, SQL: spaced.SQL, Dialect: db.Dialect})
	})
}

// addBookings books 700 made-up sources of two entries each through db, in
// one call, and checks where their rows landed.
func addBookings(t *testing.T, db *gormdb.DB) {
	t.Helper()
	ctx := context.Background()
	kind := domain.SourceKind(fmt.Sprintf("test%d", time.Now().UnixNano()%1e12))
	on := time.Date(2031, 4, 2, 0, 0, 0, 0, time.UTC)
	bs := make([]*domain.Booking, 700)
	for i := range bs {
		ref := fmt.Sprintf("R%d", i)
		amount := decimal.NewFromInt(int64(i + 1))
		bs[i] = &domain.Booking{Source: kind, SourceID: int64(i + 1), Journal: domain.JournalMisc, Num: fmt.Sprintf("OD2031-%06d", i+1),
			Date: on, DocumentRef: ref, DocumentDate: on, BookedAt: time.Now(),
			Entries: []domain.Entry{
				{Journal: domain.JournalMisc, Date: on, DocumentRef: ref, Account: "411", Label: ref, Debit: amount},
				{Journal: domain.JournalMisc, Date: on, DocumentRef: ref, Account: "706", Label: ref, Credit: amount},
			}}
	}
	err := gormdb.NewUnitOfWork(db).Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.Accounting.AddBookings(ctx, bs)
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID          int64
		SourceID    int64
		DocumentRef string
	}
	err = db.Gorm.Raw(`SELECT b.id, b.source_id, e.document_ref FROM accounting_entries e
		JOIN accounting_bookings b ON b.id = e.booking_id WHERE b.source_type = ?`, string(kind)).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2*len(bs) {
		t.Fatalf("%d entries under the bookings; want %d", len(rows), 2*len(bs))
	}
	for _, row := range rows {
		b := bs[row.SourceID-1]
		if row.ID != b.ID || row.DocumentRef != b.DocumentRef || b.Entries[0].BookingID != b.ID {
			t.Fatalf("an entry of %s under booking %d (source %d); the booking of %s was given id %d",
				row.DocumentRef, row.ID, row.SourceID, b.DocumentRef, b.ID)
		}
	}
}
