package gormdb_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// roleTx runs fn with the roles repository of one unit of work.
func roleTx(t *testing.T, db *testdb.DB, fn func(ctx context.Context, roles domain.RoleRepository) error) error {
	t.Helper()
	return gormdb.NewUnitOfWork(db.DB).Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
		return fn(ctx, r.Roles)
	})
}

// roleRead runs fn on the roles reader, outside a transaction.
func roleRead[T any](t *testing.T, db *testdb.DB, fn func(ctx context.Context, roles domain.RoleReader) (T, error)) (T, error) {
	t.Helper()
	var out T
	err := gormdb.NewUnitOfWork(db.DB).Read(context.Background(), func(ctx context.Context, r domain.Readers) error {
		var err error
		out, err = fn(ctx, r.Roles)
		return err
	})
	return out, err
}

func getRole(t *testing.T, db *testdb.DB, id int64) (*domain.Role, error) {
	t.Helper()
	return roleRead(t, db, func(ctx context.Context, roles domain.RoleReader) (*domain.Role, error) { return roles.Get(ctx, id) })
}

func createRole(t *testing.T, db *testdb.DB, name string, perms ...string) *domain.Role {
	t.Helper()
	role := domain.NewRole{Name: name, Description: name + " role", Permissions: perms}.Role()
	if err := roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error { return roles.Create(ctx, role) }); err != nil {
		t.Fatalf("create role %s: %v", name, err)
	}
	return role
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var p *domain.Problem
	if !errors.As(err, &p) || p.Code != code {
		t.Fatalf("error %v, want problem %s", err, code)
	}
}

func TestRoleRepoCRUD(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			syncRoles(t, db)
			auditor := createRole(t, db, "auditor", domain.PermUsersRead, domain.PermReportsRead)
			if auditor.ID == 0 {
				t.Fatal("no id")
			}
			got, err := getRole(t, db, auditor.ID)
			if err != nil || !reflect.DeepEqual(got, auditor) {
				t.Fatalf("get %+v, %v; want %+v", got, err, auditor)
			}
			empty := createRole(t, db, "nothing")
			if got, _ := getRole(t, db, empty.ID); got == nil || got.Permissions == nil || len(got.Permissions) != 0 {
				t.Errorf("role without permissions read as %+v", got)
			}
			err = roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error {
				return roles.Create(ctx, &domain.Role{Name: "auditor", Permissions: []string{}})
			})
			wantCode(t, err, "duplicate-role")
			if _, err := getRole(t, db, 999999); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("missing role: %v", err)
			}

			// Built-in and custom roles in one list, paged and searchable.
			page, err := roleRead(t, db, func(ctx context.Context, roles domain.RoleReader) (domain.Page[*domain.Role], error) {
				return roles.List(ctx, domain.ListQuery{Limit: 3, Sort: "name"})
			})
			if err != nil || page.Total != int64(len(domain.BuiltinRoles()))+2 || len(page.Items) != 3 || page.Items[0].Name != "accountant" ||
				page.Items[1].Name != "admin" || !page.Items[1].Builtin || page.Items[2].Name != "auditor" || page.Items[2].Builtin ||
				!slices.Equal(page.Items[2].Permissions, auditor.Permissions) {
				t.Fatalf("list %+v, %v", page, err)
			}
			page, _ = roleRead(t, db, func(ctx context.Context, roles domain.RoleReader) (domain.Page[*domain.Role], error) {
				return roles.List(ctx, domain.ListQuery{Limit: 10, Search: "AUD"})
			})
			if page.Total != 1 || page.Items[0].ID != auditor.ID {
				t.Errorf("search %+v", page)
			}

			// Rename and replace the permissions; only the differences change.
			err = roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error {
				r, err := roles.Lock(ctx, auditor.ID)
				if err != nil {
					return err
				}
				r.Name, r.Description, r.Permissions = "inspector", "", []string{domain.PermReportsRead, domain.PermStockRead}
				return roles.Save(ctx, r)
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ = getRole(t, db, auditor.ID)
			if got.Name != "inspector" || got.Description != "" || got.Builtin ||
				!slices.Equal(got.Permissions, []string{domain.PermReportsRead, domain.PermStockRead}) {
				t.Errorf("saved %+v", got)
			}
			err = roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error {
				got.Name = domain.RoleViewer
				return roles.Save(ctx, got)
			})
			wantCode(t, err, "duplicate-role")
			if got, _ := getRole(t, db, auditor.ID); got.Name != "inspector" {
				t.Errorf("a refused rename was written: %+v", got)
			}
			err = roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error {
				_, err := roles.Lock(ctx, 999999)
				return err
			})
			if !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("lock missing role: %v", err)
			}

			// A held role cannot be deleted, even by a caller that skipped
			// the holders check: the RESTRICT foreign key refuses it.
			users := newUserStore(db.DB)
			u := newUser("ines", "inspector")
			if err := users.Create(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			n, err := roleRead(t, db, func(ctx context.Context, roles domain.RoleReader) (int64, error) {
				return roles.Holders(ctx, auditor.ID)
			})
			if err != nil || n != 1 {
				t.Fatalf("holders %d, %v", n, err)
			}
			err = roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error { return roles.Delete(ctx, auditor.ID) })
			wantCode(t, err, "in-use")
			if got, err := getRole(t, db, auditor.ID); err != nil || len(got.Permissions) != 2 {
				t.Fatalf("a refused delete deleted something: %+v, %v", got, err)
			}
			if perms, _ := newRoleStore(db.DB).Permissions(context.Background(), mustGet(t, users, u.ID).Roles); !slices.Equal(perms, got.Permissions) {
				t.Errorf("holder's permissions %v", perms)
			}

			// Unassigned, it goes, with its permissions.
			u.Roles = []string{domain.RoleViewer}
			if err := users.Save(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			if err := roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error { return roles.Delete(ctx, auditor.ID) }); err != nil {
				t.Fatal(err)
			}
			if _, err := getRole(t, db, auditor.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("deleted role: %v", err)
			}
			var left int64
			if err := db.Gorm.Raw("SELECT COUNT(*) FROM role_permissions WHERE role_id = ?", auditor.ID).Scan(&left).Error; err != nil || left != 0 {
				t.Errorf("%d permission rows left, %v", left, err)
			}
			err = roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error { return roles.Delete(ctx, auditor.ID) })
			if !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("second delete: %v", err)
			}
			// Assigning a role that no longer exists is a 422, not a 500.
			u.Roles = []string{"inspector"}
			if err := users.Save(context.Background(), u); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("assign deleted role: %v", err)
			}
		})
	}
}

