package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/authtest"
)

func decodeJSON[T any](t *testing.T, rec *httptest.ResponseRecorder, status int) T {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// wantProblem checks the status and the last segment of the problem type and
// returns the invalid fields, if any.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) []string {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	p := decodeProblem(t, rec)
	if p.Type != ProblemTypeBase+code {
		t.Fatalf("type %q, want %q", p.Type, ProblemTypeBase+code)
	}
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	return fields
}

type meBody struct {
	userResponse
	Permissions []string `json:"permissions"`
}

func TestUsersMe(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		u := env.CreateUser(t, "wanda", "wanda-password", domain.RoleWarehouse, domain.RoleViewer)
		rec := do(e, "GET", "/api/v1/users/me", "", bearer(env.Token(t, "wanda", "wanda-password")))
		me := decodeJSON[meBody](t, rec, http.StatusOK)
		var perms []string
		for _, r := range domain.BuiltinRoles() {
			if r.Name == domain.RoleWarehouse || r.Name == domain.RoleViewer {
				perms = append(perms, r.Permissions...)
			}
		}
		slices.Sort(perms)
		if me.ID != u.ID || me.Login != "wanda" || me.Email != "wanda@example.com" ||
			!slices.Equal(me.Roles, []string{"viewer", "warehouse"}) || !slices.Equal(me.Permissions, slices.Compact(perms)) {
			t.Fatalf("me = %+v", me)
		}
		if strings.Contains(rec.Body.String(), "password") || strings.Contains(rec.Body.String(), "$2a$") {
			t.Fatalf("hash leaked: %s", rec.Body)
		}
	})
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func TestUsersCRUD(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		root := bearer(env.Token(t, "root", "root-password"))

		rec := do(e, "POST", "/api/v1/users", `{"login":"ana","password":"ana-password","email":"ana@example.com","roles":["sales","viewer"]}`, root)
		ana := decodeJSON[userResponse](t, rec, http.StatusCreated)
		if ana.ID == 0 || ana.Login != "ana" || !ana.Active || !slices.Equal(ana.Roles, []string{"sales", "viewer"}) || ana.CreatedAt.IsZero() {
			t.Fatalf("created %+v", ana)
		}
		if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/users/%d", ana.ID) {
			t.Errorf("Location %q", rec.Header().Get("Location"))
		}
		if strings.Contains(rec.Body.String(), "password") || strings.Contains(rec.Body.String(), "$2a$") {
			t.Fatalf("hash leaked: %s", rec.Body)
		}
		inactive := decodeJSON[userResponse](t, do(e, "POST", "/api/v1/users",
			`{"login":"ivo","password":"ivo-password","roles":["viewer"],"active":false}`, root), http.StatusCreated)
		if inactive.Active {
			t.Error("active:false ignored")
		}

		wantProblem(t, do(e, "POST", "/api/v1/users", `{"login":"ana","password":"12345678","roles":["viewer"]}`, root),
			http.StatusConflict, "duplicate-login")
		if f := wantProblem(t, do(e, "POST", "/api/v1/users", `{"login":"zed","password":"12345678","roles":["wizard"]}`, root),
			http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"roles"}) {
			t.Errorf("unknown role fields %v", f)
		}
		if f := wantProblem(t, do(e, "POST", "/api/v1/users", `{"login":"a b","password":"short","email":"nope"}`, root),
			http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"login", "email", "password", "roles"}) {
			t.Errorf("bad fields %v", f)
		}
		wantProblem(t, do(e, "POST", "/api/v1/users", `{"login":5}`, root), http.StatusBadRequest, "malformed-request")
		wantProblem(t, do(e, "POST", "/api/v1/users", `{"login":`, root), http.StatusBadRequest, "malformed-request")

		got := decodeJSON[userResponse](t, do(e, "GET", fmt.Sprintf("/api/v1/users/%d", ana.ID), "", root), http.StatusOK)
		if got.Login != "ana" || got.Email != "ana@example.com" || !got.CreatedAt.Equal(ana.CreatedAt) {
			t.Errorf("get %+v", got)
		}
		for _, id := range []string{"999999", "abc", "0", "-1"} {
			wantProblem(t, do(e, "GET", "/api/v1/users/"+id, "", root), http.StatusNotFound, "not-found")
		}

		list := decodeJSON[ListResponse[userResponse]](t, do(e, "GET", "/api/v1/users?sort=-login&limit=2", "", root), http.StatusOK)
		if list.Total != 3 || list.Limit != 2 || len(list.Items) != 2 || list.Items[0].Login != "root" || list.Items[1].Login != "ivo" {
			t.Errorf("list %+v", list)
		}
		list = decodeJSON[ListResponse[userResponse]](t, do(e, "GET", "/api/v1/users?q=EXAMPLE.COM", "", root), http.StatusOK)
		if list.Total != 2 { // ana and root have e-mails at example.com
			t.Errorf("search %+v", list)
		}
		if f := wantProblem(t, do(e, "GET", "/api/v1/users?sort=password_hash", "", root), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"sort"}) {
			t.Errorf("bad sort fields %v", f)
		}

		path := fmt.Sprintf("/api/v1/users/%d", ana.ID)
		patched := decodeJSON[userResponse](t, do(e, "PATCH", path, `{"email":"ana@acme.test","roles":["accountant"],"password":"new-password"}`, root), http.StatusOK)
		if patched.Email != "ana@acme.test" || !slices.Equal(patched.Roles, []string{"accountant"}) || !patched.Active {
			t.Errorf("patched %+v", patched)
		}
		if rec := login(e, "192.0.2.30", credentials("ana", "new-password"), nil); rec.Code != http.StatusOK {
			t.Errorf("new password refused: %d", rec.Code)
		}
		if f := wantProblem(t, do(e, "PATCH", path, `{"email":"x","roles":[],"password":"1"}`, root), http.StatusUnprocessableEntity, "validation"); len(f) != 3 {
			t.Errorf("bad patch fields %v", f)
		}
		wantProblem(t, do(e, "PATCH", path, `{"roles":["wizard"]}`, root), http.StatusUnprocessableEntity, "validation")
		wantProblem(t, do(e, "PATCH", "/api/v1/users/999999", `{}`, root), http.StatusNotFound, "not-found")

		if rec := do(e, "DELETE", path, "", root); rec.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, do(e, "GET", path, "", root), http.StatusNotFound, "not-found")
		wantProblem(t, do(e, "DELETE", path, "", root), http.StatusNotFound, "not-found")
	})
}

