package archtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// auditWrite is any statement or GORM call that could change or remove rows
// of the audit trail or of the fiscal chain (its head, fiscal_chain_head,
// moves on by design and is not matched).
var auditWrite = regexp.MustCompile(`(?i)(update\s+(audit_log|fiscal_chain)\b|delete\s+from\s+(audit_log|fiscal_chain)\b|truncate\s+(table\s+)?(audit_log|fiscal_chain)\b|(auditModel|chainModel)\{\}\)\.(Where\([^)]*\)\.)*(Update|Updates|UpdateColumn|UpdateColumns|Delete|Save)\b|\.(Delete|Save|Updates?)\(&?(auditModel|chainModel)\{)`)

// The audit trail and the fiscal chain are append-only: no code of the
// module (tests aside, which tamper on purpose) updates or deletes their rows.
func TestNoAuditUpdateOrDelete(t *testing.T) {
	root := "../.."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		isGo := strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")
		isUpSQL := strings.HasSuffix(path, ".up.sql")
		if !isGo && !isUpSQL {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(src), "\n") {
			if auditWrite.MatchString(line) {
				t.Errorf("%s:%d writes over the audit trail or the fiscal chain: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked %d files: not the module", checked)
	}
}

// The pattern catches what it is for.
func TestAuditWritePattern(t *testing.T) {
	for _, bad := range []string{
		"UPDATE audit_log SET action = 'x'", "delete from fiscal_chain where seq = 1", "TRUNCATE TABLE audit_log",
		"db.Model(&auditModel{}).Where(\"id = ?\", 1).Update(\"action\", \"x\")", "db.Delete(&chainModel{Seq: 1})",
		"r.db.Save(&auditModel{ID: 1})",
	} {
		if !auditWrite.MatchString(bad) {
			t.Errorf("%q is not caught", bad)
		}
	}
	for _, ok := range []string{
		"UPDATE fiscal_chain_head SET seq = 2", "db.Model(&chainHeadModel{}).Where(\"id = ?\", 1).Updates(m)",
		"db.Create(&r.entries)", "SELECT * FROM audit_log",
	} {
		if auditWrite.MatchString(ok) {
			t.Errorf("%q is caught", ok)
		}
	}
}
