package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/observability"
)

type fakeAuth struct{}

func (fakeAuth) Authenticate(_ context.Context, token string) (domain.Principal, error) {
	if token == "good" {
		return domain.Principal{UserID: 7, Login: "ann", Permissions: []string{"things:read"}}, nil
	}
	return domain.Principal{}, errors.New("bad token")
}

type thingRequest struct {
	Name  string `json:"name" validate:"required,max=5"`
	Count int    `json:"count" validate:"gte=1"`
}

// things is a test area exercising the error paths every real area relies on.
type things struct{}

func (things) Routes(r *Router) {
	r.GET("/things", "things:read", func(c echo.Context) error {
		zerolog.Ctx(c.Request().Context()).Info().Msg("listing things")
		return c.JSON(http.StatusOK, map[string]any{"user": PrincipalOf(c).Login})
	})
	r.POST("/things", "things:write", func(c echo.Context) error { return nil })
	r.GET("/things/:id", "", func(c echo.Context) error {
		switch c.Param("id") {
		case "panic":
			panic("boom")
		case "gone":
			return domain.NotFound("thing", "gone")
		case "busy":
			return domain.Conflictf("insufficient-stock", "only 2 left")
		case "oops":
			return errors.New("database exploded")
		}
		return c.NoContent(http.StatusNoContent)
	})
	r.Public(http.MethodPost, "/things/check", func(c echo.Context) error {
		var req thingRequest
		if err := Bind(c, &req); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, req)
	})
}

func testServer(t *testing.T, logs io.Writer, ready func(context.Context) string) *echo.Echo {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	return NewServer(Options{
		Log: zerolog.New(logs), BodyLimit: "1K", Ready: ready, Auth: fakeAuth{},
	}, things{})
}

func do(e http.Handler, method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, body %s", ct, rec.Body)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != rec.Code || p.Title == "" || !strings.HasPrefix(p.Type, ProblemTypeBase) || p.RequestID == "" {
		t.Fatalf("incomplete problem %+v for status %d", p, rec.Code)
	}
	if p.RequestID != rec.Header().Get("X-Request-ID") {
		t.Fatalf("problem request_id %q differs from header %q", p.RequestID, rec.Header().Get("X-Request-ID"))
	}
	return p
}

// Every error, Echo's own and recovered panics included, is problem+json with
// the status, a type and the request id.
func TestErrorsAreProblems(t *testing.T) {
	e := testServer(t, nil, nil)
	auth := map[string]string{"Authorization": "Bearer good"}
	cases := []struct {
		name, method, path, body string
		hdr                      map[string]string
		status                   int
		typ                      string
	}{
		{"unknown route", "GET", "/nowhere", "", nil, 404, "not-found"},
		{"wrong method", "DELETE", "/health", "", nil, 405, "method-not-allowed"},
		{"no token", "GET", "/api/v1/things", "", nil, 401, "unauthorized"},
		{"not bearer", "GET", "/api/v1/things", "", map[string]string{"Authorization": "Basic Zm9vOmJhcg=="}, 401, "unauthorized"},
		{"bad token", "GET", "/api/v1/things", "", map[string]string{"Authorization": "Bearer nope"}, 401, "unauthorized"},
		{"missing permission", "POST", "/api/v1/things", "{}", auth, 403, "forbidden"},
		{"domain not found", "GET", "/api/v1/things/gone", "", auth, 404, "not-found"},
		{"coded conflict", "GET", "/api/v1/things/busy", "", auth, 409, "insufficient-stock"},
		{"unexpected error", "GET", "/api/v1/things/oops", "", auth, 500, "internal"},
		{"panic", "GET", "/api/v1/things/panic", "", auth, 500, "internal"},
		{"malformed json", "POST", "/api/v1/things/check", `{"name":`, nil, 400, "malformed-request"},
		{"wrong json type", "POST", "/api/v1/things/check", `{"name":5}`, nil, 400, "malformed-request"},
		{"too large", "POST", "/api/v1/things/check", `{"name":"` + strings.Repeat("x", 2000) + `"}`, nil, 413, "body-too-large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(e, tc.method, tc.path, tc.body, tc.hdr)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if p := decodeProblem(t, rec); p.Type != ProblemTypeBase+tc.typ {
				t.Fatalf("type %q, want %q", p.Type, ProblemTypeBase+tc.typ)
			}
		})
	}
	// An internal error never leaks its message.
	if rec := do(e, "GET", "/api/v1/things/oops", "", auth); strings.Contains(rec.Body.String(), "exploded") {
		t.Fatalf("internal error leaked: %s", rec.Body)
	}
}

