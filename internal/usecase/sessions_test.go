package usecase_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/authtest"
	"github.com/doligo/doligo/internal/usecase"
)

// authWith returns an AuthService on env's database whose bcrypt checks are
// counted.
func authWith(t *testing.T, env *authtest.Env, th domain.LoginThrottle) (*usecase.AuthService, *countingHasher) {
	t.Helper()
	hasher := &countingHasher{PasswordHasher: env.Hasher}
	auth, err := usecase.NewAuthService(usecase.AuthDeps{
		UoW: gormdb.NewUnitOfWork(env.DB.DB), Hasher: hasher, Tokens: env.Tokens, Throttle: th,
		Sessions: domain.SessionPolicy{RefreshTTL: authtest.RefreshTTL}, Now: env.Clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return auth, hasher
}

// 30 wrong passwords at once for one (login, address): each attempt is
// counted before its password is checked, so at most MaxFailures reach
// bcrypt, the others are refused as locked, and then the right password is
// locked out too.
func TestLoginThrottleAtomicUnderConcurrency(t *testing.T) {
	th := domain.LoginThrottle{MaxFailures: 5, Lockout: 15 * time.Minute}
	authtest.Each(t, th, func(t *testing.T, env *authtest.Env) {
		env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		auth, hasher := authWith(t, env, th)
		ctx := context.Background()
		const attempts = 30
		errs := make([]error, attempts)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := range attempts {
			wg.Go(func() {
				start.Wait()
				_, errs[i] = auth.Login(ctx, "ana", "wrong-password", "203.0.113.5")
			})
		}
		start.Done()
		wg.Wait()
		var invalid, locked int
		for _, err := range errs {
			var le *domain.LoginLockedError
			switch {
			case err == domain.ErrInvalidCredentials:
				invalid++
			case errors.As(err, &le):
				locked++
			default:
				t.Errorf("unexpected answer: %v", err)
			}
		}
		checks := hasher.matches.Load()
		if checks > int64(th.MaxFailures) || checks != int64(invalid) || invalid+locked != attempts {
			t.Fatalf("%d bcrypt checks, %d invalid, %d locked; want at most %d checks", checks, invalid, locked, th.MaxFailures)
		}
		t.Logf("%d bcrypt checks, %d answered 401, %d answered 429", checks, invalid, locked)
		var le *domain.LoginLockedError
		if _, err := auth.Login(ctx, "ana", "ana-password", "203.0.113.5"); !errors.As(err, &le) {
			t.Fatalf("right password after the burst: %v, want login-locked", err)
		}
		if n := hasher.matches.Load(); n != checks {
			t.Fatalf("the locked attempt checked a password")
		}
	})
}

// bcrypt reads 72 bytes: a longer password, which could never have been set,
// is refused without a check instead of matching on its first 72 bytes.
func TestLoginRefusesPasswordsOver72Bytes(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		pw := strings.Repeat("p", domain.MaxPasswordBytes)
		env.CreateUser(t, "ana", pw, domain.RoleViewer)
		auth, hasher := authWith(t, env, throttle)
		ctx := context.Background()
		if _, err := auth.Login(ctx, "ana", pw+"extra", "192.0.2.3"); err != domain.ErrInvalidCredentials {
			t.Fatalf("73+ bytes: %v", err)
		}
		if n := hasher.matches.Load(); n != 0 {
			t.Fatalf("%d bcrypt checks of an over-long password", n)
		}
		if _, err := auth.Login(ctx, "ana", pw, "192.0.2.3"); err != nil {
			t.Fatalf("72 bytes: %v", err)
		}
	})
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		ana := env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		s1 := env.Session(t, "ana", "ana-password")
		if len(s1.RefreshToken) < 22 {
			t.Fatalf("refresh token %q is shorter than 128 bits", s1.RefreshToken)
		}
		var stored int64
		if err := env.DB.Gorm.Raw("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = ?", domain.HashRefreshToken(s1.RefreshToken)).
			Scan(&stored).Error; err != nil || stored != 1 {
			t.Fatalf("stored by hash: %d, %v", stored, err)
		}
		p1, _ := env.Tokens.Authenticate(ctx, s1.AccessToken)

		s2, err := env.Auth.Refresh(ctx, s1.RefreshToken)
		if err != nil || s2.RefreshToken == s1.RefreshToken || s2.AccessToken == "" || s2.ExpiresIn != authtest.TTL {
			t.Fatalf("refresh: %+v, %v", s2, err)
		}
		p2, err := env.Authn.Authenticate(ctx, s2.AccessToken)
		if err != nil || p2.UserID != ana.ID || p2.SessionID != p1.SessionID || p2.SessionID == "" {
			t.Fatalf("refreshed principal %+v (first %+v), %v", p2, p1, err)
		}
		// The spent token again: reuse, which revokes the whole family.
		if _, err := env.Auth.Refresh(ctx, s1.RefreshToken); err != domain.ErrRefreshTokenReused {
			t.Fatalf("reuse: %v", err)
		}
		if _, err := env.Auth.Refresh(ctx, s2.RefreshToken); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("family member after reuse: %v", err)
		}
		// Unknown tokens, and tokens past DOLIGO_REFRESH_TTL.
		if _, err := env.Auth.Refresh(ctx, "no-such-token"); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("unknown: %v", err)
		}
		s3 := env.Session(t, "ana", "ana-password")
		env.Clock.Advance(authtest.RefreshTTL - time.Second)
		s4, err := env.Auth.Refresh(ctx, s3.RefreshToken)
		if err != nil {
			t.Fatalf("just before expiry: %v", err)
		}
		env.Clock.Advance(authtest.RefreshTTL)
		if _, err := env.Auth.Refresh(ctx, s4.RefreshToken); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("expired: %v", err)
		}
	})
}

