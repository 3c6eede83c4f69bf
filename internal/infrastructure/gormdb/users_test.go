package gormdb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func syncRoles(t *testing.T, db *testdb.DB) *roleStore {
	t.Helper()
	roles := newRoleStore(db.DB)
	if err := roles.SyncBuiltin(context.Background(), domain.BuiltinRoles()); err != nil {
		t.Fatal(err)
	}
	return roles
}

// assertBuiltinRoles checks that the database holds exactly the code's table.
func assertBuiltinRoles(t *testing.T, roles *roleStore) {
	t.Helper()
	ctx := context.Background()
	for _, r := range domain.BuiltinRoles() {
		got, err := roles.Permissions(ctx, []string{r.Name})
		if err != nil {
			t.Fatal(err)
		}
		if want := slices.Sorted(slices.Values(r.Permissions)); !slices.Equal(got, want) {
			t.Errorf("role %s: permissions %v, want %v", r.Name, got, want)
		}
	}
}

func TestRoleSync(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			ctx := context.Background()
			roles := newRoleStore(db.DB)

			// Several API processes starting at once.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() { errs[i] = roles.SyncBuiltin(ctx, domain.BuiltinRoles()) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			assertBuiltinRoles(t, roles)
			names, err := roles.Names(ctx)
			if err != nil || !slices.Equal(names, []string{"accountant", "admin", "buyer", "sales", "viewer", "warehouse"}) {
				t.Fatalf("Names = %v, %v", names, err)
			}

			// A drifted database (a permission granted by hand, one revoked,
			// a description edited) is put back; a custom role is left alone.
			exec(t, db, "INSERT INTO roles (name, description, builtin) VALUES ('auditor', 'custom', ?)", false)
			exec(t, db, "INSERT INTO role_permissions (role_id, permission) SELECT id, 'reports:read' FROM roles WHERE name = 'auditor'")
			exec(t, db, "INSERT INTO role_permissions (role_id, permission) SELECT id, 'users:write' FROM roles WHERE name = 'viewer'")
			exec(t, db, "DELETE FROM role_permissions WHERE permission = 'stock:write' AND role_id = (SELECT id FROM roles WHERE name = 'warehouse')")
			exec(t, db, "UPDATE roles SET description = 'edited' WHERE name = 'sales'")
			syncRoles(t, db)
			assertBuiltinRoles(t, roles)
			var desc string
			if err := db.Gorm.Raw("SELECT description FROM roles WHERE name = 'sales'").Scan(&desc).Error; err != nil || desc == "edited" {
				t.Errorf("sales description = %q, %v", desc, err)
			}
			if got, _ := roles.Permissions(ctx, []string{"auditor"}); !slices.Equal(got, []string{"reports:read"}) {
				t.Errorf("custom role changed: %v", got)
			}
			// The union of several roles, without duplicates.
			got, err := roles.Permissions(ctx, []string{"viewer", "warehouse"})
			if err != nil || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) ||
				!slices.Contains(got, domain.PermMRPProduce) || !slices.Contains(got, domain.PermReportsRead) {
				t.Errorf("union = %v, %v", got, err)
			}
			if got, err := roles.Permissions(ctx, nil); err != nil || len(got) != 0 {
				t.Errorf("no roles: %v, %v", got, err)
			}
		})
	}
}

func exec(t *testing.T, db *testdb.DB, sql string, args ...any) {
	t.Helper()
	if err := db.Gorm.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func newUser(login string, roles ...string) *domain.User {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &domain.User{Login: login, Email: login + "@example.com", PasswordHash: "$2a$04$hash", Active: true,
		Roles: roles, CreatedAt: now, UpdatedAt: now}
}

func TestUserRepo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		syncRoles(t, db)
		users := newUserStore(db.DB)
		p := "ur" + db.Dialect // the shared database: logins of this test only

		u := newUser(p+"-ana", domain.RoleSales, domain.RoleViewer)
		if err := users.Create(ctx, u); err != nil || u.ID == 0 {
			t.Fatalf("Create: id %d, %v", u.ID, err)
		}
		got, err := users.Get(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Login != u.Login || got.Email != u.Email || got.PasswordHash != u.PasswordHash || !got.Active ||
			!slices.Equal(got.Roles, []string{"sales", "viewer"}) || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("read back %+v, wrote %+v", got, u)
		}
		if byLogin, err := users.GetByLogin(ctx, p+"-ana"); err != nil || byLogin.ID != u.ID {
			t.Fatalf("GetByLogin = %+v, %v", byLogin, err)
		}
		if _, err := users.GetByLogin(ctx, p+"-ANA"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("logins are case-sensitive on every dialect: %v", err)
		}
		if _, err := users.Get(ctx, 1<<40); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get unknown: %v", err)
		}

		// The unique index decides duplicates; nothing of the loser remains.
		dup := newUser(p+"-ana", domain.RoleAdmin)
		var prob *domain.Problem
		if err := users.Create(ctx, dup); !errors.As(err, &prob) || prob.Code != "duplicate-login" || !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("duplicate login: %v", err)
		}
		// An unknown role rolls the whole creation back.
		if err := users.Create(ctx, newUser(p+"-bad", "wizard")); !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("unknown role: %v", err)
		}
		if _, err := users.GetByLogin(ctx, p+"-bad"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("user with an unknown role was half-created: %v", err)
		}

		got.Email, got.Active, got.Roles = "new@example.com", false, []string{domain.RoleAccountant}
		got.UpdatedAt = got.UpdatedAt.Add(time.Second)
		if err := users.Save(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := users.Get(ctx, u.ID)
		if again.Email != "new@example.com" || again.Active || !slices.Equal(again.Roles, []string{"accountant"}) ||
			!again.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("after Save: %+v", again)
		}

		if err := users.Delete(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := users.Delete(ctx, u.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		var left int64
		db.Gorm.Raw("SELECT COUNT(*) FROM user_roles WHERE user_id = ?", u.ID).Scan(&left)
		if left != 0 {
			t.Errorf("%d role rows outlived their user", left)
		}
	})
}

