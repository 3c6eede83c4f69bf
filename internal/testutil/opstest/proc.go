package opstest

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Proc is one running process. It is killed, if still running, when the test
// ends; its output is logged when the test failed.
type Proc struct {
	cmd   *exec.Cmd
	out   string // the file its stdout and stderr go to
	done  chan struct{}
	state *os.ProcessState
}

// Start runs bin with args in its own process group. env lists the
// variables to set on top of the test's environment, without its DOLIGO_
// variables (the binaries refuse unknown ones).
func Start(t testing.TB, bin string, env map[string]string, args ...string) *Proc {
	t.Helper()
	// A file, not a pipe: the process never blocks on a full pipe, and the
	// test reads what it wrote so far at any time.
	out, err := os.CreateTemp(t.TempDir(), filepath.Base(bin)+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // the child keeps its own descriptor
	p := &Proc{out: out.Name(), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = Environ(env)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	// Its own group: a SIGKILL of the test's cleanup reaches its children too
	// (nginx's workers).
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.state = p.cmd.ProcessState
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() || os.Getenv("TEST_PROCESS_LOGS") != "" { // TEST_PROCESS_LOGS=1: show them anyway
			t.Logf("%s (pid %d) output:\n%s", filepath.Base(bin), p.cmd.Process.Pid, p.Output())
		}
	})
	return p
}

// Environ is the test's environment without DOLIGO_ variables, plus env.
func Environ(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOLIGO_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// Output is what the process wrote so far on stdout and stderr.
func (p *Proc) Output() string {
	b, _ := os.ReadFile(p.out)
	return string(b)
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends s to the process.
func (p *Proc) Signal(t testing.TB, s os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
}

// Wait returns the exit state once the process ended.
func (p *Proc) Wait(t testing.TB) *os.ProcessState {
	t.Helper()
	select {
	case <-p.done:
		return p.state
	case <-time.After(Hang):
		t.Fatalf("pid %d still running after %s", p.cmd.Process.Pid, Hang)
		return nil
	}
}

// Stop sends SIGTERM and checks that the process drains and exits 0.
func (p *Proc) Stop(t testing.TB) {
	t.Helper()
	p.Signal(t, syscall.SIGTERM)
	if st := p.Wait(t); !st.Exited() || st.ExitCode() != 0 {
		t.Fatalf("pid %d ended with %v after SIGTERM, want exit status 0", p.cmd.Process.Pid, st)
	}
}

// Kill sends SIGKILL, as a crash would end the process, and waits for it.
func (p *Proc) Kill(t testing.TB) {
	t.Helper()
	p.Signal(t, syscall.SIGKILL)
	if st := p.Wait(t); st.Exited() {
		t.Fatalf("pid %d %v, want killed", p.cmd.Process.Pid, st)
	}
}

// Run runs bin with args to its end and returns its output and exit code.
func Run(t testing.TB, bin string, env map[string]string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Hang)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = Environ(env)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s %v: %v", filepath.Base(bin), args, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// FreeAddr returns a 127.0.0.1 address free at the time of the call.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Env is the configuration both binaries need on a database: the variables
// of docs/configuration.md, DOLIGO_ prefix included. over adds or replaces.
func Env(driver, dsn string, over map[string]string) map[string]string {
	env := map[string]string{
		"DOLIGO_DB_DRIVER": driver, "DOLIGO_DB_DSN": dsn,
		"DOLIGO_DB_MAX_OPEN_CONNS": "10", "DOLIGO_DB_MAX_IDLE_CONNS": "5",
		"DOLIGO_JWT_SECRET":     strings.Repeat("s", 32),
		"DOLIGO_ADMIN_PASSWORD": AdminPassword,
		"DOLIGO_LOG_LEVEL":      "info", "DOLIGO_LOG_FORMAT": "json",
	}
	for k, v := range over {
		env[k] = v
	}
	return env
}

// AdminPassword is the bootstrap administrator's password Env sets.
const AdminPassword = "first-admin-pw"

// Server is a running API or worker with its HTTP address.
type Server struct {
	*Proc
	URL string // http://host:port
}

// StartAPI runs the API binary on a free address and waits until its /ready
// answers 200.
func StartAPI(t testing.TB, bin string, env map[string]string) *Server {
	t.Helper()
	return startServer(t, bin, env, "DOLIGO_HTTP_ADDR")
}

// StartWorker runs the worker binary with its ops server on a free address
// and waits until its /ready answers 200 (the schema is at its version).
func StartWorker(t testing.TB, bin string, env map[string]string) *Server {
	t.Helper()
	return startServer(t, bin, env, "DOLIGO_WORKER_HTTP_ADDR")
}

func startServer(t testing.TB, bin string, env map[string]string, addrVar string) *Server {
	t.Helper()
	addr := FreeAddr(t)
	with := map[string]string{addrVar: addr}
	for k, v := range env {
		if k != addrVar {
			with[k] = v
		}
	}
	s := &Server{Proc: Start(t, bin, with), URL: "http://" + addr}
	s.WaitStatus(t, "/ready", http.StatusOK)
	return s
}

// WaitStatus polls GET path until it answers status; the process ending
// first fails the test.
func (s *Server) WaitStatus(t testing.TB, path string, status int) {
	t.Helper()
	Eventually(t, s.URL+path+" answering "+http.StatusText(status), func() bool {
		if s.Exited() {
			t.Fatalf("pid %d ended (%v) before %s answered %d", s.Pid(), s.state, path, status)
		}
		return getStatus(s.URL+path) == status
	})
}

func getStatus(url string) int {
	res, err := http.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