// Two refreshes with one token at the same moment: exactly one gets a new
// pair, the other is reuse, and the session is revoked (so the winner's new
// refresh token is refused too).
func TestConcurrentRefreshOfOneToken(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		for round := range 5 {
			s := env.Session(t, "ana", "ana-password")
			var (
				start, wg sync.WaitGroup
				res       [2]usecase.Session
				errs      [2]error
			)
			start.Add(1)
			for i := range 2 {
				wg.Go(func() {
					start.Wait()
					res[i], errs[i] = env.Auth.Refresh(ctx, s.RefreshToken)
				})
			}
			start.Done()
			wg.Wait()
			win := 0
			if errs[0] != nil {
				win = 1
			}
			if errs[win] != nil || errs[1-win] != domain.ErrRefreshTokenReused {
				t.Fatalf("round %d: %v / %v, want one success and one reuse", round, errs[0], errs[1])
			}
			if _, err := env.Auth.Refresh(ctx, res[win].RefreshToken); err != domain.ErrInvalidRefreshToken {
				t.Fatalf("round %d: the winner's token after the reuse: %v", round, err)
			}
		}
	})
}

func TestLogoutRevokesOneSession(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		env.CreateUser(t, "bob", "bob-password", domain.RoleViewer)
		a1, a2 := env.Session(t, "ana", "ana-password"), env.Session(t, "ana", "ana-password")
		ana, _ := env.Authn.Authenticate(ctx, a1.AccessToken)
		bob, _ := env.Authn.Authenticate(ctx, env.Token(t, "bob", "bob-password"))
		if err := env.Auth.Logout(ctx, bob, a1.RefreshToken); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("someone else's session: %v", err)
		}
		if err := env.Auth.Logout(ctx, ana, a1.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if err := env.Auth.Logout(ctx, ana, a1.RefreshToken); err != nil {
			t.Fatalf("logout twice: %v", err)
		}
		if _, err := env.Auth.Refresh(ctx, a1.RefreshToken); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("refresh after logout: %v", err)
		}
		if _, err := env.Auth.Refresh(ctx, a2.RefreshToken); err != nil {
			t.Fatalf("the other session: %v", err)
		}
		if err := env.Auth.Logout(ctx, ana, "no-such-token"); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("unknown token: %v", err)
		}
	})
}

