package observability

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func get(h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, body %s", ct, rec.Body)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != rec.Code || p.RequestID == "" || p.RequestID != rec.Header().Get(HeaderRequestID) {
		t.Fatalf("problem %+v for status %d, request id header %q", p, rec.Code, rec.Header().Get(HeaderRequestID))
	}
	return p
}

// The worker's ops server answers as the API does: the same bodies, problems,
// request ids, access-log lines and metrics labels.
func TestOpsServer(t *testing.T) {
	var logs bytes.Buffer
	reason := "schema at version 1, this build needs 2"
	h := NewOpsServer(OpsOptions{Log: zerolog.New(&logs), Ready: func(context.Context) string { return reason }})

	if rec := get(h, "GET", "/health"); rec.Code != 200 || rec.Body.String() != "{\"status\":\"ok\"}\n" || !SaneRequestID(rec.Header().Get(HeaderRequestID)) {
		t.Fatalf("/health: %d %q, request id %q", rec.Code, rec.Body, rec.Header().Get(HeaderRequestID))
	}
	rec := get(h, "GET", "/ready", HeaderRequestID, "abc-1")
	if p := decode(t, rec); rec.Code != 503 || p.Detail != reason || p.Type != "/problems/not-ready" || p.RequestID != "abc-1" {
		t.Fatalf("/ready not ready: %d %+v", rec.Code, p)
	}
	reason = ""
	if rec := get(h, "GET", "/ready"); rec.Code != 200 || rec.Body.String() != "{\"status\":\"ready\"}\n" {
		t.Fatalf("/ready: %d %q", rec.Code, rec.Body)
	}
	if rec := get(h, "GET", "/nope", HeaderRequestID, "has space"); rec.Code != 404 || decode(t, rec).Type != "/problems/not-found" {
		t.Fatalf("unknown path: %d %s", rec.Code, rec.Body)
	}
	rec = get(h, "DELETE", "/health")
	if p := decode(t, rec); rec.Code != 405 || p.Type != "/problems/method-not-allowed" || rec.Header().Get("Allow") != opsAllow {
		t.Fatalf("wrong method: %d %+v, Allow %q", rec.Code, p, rec.Header().Get("Allow"))
	}
	if rec := get(h, "HEAD", "/nope"); rec.Code != 404 || rec.Body.Len() != 0 {
		t.Fatalf("HEAD unknown path: %d %q", rec.Code, rec.Body)
	}

	body := get(h, "GET", "/metrics").Body.String()
	for _, want := range []string{
		`doligo_http_requests_total{method="GET",route="/health",status="200"} 1`,
		`doligo_http_requests_total{method="GET",route="/ready",status="503"} 1`,
		`doligo_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`doligo_http_requests_total{method="DELETE",route="/health",status="405"} 1`,
		`doligo_http_request_duration_seconds_count{method="GET",route="/ready"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(logs.String(), `"request_id":"abc-1","method":"GET","path":"/ready","route":"/ready","status":503`) {
		t.Errorf("no access-log line for the refused /ready:\n%s", logs.String())
	}
}

// A panicking handler is a logged 500 problem, not a dropped connection.
func TestOpsServerRecoversPanics(t *testing.T) {
	var logs bytes.Buffer
	h := NewOpsServer(OpsOptions{Log: zerolog.New(&logs), Ready: func(context.Context) string { panic("boom") }})
	rec := get(h, "GET", "/ready")
	if p := decode(t, rec); rec.Code != 500 || p.Type != "/problems/internal" {
		t.Fatalf("panic: %d %+v", rec.Code, p)
	}
	if !strings.Contains(logs.String(), "handler panicked") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
}

// The worker's /metrics takes the same token as the API's; every answer of
// its ops server carries nosniff; an invented method is counted as "other".
func TestOpsServerMetricsTokenAndHeaders(t *testing.T) {
	const token = "scrape-me-0123456789"
	m := NewMetrics(nil)
	h := NewOpsServer(OpsOptions{Log: zerolog.Nop(), Metrics: m, MetricsToken: token})
	for _, hdr := range [][]string{nil, {"Authorization", "Bearer nope"}, {"Authorization", "Bearer " + token + token}} {
		rec := get(h, "GET", "/metrics", hdr...)
		if p := decode(t, rec); rec.Code != 401 || p.Type != "/problems/unauthorized" || strings.Contains(rec.Body.String(), "doligo_http") {
			t.Fatalf("/metrics with %v: %d %s", hdr, rec.Code, rec.Body)
		}
	}
	get(h, strings.Repeat("X", 500), "/health")
	rec := get(h, "GET", "/metrics", "Authorization", "Bearer "+token)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `doligo_http_requests_total{method="other",route="/health",status="405"} 1`) {
		t.Fatalf("/metrics with the token: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/health"}, {"GET", "/ready"}, {"GET", "/nope"}, {"POST", "/health"}, {"GET", "/metrics"}} {
		if rec := get(h, c.method, c.path); rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s (%d): no nosniff", c.method, c.path, rec.Code)
		}
	}
}
