// Package devrun checks what `make run` does: the API and the worker started
// at the same moment on the embedded SQLite default, in a data folder that
// does not exist yet, both become ready and both stop cleanly.
package devrun

import (
	"net/http"
	"os"
	"path/filepath"
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
