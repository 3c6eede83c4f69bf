package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/authtest"
	"github.com/doligo/doligo/internal/testutil/jwttest"
)

var testThrottle = domain.LoginThrottle{MaxFailures: 3, Lockout: 10 * time.Minute}

// authServer is the real server with the auth and users areas on env.
func authServer(env *authtest.Env) *echo.Echo {
	return NewServer(Options{Log: zerolog.Nop(), Auth: env.Authn}, NewAuthRoutes(env.Auth), NewUserRoutes(env.Users))
}

// eachAuthEnv runs fn per dialect on a fresh database with an administrator
// "root" (password "root-password") already created.
func eachAuthEnv(t *testing.T, fn func(t *testing.T, env *authtest.Env, e *echo.Echo)) {
	authtest.Each(t, testThrottle, func(t *testing.T, env *authtest.Env) {
		env.CreateUser(t, "root", "root-password", domain.RoleAdmin)
		fn(t, env, authServer(env))
	})
}

// login posts credentials from the TCP peer addr.
func login(e http.Handler, addr, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":40000"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func credentials(login, password string) string {
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	return string(b)
}

// withoutRequestID is the problem body with its request id blanked.
func withoutRequestID(t *testing.T, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	p := decodeProblem(t, rec)
	p.RequestID = ""
	return p
}

func TestLoginEndpoint(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		ivo := env.CreateUser(t, "ivo", "ivo-password", domain.RoleViewer)
		off := false
		if _, err := env.Users.Update(t.Context(), ivo.ID, domain.UserPatch{Active: &off}); err != nil {
			t.Fatal(err)
		}

		rec := login(e, "192.0.2.10", credentials("root", "root-password"), nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("login: %d %v %s", rec.Code, rec.Header(), rec.Body)
		}
		var res map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		if res["token_type"] != "Bearer" || res["expires_in"] != authtest.TTL.Seconds() || len(res) != 4 {
			t.Fatalf("login response %v", res)
		}
		if _, err := env.Tokens.Authenticate(t.Context(), res["access_token"].(string)); err != nil {
			t.Fatalf("issued token refused: %v", err)
		}
		if rt, _ := res["refresh_token"].(string); len(rt) < 22 { // 128 bits in base64url
			t.Fatalf("refresh token %q", res["refresh_token"])
		}

		// Unknown login, wrong password, inactive user: same status, same
		// body but for the request id.
		wrong := login(e, "192.0.2.11", credentials("root", "not-the-password"), nil)
		if wrong.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d %s", wrong.Code, wrong.Body)
		}
		want := withoutRequestID(t, wrong)
		if want.Type != ProblemTypeBase+"invalid-credentials" {
			t.Fatalf("problem %+v", want)
		}
		for _, body := range []string{credentials("nobody", "root-password"), credentials("ivo", "ivo-password")} {
			rec := login(e, "192.0.2.11", body, nil)
			if got := withoutRequestID(t, rec); rec.Code != wrong.Code || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %d %+v, want %+v", body, rec.Code, got, want)
			}
		}

		for body, status := range map[string]int{
			`{"login":"root"}`: http.StatusUnprocessableEntity,
			`{"login":"` + strings.Repeat("a", 65) + `","password":"x"}`: http.StatusUnprocessableEntity,
			`{"login":`: http.StatusBadRequest,
			`[]`:        http.StatusBadRequest,
		} {
			if rec := login(e, "192.0.2.12", body, nil); rec.Code != status {
				t.Errorf("%s: status %d, want %d", body, rec.Code, status)
			}
		}
	})
}

