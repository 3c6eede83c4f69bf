package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/authtest"
)

// eachRolesEnv is eachAuthEnv with the roles area mounted too.
func eachRolesEnv(t *testing.T, fn func(t *testing.T, env *authtest.Env, e *echo.Echo)) {
	authtest.Each(t, testThrottle, func(t *testing.T, env *authtest.Env) {
		env.CreateUser(t, "root", "root-password", domain.RoleAdmin)
		fn(t, env, NewServer(Options{Log: zerolog.Nop(), Auth: env.Tokens},
			NewAuthRoutes(env.Auth), NewUserRoutes(env.Users), NewRoleRoutes(env.Roles)))
	})
}

type permissionBody struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
}

func TestPermissionsCatalogue(t *testing.T) {
	eachRolesEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		root := bearer(env.Token(t, "root", "root-password"))
		first := decodeJSON[ListResponse[permissionBody]](t, do(e, "GET", "/api/v1/permissions", "", root), http.StatusOK)
		cat := domain.PermissionCatalogue()
		if first.Total != int64(len(cat)) || len(first.Items) != min(len(cat), DefaultLimit) || first.Limit != DefaultLimit || first.Offset != 0 {
			t.Fatalf("first page of the catalogue %+v", first)
		}
		// The whole catalogue (it has passed one default page) in one page.
		all := decodeJSON[ListResponse[permissionBody]](t, do(e, "GET", fmt.Sprintf("/api/v1/permissions?limit=%d", MaxLimit), "", root), http.StatusOK)
		if all.Total != int64(len(cat)) || len(all.Items) != len(cat) || all.Limit != MaxLimit || all.Offset != 0 {
			t.Fatalf("catalogue %+v", all)
		}
		for i, p := range all.Items {
			if p.Name != cat[i].Name || p.Meaning != cat[i].Meaning || p.Meaning == "" {
				t.Errorf("item %d = %+v", i, p)
			}
		}
		page := decodeJSON[ListResponse[permissionBody]](t, do(e, "GET", "/api/v1/permissions?limit=2&offset=1", "", root), http.StatusOK)
		if page.Total != int64(len(cat)) || len(page.Items) != 2 || page.Items[0].Name != cat[1].Name || page.Items[1].Name != cat[2].Name {
			t.Errorf("page %+v", page)
		}
		past := decodeJSON[ListResponse[permissionBody]](t, do(e, "GET", "/api/v1/permissions?offset=400", "", root), http.StatusOK)
		if past.Total != int64(len(cat)) || len(past.Items) != 0 || !strings.Contains(do(e, "GET", "/api/v1/permissions?offset=400", "", root).Body.String(), `"items":[]`) {
			t.Errorf("past the end %+v", past)
		}
		if f := wantProblem(t, do(e, "GET", "/api/v1/permissions?limit=0", "", root), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"limit"}) {
			t.Errorf("bad limit fields %v", f)
		}
		wantProblem(t, do(e, "GET", "/api/v1/permissions", "", nil), http.StatusUnauthorized, "unauthorized")
	})
}