func TestChangeOwnPassword(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		here, other := env.Session(t, "ana", "ana-password"), env.Session(t, "ana", "ana-password")
		actor, err := env.Authn.Authenticate(ctx, here.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ current, next, field string }{
			{"", "new-password", "current_password"},
			{"ana-password", "short", "new_password"},
			{"ana-password", strings.Repeat("x", 73), "new_password"},
			{"ana-password", "ana-password", "new_password"},
			{"wrong-password", "new-password", "current_password"},
		} {
			err := env.Auth.ChangePassword(ctx, actor, "192.0.2.9", c.current, c.next)
			var v *domain.ValidationError
			if !errors.As(err, &v) || v.Fields[0].Field != c.field {
				t.Fatalf("%q → %q: %v, want 422 on %s", c.current, c.next, err, c.field)
			}
		}
		if err := env.Auth.ChangePassword(ctx, actor, "192.0.2.9", "ana-password", "new-password"); err != nil {
			t.Fatal(err)
		}
		// Every access token of ana is revoked, this one included; her other
		// session is over; this one's refresh token gets a fresh access token.
		if _, err := env.Authn.Authenticate(ctx, here.AccessToken); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Fatalf("access token after the change: %v", err)
		}
		if _, err := env.Auth.Refresh(ctx, other.RefreshToken); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("other session: %v", err)
		}
		s, err := env.Auth.Refresh(ctx, here.RefreshToken)
		if err != nil {
			t.Fatalf("own session: %v", err)
		}
		if _, err := env.Authn.Authenticate(ctx, s.AccessToken); err != nil {
			t.Fatalf("new access token: %v", err)
		}
		if _, err := env.Auth.Login(ctx, "ana", "ana-password", "192.0.2.9"); err != domain.ErrInvalidCredentials {
			t.Fatalf("old password: %v", err)
		}
		env.Token(t, "ana", "new-password")

		// Wrong current passwords count as failed logins of the pair.
		actor, _ = env.Authn.Authenticate(ctx, s.AccessToken)
		for range throttle.MaxFailures {
			_ = env.Auth.ChangePassword(ctx, actor, "192.0.2.66", "wrong-password", "newer-password")
		}
		var le *domain.LoginLockedError
		if err := env.Auth.ChangePassword(ctx, actor, "192.0.2.66", "new-password", "newer-password"); !errors.As(err, &le) {
			t.Fatalf("after %d wrong current passwords: %v", throttle.MaxFailures, err)
		}
	})
}

// Deactivating, demoting, re-passwording or deleting a user revokes its
// access tokens (revocation lag 0 here); other changes do not.
func TestAccessTokenRevocation(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		env.CreateUser(t, "root", "root-password", domain.RoleAdmin)
		ana := env.CreateUser(t, "ana", "ana-password", domain.RoleSales)
		check := func(token string, ok bool, what string) {
			t.Helper()
			_, err := env.Authn.Authenticate(ctx, token)
			if ok && err != nil || !ok && !errors.Is(err, domain.ErrUnauthenticated) {
				t.Fatalf("%s: %v (want ok=%v)", what, err, ok)
			}
		}
		update := func(p domain.UserPatch) {
			t.Helper()
			if _, err := env.Users.Update(ctx, ana.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		tok := env.Token(t, "ana", "ana-password")
		check(tok, true, "fresh token")
		email := "ana@elsewhere.example"
		update(domain.UserPatch{Email: &email})
		check(tok, true, "after an e-mail change")
		same := []string{domain.RoleSales}
		update(domain.UserPatch{Roles: &same})
		check(tok, true, "after setting the same roles")

		viewer := []string{domain.RoleViewer}
		update(domain.UserPatch{Roles: &viewer})
		check(tok, false, "after a demotion")

		tok = env.Token(t, "ana", "ana-password")
		s := env.Session(t, "ana", "ana-password")
		off, on := false, true
		update(domain.UserPatch{Active: &off})
		check(tok, false, "after deactivation")
		update(domain.UserPatch{Active: &on})
		check(tok, false, "after reactivation, a token from before")
		if _, err := env.Auth.Refresh(ctx, s.RefreshToken); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("session from before the deactivation: %v", err)
		}

		tok = env.Token(t, "ana", "ana-password")
		s = env.Session(t, "ana", "ana-password")
		pw := "reset-password"
		update(domain.UserPatch{Password: &pw})
		check(tok, false, "after a password reset")
		if _, err := env.Auth.Refresh(ctx, s.RefreshToken); err != domain.ErrInvalidRefreshToken {
			t.Fatalf("session from before the reset: %v", err)
		}

		tok = env.Token(t, "ana", pw)
		root, _ := env.Authn.Authenticate(ctx, env.Token(t, "root", "root-password"))
		if err := env.Users.Delete(ctx, root, ana.ID); err != nil {
			t.Fatal(err)
		}
		check(tok, false, "after deletion")
	})
}

