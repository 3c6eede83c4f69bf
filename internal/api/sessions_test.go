package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/authtest"
)

func refreshBody(token string) string {
	b, _ := json.Marshal(map[string]string{"refresh_token": token})
	return string(b)
}

// loginSession logs in over HTTP and returns the answer.
func loginSession(t *testing.T, e *echo.Echo, user, pw string) sessionResponse {
	t.Helper()
	return decodeJSON[sessionResponse](t, login(e, "192.0.2.20", credentials(user, pw), nil), http.StatusOK)
}

func TestRefreshAndLogoutEndpoints(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		s := loginSession(t, e, "root", "root-password")
		rec := do(e, "POST", "/api/v1/auth/refresh", refreshBody(s.RefreshToken), nil)
		var res map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("refresh: %d %s", rec.Code, rec.Body)
		}
		if res["token_type"] != "Bearer" || res["expires_in"] != authtest.TTL.Seconds() || len(res) != 4 ||
			res["refresh_token"] == s.RefreshToken || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("refresh answer %v %v", res, rec.Header())
		}
		next := decodeJSON[sessionResponse](t, rec, http.StatusOK)
		if r := do(e, "GET", "/api/v1/users/me", "", bearer(next.AccessToken)); r.Code != http.StatusOK {
			t.Fatalf("refreshed access token: %d", r.Code)
		}

		// The spent token again: reuse, and the session is gone.
		wantProblem(t, do(e, "POST", "/api/v1/auth/refresh", refreshBody(s.RefreshToken), nil), http.StatusUnauthorized, "refresh-token-reused")
		wantProblem(t, do(e, "POST", "/api/v1/auth/refresh", refreshBody(next.RefreshToken), nil), http.StatusUnauthorized, "invalid-refresh-token")

		// Bad input is a 4xx problem, never a 500.
		for body, want := range map[string]int{
			`{}`:                   http.StatusUnprocessableEntity,
			`{"refresh_token":""}`: http.StatusUnprocessableEntity,
			`{"refresh_token":"` + strings.Repeat("a", 300) + `"}`: http.StatusUnprocessableEntity,
			`{"refresh_token":`:      http.StatusBadRequest,
			`{"refresh_token":12}`:   http.StatusBadRequest,
			`[]`:                     http.StatusBadRequest,
			`{"refresh_token":"no"}`: http.StatusUnauthorized,
		} {
			if r := do(e, "POST", "/api/v1/auth/refresh", body, nil); r.Code != want {
				t.Errorf("refresh %s: %d, want %d", body, r.Code, want)
			}
		}

		// Logout needs the bearer token, and the refresh token of one of the
		// caller's sessions.
		a, b := loginSession(t, e, "root", "root-password"), loginSession(t, e, "root", "root-password")
		wantProblem(t, do(e, "POST", "/api/v1/auth/logout", refreshBody(a.RefreshToken), nil), http.StatusUnauthorized, "unauthorized")
		env.CreateUser(t, "vera", "vera-password", domain.RoleViewer)
		vera := loginSession(t, e, "vera", "vera-password")
		wantProblem(t, do(e, "POST", "/api/v1/auth/logout", refreshBody(a.RefreshToken), bearer(vera.AccessToken)), http.StatusUnauthorized, "invalid-refresh-token")
		wantProblem(t, do(e, "POST", "/api/v1/auth/logout", `{}`, bearer(a.AccessToken)), http.StatusUnprocessableEntity, "validation")
		if r := do(e, "POST", "/api/v1/auth/logout", refreshBody(a.RefreshToken), bearer(a.AccessToken)); r.Code != http.StatusNoContent {
			t.Fatalf("logout: %d %s", r.Code, r.Body)
		}
		wantProblem(t, do(e, "POST", "/api/v1/auth/refresh", refreshBody(a.RefreshToken), nil), http.StatusUnauthorized, "invalid-refresh-token")
		if r := do(e, "POST", "/api/v1/auth/refresh", refreshBody(b.RefreshToken), nil); r.Code != http.StatusOK {
			t.Fatalf("the other session after logout: %d", r.Code)
		}
	})
}