// Every start runs SyncBuiltin: custom roles keep their name, id,
// permissions and custom status, however often it runs.
func TestSyncBuiltinLeavesCustomRoles(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			syncRoles(t, db)
			custom := createRole(t, db, "auditor", domain.PermUsersRead, domain.PermReportsRead)
			bare := createRole(t, db, "placeholder")
			for range 2 {
				syncRoles(t, db)
			}
			for _, want := range []*domain.Role{custom, bare} {
				if got, err := getRole(t, db, want.ID); err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("after two syncs %+v, %v; want %+v", got, err, want)
				}
			}
			assertBuiltinRoles(t, newRoleStore(db.DB))
		})
	}
}

// An assignment that read the role before a deletion committed: its insert
// waits on the deletion's row lock (SQLite: on the write lock) and then
// fails as a 422, never a 500 and never a user holding a deleted role.
func TestRoleDeleteWhileAssigning(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			syncRoles(t, db)
			role := createRole(t, db, "temp", domain.PermStockRead)
			users := newUserStore(db.DB)
			u := newUser("ana", domain.RoleViewer)
			if err := users.Create(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			locked, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			delDone := make(chan error, 1)
			go func() {
				delDone <- roleTx(t, db, func(ctx context.Context, roles domain.RoleRepository) error {
					r, err := roles.Lock(ctx, role.ID)
					if err != nil {
						return err
					}
					once.Do(func() { close(locked); <-release })
					n, err := roles.Holders(ctx, role.ID)
					if err != nil {
						return err
					}
					if err := r.CheckDelete(n); err != nil {
						return err
					}
					return roles.Delete(ctx, role.ID)
				})
			}()
			<-locked
			assignDone := make(chan error, 1)
			go func() {
				v := *u
				v.Roles = []string{"temp", domain.RoleViewer}
				assignDone <- users.Save(context.Background(), &v)
			}()
			time.Sleep(150 * time.Millisecond) // let the assignment reach the lock and wait
			close(release)
			delErr, assignErr := <-delDone, <-assignDone
			t.Logf("delete: %v; assign: %v", delErr, assignErr)
			now := mustGet(t, users, u.ID)
			_, getErr := getRole(t, db, role.ID)
			switch {
			case delErr == nil && errors.Is(assignErr, domain.ErrInvalid):
				if !errors.Is(getErr, domain.ErrNotFound) || !slices.Equal(now.Roles, []string{domain.RoleViewer}) {
					t.Fatalf("deleted, yet role %v and user roles %v", getErr, now.Roles)
				}
			case errors.Is(delErr, domain.ErrConflict) && assignErr == nil:
				// MySQL may pick the deletion as a deadlock victim; run again,
				// it finds the assignment committed.
				t.Logf("the assignment won: %v", delErr)
				if getErr != nil || !slices.Contains(now.Roles, "temp") {
					t.Fatalf("assigned, yet role %v and user roles %v", getErr, now.Roles)
				}
			default:
				t.Fatalf("delete %v, assign %v", delErr, assignErr)
			}
		})
	}
}
