package usecase_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/authtest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func problemCode(err error) string {
	var p *domain.Problem
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}

func TestBootstrapAdmin(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		created, generated, err := env.Users.BootstrapAdmin(ctx, "root", "root@example.com", "")
		if err != nil || !created || len(generated) < 20 {
			t.Fatalf("first start: %v %q %v", created, generated, err)
		}
		// The generated password logs in, as an administrator.
		p, err := env.Tokens.Authenticate(ctx, env.Token(t, "root", generated))
		if err != nil || !slices.Equal(p.Permissions, slices.Sorted(slices.Values(domain.AllPermissions()))) {
			t.Fatalf("bootstrap admin principal %+v, %v", p, err)
		}
		// Never again once a user exists, whatever the settings say.
		for _, login := range []string{"root", "other"} {
			created, generated, err = env.Users.BootstrapAdmin(ctx, login, "", "another-password")
			if err != nil || created || generated != "" {
				t.Fatalf("second start (%s): %v %q %v", login, created, generated, err)
			}
		}
		if n, _ := env.Users.List(ctx, domain.ListQuery{Limit: 10}); n.Total != 1 {
			t.Fatalf("%d users after restarts", n.Total)
		}
		// A bad configured password stops start-up instead of being ignored.
		fresh := authtest.New(t, testdb.Migrated(t, env.DB.Dialect), throttle)
		if _, _, err := fresh.Users.BootstrapAdmin(ctx, "root", "", "short"); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("short password: %v", err)
		}
	})
}

// API processes starting together on an empty database: the unique login
// index lets exactly one create the administrator.
func TestBootstrapAdminConcurrently(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			envs := []*authtest.Env{authtest.New(t, db, throttle), authtest.New(t, db, throttle), authtest.New(t, db, throttle)}
			var wg sync.WaitGroup
			results := make([]bool, len(envs))
			for i, env := range envs {
				wg.Go(func() {
					created, _, err := env.Users.BootstrapAdmin(context.Background(), "root", "", "root-password")
					if err != nil {
						t.Error(err)
					}
					results[i] = created
				})
			}
			wg.Wait()
			if n := len(slices.DeleteFunc(results, func(c bool) bool { return !c })); n != 1 {
				t.Fatalf("%d processes created the administrator", n)
			}
			page, err := envs[0].Users.List(context.Background(), domain.ListQuery{Limit: 10})
			if err != nil || page.Total != 1 || !slices.Equal(page.Items[0].Roles, []string{"admin"}) {
				t.Fatalf("users: %+v, %v", page, err)
			}
		})
	}
}

func TestUserService(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		root := env.CreateUser(t, "root", "root-password", domain.RoleAdmin)
		rootP := domain.Principal{UserID: root.ID, Login: "root"}

		// Create: roles normalised, hash stored, never the password.
		u, err := env.Users.Create(ctx, domain.NewUser{Login: "ana", Password: "ana-password", Active: true,
			Roles: []string{"viewer", "sales", "viewer"}})
		if err != nil || !slices.Equal(u.Roles, []string{"sales", "viewer"}) || u.PasswordHash == "" || u.PasswordHash == "ana-password" {
			t.Fatalf("Create = %+v, %v", u, err)
		}
		if _, err := env.Users.Create(ctx, domain.NewUser{Login: "ana", Password: "12345678", Roles: []string{"viewer"}}); problemCode(err) != "duplicate-login" {
			t.Errorf("duplicate: %v", err)
		}
		var v *domain.ValidationError
		_, err = env.Users.Create(ctx, domain.NewUser{Login: "bo b", Password: "1234", Roles: []string{"viewer", "wizard"}})
		if !errors.As(err, &v) || len(v.Fields) != 3 {
			t.Fatalf("invalid create: %v", err)
		}

		// Update: each field, and the password really changes.
		email, pw, roles := "ana@example.com", "new-password", []string{"accountant"}
		got, err := env.Users.Update(ctx, u.ID, domain.UserPatch{Email: &email, Password: &pw, Roles: &roles})
		if err != nil || got.Email != email || !slices.Equal(got.Roles, roles) || !got.Active {
			t.Fatalf("Update = %+v, %v", got, err)
		}
		env.Token(t, "ana", "new-password")
		unknown := []string{"wizard"}
		if _, err := env.Users.Update(ctx, u.ID, domain.UserPatch{Roles: &unknown}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("unknown role: %v", err)
		}
		if _, err := env.Users.Update(ctx, 1<<40, domain.UserPatch{Email: &email}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}

		// Me: the account and its current permissions.
		me, perms, err := env.Users.Me(ctx, domain.Principal{UserID: u.ID})
		if err != nil || me.Login != "ana" || !slices.Contains(perms, domain.PermPaymentsWrite) || slices.Contains(perms, domain.PermUsersRead) {
			t.Fatalf("Me = %+v %v %v", me, perms, err)
		}

		// The last active administrator can be neither demoted,
		// deactivated nor deleted; the caller cannot delete itself.
		off, viewer := false, []string{"viewer"}
		anaP := domain.Principal{UserID: u.ID}
		for name, try := range map[string]func() error{
			"demote":     func() error { _, err := env.Users.Update(ctx, root.ID, domain.UserPatch{Roles: &viewer}); return err },
			"deactivate": func() error { _, err := env.Users.Update(ctx, root.ID, domain.UserPatch{Active: &off}); return err },
			"delete":     func() error { return env.Users.Delete(ctx, anaP, root.ID) },
		} {
			if err := try(); problemCode(err) != "last-admin" || !errors.Is(err, domain.ErrConflict) {
				t.Errorf("%s the last admin: %v", name, err)
			}
		}
		if err := env.Users.Delete(ctx, rootP, root.ID); problemCode(err) != "delete-self" {
			t.Errorf("delete self: %v", err)
		}
		// With a second administrator, the first may go.
		admins := []string{"admin"}
		if _, err := env.Users.Update(ctx, u.ID, domain.UserPatch{Roles: &admins}); err != nil {
			t.Fatal(err)
		}
		if err := env.Users.Delete(ctx, anaP, root.ID); err != nil {
			t.Fatalf("delete one of two admins: %v", err)
		}
		if _, err := env.Users.Get(ctx, root.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleted user still there: %v", err)
		}
		if _, _, err := env.Users.Me(ctx, rootP); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("Me of a deleted user: %v", err)
		}
		if err := env.Users.Delete(ctx, anaP, root.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("delete again: %v", err)
		}
	})
}