func TestChangeOwnPasswordEndpoint(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		env.CreateUser(t, "vera", "vera-password", domain.RoleViewer) // no users:write: none needed
		s, other := loginSession(t, e, "vera", "vera-password"), loginSession(t, e, "vera", "vera-password")
		change := func(body string) *httptest.ResponseRecorder {
			return do(e, "POST", "/api/v1/users/me/password", body, bearer(s.AccessToken))
		}
		for body, field := range map[string]string{
			`{"current_password":"wrong-password","new_password":"new-password"}`: "current_password",
			`{"current_password":"vera-password","new_password":"short"}`:         "new_password",
			`{"current_password":"vera-password","new_password":"vera-password"}`: "new_password",
			`{"new_password":"new-password"}`:                                     "current_password",
		} {
			if fields := wantProblem(t, change(body), http.StatusUnprocessableEntity, "validation"); !slices.Contains(fields, field) {
				t.Errorf("%s: fields %v, want %s", body, fields, field)
			}
		}
		wantProblem(t, change(`{"current_password":`), http.StatusBadRequest, "malformed-request")
		wantProblem(t, do(e, "POST", "/api/v1/users/me/password", `{"current_password":"vera-password","new_password":"new-password"}`, nil),
			http.StatusUnauthorized, "unauthorized")

		if r := change(`{"current_password":"vera-password","new_password":"new-password"}`); r.Code != http.StatusNoContent {
			t.Fatalf("change: %d %s", r.Code, r.Body)
		}
		// Every access token of vera answers 401 (lag 0 here); her other
		// session is revoked, this one's refresh token still works.
		wantProblem(t, do(e, "GET", "/api/v1/users/me", "", bearer(s.AccessToken)), http.StatusUnauthorized, "unauthorized")
		wantProblem(t, do(e, "POST", "/api/v1/auth/refresh", refreshBody(other.RefreshToken), nil), http.StatusUnauthorized, "invalid-refresh-token")
		next := decodeJSON[sessionResponse](t, do(e, "POST", "/api/v1/auth/refresh", refreshBody(s.RefreshToken), nil), http.StatusOK)
		if r := do(e, "GET", "/api/v1/users/me", "", bearer(next.AccessToken)); r.Code != http.StatusOK {
			t.Fatalf("new access token: %d", r.Code)
		}
		wantProblem(t, login(e, "192.0.2.21", credentials("vera", "vera-password"), nil), http.StatusUnauthorized, "invalid-credentials")
		loginSession(t, e, "vera", "new-password")

		// Wrong current passwords are throttled like logins: 429 with Retry-After.
		s = next
		for range testThrottle.MaxFailures {
			change(`{"current_password":"wrong-password","new_password":"newer-password"}`)
		}
		r := change(`{"current_password":"new-password","new_password":"newer-password"}`)
		wantProblem(t, r, http.StatusTooManyRequests, "login-locked")
		if ra, err := strconv.Atoi(r.Header().Get("Retry-After")); err != nil || ra <= 0 {
			t.Fatalf("Retry-After %q", r.Header().Get("Retry-After"))
		}
	})
}

// An administrator's change reaches the user's existing access tokens: 401
// on the next request (revocation lag 0 here).
func TestRevokedAccessTokensAnswer401(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		root := bearer(env.Token(t, "root", "root-password"))
		for _, c := range []struct{ name, method, body string }{
			{"demoted", "PATCH", `{"roles":["viewer"]}`},
			{"re-passworded", "PATCH", `{"password":"another-password"}`},
			{"deactivated", "PATCH", `{"active":false}`},
			{"deleted", "DELETE", ""},
		} {
			u := env.CreateUser(t, "u-"+c.name, "user-password", domain.RoleSales)
			tok := bearer(env.Token(t, u.Login, "user-password"))
			if r := do(e, "GET", "/api/v1/users/me", "", tok); r.Code != http.StatusOK {
				t.Fatalf("%s: before: %d", c.name, r.Code)
			}
			path := "/api/v1/users/" + strconv.FormatInt(u.ID, 10)
			if r := do(e, c.method, path, c.body, root); r.Code >= 300 {
				t.Fatalf("%s: %s %s: %d %s", c.name, c.method, path, r.Code, r.Body)
			}
			wantProblem(t, do(e, "GET", "/api/v1/users/me", "", tok), http.StatusUnauthorized, "unauthorized")
		}
	})
}
