package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBuiltinRolesTable(t *testing.T) {
	all := AllPermissions()
	if len(slices.Compact(slices.Sorted(slices.Values(all)))) != len(all) {
		t.Fatal("a permission is listed twice")
	}
	for _, p := range all {
		resource, action, ok := strings.Cut(p, ":")
		if !ok || resource == "" || action == "" || strings.Contains(action, ":") {
			t.Errorf("%q is not resource:action", p)
		}
	}
	roles := BuiltinRoles()
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
		if len(slices.Compact(slices.Sorted(slices.Values(r.Permissions)))) != len(r.Permissions) {
			t.Errorf("role %s lists a permission twice", r.Name)
		}
		for _, p := range r.Permissions {
			if !slices.Contains(all, p) {
				t.Errorf("role %s grants unknown permission %q", r.Name, p)
			}
		}
		if r.Name != RoleAdmin && slices.ContainsFunc(r.Permissions, func(p string) bool { return strings.HasPrefix(p, "users:") }) {
			t.Errorf("role %s may manage users: only admin may", r.Name)
		}
	}
	if !slices.Equal(names, []string{RoleAdmin, RoleSales, RoleWarehouse, RoleAccountant, RoleViewer, RoleBuyer}) {
		t.Errorf("roles = %v", names)
	}
	if !slices.Equal(roles[0].Permissions, all) {
		t.Error("admin does not hold every permission")
	}
	for _, p := range roles[4].Permissions {
		if !strings.HasSuffix(p, ":read") {
			t.Errorf("viewer holds %s", p)
		}
	}
	// Callers get copies: changing one cannot change the table.
	roles[1].Permissions[0] = "users:write"
	all[0] = "nothing"
	if BuiltinRoles()[1].Permissions[0] == "users:write" || AllPermissions()[0] == "nothing" {
		t.Error("the role table is shared with callers")
	}
}

func fieldsOf(err error) []string {
	var v *ValidationError
	if !errors.As(err, &v) {
		return nil
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestNewUserCheck(t *testing.T) {
	ok := NewUser{Login: "ana.silva@acme", Email: "ana@example.com", Password: "pässwörd", Roles: []string{"viewer"}}
	if err := ok.Check().OrNil(); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	noEmail := ok
	noEmail.Email = ""
	if err := noEmail.Check().OrNil(); err != nil {
		t.Fatalf("e-mail is optional: %v", err)
	}
	for name, c := range map[string]struct {
		in   NewUser
		want []string
	}{
		"everything":      {NewUser{}, []string{"login", "password", "roles"}},
		"login space":     {NewUser{Login: "ana silva", Password: "12345678", Roles: []string{"x"}}, []string{"login"}},
		"login dash head": {NewUser{Login: "-ana", Password: "12345678", Roles: []string{"x"}}, []string{"login"}},
		"login too long":  {NewUser{Login: strings.Repeat("a", 65), Password: "12345678", Roles: []string{"x"}}, []string{"login"}},
		"bad e-mail":      {NewUser{Login: "a", Email: "Ana <a@b.c>", Password: "12345678", Roles: []string{"x"}}, []string{"email"}},
		"not an e-mail":   {NewUser{Login: "a", Email: "nope", Password: "1234567", Roles: []string{"x"}}, []string{"email", "password"}},
		"long password":   {NewUser{Login: "a", Password: strings.Repeat("é", 37), Roles: []string{"x"}}, []string{"password"}},
	} {
		if got := fieldsOf(c.in.Check().OrNil()); !slices.Equal(got, c.want) {
			t.Errorf("%s: invalid fields %v, want %v", name, got, c.want)
		}
	}
	email, short, none := "x", "short", []string{}
	if got := fieldsOf(UserPatch{Email: &email, Password: &short, Roles: &none}.Check().OrNil()); !slices.Equal(got, []string{"email", "password", "roles"}) {
		t.Errorf("patch: %v", got)
	}
	if err := (UserPatch{}).Check().OrNil(); err != nil {
		t.Errorf("empty patch: %v", err)
	}
}

func TestNormalizeRoles(t *testing.T) {
	if got := NormalizeRoles([]string{" viewer", "admin", "viewer"}); !slices.Equal(got, []string{"admin", "viewer"}) {
		t.Errorf("got %v", got)
	}
}

func TestLoginThrottle(t *testing.T) {
	th := LoginThrottle{MaxFailures: 3, Lockout: 10 * time.Minute}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var f LoginFailures
	for i := range 2 {
		th.Fail(&f, t0.Add(time.Duration(i)*time.Minute))
		if f.Check(t0.Add(time.Duration(i)*time.Minute)) != nil {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	th.Fail(&f, t0.Add(2*time.Minute)) // third failure within the window
	err := f.Check(t0.Add(3 * time.Minute))
	var locked *LoginLockedError
	if !errors.As(err, &locked) || locked.RetryAfter != 9*time.Minute || !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("Check = %v", err)
	}
	if locked.RetryAfterSeconds() != 540 {
		t.Errorf("RetryAfterSeconds = %d", locked.RetryAfterSeconds())
	}
	var p *Problem
	if !errors.As(err, &p) || p.Code != "login-locked" {
		t.Errorf("problem = %+v", p)
	}
	// A failure racing in while locked does not extend the lock.
	th.Fail(&f, t0.Add(5*time.Minute))
	if !f.LockedUntil.Equal(t0.Add(12*time.Minute)) || f.Failures != 4 {
		t.Fatalf("lock moved: %+v", f)
	}
	if f.Check(t0.Add(12*time.Minute)) != nil {
		t.Fatal("still locked when the lockout has passed")
	}
	// After the lock, counting starts again from one.
	th.Fail(&f, t0.Add(13*time.Minute))
	if f.Failures != 1 || !f.LockedUntil.IsZero() || !f.FirstFailure.Equal(t0.Add(13*time.Minute)) {
		t.Fatalf("after the lock: %+v", f)
	}
	// Failures spread wider than the window never lock.
	f = LoginFailures{}
	for i := range 6 {
		th.Fail(&f, t0.Add(time.Duration(i)*6*time.Minute))
	}
	if f.Check(t0.Add(31*time.Minute)) != nil {
		t.Fatalf("slow failures locked: %+v", f)
	}
	if (&LoginLockedError{RetryAfter: time.Millisecond}).RetryAfterSeconds() != 1 {
		t.Error("Retry-After rounds down to 0")
	}
}
