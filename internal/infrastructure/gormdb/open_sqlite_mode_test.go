package gormdb_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// The SQLite database and its -wal and -shm files are created 0600, and a
// data folder the API creates 0700, whatever the umask and whatever the mode
// of a folder that already exists: they hold the whole ledger and the
// users' password hashes. (Not parallel: the umask is the process's.)
func TestSQLiteFilesAreOwnerOnly(t *testing.T) {
	for _, umask := range []int{0, 0o022, 0o077} {
		for _, existing := range []bool{false, true} {
			old := syscall.Umask(umask)
			base := t.TempDir()
			dir := filepath.Join(base, "data")
			if existing {
				if err := os.Mkdir(dir, 0o777); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, 0o777); err != nil {
					t.Fatal(err)
				}
			}
			file := filepath.Join(dir, "doligo.db")
			db, err := gormdb.Open(context.Background(), sqldialect.SQLite, "file:"+file, testdb.Pool())
			if err != nil {
				syscall.Umask(old)
				t.Fatal(err)
			}
			// A write, so that the WAL and the shared-memory index exist.
			if _, err := db.SQL.Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)"); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{file, file + "-wal", file + "-shm"} {
				st, err := os.Stat(f)
				if err != nil {
					t.Fatalf("umask %03o: %v", umask, err)
				}
				if m := st.Mode().Perm(); m != 0o600 {
					t.Errorf("umask %03o, folder existing %v: %s is %03o, want 600", umask, existing, filepath.Base(f), m)
				}
			}
			if st, err := os.Stat(dir); err != nil {
				t.Fatal(err)
			} else if want := os.FileMode(0o700); !existing && st.Mode().Perm() != want {
				t.Errorf("umask %03o: the data folder created %03o, want 700", umask, st.Mode().Perm())
			}
			db.Close()
			syscall.Umask(old)
		}
	}
}