func TestValidationProblemListsFields(t *testing.T) {
	e := testServer(t, nil, nil)
	rec := do(e, "POST", "/api/v1/things/check", `{"name":"toolong","count":0}`, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	p := decodeProblem(t, rec)
	fields := map[string]bool{}
	for _, f := range p.Errors {
		fields[f.Field] = f.Message != ""
	}
	if !fields["name"] || !fields["count"] || len(fields) != 2 {
		t.Fatalf("errors %+v; want name and count", p.Errors)
	}
	if rec := do(e, "POST", "/api/v1/things/check", `{"name":"ok","count":2}`, nil); rec.Code != 200 {
		t.Fatalf("valid body refused: %d %s", rec.Code, rec.Body)
	}
}

// A sane X-Request-ID is honoured and echoed; anything else is replaced; the
// id is on every log line of the request, handler lines included.
func TestRequestID(t *testing.T) {
	var logs bytes.Buffer
	e := testServer(t, &logs, nil)
	rec := do(e, "GET", "/api/v1/things", "", map[string]string{"Authorization": "Bearer good", "X-Request-ID": "abc-123.X_y"})
	if got := rec.Header().Get("X-Request-ID"); got != "abc-123.X_y" {
		t.Fatalf("sane id not echoed: %q", got)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("want a handler line and an access line, got %q", logs.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m["request_id"] != "abc-123.X_y" {
			t.Fatalf("log line without the request id: %s", l)
		}
	}
	for _, bad := range []string{"has space", strings.Repeat("a", 129), "semi;colon", ""} {
		rec := do(e, "GET", "/health", "", map[string]string{"X-Request-ID": bad})
		got := rec.Header().Get("X-Request-ID")
		if got == bad || !observability.SaneRequestID(got) {
			t.Fatalf("insane id %q: echoed %q", bad, got)
		}
	}
	a := do(e, "GET", "/health", "", nil).Header().Get("X-Request-ID")
	b := do(e, "GET", "/health", "", nil).Header().Get("X-Request-ID")
	if a == b || a == "" {
		t.Fatalf("generated ids not unique: %q %q", a, b)
	}
}

func TestReadyReportsReason(t *testing.T) {
	reason := "schema at version 1, this build needs 2"
	e := testServer(t, nil, func(context.Context) string { return reason })
	rec := do(e, "GET", "/ready", "", nil)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
	if p := decodeProblem(t, rec); p.Detail != reason {
		t.Fatalf("detail %q", p.Detail)
	}
	reason = ""
	if rec := do(e, "GET", "/ready", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("ready: %d", rec.Code)
	}
	if rec := do(e, "GET", "/health", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("health: %d", rec.Code)
	}
}

func TestMetricsByRouteTemplate(t *testing.T) {
	e := testServer(t, nil, nil)
	do(e, "GET", "/api/v1/things/gone", "", map[string]string{"Authorization": "Bearer good"})
	do(e, "GET", "/api/v1/things/busy", "", map[string]string{"Authorization": "Bearer good"})
	body := do(e, "GET", "/metrics", "", nil).Body.String()
	for _, want := range []string{
		`doligo_http_requests_total{method="GET",route="/api/v1/things/:id",status="404"} 1`,
		`doligo_http_requests_total{method="GET",route="/api/v1/things/:id",status="409"} 1`,
		`doligo_http_request_duration_seconds_count{method="GET",route="/api/v1/things/:id"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// X-Forwarded-For is believed only from configured proxies.
func TestClientAddressNeedsTrustedProxy(t *testing.T) {
	addrOf := func(e *echo.Echo) string {
		var got string
		e.GET("/whoami", func(c echo.Context) error { got = c.RealIP(); return nil })
		req := httptest.NewRequest("GET", "/whoami", nil)
		req.RemoteAddr = "10.1.2.3:5555"
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		e.ServeHTTP(httptest.NewRecorder(), req)
		return got
	}
	if got := addrOf(NewServer(Options{Log: zerolog.Nop()})); got != "10.1.2.3" {
		t.Fatalf("without trusted proxies the client is the peer; got %q", got)
	}
	_, proxy, _ := net.ParseCIDR("10.1.0.0/16")
	if got := addrOf(NewServer(Options{Log: zerolog.Nop(), TrustedProxies: []*net.IPNet{proxy}})); got != "203.0.113.9" {
		t.Fatalf("behind a trusted proxy the client comes from X-Forwarded-For; got %q", got)
	}
}

// Every authenticated POST documents the Idempotency-Key header; login does not.
func TestOpenAPIDocumentsIdempotencyKey(t *testing.T) {
	raw, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	posts := 0
	for path, ops := range doc.Paths {
		rawPost, ok := ops["post"]
		if !ok {
			continue
		}
		var post struct {
			Security   *[]any `json:"security"`
			Parameters []struct {
				Ref string `json:"$ref"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(rawPost, &post); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		has := false
		for _, p := range post.Parameters {
			has = has || p.Ref == "#/components/parameters/IdempotencyKey"
		}
		public := post.Security != nil && len(*post.Security) == 0
		if has == public {
			t.Errorf("POST %s: public=%v, documents Idempotency-Key=%v", path, public, has)
		}
		posts++
	}
	if posts < 5 {
		t.Fatalf("only %d POST operations documented", posts)
	}
}

// Every label of the HTTP metrics comes from a fixed set: a client sending
// methods of its own invention (each request a new, long, random one) to
// known and unknown paths adds no series, so /metrics cannot be inflated
// (20 such requests once grew it from 170 KB to 32 MB).
func TestMetricsLabelsComeFromFixedSets(t *testing.T) {
	metrics := observability.NewMetrics(nil)
	e := NewServer(Options{Log: zerolog.Nop(), Auth: fakeAuth{}, Metrics: metrics}, things{})
	paths := []string{"/api/v1/things", "/api/v1/things/7", "/api/v1/nothing", "/nope/at/all", "/metrics", "/health"}
	randomMethod := func() string {
		b := make([]byte, 1000+rand.IntN(1000))
		for i := range b {
			b[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rand.IntN(26)]
		}
		return string(b)
	}
	auth := map[string]string{"Authorization": "Bearer good"}
	// One round first, so that the "other" series of each path exist.
	for _, p := range paths {
		do(e, randomMethod(), p, "", auth)
	}
	before := seriesOf(t, metrics)
	for i := range 20 {
		do(e, randomMethod(), paths[i%len(paths)], "", auth)
	}
	after := seriesOf(t, metrics)
	if len(after) != len(before) {
		t.Errorf("20 requests with invented methods took the HTTP series from %d to %d", len(before), len(after))
	}
	routes := map[string]bool{observability.UnmatchedRoute: true}
	for _, r := range e.Routes() {
		routes[r.Path] = true
	}
	for s, labels := range after {
		if m := labels["method"]; observability.MethodLabel(m) != m {
			t.Errorf("series %s: method label %.40q is not from the fixed set", s, m)
		}
		if r, ok := labels["route"]; ok && !routes[r] {
			t.Errorf("series %s: route label %.40q is neither a route template nor %q", s, r, observability.UnmatchedRoute)
		}
		if st, ok := labels["status"]; ok && (len(st) != 3 || st < "100" || st > "599") {
			t.Errorf("series %s: status label %q", s, st)
		}
	}
	if len(after[`doligo_http_requests_total{method="other",route="unmatched",status="404"}`]) == 0 &&
		len(after[`doligo_http_requests_total{method="other",route="unmatched",status="405"}`]) == 0 {
		t.Errorf("no series of an invented method on an unknown path; got %v", keys(after))
	}
}

// seriesOf lists the series of the HTTP metrics, each with its labels.
func seriesOf(t *testing.T, m *observability.Metrics) map[string]map[string]string {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "doligo_http_") {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			var parts []string
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
				parts = append(parts, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out[f.GetName()+"{"+strings.Join(parts, ",")+"}"] = labels
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// With DOLIGO_METRICS_TOKEN set, /metrics answers only to that bearer token;
// anything else is a 401 problem that shows no metric.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-me-0123456789"
	e := NewServer(Options{Log: zerolog.Nop(), Auth: fakeAuth{}, MetricsToken: token}, things{})
	for _, hdr := range []map[string]string{
		nil,
		{"Authorization": "Bearer wrong-token-0123456789"},
		{"Authorization": "Bearer " + token + "x"},
		{"Authorization": "Bearer " + token[:len(token)-1]},
		{"Authorization": "Basic " + token},
		{"Authorization": token},
		{"Authorization": "Bearer good"}, // a user's token is not the scrape token
	} {
		rec := do(e, "GET", "/metrics", "", hdr)
		if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "doligo_http") {
			t.Fatalf("/metrics with %v: %d %.200s, want 401", hdr, rec.Code, rec.Body)
		}
		if p := decodeProblem(t, rec); p.Type != ProblemTypeBase+"unauthorized" {
			t.Fatalf("/metrics with %v: problem %+v", hdr, p)
		}
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Fatalf("/metrics with %v: no WWW-Authenticate", hdr)
		}
	}
	for _, scheme := range []string{"Bearer", "bearer"} {
		rec := do(e, "GET", "/metrics", "", map[string]string{"Authorization": scheme + " " + token})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "doligo_http_requests_total") {
			t.Fatalf("/metrics with the token (%s): %d %.200s", scheme, rec.Code, rec.Body)
		}
	}
	// The other ops endpoints stay open: orchestrators probe them without a token.
	for _, p := range []string{"/health", "/ready"} {
		if rec := do(e, "GET", p, "", nil); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", p, rec.Code)
		}
	}
	// Without a token configured, /metrics is open as before.
	if rec := do(testServer(t, nil, nil), "GET", "/metrics", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("/metrics without a configured token: %d", rec.Code)
	}
}

