package backupdoc_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// A backup file cut short (a full disk, an interrupted copy) must not be half
// restored: the restore block reports the failure and the database keeps what
// it held. The cut falls on a line boundary, the case where the SQL client
// alone cannot notice: every statement it read is complete, so only the gzip
// check can tell that the rest is missing.
func TestTruncatedBackupChangesNothing(t *testing.T) {
	apiBin, _ := opstest.Binaries(t)
	eachServer(t, func(t *testing.T, driver string) {
		dsn := testdb.Fresh(t, driver)
		api := opstest.StartAPI(t, apiBin, opstest.Env(driver, dsn, nil))
		opstest.Seed(t, opstest.Login(t, api.URL, "admin", opstest.AdminPassword))
		api.Stop(t)

		dir := t.TempDir()
		benv := opstest.BackupEnv(t, driver, dsn, dir)
		if out, code := opstest.RunBash(t, opstest.BackupBlock(t, driver, "Backup Completo"), benv); code != 0 {
			t.Fatalf("backup: exit %d\n%s", code, out)
		}
		db := opstest.OpenSQL(t, driver, dsn)
		if _, err := db.Exec("DELETE FROM payments"); err != nil { // the state the restore must not half-replace
			t.Fatal(err)
		}
		db.Close()
		before := opstest.TakeSnapshot(t, driver, dsn)

		benv["BACKUP_FILE"] = filepath.Join(dir, "doligo_truncated.sql.gz")
		truncate(t, backups(t, dir)[0], benv["BACKUP_FILE"])
		out, code := opstest.RunBash(t, opstest.BackupBlock(t, driver, "Restauração"), benv)
		if code == 0 || !strings.Contains(out, "ERRO: Falha na restauração") {
			t.Errorf("restore of a truncated backup: exit %d, want non-zero and ERRO; output:\n%s", code, out)
		}
		if diff := before.Diff(opstest.TakeSnapshot(t, driver, dsn)); diff != "" {
			t.Errorf("the truncated backup changed the database:\n%s", diff)
		}
	})
}

// truncate writes to dst the first half of the lines of the gzip file src,
// as a gzip stream that ends without its trailer: gunzip prints those whole
// lines, then fails with "unexpected end of file".
func truncate(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sql, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(sql, []byte("\n"))
	if len(lines) < 20 {
		t.Fatalf("a dump of %d lines: nothing to cut", len(lines))
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(bytes.Join(lines[:len(lines)/2], nil)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Flush(); err != nil { // everything written so far is decodable; no Close, so no trailer
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
