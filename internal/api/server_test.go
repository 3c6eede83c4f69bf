package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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