func TestRolesCRUD(t *testing.T) {
	eachRolesEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		root := bearer(env.Token(t, "root", "root-password"))

		rec := do(e, "POST", "/api/v1/roles", `{"name":"auditor","description":"reads reports","permissions":["users:read","reports:read","users:read"]}`, root)
		auditor := decodeJSON[roleResponse](t, rec, http.StatusCreated)
		if auditor.ID == 0 || auditor.Name != "auditor" || auditor.Description != "reads reports" || auditor.BuiltIn ||
			!slices.Equal(auditor.Permissions, []string{"reports:read", "users:read"}) {
			t.Fatalf("created %+v", auditor)
		}
		path := fmt.Sprintf("/api/v1/roles/%d", auditor.ID)
		if rec.Header().Get("Location") != path {
			t.Errorf("Location %q", rec.Header().Get("Location"))
		}
		var raw map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || raw["built_in"] != false || raw["permissions"] == nil {
			t.Errorf("wire shape %s", rec.Body)
		}
		empty := decodeJSON[roleResponse](t, do(e, "POST", "/api/v1/roles", `{"name":"placeholder","permissions":[]}`, root), http.StatusCreated)
		if empty.Permissions == nil || len(empty.Permissions) != 0 || !strings.Contains(do(e, "GET", fmt.Sprintf("/api/v1/roles/%d", empty.ID), "", root).Body.String(), `"permissions":[]`) {
			t.Errorf("empty role %+v", empty)
		}

		// Bad input: 422 naming the field, 409 for a taken name, 400 for bad JSON.
		for body, want := range map[string][]string{
			`{"name":"x","permissions":["stock:read","stock:fly"]}`: {"permissions[1]"},
			`{"name":"x","permissions":["nope"]}`:                   {"permissions[0]"},
			`{"name":"x"}`:                                          {"permissions"},
			`{"name":"Not Valid","permissions":[]}`:                 {"name"},
			`{"permissions":["x"]}`:                                 {"name", "permissions[0]"},
			`{"name":"x","description":"` + strings.Repeat("d", 256) + `","permissions":[]}`: {"description"},
		} {
			if f := wantProblem(t, do(e, "POST", "/api/v1/roles", body, root), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, want) {
				t.Errorf("%s: fields %v, want %v", body, f, want)
			}
		}
		for _, name := range []string{"auditor", "admin"} {
			wantProblem(t, do(e, "POST", "/api/v1/roles", `{"name":"`+name+`","permissions":[]}`, root), http.StatusConflict, "duplicate-role")
		}
		wantProblem(t, do(e, "POST", "/api/v1/roles", `{"name":5}`, root), http.StatusBadRequest, "malformed-request")
		wantProblem(t, do(e, "POST", "/api/v1/roles", `{"name":`, root), http.StatusBadRequest, "malformed-request")

		// Read: list like every list, one by id.
		list := decodeJSON[ListResponse[roleResponse]](t, do(e, "GET", "/api/v1/roles?sort=name&limit=3", "", root), http.StatusOK)
		if list.Total != int64(len(domain.BuiltinRoles()))+2 || list.Limit != 3 || len(list.Items) != 3 || list.Items[0].Name != "accountant" ||
			list.Items[1].Name != "admin" || !list.Items[1].BuiltIn || list.Items[2].Name != "auditor" || list.Items[2].BuiltIn {
			t.Errorf("list %+v", list)
		}
		list = decodeJSON[ListResponse[roleResponse]](t, do(e, "GET", "/api/v1/roles?q=AUDIT", "", root), http.StatusOK)
		if list.Total != 1 || list.Items[0].ID != auditor.ID {
			t.Errorf("search %+v", list)
		}
		if f := wantProblem(t, do(e, "GET", "/api/v1/roles?sort=builtin", "", root), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"sort"}) {
			t.Errorf("bad sort fields %v", f)
		}
		if got := decodeJSON[roleResponse](t, do(e, "GET", path, "", root), http.StatusOK); !slices.Equal(got.Permissions, auditor.Permissions) || got.Name != "auditor" {
			t.Errorf("get %+v", got)
		}
		for _, id := range []string{"999999", "abc", "0", "-1"} {
			wantProblem(t, do(e, "GET", "/api/v1/roles/"+id, "", root), http.StatusNotFound, "not-found")
		}

		// Built-in roles are read-only: 409, and they stay as they were.
		admin := decodeJSON[ListResponse[roleResponse]](t, do(e, "GET", "/api/v1/roles?q=admin", "", root), http.StatusOK).Items[0]
		adminPath := fmt.Sprintf("/api/v1/roles/%d", admin.ID)
		for _, body := range []string{`{"permissions":[]}`, `{"name":"boss"}`, `{}`} {
			wantProblem(t, do(e, "PATCH", adminPath, body, root), http.StatusConflict, "built-in-role")
		}
		wantProblem(t, do(e, "DELETE", adminPath, "", root), http.StatusConflict, "built-in-role")
		if got := decodeJSON[roleResponse](t, do(e, "GET", adminPath, "", root), http.StatusOK); got.Name != "admin" || len(got.Permissions) != len(domain.AllPermissions()) || !got.BuiltIn {
			t.Errorf("admin after refused changes %+v", got)
		}

		// Changes to a custom role.
		patched := decodeJSON[roleResponse](t, do(e, "PATCH", path, `{"name":"inspector","permissions":["stock:read"]}`, root), http.StatusOK)
		if patched.ID != auditor.ID || patched.Name != "inspector" || patched.Description != "reads reports" || !slices.Equal(patched.Permissions, []string{"stock:read"}) {
			t.Errorf("patched %+v", patched)
		}
		if f := wantProblem(t, do(e, "PATCH", path, `{"permissions":["stock:read","stock:fly"]}`, root), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"permissions[1]"}) {
			t.Errorf("bad patch fields %v", f)
		}
		wantProblem(t, do(e, "PATCH", path, `{"name":"viewer"}`, root), http.StatusConflict, "duplicate-role")
		wantProblem(t, do(e, "PATCH", "/api/v1/roles/999999", `{}`, root), http.StatusNotFound, "not-found")
		if got := decodeJSON[roleResponse](t, do(e, "GET", path, "", root), http.StatusOK); got.Name != "inspector" || !slices.Equal(got.Permissions, []string{"stock:read"}) {
			t.Errorf("refused patches changed the role: %+v", got)
		}

		// Assigned through the users API, it cannot be deleted until unassigned.
		ines := decodeJSON[userResponse](t, do(e, "POST", "/api/v1/users", `{"login":"ines","password":"ines-password","roles":["inspector"]}`, root), http.StatusCreated)
		if !slices.Equal(ines.Roles, []string{"inspector"}) {
			t.Fatalf("user %+v", ines)
		}
		wantProblem(t, do(e, "DELETE", path, "", root), http.StatusConflict, "in-use")
		decodeJSON[roleResponse](t, do(e, "GET", path, "", root), http.StatusOK)
		decodeJSON[userResponse](t, do(e, "PATCH", fmt.Sprintf("/api/v1/users/%d", ines.ID), `{"roles":["viewer"]}`, root), http.StatusOK)
		if rec := do(e, "DELETE", path, "", root); rec.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", rec.Code, rec.Body)
		}
		wantProblem(t, do(e, "GET", path, "", root), http.StatusNotFound, "not-found")
		wantProblem(t, do(e, "DELETE", path, "", root), http.StatusNotFound, "not-found")
		if f := wantProblem(t, do(e, "PATCH", fmt.Sprintf("/api/v1/users/%d", ines.ID), `{"roles":["inspector"]}`, root), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"roles"}) {
			t.Errorf("assign a deleted role: fields %v", f)
		}
	})
}

