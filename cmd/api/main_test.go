package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func testConfig(t *testing.T, driver, dsn string) config.Config {
	t.Helper()
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBDriver, cfg.DBDSN, cfg.HTTPAddr = driver, dsn, "127.0.0.1:0"
	cfg.JWTSecret = strings.Repeat("s", 32)
	cfg.AdminPassword = "first-admin-pw"
	return cfg
}

// startAPI runs serve in-process and returns its base URL and a stop func
// that returns serve's error.
func startAPI(t *testing.T, cfg config.Config) (string, func() error) {
	t.Helper()
	passwordCost = bcrypt.MinCost
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan net.Addr, 1), make(chan error, 1)
	go func() { done <- serve(ctx, cfg, zerolog.Nop(), func(a net.Addr) { addrc <- a }) }()
	select {
	case a := <-addrc:
		stopped := false
		stop := func() error {
			if stopped {
				return nil
			}
			stopped = true
			cancel()
			return <-done
		}
		t.Cleanup(func() { _ = stop() })
		return "http://" + a.String(), stop
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	return "", nil
}

func call(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// The promise of the README: a fresh start is ready, the bootstrap
// administrator logs in and reads /users/me; SIGTERM (ctx) stops it cleanly.
func TestFreshStartLoginAndMe(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			base, stop := startAPI(t, testConfig(t, d, testdb.Fresh(t, d)))
			if s, b := call(t, "GET", base+"/ready", "", ""); s != 200 {
				t.Fatalf("/ready %d %s", s, b)
			}
			s, b := call(t, "POST", base+"/api/v1/auth/login", "", `{"login":"admin","password":"first-admin-pw"}`)
			if s != 200 {
				t.Fatalf("login %d %s", s, b)
			}
			var tok struct {
				AccessToken string `json:"access_token"`
				TokenType   string `json:"token_type"`
				ExpiresIn   int    `json:"expires_in"`
			}
			if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 900 {
				t.Fatalf("login body %s (%v)", b, err)
			}
			s, b = call(t, "GET", base+"/api/v1/users/me", tok.AccessToken, "")
			var me struct {
				Login       string   `json:"login"`
				Roles       []string `json:"roles"`
				Permissions []string `json:"permissions"`
			}
			if err := json.Unmarshal(b, &me); s != 200 || err != nil || me.Login != "admin" || len(me.Roles) != 1 || me.Roles[0] != "admin" || len(me.Permissions) == 0 {
				t.Fatalf("/users/me %d %s", s, b)
			}
			if err := stop(); err != nil {
				t.Fatalf("serve returned %v after shutdown", err)
			}
		})
	}
}

// /ready turns 503, with a reason, when the database goes away under a
// running API, and the process keeps serving /health.
func TestReadyTurns503WhenDatabaseGoesAway(t *testing.T) {
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			dsn := testdb.Fresh(t, d)
			base, _ := startAPI(t, testConfig(t, d, dsn))
			if s, b := call(t, "GET", base+"/ready", "", ""); s != 200 {
				t.Fatalf("/ready %d %s", s, b)
			}
			dropDatabase(t, d, dsn)
			s, b := call(t, "GET", base+"/ready", "", "")
			if s != http.StatusServiceUnavailable || !strings.Contains(string(b), "database") {
				t.Fatalf("/ready after the database went away: %d %s", s, b)
			}
			if s, _ := call(t, "GET", base+"/health", "", ""); s != 200 {
				t.Fatalf("/health %d", s)
			}
		})
	}
}

func dropDatabase(t *testing.T, dialect, dsn string) {
	t.Helper()
	name := regexp.MustCompile(`doligo_t_[a-z0-9_]+`).FindString(dsn)
	if name == "" {
		t.Fatalf("no database name in %s", dsn)
	}
	var driver, admin, stmt string
	if dialect == "postgres" {
		driver, admin, stmt = "pgx", testdb.PostgresAdminDSN(), "DROP DATABASE "+name+" WITH (FORCE)"
	} else {
		driver, admin, stmt = "mysql", testdb.MySQLAdminDSN(), "DROP DATABASE "+name
	}
	if err := testdb.Exec(driver, admin, stmt); err != nil {
		t.Fatalf("drop %s: %v", name, err)
	}
}

var routeParam = regexp.MustCompile(`:([a-z_]+)`)

// The embedded OpenAPI document names every registered route, and nothing
// that is not registered.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	db := testdb.Migrated(t, "sqlite")
	passwordCost = bcrypt.MinCost
	cfg := testConfig(t, "sqlite", db.DSN)
	e, err := newServer(context.Background(), cfg, zerolog.Nop(), db.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, r := range e.Routes() {
		if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		registered[r.Method+" "+routeParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	raw, err := api.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete", "head", "options":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	var missing, extra []string
	for r := range registered {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !registered[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from the OpenAPI document:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("OpenAPI document names routes that do not exist:\n  %s", strings.Join(extra, "\n  "))
	}
	if len(registered) < 20 {
		t.Fatalf("only %d routes registered: wiring lost an area?", len(registered))
	}
}
