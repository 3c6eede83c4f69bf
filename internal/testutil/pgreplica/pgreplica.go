// Package pgreplica starts a throw-away PostgreSQL primary and a streaming
// replica of it — two servers of this machine's PostgreSQL installation, each
// on a free port with its data in a temporary folder — for tests of what
// reads from a replica. Run as root (as CI does), the servers run as the
// postgres user, which PostgreSQL requires.
package pgreplica

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
)

// Pair is a primary and its replica.
type Pair struct {
	PrimaryDSN, ReplicaDSN string
	primary, replica       *sql.DB
}

// binDir is the newest installed PostgreSQL's bin folder (Debian's layout).
func binDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	if len(dirs) == 0 {
		return ""
	}
	return dirs[len(dirs)-1]
}

// Start starts the pair, with database "doligo" on the primary (and so on
// the replica), and stops both when the test ends. It skips the test when no
// PostgreSQL server installation is found.
func Start(t testing.TB) *Pair {
	t.Helper()
	bin := binDir()
	if bin == "" {
		t.Skip("no PostgreSQL installation under /usr/lib/postgresql: the replica is not tested")
	}
	dir, err := os.MkdirTemp("", "doligo-replica-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	asPostgres := os.Geteuid() == 0
	if asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		path := filepath.Join(bin, name)
		var cmd *exec.Cmd
		if asPostgres {
			cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
		} else {
			cmd = exec.CommandContext(ctx, path, args...)
		}
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	primaryDir, replicaDir := filepath.Join(dir, "primary"), filepath.Join(dir, "replica")
	pPort, rPort := freePort(t), freePort(t)
	opts := func(port int) string {
		// Durability is not what these servers are for.
		return fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", port, dir)
	}
	run("initdb", "-D", primaryDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	run("pg_ctl", "-D", primaryDir, "-o", opts(pPort), "-l", filepath.Join(dir, "primary.log"), "-w", "start")
	t.Cleanup(func() { run("pg_ctl", "-D", primaryDir, "-m", "immediate", "-w", "stop") })
	p := &Pair{
		PrimaryDSN: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/doligo?sslmode=disable", pPort),
		ReplicaDSN: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/doligo?sslmode=disable", rPort),
	}
	admin := open(t, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pPort))
	if _, err := admin.Exec(`CREATE DATABASE doligo`); err != nil {
		t.Fatal(err)
	}
	run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(pPort), "-U", "postgres", "-D", replicaDir,
		"-R", "--checkpoint=fast", "--no-sync")
	run("pg_ctl", "-D", replicaDir, "-o", opts(rPort), "-l", filepath.Join(dir, "replica.log"), "-w", "start")
	t.Cleanup(func() { run("pg_ctl", "-D", replicaDir, "-m", "immediate", "-w", "stop") })
	p.primary, p.replica = open(t, p.PrimaryDSN), open(t, p.ReplicaDSN)
	var standby bool
	if err := p.replica.QueryRow(`SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || !standby {
		t.Fatalf("the replica is not in recovery (%v): it is no replica", err)
	}
	return p
}

// Pause stops the replica replaying the primary's changes: from here it
// lags, by as much as the primary writes, until Resume.
func (p *Pair) Pause(t testing.TB) {
	t.Helper()
	if _, err := p.replica.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
}

// Resume lets the replica replay again and waits until it has caught up
// with everything the primary wrote before the call.
func (p *Pair) Resume(t testing.TB) {
	t.Helper()
	if _, err := p.replica.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	p.WaitCaughtUp(t)
}

// WaitCaughtUp waits until the replica has replayed everything the primary
// wrote before the call.
func (p *Pair) WaitCaughtUp(t testing.TB) {
	t.Helper()
	var target string
	if err := p.primary.QueryRow(`SELECT pg_current_wal_lsn()::text`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second) // a hang guard
	for {
		var done bool
		err := p.replica.QueryRow(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, target).Scan(&done)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not reach %s", target)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