// Every answer carries nosniff (successes, Echo's 404 and 405, problems,
// panics, the ops endpoints, public routes); the answers of authenticated
// routes, refusals included, carry Cache-Control: no-store, and public ones do
// not get it from the router.
func TestSecurityHeaders(t *testing.T) {
	e := NewServer(Options{Log: zerolog.Nop(), Auth: fakeAuth{}, MetricsToken: "scrape-me-0123456789", BodyLimit: "1K"}, things{})
	good := map[string]string{"Authorization": "Bearer good"}
	for _, c := range []struct {
		method, path, body string
		hdr                map[string]string
		status             int
		noStore            bool
	}{
		{"GET", "/api/v1/things", "", good, 200, true},
		{"GET", "/api/v1/things", "", nil, 401, true},
		{"POST", "/api/v1/things", `{}`, good, 403, true},
		{"GET", "/api/v1/things/gone", "", good, 404, true},
		{"GET", "/api/v1/things/panic", "", good, 500, true},
		{"GET", "/api/v1/things/7", "", good, 204, true},
		{"POST", "/api/v1/things/check", `{"name": "ab", "count": 1}`, nil, 200, false},
		{"POST", "/api/v1/things/check", `{"name": "abcdefgh", "count": 1}`, nil, 422, false},
		{"POST", "/api/v1/things/check", strings.Repeat(" ", 2048), nil, 413, false},
		{"GET", "/api/v1/openapi.json", "", nil, 200, false},
		{"GET", "/nowhere", "", nil, 404, false},
		{"DELETE", "/health", "", nil, 405, false},
		{"GET", "/health", "", nil, 200, false},
		{"GET", "/ready", "", nil, 200, false},
		{"GET", "/metrics", "", nil, 401, false},
	} {
		rec := do(e, c.method, c.path, c.body, c.hdr)
		if rec.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.status)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q", c.method, c.path, rec.Code, got)
		}
		if got := rec.Header().Get("Cache-Control"); c.noStore && got != "no-store" || !c.noStore && got != "" {
			t.Errorf("%s %s (%d): Cache-Control %q, want no-store: %v", c.method, c.path, rec.Code, got, c.noStore)
		}
	}
}