// eachFreshUserRepo runs fn per dialect on a private migrated database with
// the built-in roles.
func eachFreshUserRepo(t *testing.T, fn func(t *testing.T, users *userStore)) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			syncRoles(t, db)
			fn(t, newUserStore(db.DB))
		})
	}
}

func TestUserRepoList(t *testing.T) {
	eachFreshUserRepo(t, func(t *testing.T, users *userStore) {
		ctx := context.Background()
		for i, login := range []string{"carol", "Alice", "bob_1", "bobx1", "dave"} {
			u := newUser(login, domain.RoleViewer)
			u.CreatedAt = u.CreatedAt.Add(time.Duration(-i) * time.Hour)
			if err := users.Create(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		logins := func(q domain.ListQuery) ([]string, int64) {
			t.Helper()
			page, err := users.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range page.Items {
				if len(u.Roles) != 1 {
					t.Errorf("%s listed with roles %v", u.Login, u.Roles)
				}
				out = append(out, u.Login)
			}
			return out, page.Total
		}
		cases := []struct {
			q     domain.ListQuery
			want  []string
			total int64
		}{
			{domain.ListQuery{Limit: 50}, []string{"carol", "Alice", "bob_1", "bobx1", "dave"}, 5},
			{domain.ListQuery{Limit: 2, Offset: 1, Sort: "id"}, []string{"Alice", "bob_1"}, 5},
			{domain.ListQuery{Limit: 50, Sort: "login"}, []string{"Alice", "bob_1", "bobx1", "carol", "dave"}, 5},
			{domain.ListQuery{Limit: 50, Sort: "created_at", Desc: true}, []string{"carol", "Alice", "bob_1", "bobx1", "dave"}, 5},
			{domain.ListQuery{Limit: 50, Search: "ALI"}, []string{"Alice"}, 1},                                  // case-insensitive
			{domain.ListQuery{Limit: 50, Search: "b_1"}, []string{"bob_1"}, 1},                                  // _ is not a wildcard
			{domain.ListQuery{Limit: 50, Search: "%"}, nil, 0},                                                  // nor is %
			{domain.ListQuery{Limit: 1, Search: "example.com", Sort: "login", Desc: true}, []string{"dave"}, 5}, // e-mail
		}
		for _, c := range cases {
			got, total := logins(c.q)
			if !slices.Equal(got, c.want) || total != c.total {
				t.Errorf("%+v: %v (total %d), want %v (total %d)", c.q, got, total, c.want, c.total)
			}
		}
		if n, err := users.Count(ctx); err != nil || n != 5 {
			t.Errorf("Count = %d, %v", n, err)
		}
	})
}

// Two transactions each removing a different one of the two administrators:
// LockActiveAdmins makes the second see the first's change, so exactly one
// succeeds. Without the lock both would see two administrators.
func TestLockActiveAdminsSerialises(t *testing.T) {
	eachFreshUserRepo(t, func(t *testing.T, users *userStore) {
		ctx := context.Background()
		a, b := newUser("a", domain.RoleAdmin), newUser("b", domain.RoleAdmin, domain.RoleSales)
		for _, u := range []*domain.User{a, b, newUser("c", domain.RoleSales)} {
			if err := users.Create(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		if ids, err := users.LockActiveAdmins(ctx); err != nil || !slices.Equal(ids, []int64{a.ID, b.ID}) {
			t.Fatalf("admins = %v, %v", ids, err)
		}
		for round, remove := range []func(context.Context, domain.UserRepository, *domain.User) error{
			func(ctx context.Context, r domain.UserRepository, u *domain.User) error { return r.Delete(ctx, u.ID) },
			func(ctx context.Context, r domain.UserRepository, u *domain.User) error {
				u.Active = false
				return r.Save(ctx, u)
			},
		} {
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, refused := 0, 0
			for _, target := range []*domain.User{a, b} {
				wg.Go(func() {
					err := users.InUserTx(ctx, func(ctx context.Context, r domain.UserRepository) error {
						ids, err := r.LockActiveAdmins(ctx)
						if err != nil {
							return err
						}
						if len(ids) <= 1 {
							return domain.ErrLastAdmin(target.Login)
						}
						u, err := r.Get(ctx, target.ID)
						if err != nil {
							return err
						}
						return remove(ctx, r, u)
					})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case errors.Is(err, domain.ErrConflict):
						refused++
					default:
						t.Errorf("round %d: %v", round, err)
					}
				})
			}
			wg.Wait()
			ids, _ := users.LockActiveAdmins(ctx)
			if ok != 1 || refused != 1 || len(ids) != 1 {
				t.Fatalf("round %d: %d removed, %d refused, admins left %v", round, ok, refused, ids)
			}
			// Put a second administrator back for the next round.
			back := newUser(fmt.Sprintf("admin%d", round), domain.RoleAdmin)
			if err := users.Create(ctx, back); err != nil {
				t.Fatal(err)
			}
			a, b = mustGet(t, users, ids[0]), back
		}
	})
}

func mustGet(t *testing.T, users *userStore, id int64) *domain.User {
	t.Helper()
	u, err := users.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginFailureRepo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		repo := newLoginFailureStore(db.DB)
		login := "lf-" + db.Dialect
		f, err := repo.Get(ctx, login, "10.0.0.1")
		if err != nil || f.Failures != 0 || !f.LockedUntil.IsZero() {
			t.Fatalf("no record: %+v, %v", f, err)
		}

		// Concurrent failures are each counted: none is lost.
		const n = 12
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := repo.Update(ctx, login, "10.0.0.1", func(f *domain.LoginFailures) { f.Failures++ }); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if f, _ := repo.Get(ctx, login, "10.0.0.1"); f.Failures != n {
			t.Fatalf("failures = %d, want %d", f.Failures, n)
		}

		at := time.Date(2026, 5, 1, 12, 0, 0, 123456000, time.UTC)
		got, err := repo.Update(ctx, login, "10.0.0.1", func(f *domain.LoginFailures) {
			f.FirstFailure, f.LockedUntil = at, at.Add(time.Minute)
		})
		if err != nil || !got.LockedUntil.Equal(at.Add(time.Minute)) {
			t.Fatalf("Update = %+v, %v", got, err)
		}
		f, _ = repo.Get(ctx, login, "10.0.0.1")
		if !f.FirstFailure.Equal(at) || !f.LockedUntil.Equal(at.Add(time.Minute)) || f.Login != login || f.Address != "10.0.0.1" {
			t.Fatalf("read back %+v", f)
		}
		if other, _ := repo.Get(ctx, login, "10.0.0.2"); other.Failures != 0 {
			t.Fatalf("another address shares the count: %+v", other)
		}
		if err := repo.Delete(ctx, login, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if f, _ := repo.Get(ctx, login, "10.0.0.1"); f.Failures != 0 || !f.LockedUntil.IsZero() {
			t.Fatalf("after Delete: %+v", f)
		}

		// Prune keeps what still counts: a recent window, or a running lock.
		seed := func(addr string, first, lockedUntil time.Time) {
			if _, err := repo.Update(ctx, login, addr, func(f *domain.LoginFailures) {
				f.Failures, f.FirstFailure, f.LockedUntil = 1, first, lockedUntil
			}); err != nil {
				t.Fatal(err)
			}
		}
		now, window := at.Add(time.Hour), 10*time.Minute
		seed("stale", now.Add(-11*time.Minute), time.Time{})
		seed("lock-over", now.Add(-30*time.Minute), now.Add(-time.Minute))
		seed("recent", now.Add(-9*time.Minute), time.Time{})
		seed("locked", now.Add(-30*time.Minute), now.Add(time.Minute))
		if _, err := repo.Prune(ctx, now, window); err != nil {
			t.Fatal(err)
		}
		for addr, kept := range map[string]bool{"stale": false, "lock-over": false, "recent": true, "locked": true} {
			if f, _ := repo.Get(ctx, login, addr); (f.Failures == 1) != kept {
				t.Errorf("%s: kept=%v after Prune", addr, f.Failures == 1)
			}
		}
	})
}