// tokenPermissions reads the permissions claim of an access token as the
// client receives it.
func tokenPermissions(t *testing.T, token string) []string {
	t.Helper()
	var claims struct {
		jwt.RegisteredClaims
		Permissions []string `json:"permissions"`
	}
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil {
		t.Fatal(err)
	}
	return claims.Permissions
}

// A user holding only a custom role gets exactly its permissions, in the
// token and at the router.
func TestCustomRoleGrantsExactlyItsPermissions(t *testing.T) {
	eachRolesEnv(t, func(t *testing.T, env *authtest.Env, e *echo.Echo) {
		root := bearer(env.Token(t, "root", "root-password"))
		role := decodeJSON[roleResponse](t, do(e, "POST", "/api/v1/roles", `{"name":"user-auditor","permissions":["users:read"]}`, root), http.StatusCreated)
		decodeJSON[userResponse](t, do(e, "POST", "/api/v1/users", `{"login":"aud","password":"aud-password","roles":["user-auditor"]}`, root), http.StatusCreated)

		rec := login(e, "192.0.2.40", credentials("aud", "aud-password"), nil)
		tok := decodeJSON[struct {
			AccessToken string `json:"access_token"`
		}](t, rec, http.StatusOK).AccessToken
		if got := tokenPermissions(t, tok); !slices.Equal(got, []string{"users:read"}) {
			t.Fatalf("token permissions %v", got)
		}
		aud := bearer(tok)
		me := decodeJSON[meBody](t, do(e, "GET", "/api/v1/users/me", "", aud), http.StatusOK)
		if !slices.Equal(me.Roles, []string{"user-auditor"}) || !slices.Equal(me.Permissions, []string{"users:read"}) {
			t.Errorf("me %+v", me)
		}
		// What users:read allows…
		for _, path := range []string{"/api/v1/users", "/api/v1/roles", "/api/v1/permissions", fmt.Sprintf("/api/v1/roles/%d", role.ID)} {
			if rec := do(e, "GET", path, "", aud); rec.Code != http.StatusOK {
				t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
			}
		}
		// …and nothing more.
		for _, r := range []struct{ method, path, body string }{
			{"POST", "/api/v1/roles", `{"name":"mine","permissions":["users:write"]}`},
			{"PATCH", fmt.Sprintf("/api/v1/roles/%d", role.ID), `{"permissions":["users:write"]}`},
			{"DELETE", fmt.Sprintf("/api/v1/roles/%d", role.ID), ""},
			{"POST", "/api/v1/users", `{"login":"x","password":"x-password","roles":["admin"]}`},
			{"PATCH", fmt.Sprintf("/api/v1/users/%d", me.ID), `{"roles":["admin"]}`},
		} {
			wantProblem(t, do(e, r.method, r.path, r.body, aud), http.StatusForbidden, "forbidden")
		}
		if got := decodeJSON[roleResponse](t, do(e, "GET", fmt.Sprintf("/api/v1/roles/%d", role.ID), "", root), http.StatusOK); !slices.Equal(got.Permissions, []string{"users:read"}) {
			t.Errorf("a refused change went through: %+v", got)
		}

		// Granting the role more shows in the next token.
		decodeJSON[roleResponse](t, do(e, "PATCH", fmt.Sprintf("/api/v1/roles/%d", role.ID), `{"permissions":["users:read","users:write"]}`, root), http.StatusOK)
		if got := tokenPermissions(t, env.Token(t, "aud", "aud-password")); !slices.Equal(got, []string{"users:read", "users:write"}) {
			t.Errorf("token permissions after the grant %v", got)
		}
	})
}

// Every route of the roles area is described in the OpenAPI document, with
// an operationId, the roles tag and a description.
func TestRolesOpenAPI(t *testing.T) {
	doc, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		t.Fatal(err)
	}
	e := NewServer(Options{}, NewRoleRoutes(nil))
	n := 0
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/roles") && r.Path != "/api/v1/permissions" {
			continue
		}
		n++
		p := strings.ReplaceAll(r.Path, ":id", "{id}")
		raw, ok := spec.Paths[p][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, p)
			continue
		}
		var op struct {
			OperationID string                     `json:"operationId"`
			Tags        []string                   `json:"tags"`
			Description string                     `json:"description"`
			Responses   map[string]json.RawMessage `json:"responses"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatal(err)
		}
		if op.OperationID == "" || !slices.Equal(op.Tags, []string{"roles"}) || op.Description == "" {
			t.Errorf("%s %s: operationId %q, tags %v, description %q", r.Method, p, op.OperationID, op.Tags, op.Description)
		}
		for _, status := range []string{"401", "403"} {
			if _, ok := op.Responses[status]; !ok {
				t.Errorf("%s %s does not document %s", r.Method, p, status)
			}
		}
	}
	if n != 6 {
		t.Errorf("%d routes checked, want 6", n)
	}
}
