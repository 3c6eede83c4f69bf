package backupdoc_test

import (
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func TestMain(m *testing.M) { os.Exit(opstest.Main(m)) }

// eachServer runs fn for PostgreSQL and MariaDB/MySQL, the two databases the
// document covers, as far as TEST_DIALECTS allows.
func eachServer(t *testing.T, fn func(t *testing.T, driver string)) {
	t.Helper()
	for _, d := range []string{sqldialect.Postgres, sqldialect.MySQL} {
		if slices.Contains(testdb.Dialects(), d) {
			t.Run(d, func(t *testing.T) { fn(t, d) })
		}
	}
}

// backups lists the files the blocks would treat as backups, sorted.
func backups(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "doligo_*.sql.gz"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// The product fills a database; the documented backup saves it; the data is
// then changed through the API and behind its back (rows added, updated,
// deleted, a table dropped); with the application stopped, the documented
// restore brings every row of every table back as it was, and the API runs on
// the restored database.
func TestBackupThenRestoreBringsBackEveryRow(t *testing.T) {
	apiBin, _ := opstest.Binaries(t)
	eachServer(t, func(t *testing.T, driver string) {
		dsn := testdb.Fresh(t, driver)
		env := opstest.Env(driver, dsn, nil)
		api := opstest.StartAPI(t, apiBin, env)
		admin := opstest.Login(t, api.URL, "admin", opstest.AdminPassword)
		seeded := opstest.Seed(t, admin)

		before := opstest.TakeSnapshot(t, driver, dsn)
		for _, table := range []string{"schema_migrations", "users", "user_roles", "idempotency_keys", "warehouses",
			"products", "stock_levels", "stock_movements", "thirdparties", "contacts", "commercial_documents",
			"commercial_document_lines", "payments", "numbering_sequences"} {
			if len(before[table]) == 0 { // else the comparison below proves nothing about it
				t.Fatalf("the product left table %s empty; rows per table: %v", table, before.Rows())
			}
		}

		dir := t.TempDir()
		benv := opstest.BackupEnv(t, driver, dsn, dir)
		out, code := opstest.RunBash(t, opstest.BackupBlock(t, driver, "Backup Completo"), benv)
		files := backups(t, dir)
		if code != 0 || len(files) != 1 || !strings.Contains(out, "Backup criado: "+files[0]) {
			t.Fatalf("backup: exit %d, files %v, output:\n%s", code, files, out)
		}
		backup := files[0]

		damage(t, admin, driver, dsn, seeded)
		if opstest.TakeSnapshot(t, driver, dsn).Diff(before) == "" {
			t.Fatal("the damage changed nothing: the restore would prove nothing")
		}
		// An older file that is no backup at all: the restore must pick the
		// most recent one by itself.
		decoy := filepath.Join(dir, "doligo_20000101_000000.sql.gz")
		writeGzip(t, decoy, "this is not SQL;\n")
		old := time.Now().Add(-24 * time.Hour)
		if err := os.Chtimes(decoy, old, old); err != nil {
			t.Fatal(err)
		}

		api.Stop(t) // the document: stop the application before restoring
		out, code = opstest.RunBash(t, opstest.BackupBlock(t, driver, "Restauração"), benv)
		if code != 0 || !strings.Contains(out, "Restauração concluída: "+backup) {
			t.Fatalf("restore: exit %d, output:\n%s", code, out)
		}
		if users := strconv.Itoa(len(before["users"])); !strings.Contains(out, users) {
			t.Errorf("the integrity check does not show the %s users:\n%s", users, out)
		}
		if diff := before.Diff(opstest.TakeSnapshot(t, driver, dsn)); diff != "" {
			t.Fatalf("the restored database differs from the one backed up:\n%s", diff)
		}

		api = opstest.StartAPI(t, apiBin, env)
		admin = opstest.Login(t, api.URL, "admin", opstest.AdminPassword)
		inv := admin.JSON(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/invoices/%d", seeded.InvoiceID), "")
		if inv["status"] != "paid" || inv["ref"] != seeded.InvoiceRef {
			t.Fatalf("invoice after the restore: %v, want %s paid", inv, seeded.InvoiceRef)
		}
		api.Stop(t)
	})
}

// damage changes the data every way an accident could: through the API
// (a new customer, a renamed product, a deleted contact) and in SQL (payments
// deleted, stock levels updated, a whole table dropped).
func damage(t *testing.T, admin *opstest.Client, driver, dsn string, seeded opstest.Seeded) {
	t.Helper()
	admin.JSON(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Created after the backup", "is_customer": true}`)
	admin.JSON(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/products/%d", seeded.ProductID), `{"label": "renamed after the backup"}`)
	contacts := admin.JSON(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/thirdparties/%d/contacts", seeded.ThirdPartyID), "")
	items, _ := contacts["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no contact to delete: %v", contacts)
	}
	contact := opstest.ID(t, items[0].(map[string]any))
	res, body := admin.Do(t, "DELETE", fmt.Sprintf("/api/v1/thirdparties/%d/contacts/%d", seeded.ThirdPartyID, contact), nil)
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("delete contact: %d %s", res.StatusCode, body)
	}
	db := opstest.OpenSQL(t, driver, dsn)
	defer db.Close()
	for _, stmt := range []string{
		"DELETE FROM payments",
		"UPDATE stock_levels SET qty = qty + 1000",
		"DROP TABLE idempotency_keys",
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

func writeGzip(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// A dump that fails (the database is missing, the server unreachable, the
// password wrong) is reported: the block exits non-zero, says ERRO and
// leaves no backup file behind. The same block with the right settings
// succeeds, so each failure is the fault's doing.
func TestFailingBackupIsReportedAndLeavesNoFile(t *testing.T) {
	eachServer(t, func(t *testing.T, driver string) {
		dsn := testdb.Fresh(t, driver)
		script := opstest.BackupBlock(t, driver, "Backup Completo")
		dir := t.TempDir()
		if out, code := opstest.RunBash(t, script, opstest.BackupEnv(t, driver, dsn, dir)); code != 0 || len(backups(t, dir)) != 1 {
			t.Fatalf("backup with the right settings: exit %d, output:\n%s", code, out)
		}
		_, closedPort, err := net.SplitHostPort(opstest.FreeAddr(t))
		if err != nil {
			t.Fatal(err)
		}
		faults := map[string]map[string]string{
			sqldialect.Postgres: {"missing database": "PGDATABASE=doligo_missing_db", "unreachable server": "PGPORT=" + closedPort},
			sqldialect.MySQL: {"missing database": "MYSQL_DATABASE=doligo_missing_db", "wrong password": "MYSQL_PASSWORD=wrong-password",
				"unreachable server": "MYSQL_PORT=" + closedPort},
		}[driver]
		for name, fault := range faults {
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				env := opstest.BackupEnv(t, driver, dsn, dir)
				k, v, _ := strings.Cut(fault, "=")
				env[k] = v
				out, code := opstest.RunBash(t, script, env)
				if code == 0 || !strings.Contains(out, "ERRO: Falha no backup") {
					t.Errorf("exit %d, want non-zero and ERRO; output:\n%s", code, out)
				}
				if files, _ := os.ReadDir(dir); len(files) != 0 {
					t.Errorf("the failed backup left %d file(s) in BACKUP_DIR: %v", len(files), files)
				}
			})
		}
	})
}

// Rotation deletes the backups older than 7 days and nothing else: not the
// recent ones, not other files, whatever their age.
func TestRotationDeletesOnlyOldBackups(t *testing.T) {
	eachServer(t, func(t *testing.T, driver string) {
		dir := t.TempDir()
		ages := map[string]int{ // file → age in days
			"doligo_20261101_000000.sql.gz": 10, "doligo_20261119_000000.sql.gz": 8,
			"doligo_20261122_000000.sql.gz": 6, "doligo_20261126_000000.sql.gz": 2, "doligo_20261128_000000.sql.gz": 0,
			"notes.txt": 30, "other_20261101.sql.gz": 30, "doligo_20261101_000000.sql": 30,
		}
		for name, days := range ages {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			at := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
			if err := os.Chtimes(path, at, at); err != nil {
				t.Fatal(err)
			}
		}
		out, code := opstest.RunBash(t, opstest.BackupBlock(t, driver, "Rotação"), map[string]string{"BACKUP_DIR": dir})
		if code != 0 {
			t.Fatalf("rotation: exit %d\n%s", code, out)
		}
		for name, days := range ages {
			_, err := os.Stat(filepath.Join(dir, name))
			deleted := os.IsNotExist(err)
			if want := days > 7 && strings.HasPrefix(name, "doligo_") && strings.HasSuffix(name, ".sql.gz"); deleted != want {
				t.Errorf("%s, %d days old: deleted %v, want %v", name, days, deleted, want)
			}
		}
	})
}