// With a revocation lag, a process may accept a revoked token for at most
// that long (the clock is the test's).
func TestRevocationLag(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		ana := env.CreateUser(t, "ana", "ana-password", domain.RoleViewer)
		const lag = 5 * time.Second
		authn, err := usecase.NewAuthenticator(env.Tokens, gormdb.NewUnitOfWork(env.DB.DB), lag, env.Clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		tok := env.Token(t, "ana", "ana-password")
		if _, err := authn.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		off := false
		if _, err := env.Users.Update(ctx, ana.ID, domain.UserPatch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(lag - time.Millisecond)
		if _, err := authn.Authenticate(ctx, tok); err != nil {
			t.Fatalf("within the lag the cached stamp answers: %v", err)
		}
		env.Clock.Advance(time.Millisecond)
		if _, err := authn.Authenticate(ctx, tok); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Fatalf("once the lag has passed: %v", err)
		}
		if _, err := usecase.NewAuthenticator(env.Tokens, gormdb.NewUnitOfWork(env.DB.DB), -time.Second, env.Clock.Now); err == nil {
			t.Fatal("negative lag accepted")
		}
	})
}

// A custom role that loses a permission demotes its holders: their access
// tokens stop working as a demoted user's do. Adding one takes nothing away.
func TestNarrowingARoleRevokesItsHoldersTokens(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		ctx := context.Background()
		role, err := env.Roles.Create(ctx, domain.NewRole{Name: "auditor", Permissions: []string{domain.PermReportsRead}})
		if err != nil {
			t.Fatal(err)
		}
		env.CreateUser(t, "eva", "eva-password", "auditor")
		env.CreateUser(t, "ivo", "ivo-password", domain.RoleViewer)
		eva, ivo := env.Token(t, "eva", "eva-password"), env.Token(t, "ivo", "ivo-password")
		check := func(token string, ok bool, what string) {
			t.Helper()
			_, err := env.Authn.Authenticate(ctx, token)
			if ok && err != nil || !ok && !errors.Is(err, domain.ErrUnauthenticated) {
				t.Fatalf("%s: %v (want ok=%v)", what, err, ok)
			}
		}
		wider := []string{domain.PermReportsRead, domain.PermStockRead}
		if _, err := env.Roles.Update(ctx, role.ID, domain.RolePatch{Permissions: &wider}); err != nil {
			t.Fatal(err)
		}
		check(eva, true, "holder, after a permission was added")
		narrower := []string{domain.PermStockRead}
		if _, err := env.Roles.Update(ctx, role.ID, domain.RolePatch{Permissions: &narrower}); err != nil {
			t.Fatal(err)
		}
		check(eva, false, "holder, after a permission was taken away")
		check(ivo, true, "someone without the role")
		check(env.Token(t, "eva", "eva-password"), true, "holder, a token issued after the change")
	})
}
