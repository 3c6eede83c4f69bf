package opstest

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/go-sql-driver/mysql"
)

// Block is one fenced code block of a Markdown document.
type Block struct {
	Lang     string
	Headings []string // the headings it stands under, outermost first
	Body     string   // the lines between the fences, exactly as written
}

// Blocks parses the fenced (```) code blocks of a Markdown file.
func Blocks(t testing.TB, path string) []Block {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		out      []Block
		headings []string // headings[i] is the current level-(i+1) heading
		cur      *Block
	)
	for line := range strings.Lines(string(raw)) {
		trimmed := strings.TrimRight(line, "\r\n")
		if cur != nil {
			if strings.TrimSpace(trimmed) == "```" {
				out = append(out, *cur)
				cur = nil
			} else {
				cur.Body += line
			}
			continue
		}
		if lang, ok := strings.CutPrefix(trimmed, "```"); ok {
			cur = &Block{Lang: strings.TrimSpace(lang), Headings: compact(headings)}
			continue
		}
		if level := len(trimmed) - len(strings.TrimLeft(trimmed, "#")); level > 0 && strings.HasPrefix(trimmed[level:], " ") {
			for len(headings) < level {
				headings = append(headings, "")
			}
			headings = append(headings[:level-1], strings.TrimSpace(trimmed[level:]))
		}
	}
	if cur != nil {
		t.Fatalf("%s: a ``` block is never closed", path)
	}
	return out
}

func compact(hs []string) []string {
	var out []string
	for _, h := range hs {
		if h != "" {
			out = append(out, h)
		}
	}
	return out
}

// FindBlock returns the body of the one block of the given language whose
// headings contain each of under, in order (each a substring of a heading,
// e.g. "PostgreSQL", "Backup Completo"). It fails unless exactly one matches.
func FindBlock(t testing.TB, path, lang string, under ...string) string {
	t.Helper()
	var found []Block
	for _, b := range Blocks(t, path) {
		if b.Lang == lang && headedBy(b.Headings, under) {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d ```%s blocks under %q, want exactly 1", path, len(found), lang, under)
	}
	return found[0].Body
}

func headedBy(headings, under []string) bool {
	i := 0
	for _, h := range headings {
		if i < len(under) && strings.Contains(h, under[i]) {
			i++
		}
	}
	return i == len(under)
}

// connectionVars are the variables the backup blocks read; the test's own
// values never leak into a block: each run says what it sets.
var connectionVars = []string{"PG", "MYSQL_", "BACKUP_"}

// RunBash runs a script with `bash -c`, exactly as written, with env set on
// top of the test's environment (less any PG*, MYSQL_* and BACKUP_*
// variable), and returns its combined output and exit code.
func RunBash(t testing.TB, script string, env map[string]string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Hang)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	for _, kv := range os.Environ() {
		keep := true
		for _, p := range connectionVars {
			keep = keep && !strings.HasPrefix(kv, p)
		}
		if keep {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("bash: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("bash did not finish within %s:\n%s", Hang, out)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// BackupEnv is the environment the blocks of docs/backup_strategy.md read to
// reach the database at dsn (postgres: PG*, mysql: MYSQL_*), with dir as
// BACKUP_DIR.
func BackupEnv(t testing.TB, driver, dsn, dir string) map[string]string {
	t.Helper()
	env := map[string]string{"BACKUP_DIR": dir}
	switch driver {
	case sqldialect.Postgres:
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		pw, _ := u.User.Password()
		env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"] = u.Hostname(), u.Port(), u.User.Username(), pw
		env["PGDATABASE"] = strings.TrimPrefix(u.Path, "/")
	case sqldialect.MySQL:
		c, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			t.Fatal(err)
		}
		env["MYSQL_HOST"], env["MYSQL_PORT"], env["MYSQL_USER"], env["MYSQL_PASSWORD"] = host, port, c.User, c.Passwd
		env["MYSQL_DATABASE"] = c.DBName
	default:
		t.Fatalf("no backup procedure for %s", driver)
	}
	return env
}

// BackupBlock returns a bash block of docs/backup_strategy.md by the
// database's section and the procedure's heading, e.g.
// BackupBlock(t, "postgres", "Backup Completo").
func BackupBlock(t testing.TB, driver, procedure string) string {
	t.Helper()
	section := map[string]string{sqldialect.Postgres: "Procedimentos PostgreSQL", sqldialect.MySQL: "Procedimentos MySQL"}[driver]
	if section == "" {
		t.Fatalf("no backup procedure for %s", driver)
	}
	return FindBlock(t, Doc(t, "backup_strategy.md"), "bash", section, procedure)
}
