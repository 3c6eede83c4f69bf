// Package opstest runs the product the way an operator does, for the tests
// that prove the operator documents (docs/backup_strategy.md,
// docs/operations.md, docs/reverse_proxy.md): it builds cmd/api and cmd/worker
// static, as they ship, starts them as processes, talks to the API over HTTP,
// reads the fenced blocks of a Markdown document and runs them as written, and
// snapshots every table of a database as text.
//
// A test package using it starts with
//
//	func TestMain(m *testing.M) { os.Exit(opstest.Main(m)) }
package opstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Hang bounds every wait: a guard against a test hanging, never a timing
// assertion (the machine may be slow and shared).
const Hang = 90 * time.Second

var build struct {
	once        sync.Once
	dir         string
	api, worker string
	err         error
}

// Main runs the package's tests, then drops their databases (testdb.Main) and
// removes the binaries Binaries built.
func Main(m *testing.M) int {
	code := testdb.Main(m)
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	return code
}

// Binaries builds cmd/api and cmd/worker with CGO_ENABLED=0, once per test
// process, and returns their paths.
func Binaries(t testing.TB) (api, worker string) {
	t.Helper()
	build.once.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			build.err = err
			return
		}
		if build.dir, build.err = os.MkdirTemp("", "doligo-opstest-"); build.err != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", build.dir+string(filepath.Separator), "./cmd/api", "./cmd/worker")
		cmd.Dir = root
		// `make test` exports CGO_ENABLED=1 for the race detector; the shipped
		// binaries never use cgo. The last value of a key wins.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		build.api, build.worker = filepath.Join(build.dir, "api"), filepath.Join(build.dir, "worker")
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.api, build.worker
}

// RepoRoot is the folder holding the module's go.mod, as the go command
// finds it from the package folder where `go test` runs.
func RepoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(gomod), nil
}

// Doc returns the path of a document under docs/.
func Doc(t testing.TB, name string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "docs", name)
}

// Eventually polls cond until it holds, failing the test after Hang.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never saw: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BenchInt is the positive integer of the environment variable name (a
// benchmark's knob), def when it is unset.
func BenchInt(b testing.TB, name string, def int) int {
	b.Helper()
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive integer", name, v)
		}
		return n
	}
	return def
}

// BenchDuration is BenchInt for a positive duration ("3s").
func BenchDuration(b testing.TB, name string, def time.Duration) time.Duration {
	b.Helper()
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("%s=%q: want a positive duration", name, v)
		}
		return d
	}
	return def
}