func TestLastAdminProtected(t *testing.T) {
	eachAuthEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		rootTok := env.Token(t, "root", "root-password")
		root, rootID := bearer(rootTok), tokenUserID(t, env, rootTok)
		self := fmt.Sprintf("/api/v1/users/%d", rootID)
		wantProblem(t, do(e, "DELETE", self, "", root), http.StatusConflict, "delete-self")
		wantProblem(t, do(e, "PATCH", self, `{"roles":["viewer"]}`, root), http.StatusConflict, "last-admin")
		wantProblem(t, do(e, "PATCH", self, `{"active":false}`, root), http.StatusConflict, "last-admin")

		// A user manager without the admin role cannot delete the last admin either.
		err := env.DB.Gorm.Exec("INSERT INTO roles (name, description, builtin) VALUES ('usermgr', '', ?)", false).Error
		if err == nil {
			err = env.DB.Gorm.Exec("INSERT INTO role_permissions (role_id, permission) SELECT id, 'users:write' FROM roles WHERE name = 'usermgr'").Error
		}
		if err != nil {
			t.Fatal(err)
		}
		env.CreateUser(t, "mgr", "mgr-password", "usermgr")
		mgr := bearer(env.Token(t, "mgr", "mgr-password"))
		wantProblem(t, do(e, "DELETE", self, "", mgr), http.StatusConflict, "last-admin")

		// With a second administrator, demoting the first is fine.
		decodeJSON[userResponse](t, do(e, "POST", "/api/v1/users", `{"login":"root2","password":"root2-password","roles":["admin"]}`, root), http.StatusCreated)
		if got := decodeJSON[userResponse](t, do(e, "PATCH", self, `{"roles":["viewer"]}`, root), http.StatusOK); !slices.Equal(got.Roles, []string{"viewer"}) {
			t.Errorf("demoted %+v", got)
		}
	})
}

// Every route of the auth and users areas is described in the OpenAPI
// document, with its method.
func TestUsersOpenAPI(t *testing.T) {
	doc, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		t.Fatal(err)
	}
	e := NewServer(Options{}, NewAuthRoutes(nil), NewUserRoutes(nil))
	n := 0
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/users") && !strings.HasPrefix(r.Path, "/api/v1/auth") {
			continue
		}
		n++
		p := strings.ReplaceAll(r.Path, ":id", "{id}")
		if _, ok := spec.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, p)
		}
	}
	if n != 10 {
		t.Errorf("%d routes checked, want 10", n)
	}
}
