package proxytest_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Scale-out, proved: two API processes behind the documented nginx
// configuration (a second upstream server line, as an operator adds a
// replica) and three workers on one PostgreSQL database, under a mixed load of
// stock movements, invoice validations (which debit stock) and invoice
// e-mails from clients that retry with their Idempotency-Key as
// docs/idempotency.md tells them; half-way one API and one worker are
// killed (SIGKILL). Afterwards nothing is lost or duplicated: every
// operation a client saw succeed is there once and none is there twice,
// invoice numbers are gapless, the stock ledger equals the levels, every
// e-mail job is done and delivered — once, or again by the job that lost its
// worker, under the same Message-ID so the duplicate is recognisable.
//
// The load runs for a bounded time; nothing is asserted on time.
func TestScaleOutSurvivesAKilledAPIAndWorker(t *testing.T) {
	if !slices.Contains(testdb.Dialects(), "postgres") {
		t.Skip("postgres is not in TEST_DIALECTS: scale-out is a PostgreSQL set-up")
	}
	if _, err := os.Stat(nginxBin); err != nil {
		t.Skipf("%s is missing (Debian: apt-get install nginx-light): scale-out behind nginx is not tested", nginxBin)
	}
	apiBin, workerBin := opstest.Binaries(t)
	db := testdb.Migrated(t, "postgres")
	sink := smtpsink.Start(t)
	common := map[string]string{
		"DOLIGO_TRUSTED_PROXIES": "127.0.0.1", "DOLIGO_TASK_TIMEOUT": "5s", "DOLIGO_SHUTDOWN_TIMEOUT": "1s",
	}
	api1 := opstest.StartAPI(t, apiBin, opstest.Env("postgres", db.DSN, common))
	api2 := opstest.StartAPI(t, apiBin, opstest.Env("postgres", db.DSN, common))
	var workers []*opstest.Server
	for range 3 {
		workers = append(workers, opstest.StartWorker(t, workerBin, opstest.Env("postgres", db.DSN, merge(common, map[string]string{
			"DOLIGO_SMTP_HOST": sink.Host, "DOLIGO_SMTP_PORT": strconv.Itoa(sink.Port), "DOLIGO_SMTP_FROM": "billing@example.com",
			"DOLIGO_JOB_LEASE": "8s", "DOLIGO_JOB_POLL_INTERVAL": "200ms", "DOLIGO_WORKER_CONCURRENCY": "4",
		}))))
	}
	dir := t.TempDir()
	proxyAddr := opstest.FreeAddr(t)
	a1, a2 := strings.TrimPrefix(api1.URL, "http://"), strings.TrimPrefix(api2.URL, "http://")
	site := addReplica(t, localize(t, nginxBlock(t), a1, proxyAddr), a1, a2)
	startNginx(t, dir, proxyAddr, site)
	base := "http://" + proxyAddr

	admin := opstest.Login(t, base, "admin", opstest.AdminPassword)
	wh := opstest.ID(t, admin.JSON(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "WH-SCALE", "label": "Scale-out"}`))
	var products []int64
	for i := range 3 {
		p := opstest.ID(t, admin.JSON(t, http.StatusCreated, "POST", "/api/v1/products",
			fmt.Sprintf(`{"ref": "SCALE-%d", "label": "Part %d", "unit_price": "10", "vat_rate": "20"}`, i, i)))
		admin.JSON(t, http.StatusCreated, "POST", "/api/v1/stock/movements",
			fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": "100000", "unit_cost": "4", "label": "opening"}`, p, wh))
		products = append(products, p)
	}
	customer := opstest.ID(t, admin.JSON(t, http.StatusCreated, "POST", "/api/v1/thirdparties",
		`{"name": "Scale Customer", "is_customer": true, "email": "ap@scale.example"}`))

	const clients = 6
	var (
		mu        sync.Mutex
		confirmed = map[string]bool{} // movement labels the API confirmed
		unsure    = map[string]bool{} // movement labels whose answer never came
		validated []int64             // invoices the API confirmed validated
		sentJobs  []int64             // e-mail jobs the API confirmed enqueued
		failures  []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &retrying{base: base, token: admin.Token}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				p := products[(c+n)%len(products)]
				if n%2 == 0 {
					label := fmt.Sprintf("scale-%d-%d", c, n)
					qty := []string{"1", "-1"}[n/2%2]
					st, _ := cl.post("/api/v1/stock/movements",
						fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": %q, "label": %q}`, p, wh, qty, label))
					mu.Lock()
					switch st {
					case http.StatusCreated:
						confirmed[label] = true
					case 0:
						unsure[label] = true
					default:
						failures = append(failures, fmt.Sprintf("movement %s: %d", label, st))
					}
					mu.Unlock()
					continue
				}
				st, body := cl.post("/api/v1/invoices", fmt.Sprintf(`{"thirdparty_id": %d, "date": "2026-11-20", "lines": [
					{"product_id": %d, "qty": "1", "unit_price": "10", "vat_rate": "20"}]}`, customer, p))
				if st != http.StatusCreated {
					if st != 0 {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("invoice draft: %d %s", st, body))
						mu.Unlock()
					}
					continue
				}
				id := int64(body["id"].(float64))
				st, body = cl.post(fmt.Sprintf("/api/v1/invoices/%d/validate", id), fmt.Sprintf(`{"warehouse_id": %d}`, wh))
				if st != http.StatusOK {
					if st != 0 {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("validate %d: %d %v", id, st, body))
						mu.Unlock()
					}
					continue
				}
				mu.Lock()
				validated = append(validated, id)
				mu.Unlock()
				st, body = cl.post(fmt.Sprintf("/api/v1/invoices/%d/send", id), "")
				mu.Lock()
				switch {
				case st == http.StatusAccepted:
					sentJobs = append(sentJobs, int64(body["job_id"].(float64)))
				case st != 0:
					failures = append(failures, fmt.Sprintf("send %d: %d %v", id, st, body))
				}
				mu.Unlock()
			}
		}()
	}
	// Half-way, one API and one worker die as a crash ends them.
	waitFor(t, "some load before the kill", func() bool { mu.Lock(); defer mu.Unlock(); return len(sentJobs) >= 10 && len(confirmed) >= 20 })
	api1.Kill(t)
	workers[0].Kill(t)
	mu.Lock()
	before := len(confirmed) + len(validated)
	mu.Unlock()
	waitFor(t, "as much load after the kill", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(confirmed)+len(validated) >= 2*before
	})
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed, e.g. %s", len(failures), failures[0])
	}
	t.Logf("%d movements confirmed (%d unsure), %d invoices validated, %d e-mails enqueued; %d workers left",
		len(confirmed), len(unsure), len(validated), len(sentJobs), len(workers)-1)

	sqlDB := opstest.OpenSQL(t, "postgres", db.DSN)
	// E-mails: the dead worker's jobs come back after their lease.
	waitFor(t, "every e-mail job done", func() bool {
		return scalar(t, sqlDB, `SELECT COUNT(*) FROM jobs WHERE kind = 'email.send' AND state <> 'done'`) == 0
	})
	delivered := map[int64]int{}
	for _, m := range sink.Messages() {
		if id := jobOfMessage(m.MessageID); id > 0 {
			delivered[id]++
		}
	}
	attempts := map[int64]int64{}
	rows := query(t, sqlDB, `SELECT id, attempt FROM jobs WHERE kind = 'email.send'`)
	for _, r := range rows {
		attempts[r[0]] = r[1]
	}
	for _, id := range sentJobs {
		if _, ok := attempts[id]; !ok {
			t.Errorf("e-mail job %d, confirmed, is not in the queue", id)
		}
	}
	for id, a := range attempts {
		switch n := delivered[id]; {
		case n == 0:
			t.Errorf("e-mail job %d is done but its e-mail never arrived", id)
		case n > 1 && a < 2:
			t.Errorf("e-mail job %d delivered %d times on its first attempt: a duplicate nobody can explain", id, n)
		}
	}

	// Invoices: every confirmed validation is there, numbers are gapless.
	refs := strings.Fields(strings.Join(queryStrings(t, sqlDB,
		`SELECT ref FROM commercial_documents WHERE doc_type = 'invoice' AND ref IS NOT NULL AND ref <> '' ORDER BY ref`), " "))
	seq := make([]int, len(refs))
	for i, r := range refs {
		n, err := strconv.Atoi(r[strings.LastIndexByte(r, '-')+1:])
		if err != nil {
			t.Fatalf("invoice number %q", r)
		}
		seq[i] = n
	}
	slices.Sort(seq)
	for i, n := range seq {
		if n != i+1 {
			t.Fatalf("invoice numbers are not gapless: %v", seq)
		}
	}
	for _, id := range validated {
		if n := scalar(t, sqlDB, `SELECT COUNT(*) FROM commercial_documents WHERE id = $1 AND status = 'validated' AND ref <> ''`, id); n != 1 {
			t.Errorf("invoice %d was confirmed validated but is not", id)
		}
	}

	// Stock: the ledger equals the levels, each movement is there at most
	// once and every confirmed one is.
	if n := scalar(t, sqlDB, `SELECT COUNT(*) FROM stock_levels l
		WHERE l.qty <> (SELECT COALESCE(SUM(m.qty), 0) FROM stock_movements m WHERE m.product_id = l.product_id AND m.warehouse_id = l.warehouse_id)`); n != 0 {
		t.Errorf("%d stock levels differ from their ledger", n)
	}
	seen := map[string]int64{}
	for _, r := range queryStrings(t, sqlDB, `SELECT label || ' ' || COUNT(*) FROM stock_movements WHERE label LIKE 'scale-%' GROUP BY label`) {
		f := strings.Fields(r)
		n, _ := strconv.ParseInt(f[1], 10, 64)
		seen[f[0]] = n
	}
	for label, n := range seen {
		if n != 1 {
			t.Errorf("movement %s is in the ledger %d times", label, n)
		}
		if !confirmed[label] && !unsure[label] {
			t.Errorf("movement %s is in the ledger but no client sent it", label)
		}
	}
	for label := range confirmed {
		if seen[label] != 1 {
			t.Errorf("movement %s was confirmed but is not in the ledger", label)
		}
	}
	// The survivors still answer, and drain cleanly.
	api2.Stop(t)
	for _, w := range workers[1:] {
		w.Stop(t)
	}
}

