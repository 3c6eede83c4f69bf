package portability_test

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// buildVersion is stamped with -X main.version, as the Dockerfile does, so the
// test can see that the flag reached the binary.
const buildVersion = "ct01"

var build struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := testdb.Main(m)
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// binaries builds cmd/api and cmd/worker with the Dockerfile's flags, once per
// test process, and returns their paths.
func binaries(t *testing.T) (api, worker string) {
	t.Helper()
	build.once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			build.err = err
			return
		}
		if build.dir, build.err = os.MkdirTemp("", "doligo-ct01-"); build.err != nil {
			return
		}
		cmd := exec.Command("go", "build", "-trimpath",
			"-ldflags", "-s -w -X main.version="+buildVersion,
			"-o", build.dir+string(filepath.Separator), "./cmd/api", "./cmd/worker")
		cmd.Dir = root
		// `make test` exports CGO_ENABLED=1 for the race detector; the shipped
		// binaries never use cgo. The last value of a key wins.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return filepath.Join(build.dir, "api"), filepath.Join(build.dir, "worker")
}

// repoRoot is the folder holding go.mod, found upwards from the package folder
// where `go test` runs.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// CT-01: a scratch image has no dynamic loader and no libc, so the binaries
// must not ask for either.
func TestBinariesAreStaticallyLinked(t *testing.T) {
	api, worker := binaries(t)
	for _, bin := range []string{api, worker} {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("has a PT_INTERP program header: it needs a dynamic loader")
				}
			}
			libs, err := f.ImportedLibraries()
			if err != nil {
				t.Fatal(err)
			}
			if len(libs) != 0 {
				t.Errorf("DT_NEEDED libraries %v: want none", libs)
			}
			syms, err := f.ImportedSymbols()
			if err != nil && !errors.Is(err, elf.ErrNoSymbols) { // no .dynsym at all: nothing imported
				t.Fatal(err)
			}
			if len(syms) != 0 {
				t.Errorf("imports %d dynamic symbols (first %v): want none", len(syms), syms[0])
			}
		})
	}
}

// CT-01: a scratch image has no /usr/share/zoneinfo and no CA bundle, and the
// chroot test cannot notice their absence until some code path loads a zone or
// dials TLS. Function names stay in the pclntab even with -s -w, so their
// presence proves that time/tzdata and the x509roots fallback are linked in.
func TestBinariesEmbedZoneinfoAndCARoots(t *testing.T) {
	api, worker := binaries(t)
	for _, bin := range []string{api, worker} {
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range []string{"time/tzdata.loadFromEmbeddedTZData", "golang.org/x/crypto/x509roots/fallback.init"} {
			if !bytes.Contains(data, []byte(fn)) {
				t.Errorf("%s lacks %s: import it in its main package", filepath.Base(bin), fn)
			}
		}
	}
}

// CT-01: the API binary, alone in an empty root (no /etc, /tmp, /usr/share/
// zoneinfo, CA bundle, HOME or TMPDIR), migrates a fresh PostgreSQL database,
// becomes ready, answers its own healthcheck, drains on SIGTERM with exit code
// 0 and leaves nothing behind.
func TestAPIRunsAloneInEmptyRoot(t *testing.T) {
	bin, _ := binaries(t)
	dsn := pgDSN(t)
	sb, addr := newSandbox(t, bin, nil, "DOLIGO_HTTP_ADDR", pgEnv(dsn)...)

	if code, out := sb.run(t, "/api", "version"); code != 0 || strings.TrimSpace(out) != buildVersion {
		t.Fatalf("api version: exit %d, output %q; want 0 and %q", code, out, buildVersion)
	}
	p := sb.start(t, "/api")
	p.waitStatus(t, "http://"+addr+"/ready", http.StatusOK)
	p.waitStatus(t, "http://"+addr+"/metrics", http.StatusOK)
	if code, out := sb.run(t, "/api", "healthcheck"); code != 0 {
		t.Fatalf("api healthcheck while serving: exit %d\n%s", code, out)
	}
	p.stop(t)
	// The probe must really ask the server: with the server gone it fails.
	if code, _ := sb.run(t, "/api", "healthcheck"); code == 0 {
		t.Fatal("api healthcheck exited 0 with no server listening")
	}
	assertOnly(t, sb.root, "api")
}

// CT-01: the worker, alone in an empty root, serves /ready 503 while the schema
// is missing (it never migrates), turns ready once the schema is migrated,
// answers its healthcheck and drains on SIGTERM with exit code 0.
func TestWorkerRunsAloneInEmptyRoot(t *testing.T) {
	_, bin := binaries(t)
	dsn := pgDSN(t)
	sb, addr := newSandbox(t, bin, nil, "DOLIGO_WORKER_HTTP_ADDR", pgEnv(dsn)...)

	p := sb.start(t, "/worker")
	p.waitStatus(t, "http://"+addr+"/ready", http.StatusServiceUnavailable)
	mg, err := gormdb.NewMigrator(sqldialect.Postgres, dsn)
	if err != nil {
		t.Fatal(err)
	}
	err = mg.Up()
	mg.Close()
	if err != nil {
		t.Fatal(err)
	}
	p.waitStatus(t, "http://"+addr+"/ready", http.StatusOK)
	if code, out := sb.run(t, "/worker", "healthcheck"); code != 0 {
		t.Fatalf("worker healthcheck while serving: exit %d\n%s", code, out)
	}
	p.stop(t)
	assertOnly(t, sb.root, "worker")
}

