package e2e

// BenchmarkNearFloor (docs/benchmarks.md, "Near the floor"): the API binary
// as it ships against the floor (floor_server_test.go), both processes of
// their own on one PostgreSQL server, served in alternating rounds:
//
//	go test ./cmd/api/e2e -run '^$' -bench NearFloor -benchtime 1x -timeout 20m
//
// BENCH_ROUNDS (default 5) pairs of BENCH_ROUND_TIME (default 3s) each
// (BENCH_ONLY=get_product or draft_invoice runs one case; BENCH_API_BIN
// serves another build of cmd/api as ours, BENCH_API_ENV="K=V …" adds to its
// environment);
// each pair runs floor then ours, the next ours then floor (ABBA), so a drift
// of the machine's load weighs on both alike. Per server it reports
// requests per second, the latency's median and 99th percentile (from the
// clients, every request) and the server's CPU per request: the utime and
// stime of its process (/proc/<pid>/stat) over the rounds, divided by the
// requests it answered — the clients, PostgreSQL and the other server are
// other processes and do not count.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to read the database's session count

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// floorConns is both servers' pool: DOLIGO_DB_MAX_OPEN_CONNS's default.
var floorConns = config.Defaults().DBMaxOpenConns

func BenchmarkNearFloor(b *testing.B) {
	if !slices.Contains(testdb.Dialects(), sqldialect.Postgres) {
		b.Skip("postgres is not in TEST_DIALECTS")
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("needs /proc/<pid>/stat (Linux) to read each server's CPU time")
	}
	dsn := testdb.Fresh(b, sqldialect.Postgres)
	apiBin := os.Getenv("BENCH_API_BIN") // another build to compare (e.g. before a change)
	if apiBin == "" {
		apiBin, _ = opstest.Binaries(b)
	}
	const secret, issuer = "benchmark-secret-of-32-bytes-or-more", "doligo"
	env := map[string]string{
		// The product's defaults, but the secret the floor shares.
		"DOLIGO_JWT_SECRET": secret, "DOLIGO_JWT_ISSUER": issuer,
		"DOLIGO_DB_MAX_OPEN_CONNS": strconv.Itoa(floorConns), "DOLIGO_DB_MAX_IDLE_CONNS": strconv.Itoa(config.Defaults().DBMaxIdleConns),
		"DOLIGO_LOG_LEVEL": "info", "DOLIGO_AUTH_REVOCATION_LAG": "5s",
	}
	for _, kv := range strings.Fields(os.Getenv("BENCH_API_ENV")) { // e.g. DOLIGO_DB_MAX_IDLE_CONNS=10
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	ours := opstest.StartAPI(b, apiBin, opstest.Env(sqldialect.Postgres, dsn, env))
	admin := opstest.Login(b, ours.URL, "admin", opstest.AdminPassword)
	tp := opstest.ID(b, admin.JSON(b, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Floor Customer", "is_customer": true}`))
	product := opstest.ID(b, admin.JSON(b, http.StatusCreated, "POST", "/api/v1/products",
		`{"ref": "FLOOR-1", "label": "Floor widget", "unit_price": "12.50", "vat_rate": "20", "cost_price": "7.125", "min_stock": "5"}`))
	for i, qty := range []string{"120", "35.5"} {
		w := opstest.ID(b, admin.JSON(b, http.StatusCreated, "POST", "/api/v1/warehouses", fmt.Sprintf(`{"ref": "W%d", "label": "Warehouse %d"}`, i, i)))
		admin.JSON(b, http.StatusCreated, "POST", "/api/v1/stock/movements",
			fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": %q}`, product, w, qty))
	}

	// Sessions the database opened, read before and after each round: only
	// the server under load opens any (a pool that closes and reopens
	// connections shows here).
	stats, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	stats.SetMaxOpenConns(1)
	b.Cleanup(func() { stats.Close() })
	sessions := func() int64 {
		var n int64
		if err := stats.QueryRow("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}

	floorAddr := opstest.FreeAddr(b)
	fl := &opstest.Server{Proc: opstest.Start(b, os.Args[0], map[string]string{
		"FLOOR_SERVE": "1", "FLOOR_ADDR": floorAddr, "FLOOR_DSN": dsn, "FLOOR_CONNS": strconv.Itoa(floorConns),
		"FLOOR_SECRET": secret, "FLOOR_ISSUER": issuer, "FLOOR_LAG": "5s",
	}), URL: "http://" + floorAddr}
	fl.WaitStatus(b, "/health", http.StatusOK)

	// Both answer the product alike, byte for byte once decoded: the floor
	// does the same work, not less.
	productPath := fmt.Sprintf("/api/v1/products/%d", product)
	var answers [2]any
	for i, url := range []string{ours.URL, fl.URL} {
		res, body := admin.Via(url).Do(b, http.MethodGet, productPath, nil)
		if res.StatusCode != http.StatusOK || json.Unmarshal(body, &answers[i]) != nil {
			b.Fatalf("GET %s%s: %d %s", url, productPath, res.StatusCode, body)
		}
	}
	if !reflect.DeepEqual(answers[0], answers[1]) {
		b.Fatalf("the floor answers the product otherwise:\nours  %v\nfloor %v", answers[0], answers[1])
	}

	rounds := opstest.BenchInt(b, "BENCH_ROUNDS", 5)
	roundTime := opstest.BenchDuration(b, "BENCH_ROUND_TIME", 3*time.Second)
	invoice := fmt.Sprintf(`{"thirdparty_id": %d, "date": "2026-11-20", "lines": [
		{"description": "Installation", "qty": "1.5", "unit_price": "80", "vat_rate": "20"},
		{"description": "Travel", "qty": "1", "unit_price": "35.20", "discount_percent": "10", "vat_rate": "10"},
		{"description": "Widget, oak", "qty": "3", "unit_price": "12.50", "vat_rate": "20"}]}`, tp)
	for _, c := range []struct {
		name    string
		clients int
		method  string
		path    string
		body    string
		want    int
	}{
		{"get_product", 16, http.MethodGet, productPath, "", http.StatusOK},
		{"draft_invoice", 8, http.MethodPost, "/api/v1/invoices", invoice, http.StatusCreated},
	} {
		if only := os.Getenv("BENCH_ONLY"); only != "" && only != c.name {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			targets := []*floorTarget{
				{name: "floor", url: fl.URL, pid: fl.Pid()},
				{name: "ours", url: ours.URL, pid: ours.Pid()},
			}
			load := []string{loadAvg(b)}
			load1 := []float64{}
			run := func(t *floorTarget, d time.Duration, record bool) {
				s0 := sessions()
				res := t.run(b, c.clients, d, c.method, c.path, c.body, admin.Token, c.want)
				res.sessions = sessions() - s0
				if record {
					t.add(res)
				}
			}
			for _, t := range targets { // warm up: connections, statement caches
				run(t, time.Second, false)
			}
			var ratios []float64
			for i := range rounds {
				order := targets
				if i%2 == 1 {
					order = []*floorTarget{targets[1], targets[0]}
				}
				n0 := [2]int{targets[0].reqs, targets[1].reqs}
				d0 := [2]time.Duration{targets[0].elapsed, targets[1].elapsed}
				for _, t := range order {
					run(t, roundTime, true)
				}
				rate := func(j int) float64 {
					return float64(targets[j].reqs-n0[j]) / (targets[j].elapsed - d0[j]).Seconds()
				}
				ratios = append(ratios, rate(1)/rate(0))
				load1 = append(load1, loadAvg1(b))
			}
			load = append(load, loadAvg(b))
			slices.Sort(ratios)
			f, o := targets[0], targets[1]
			b.ReportMetric(o.rate()/f.rate(), "ratio")
			b.ReportMetric(o.rate(), "ours_req/s")
			b.ReportMetric(f.rate(), "floor_req/s")
			b.ReportMetric(o.cpuPerReq(), "ours_cpu_µs/req")
			b.ReportMetric(f.cpuPerReq(), "floor_cpu_µs/req")
			slices.Sort(load1)
			b.Logf("%s, %d clients, %d rounds of %s each, ABBA; load average %s → %s (1-min during the rounds %.2f–%.2f)",
				c.name, c.clients, rounds, roundTime, load[0], load[1], load1[0], load1[len(load1)-1])
			b.Logf("ratio ours ÷ floor %.2f (rounds: %s)", o.rate()/f.rate(), fmtFloats(ratios))
			for _, t := range targets {
				b.Logf("%-5s %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU %5.0f µs/req  (%d requests; %d database sessions opened)",
					t.name, t.rate(), t.pct(0.50), t.pct(0.99), t.cpuPerReq(), t.reqs, t.sessions)
			}
		})
	}
}

// floorTarget accumulates one server's rounds.
type floorTarget struct {
	name    string
	url     string
	pid     int
	reqs    int
	elapsed time.Duration
	cpu     time.Duration
	lat     []time.Duration
	client  *http.Client
	// sessions is how many database connections it opened in the rounds.
	sessions int64
}

type floorRound struct {
	sessions int64
	reqs     int
	elapsed  time.Duration
	cpu      time.Duration
	lat      []time.Duration
}

func (t *floorTarget) add(r floorRound) {
	t.reqs += r.reqs
	t.elapsed += r.elapsed
	t.cpu += r.cpu
	t.lat = append(t.lat, r.lat...)
	t.sessions += r.sessions
}

func (t *floorTarget) rate() float64 { return float64(t.reqs) / t.elapsed.Seconds() }

func (t *floorTarget) cpuPerReq() float64 {
	return float64(t.cpu.Microseconds()) / float64(t.reqs)
}

func (t *floorTarget) pct(p float64) float64 {
	l := slices.Clone(t.lat)
	slices.Sort(l)
	return float64(l[min(len(l)-1, int(p*float64(len(l))))].Microseconds()) / 1000
}

// run has clients send the request in a loop for d and returns what was
// answered, how long each took and the server's CPU meanwhile. Any other
// status than want fails the benchmark.
func (t *floorTarget) run(b *testing.B, clients int, d time.Duration, method, path, body, token string, want int) floorRound {
	b.Helper()
	if t.client == nil {
		t.client = &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}
	}
	var (
		wg     sync.WaitGroup
		stop   atomic.Bool
		mu     sync.Mutex
		lat    []time.Duration
		failed atomic.Pointer[string]
	)
	cpu0 := procCPU(b, t.pid)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			own := make([]time.Duration, 0, 4096)
			for !stop.Load() {
				req, err := http.NewRequest(method, t.url+path, bytes.NewReader([]byte(body)))
				if err != nil {
					panic(err)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				t0 := time.Now()
				res, err := t.client.Do(req)
				if err != nil {
					msg := err.Error()
					failed.Store(&msg)
					return
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				own = append(own, time.Since(t0))
				if res.StatusCode != want {
					msg := fmt.Sprintf("%s %s: %d %.300s", method, path, res.StatusCode, out)
					failed.Store(&msg)
					return
				}
			}
			mu.Lock()
			lat = append(lat, own...)
			mu.Unlock()
		})
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	cpu := procCPU(b, t.pid) - cpu0
	if msg := failed.Load(); msg != nil {
		b.Fatalf("%s: %s", t.name, *msg)
	}
	return floorRound{reqs: len(lat), elapsed: elapsed, cpu: cpu, lat: lat}
}

// procCPU is the user and system CPU time process pid has used, all its
// threads, from /proc/<pid>/stat (in clock ticks of 10 ms: over rounds of
// thousands of requests, well under a microsecond per request).
func procCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	const clkTck = 100 // sysconf(_SC_CLK_TCK) on Linux
	return time.Duration(utime+stime) * time.Second / clkTck
}

func loadAvg(b *testing.B) string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		b.Fatal(err)
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}

func loadAvg1(b *testing.B) float64 {
	v, _ := strconv.ParseFloat(strings.Fields(loadAvg(b))[0], 64)
	return v
}

func fmtFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strings.Join(s, " ")
}