func TestLoginThrottledPerLoginAndAddress(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		bad := credentials("root", "wrong-password")
		for i := range testThrottle.MaxFailures {
			if rec := login(e, "198.51.100.1", bad, nil); rec.Code != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, rec.Code)
			}
		}
		// Locked, right password or not, and a forged X-Forwarded-For does
		// not make a new address.
		for _, hdr := range []map[string]string{nil, {"X-Forwarded-For": "203.0.113.77"}, {"X-Real-IP": "203.0.113.78"}} {
			rec := login(e, "198.51.100.1", credentials("root", "root-password"), hdr)
			if rec.Code != http.StatusTooManyRequests {
				t.Fatalf("locked pair (%v): %d %s", hdr, rec.Code, rec.Body)
			}
			if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra != int(testThrottle.Lockout.Seconds()) {
				t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
			}
			if p := decodeProblem(t, rec); p.Type != ProblemTypeBase+"login-locked" {
				t.Fatalf("problem %+v", p)
			}
		}
		if rec := login(e, "198.51.100.2", credentials("root", "root-password"), nil); rec.Code != http.StatusOK {
			t.Fatalf("same login, other address: %d", rec.Code)
		}
		env.Clock.Advance(testThrottle.Lockout)
		if rec := login(e, "198.51.100.1", credentials("root", "root-password"), nil); rec.Code != http.StatusOK {
			t.Fatalf("after the lockout: %d %s", rec.Code, rec.Body)
		}
	})
}

// Every way a token can be wrong is a 401 problem on a protected route; a
// valid token without the route's permission is a 403.
func TestProtectedRoutesRefuseBadTokens(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		root := env.Token(t, "root", "root-password")
		rootID := tokenUserID(t, env, root)
		get := func(hdr map[string]string) *httptest.ResponseRecorder { return do(e, "GET", "/api/v1/users", "", hdr) }
		if rec := get(map[string]string{"Authorization": "Bearer " + root}); rec.Code != http.StatusOK {
			t.Fatalf("valid token: %d %s", rec.Code, rec.Body)
		}

		now := env.Clock.Now()
		perms := domain.AllPermissions()
		tokens := jwttest.Bad(t, authtest.Secret, authtest.Issuer, rootID, perms, now)
		tokens["another issuer's valid token"] = jwttest.Sign(t, jwt.SigningMethodHS256, authtest.Secret,
			jwttest.Claims("not-"+authtest.Issuer, rootID, perms, now))
		headers := map[string]map[string]string{"no header": nil, "empty bearer": {"Authorization": "Bearer "},
			"basic": {"Authorization": "Basic cm9vdDpyb290LXBhc3N3b3Jk"}, "token without scheme": {"Authorization": root}}
		for name, tok := range tokens {
			headers[name] = map[string]string{"Authorization": "Bearer " + tok}
		}
		for name, hdr := range headers {
			rec := get(hdr)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", name, rec.Code)
				continue
			}
			if p := decodeProblem(t, rec); p.Type != ProblemTypeBase+"unauthorized" || rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: %+v %v", name, p, rec.Header())
			}
		}

		// The forging helper's own valid token passes, so the refusals above
		// are each about what the case changed.
		good := jwttest.Sign(t, jwt.SigningMethodHS256, authtest.Secret, jwttest.Claims(authtest.Issuer, rootID, perms, now))
		if rec := get(map[string]string{"Authorization": "Bearer " + good}); rec.Code != http.StatusOK {
			t.Fatalf("forged-but-valid token: %d", rec.Code)
		}

		env.CreateUser(t, "vera", "vera-password", domain.RoleViewer)
		vera := map[string]string{"Authorization": "Bearer " + env.Token(t, "vera", "vera-password")}
		for _, r := range []struct{ method, path, body string }{
			{"GET", "/api/v1/users", ""},
			{"GET", "/api/v1/users/1", ""},
			{"POST", "/api/v1/users", credentials("x", "12345678")},
			{"PATCH", "/api/v1/users/1", `{}`},
			{"DELETE", "/api/v1/users/1", ""},
		} {
			rec := do(e, r.method, r.path, r.body, vera)
			if rec.Code != http.StatusForbidden {
				t.Errorf("viewer %s %s: %d", r.method, r.path, rec.Code)
				continue
			}
			if p := decodeProblem(t, rec); !strings.Contains(p.Detail, "users:") {
				t.Errorf("403 does not name the permission: %+v", p)
			}
		}
		if rec := do(e, "GET", "/api/v1/users/me", "", vera); rec.Code != http.StatusOK {
			t.Errorf("viewer /users/me: %d", rec.Code)
		}
	})
}

// tokenUserID returns the user id a token names.
func tokenUserID(t *testing.T, env *authtest.Env, token string) int64 {
	t.Helper()
	p, err := env.Tokens.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	return p.UserID
}
