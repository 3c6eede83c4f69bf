// Package devrun checks what `make run` does: the API and the worker started
// at the same moment on the embedded SQLite default, in a data folder that
// does not exist yet, both become ready and both stop cleanly.
package devrun

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/doligo/doligo/internal/testutil/opstest"
)

func TestMain(m *testing.M) { os.Exit(opstest.Main(m)) }

func ready(url string) bool {
	res, err := http.Get(url)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

func TestAPIAndWorkerStartTogetherOnANewSQLiteFile(t *testing.T) {
	apiBin, workerBin := opstest.Binaries(t)
	// Several rounds: who switches the new file to WAL first is a race.
	for round := range 3 {
		dir := t.TempDir()
		apiAddr, workerAddr := opstest.FreeAddr(t), opstest.FreeAddr(t)
		env := map[string]string{
			"DOLIGO_DB_DSN":           "file:" + filepath.Join(dir, "data", "doligo.db"),
			"DOLIGO_HTTP_ADDR":        apiAddr,
			"DOLIGO_WORKER_HTTP_ADDR": workerAddr,
			"DOLIGO_ADMIN_PASSWORD":   opstest.AdminPassword,
		}
		// In the order of the Makefile: the API (which creates and migrates
		// the file) first, the worker right behind it.
		api := opstest.Start(t, apiBin, env)
		worker := opstest.Start(t, workerBin, env)
		opstest.Eventually(t, "both processes ready", func() bool {
			if api.Exited() || worker.Exited() {
				t.Fatalf("round %d: a process exited:\napi: %s\nworker: %s", round, api.Output(), worker.Output())
			}
			return ready("http://"+apiAddr+"/ready") && ready("http://"+workerAddr+"/ready")
		})
		opstest.Login(t, "http://"+apiAddr, "admin", opstest.AdminPassword)
		for _, p := range []*opstest.Proc{api, worker} {
			p.Signal(t, syscall.SIGTERM)
			if st := p.Wait(t); st.ExitCode() != 0 {
				t.Fatalf("round %d: exit %d after SIGTERM:\n%s", round, st.ExitCode(), p.Output())
			}
		}
	}
}

// `make run` publishes its administrator password, so by default it listens
// on loopback only (API and worker); one variable on the command line opens
// it up, as the README says.
func TestMakeRunListensOnLoopback(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	root, err := opstest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	vars := func(args ...string) map[string]string {
		// -n prints what make run would do and runs nothing; its first line
		// says where the two processes will listen, from the variables
		// exported to them. The environment is cleared of DOLIGO_ variables
		// so the Makefile's defaults show.
		cmd := exec.Command(mk, append([]string{"-n", "run"}, args...)...)
		cmd.Dir = root
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "DOLIGO_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("make -n run: %v", err)
		}
		got := map[string]string{}
		if m := regexp.MustCompile(`API http://(\S*)\s+worker http://(\S*)`).FindStringSubmatch(string(out)); m != nil {
			got["DOLIGO_HTTP_ADDR"], got["DOLIGO_WORKER_HTTP_ADDR"] = m[1], m[2]
		}
		return got
	}
	def := vars()
	if def["DOLIGO_HTTP_ADDR"] != "127.0.0.1:8080" || def["DOLIGO_WORKER_HTTP_ADDR"] != "127.0.0.1:8081" {
		t.Fatalf("make run listens on API %q, worker %q; want 127.0.0.1:8080 and 127.0.0.1:8081", def["DOLIGO_HTTP_ADDR"], def["DOLIGO_WORKER_HTTP_ADDR"])
	}
	if open := vars("DOLIGO_HTTP_ADDR=:8080"); open["DOLIGO_HTTP_ADDR"] != ":8080" {
		t.Fatalf("make run DOLIGO_HTTP_ADDR=:8080: API on %q", open["DOLIGO_HTTP_ADDR"])
	}
}
