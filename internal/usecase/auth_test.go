package usecase_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/authtest"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

var throttle = domain.LoginThrottle{MaxFailures: 3, Lockout: 10 * time.Minute}

// countingHasher counts bcrypt comparisons: the work that dominates a login's
// time, so equal counts mean similar timing without measuring any.
type countingHasher struct {
	domain.PasswordHasher
	matches atomic.Int64
}

func (h *countingHasher) Matches(hash, pw string) bool {
	h.matches.Add(1)
	return h.PasswordHasher.Matches(hash, pw)
}

func TestLogin(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		ana := env.CreateUser(t, "ana", "ana-password", domain.RoleSales)
		ivo := env.CreateUser(t, "ivo", "ivo-password", domain.RoleViewer)
		off := false
		if _, err := env.Users.Update(ctx, ivo.ID, domain.UserPatch{Active: &off}); err != nil {
			t.Fatal(err)
		}

		s, err := env.Auth.Login(ctx, "ana", "ana-password", "192.0.2.7")
		if err != nil || s.ExpiresIn != authtest.TTL {
			t.Fatalf("Login = %+v, %v", s, err)
		}
		p, err := env.Tokens.Authenticate(ctx, s.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		sales := domain.BuiltinRoles()[1]
		if p.UserID != ana.ID || p.Login != "ana" || !slices.Equal(p.Permissions, slices.Sorted(slices.Values(sales.Permissions))) {
			t.Fatalf("principal = %+v", p)
		}

		// Unknown login, wrong password, inactive account: one error, and
		// the same bcrypt work (the dummy hash stands in for the unknown user).
		hasher := &countingHasher{PasswordHasher: env.Hasher}
		auth, err := usecase.NewAuthService(usecase.AuthDeps{
			UoW: gormdb.NewUnitOfWork(env.DB.DB), Hasher: hasher, Tokens: env.Tokens,
			Throttle: domain.LoginThrottle{MaxFailures: 100, Lockout: time.Minute},
			Sessions: domain.SessionPolicy{RefreshTTL: authtest.RefreshTTL}, Now: env.Clock.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]string{{"nobody", "ana-password"}, {"ana", "wrong-password"}, {"ivo", "ivo-password"}, {"ANA", "ana-password"}} {
			before := hasher.matches.Load()
			_, err := auth.Login(ctx, c[0], c[1], "192.0.2.7")
			if err != domain.ErrInvalidCredentials {
				t.Errorf("%s/%s: err = %v", c[0], c[1], err)
			}
			if n := hasher.matches.Load() - before; n != 1 {
				t.Errorf("%s/%s: %d password checks, want 1", c[0], c[1], n)
			}
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		env.CreateUser(t, "bob", "bob-password", domain.RoleViewer)
		login := func(user, pw, addr string) error {
			_, err := env.Auth.Login(ctx, user, pw, addr)
			return err
		}

		// Two failures, then a success, clear the count: three more
		// failures are needed to lock.
		for range 2 {
			if err := login("ana", "wrong", "198.51.100.1"); err != domain.ErrInvalidCredentials {
				t.Fatal(err)
			}
		}
		if err := login("ana", "ana-password", "198.51.100.1"); err != nil {
			t.Fatalf("success after 2 failures: %v", err)
		}
		for i := range throttle.MaxFailures {
			if err := login("ana", "wrong", "198.51.100.1"); err != domain.ErrInvalidCredentials {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		// Locked: even the right password is refused, with the time left.
		env.Clock.Advance(4 * time.Minute)
		var locked *domain.LoginLockedError
		if err := login("ana", "ana-password", "198.51.100.1"); !errors.As(err, &locked) || locked.RetryAfter != 6*time.Minute {
			t.Fatalf("locked pair: %v", err)
		}
		// Per (login, address): the same login elsewhere, and another
		// login from the same address, are not affected.
		if err := login("ana", "ana-password", "198.51.100.2"); err != nil {
			t.Fatalf("ana from another address: %v", err)
		}
		if err := login("bob", "bob-password", "198.51.100.1"); err != nil {
			t.Fatalf("bob from the same address: %v", err)
		}
		// Unknown logins are throttled alike, so locking reveals nothing.
		for range throttle.MaxFailures {
			_ = login("ghost", "x", "198.51.100.1")
		}
		if err := login("ghost", "x", "198.51.100.1"); !errors.As(err, &locked) {
			t.Fatalf("unknown login not throttled: %v", err)
		}
		// Once the lockout has passed the right password works again.
		env.Clock.Advance(6 * time.Minute)
		if err := login("ana", "ana-password", "198.51.100.1"); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
		// Once ghost's lock is over too, the next failure prunes the
		// records that no longer count: only its own is left.
		env.Clock.Advance(throttle.Lockout)
		_ = login("someone", "x", "198.51.100.1")
		var rows []string
		if err := env.DB.Gorm.Raw("SELECT login FROM login_failures").Scan(&rows).Error; err != nil || !slices.Equal(rows, []string{"someone"}) {
			t.Fatalf("login_failures after pruning: %v, %v", rows, err)
		}
	})
}

// Two API replicas share the failure count through the database: concurrent
// failures on both lock the pair after MaxFailures in total.
func TestLoginThrottlingAcrossReplicas(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			a, b := authtest.New(t, db, throttle), authtest.New(t, db, throttle)
			a.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
			ctx := context.Background()
			var wg sync.WaitGroup
			for _, env := range []*authtest.Env{a, b, a} {
				wg.Go(func() {
					if _, err := env.Auth.Login(ctx, "ana", "wrong", "203.0.113.9"); err != domain.ErrInvalidCredentials {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			var locked *domain.LoginLockedError
			if _, err := b.Auth.Login(ctx, "ana", "ana-password", "203.0.113.9"); !errors.As(err, &locked) {
				t.Fatalf("after %d failures over two replicas: %v", throttle.MaxFailures, err)
			}
		})
	}
}