// The image's own default: the embedded SQLite database in the /data volume,
// run as the image's non-root user 65532. The API must create its database
// and JWT key there and write nothing anywhere else.
func TestAPIRunsAsImageUserOnSQLiteInData(t *testing.T) {
	bin, _ := binaries(t)
	imageUser := &syscall.Credential{Uid: 65532, Gid: 65532}
	sb, addr := newSandbox(t, bin, imageUser, "DOLIGO_HTTP_ADDR", "DOLIGO_DB_DSN=file:/data/doligo.db")
	data := filepath.Join(sb.root, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, int(imageUser.Uid), int(imageUser.Gid)); err != nil {
		t.Fatal(err)
	}

	p := sb.start(t, "/api")
	p.waitStatus(t, "http://"+addr+"/ready", http.StatusOK)
	p.stop(t)
	var extra []string // SQLite removes its WAL files when the last connection closes cleanly
	for _, f := range []string{"data/doligo.db-wal", "data/doligo.db-shm"} {
		if _, err := os.Stat(filepath.Join(sb.root, f)); err == nil {
			extra = append(extra, f)
		}
	}
	assertOnly(t, sb.root, append(extra, "api", "data", "data/doligo.db", "data/jwt_secret")...)
}

// sandbox is an empty root holding one binary, the user it runs as (nil:
// root) and its whole environment: nothing is inherited, in particular no
// HOME, TMPDIR or PATH.
type sandbox struct {
	root string
	user *syscall.Credential
	env  []string
}

// newSandbox copies bin alone into a new root and picks a free loopback
// address for the variable listenVar. It needs root for chroot(2), and runs
// the test in parallel with the other sandboxes.
func newSandbox(t *testing.T, bin string, user *syscall.Credential, listenVar string, env ...string) (sandbox, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("CT-01 chroot test needs root (chroot(2) is privileged); run the tests as root, as CI does")
	}
	t.Parallel()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil { // a non-root user must reach /api
		t.Fatal(err)
	}
	if err := copyExecutable(bin, filepath.Join(root, filepath.Base(bin))); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return sandbox{root: root, user: user, env: append(env, listenVar+"="+addr)}, addr
}

// copyExecutable copies the binary src to the new file dst while no process
// is forked: a child forked by a parallel test while dst is open for writing
// would hold a copy of the descriptor until it execs, and starting dst then
// fails with ETXTBSY ("text file busy"). syscall.ForkLock is the lock
// os/exec holds across fork for this reason.
func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// pgDSN is a fresh, empty PostgreSQL database. Its host is replaced by an IP
// address: inside the root there is no /etc/hosts or resolv.conf to resolve a name.
func pgDSN(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(testdb.Fresh(t, sqldialect.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	if net.ParseIP(host) == nil {
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 {
			t.Fatalf("resolve PostgreSQL host %q: %v", host, err)
		}
		host = ips[0].String()
	}
	u.Host = net.JoinHostPort(host, port)
	return u.String()
}

// pgEnv is the environment of a binary using the PostgreSQL database dsn.
func pgEnv(dsn string) []string {
	return []string{
		"DOLIGO_DB_DRIVER=postgres",
		"DOLIGO_DB_DSN=" + dsn,
		"DOLIGO_JWT_SECRET=ct01-signing-key-of-at-least-32-bytes",
		"DOLIGO_ADMIN_PASSWORD=ct01-admin-password",
	}
}

// command runs args with the sandbox as "/" and "/" as the working directory
// (without Dir it would keep the parent's, outside the root).
func (s sandbox) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = s.env
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: s.root, Credential: s.user}
	return cmd
}

// run runs a short command in the sandbox and returns its exit code and output.
func (s sandbox) run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := s.command(ctx, args...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%v: %v", args, err)
	}
	if exit != nil {
		return exit.ExitCode(), string(out)
	}
	return 0, string(out)
}

// start starts a long-running command in the sandbox, killed at the end of
// the test if still running.
func (s sandbox) start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: s.command(context.Background(), args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %v in %s: %v", args, s.root, err)
	}
	go func() {
		_ = p.cmd.Wait() // the exit status is read from ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// process is a long-running binary in its root.
type process struct {
	cmd  *exec.Cmd
	out  strings.Builder // written by exec's copier; read only after done is closed
	done chan struct{}
}

// waitStatus polls url until it answers want. The bound is a number of
// attempts; the process exiting first fails at once with its output.
func (p *process) waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	last := "no answer yet"
	for range 600 {
		res, err := client.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == want {
				return
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited (%s) before %s answered %d; last: %s\n%s",
				p.cmd.Path, p.cmd.ProcessState, url, want, last, p.out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("%s never answered %d; last: %s", url, want, last)
}

// stop sends SIGTERM and requires a clean exit: code 0 after draining.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(time.Minute): // a safety net against a hung test, not an assertion
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not exit after SIGTERM\n%s", p.cmd.Path, p.out.String())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("%s exited %d after SIGTERM, want 0\n%s", p.cmd.Path, code, p.out.String())
	}
}

// assertOnly fails unless root holds exactly the named entries: the binaries
// must write no temporary or data files of their own with a server database.
func assertOnly(t *testing.T, root string, want ...string) {
	t.Helper()
	var got []string
	err := filepath.WalkDir(root, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(root, path); rel != "." {
			got = append(got, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("root %s holds %v, want only %v", root, got, want)
	}
}