// addReplica adds a second upstream server line, for the API at replica,
// after the line of the API at first: what an operator does to add a replica.
func addReplica(t *testing.T, site, first, replica string) string {
	t.Helper()
	var out []string
	added := false
	for _, l := range strings.Split(site, "\n") {
		out = append(out, l)
		if m := upstreamServer.FindStringSubmatch(l); m != nil && m[2] == first && !added {
			out = append(out, m[1]+replica+m[3]+";")
			added = true
		}
	}
	if !added {
		t.Fatalf("no upstream server line for %s in\n%s", first, site)
	}
	return strings.Join(out, "\n")
}

// retrying is a client as docs/idempotency.md describes it: a key per
// operation, and on a network error, a 502/503/504 or a 409
// idempotency-in-progress the same request again with the same key. An
// answer that does not come within a bound (a request that died with its
// API holds its key for minutes) leaves the outcome unknown: status 0.
type retrying struct {
	base, token string
}

var client = &http.Client{Timeout: 20 * time.Second}

func (r *retrying) post(path, body string) (int, map[string]any) {
	key := make([]byte, 16)
	rand.Read(key)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest("POST", r.base+path, rd)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+r.token)
		req.Header.Set("Idempotency-Key", hex.EncodeToString(key))
		res, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			switch {
			case res.StatusCode == http.StatusBadGateway || res.StatusCode == http.StatusServiceUnavailable ||
				res.StatusCode == http.StatusGatewayTimeout:
			case res.StatusCode == http.StatusConflict && bytes.Contains(b, []byte("idempotency-in-progress")):
			default:
				var m map[string]any
				_ = json.Unmarshal(b, &m)
				return res.StatusCode, m
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, nil
}

var messageJob = regexp.MustCompile(`^job-(\d+)\.`)

// jobOfMessage is the job id in a Message-ID the worker wrote, or 0.
func jobOfMessage(id string) int64 {
	m := messageJob.FindStringSubmatch(id)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	opstest.Eventually(t, what, cond)
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func scalar(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func query(t *testing.T, db *sql.DB, q string) [][2]int64 {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var r [2]int64
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
