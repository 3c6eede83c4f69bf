// Package e2e runs the API binary as it ships (CGO_ENABLED=0, a process of
// its own) for the measurements an in-process test cannot make: the
// resident memory of the whole process.
package e2e

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/testutil/opstest"
)

func TestMain(m *testing.M) {
	if os.Getenv("FLOOR_SERVE") != "" { // the floor of BenchmarkNearFloor, a process of its own
		os.Exit(floorMain())
	}
	os.Exit(opstest.Main(m))
}

// peakRSSLimit is what 16 parallel renders of the largest invoice may take the
// API to (docs/benchmarks.md, "PDF rendering memory").
const peakRSSLimit = 700 << 20

// Sixteen viewers download the PDF of the largest invoices at once, retrying
// when told to: 500 lines of 3,000 characters each (the largest when a
// document held 500 lines), then 5,000 lines (DOLIGO_MAX_DOCUMENT_LINES)
// whose body fills the 2M body limit. Every one gets its PDF and the API's
// peak resident memory (VmHWM) stays under 700 MB, because at most
// DOLIGO_PDF_MAX_CONCURRENT render at once. Without the bound the same load
// took it past 1 GB.
//
// The test renders 32 PDFs of about 750 pages: about two minutes of CPU. It
// runs unless -short; TEST_PDF_MAX_CONCURRENT sets the API's limit to
// measure another (16 shows the process without the bound), and the peak
// is then only reported.
func TestParallelPDFRendersKeepTheAPIUnder700MB(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 16 PDFs of about 750 pages: skipped with -short")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc/<pid>/status (Linux) to read the peak resident memory")
	}
	apiBin, _ := opstest.Binaries(t)
	over := map[string]string{"DOLIGO_LOG_LEVEL": "warn"}
	limit := os.Getenv("TEST_PDF_MAX_CONCURRENT")
	if limit != "" {
		over["DOLIGO_PDF_MAX_CONCURRENT"] = limit
	}
	api := opstest.StartAPI(t, apiBin, opstest.Env("sqlite", "file:"+filepath.Join(t.TempDir(), "doligo.db"), over))
	admin := opstest.Login(t, api.URL, "admin", opstest.AdminPassword)

	tp := opstest.ID(t, admin.JSON(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Big Customer", "is_customer": true}`))
	words := strings.Fields("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua")
	invoice := func(n, chars int) int64 {
		var lines []string
		for i := range n {
			var d strings.Builder
			for d.Len() < chars {
				d.WriteString(words[rand.IntN(len(words))])
				d.WriteByte(' ')
			}
			lines = append(lines, fmt.Sprintf(`{"description": %q, "qty": "%d", "unit_price": "12.34", "vat_rate": "20"}`,
				d.String()[:chars], i%7+1))
		}
		body := fmt.Sprintf(`{"thirdparty_id": %d, "date": "2026-11-05", "lines": [%s]}`, tp, strings.Join(lines, ","))
		t.Logf("invoice of %d lines of %d characters: a body of %d bytes", n, chars, len(body))
		return opstest.ID(t, admin.JSON(t, http.StatusCreated, "POST", "/api/v1/invoices", body))
	}
	// 5,000 lines of 330 characters are 2.04 MB of JSON, just under 2M.
	invoices := []int64{invoice(500, 3000), invoice(5000, 330)}
	admin.JSON(t, http.StatusCreated, "POST", "/api/v1/users",
		`{"login": "viewer", "password": "viewer-password-1", "email": "viewer@example.com", "roles": ["viewer"], "active": true}`)
	viewer := opstest.Login(t, api.URL, "viewer", "viewer-password-1")

	before := vmHWM(t, api.Pid())
	for _, inv := range invoices {
		parallelPDFs(t, viewer, fmt.Sprintf("/api/v1/invoices/%d/pdf", inv), limit)
	}
	peak := vmHWM(t, api.Pid())
	t.Logf("limit %q: VmHWM %d MB before the renders, %d MB after", limit, before>>20, peak>>20)
	if limit == "" && peak >= peakRSSLimit {
		t.Errorf("peak resident memory %d MB, want under %d MB", peak>>20, peakRSSLimit>>20)
	}
	api.Stop(t)
}

// parallelPDFs has 16 clients ask for the PDF at path at once, each until it
// gets it.
func parallelPDFs(t *testing.T, viewer *opstest.Client, path, limit string) {
	t.Helper()
	const clients = 16
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		busy, pages     int
		failures        []string
		start           = time.Now()
		retryAfterCount = map[string]int{}
	)
	for range clients {
		wg.Go(func() {
			for attempt := 0; ; attempt++ {
				res, body := viewer.Do(t, "GET", path, nil)
				mu.Lock()
				switch {
				case res.StatusCode == http.StatusOK && strings.HasPrefix(string(body), "%PDF-"):
					pages = strings.Count(string(body), "/Type /Page\n") + strings.Count(string(body), "/Type /Page\r")
					mu.Unlock()
					return
				case res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") != "" && attempt < 200:
					busy++
					retryAfterCount[res.Header.Get("Retry-After")]++
					mu.Unlock()
					s, _ := strconv.Atoi(res.Header.Get("Retry-After"))
					time.Sleep(time.Duration(s) * time.Second) // as a polite client does
					continue
				default:
					failures = append(failures, fmt.Sprintf("%d %.200s", res.StatusCode, body))
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	for _, f := range failures {
		t.Errorf("a PDF request: %s", f)
	}
	t.Logf("limit %q: %d PDFs (%d pages each) in %s, %d answers 503 (Retry-After %v)",
		limit, clients, pages, time.Since(start).Round(time.Second), busy, retryAfterCount)
}

// vmHWM reads the peak resident set size of process pid, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}
