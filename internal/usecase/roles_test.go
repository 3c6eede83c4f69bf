package usecase_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/authtest"
)

func TestRoleService(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		env.CreateUser(t, "root", "root-password", domain.RoleAdmin)

		// Create: permissions sorted and unique; bad input is one 422
		// naming each field; a taken name (built-in or not) is a conflict.
		auditor, err := env.Roles.Create(ctx, domain.NewRole{Name: "auditor",
			Permissions: []string{domain.PermReportsRead, domain.PermUsersRead, domain.PermReportsRead}})
		if err != nil || auditor.ID == 0 || auditor.Builtin || !slices.Equal(auditor.Permissions, []string{domain.PermReportsRead, domain.PermUsersRead}) {
			t.Fatalf("Create = %+v, %v", auditor, err)
		}
		var v *domain.ValidationError
		_, err = env.Roles.Create(ctx, domain.NewRole{Name: "Bad Name", Permissions: []string{domain.PermStockRead, "stock:teleport"}})
		if !errors.As(err, &v) || len(v.Fields) != 2 || v.Fields[0].Field != "name" || v.Fields[1].Field != "permissions[1]" {
			t.Fatalf("invalid create: %v", err)
		}
		for _, name := range []string{"auditor", domain.RoleViewer} {
			if _, err := env.Roles.Create(ctx, domain.NewRole{Name: name, Permissions: []string{}}); problemCode(err) != "duplicate-role" {
				t.Errorf("duplicate %s: %v", name, err)
			}
		}

		// Built-in roles are read-only, whatever the change.
		page, err := env.Roles.List(ctx, domain.ListQuery{Limit: 50, Sort: "name"})
		if err != nil || page.Total != int64(len(domain.BuiltinRoles()))+1 { // the built-in roles and auditor
			t.Fatalf("List = %+v, %v", page, err)
		}
		var viewer *domain.Role
		for _, r := range page.Items {
			if r.Name == domain.RoleViewer {
				viewer = r
			}
		}
		none := []string{}
		if _, err := env.Roles.Update(ctx, viewer.ID, domain.RolePatch{Permissions: &none}); problemCode(err) != "built-in-role" {
			t.Errorf("change a built-in role: %v", err)
		}
		if err := env.Roles.Delete(ctx, viewer.ID); problemCode(err) != "built-in-role" {
			t.Errorf("delete a built-in role: %v", err)
		}
		if got, _ := env.Roles.Get(ctx, viewer.ID); !slices.Equal(got.Permissions, viewer.Permissions) {
			t.Errorf("viewer changed: %+v", got)
		}

		// A custom role assigned to a user: the token carries exactly its
		// permissions, and a change shows in the next token.
		env.CreateUser(t, "ines", "ines-password", "auditor")
		claims := func() []string {
			p, err := env.Tokens.Authenticate(ctx, env.Token(t, "ines", "ines-password"))
			if err != nil {
				t.Fatal(err)
			}
			return p.Permissions
		}
		if got := claims(); !slices.Equal(got, auditor.Permissions) {
			t.Errorf("token permissions %v, want %v", got, auditor.Permissions)
		}
		name, perms := "inspector", []string{domain.PermStockRead}
		got, err := env.Roles.Update(ctx, auditor.ID, domain.RolePatch{Name: &name, Permissions: &perms})
		if err != nil || got.Name != "inspector" || !slices.Equal(got.Permissions, perms) {
			t.Fatalf("Update = %+v, %v", got, err)
		}
		if got := claims(); !slices.Equal(got, perms) {
			t.Errorf("token permissions after the change %v, want %v", got, perms)
		}
		if _, err := env.Roles.Update(ctx, auditor.ID, domain.RolePatch{Name: &viewer.Name}); problemCode(err) != "duplicate-role" {
			t.Errorf("rename onto a built-in: %v", err)
		}
		if _, err := env.Roles.Update(ctx, 1<<40, domain.RolePatch{}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("update unknown role: %v", err)
		}

		// Held, it cannot be deleted, and nothing is; unassigned, it can.
		if err := env.Roles.Delete(ctx, auditor.ID); problemCode(err) != "in-use" {
			t.Fatalf("delete a held role: %v", err)
		}
		if got := claims(); !slices.Equal(got, perms) {
			t.Errorf("a refused delete changed the holder's permissions: %v", got)
		}
		ines, _ := env.Users.List(ctx, domain.ListQuery{Limit: 1, Search: "ines"})
		viewerOnly := []string{domain.RoleViewer}
		if _, err := env.Users.Update(ctx, ines.Items[0].ID, domain.UserPatch{Roles: &viewerOnly}); err != nil {
			t.Fatal(err)
		}
		if err := env.Roles.Delete(ctx, auditor.ID); err != nil {
			t.Fatalf("delete an unheld role: %v", err)
		}
		if _, err := env.Roles.Get(ctx, auditor.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleted role: %v", err)
		}
		if err := env.Roles.Delete(ctx, auditor.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
	})
}

// Deleting a role while another request assigns it: exactly one wins, and
// no user is ever left holding a deleted role (the role's row lock and the
// RESTRICT foreign key order them).
func TestRoleDeleteRacesAssignment(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		u := env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		deleted, assigned := 0, 0
		for round := range 8 {
			role, err := env.Roles.Create(ctx, domain.NewRole{Name: fmt.Sprintf("temp%d", round), Permissions: []string{domain.PermStockRead}})
			if err != nil {
				t.Fatal(err)
			}
			var delErr, assignErr error
			var wg sync.WaitGroup
			wg.Go(func() {
				// Every other round the assignment gets a head start, so both
				// orders happen.
				if round%2 == 1 {
					time.Sleep(time.Duration(round) * 5 * time.Millisecond)
				}
				delErr = env.Roles.Delete(ctx, role.ID)
			})
			wg.Go(func() {
				roles := []string{domain.RoleViewer, role.Name}
				_, assignErr = env.Users.Update(ctx, u.ID, domain.UserPatch{Roles: &roles})
			})
			wg.Wait()
			now, err := env.Users.Get(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, getErr := env.Roles.Get(ctx, role.ID)
			switch {
			case delErr == nil && errors.Is(assignErr, domain.ErrInvalid):
				deleted++
				if !errors.Is(getErr, domain.ErrNotFound) || slices.Contains(now.Roles, role.Name) {
					t.Fatalf("round %d: deleted, yet role %v and user roles %v", round, getErr, now.Roles)
				}
			case problemCode(delErr) == "in-use" && assignErr == nil:
				assigned++
				if getErr != nil || !slices.Contains(now.Roles, role.Name) {
					t.Fatalf("round %d: assigned, yet role %v and user roles %v", round, getErr, now.Roles)
				}
			default:
				t.Fatalf("round %d: delete %v, assign %v", round, delErr, assignErr)
			}
			// Back to viewer only for the next round.
			viewer := []string{domain.RoleViewer}
			if _, err := env.Users.Update(ctx, u.ID, domain.UserPatch{Roles: &viewer}); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d rounds won by the delete, %d by the assignment", deleted, assigned)
	})
}
