// Package usecase orchestrates the domain: each service takes its
// repositories and collaborators as interfaces and a context first.
package usecase

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// Session is what a successful login or refresh returns: a short-lived
// access token and the refresh token that gets the next one.
type Session struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
}

// AuthDeps are the collaborators of AuthService.
type AuthDeps struct {
	UoW      domain.UnitOfWork // users, roles, login failures and refresh tokens
	Hasher   domain.PasswordHasher
	Tokens   domain.TokenIssuer
	Throttle domain.LoginThrottle
	Sessions domain.SessionPolicy
	Now      func() time.Time // time.Now when nil
}

// AuthService logs users in and out, refreshes sessions and changes the
// caller's password.
type AuthService struct {
	d AuthDeps
	// dummyHash is checked when the login is unknown, so that an unknown
	// login costs the same bcrypt work as a wrong password.
	dummyHash string
	// lastPrune is when this process last pruned stale failure records and
	// expired refresh tokens, in Unix nanoseconds.
	lastPrune atomic.Int64
}

// NewAuthService checks the throttle and session settings and prepares the
// dummy hash.
func NewAuthService(d AuthDeps) (*AuthService, error) {
	if d.Throttle.MaxFailures < 1 || d.Throttle.Lockout <= 0 {
		return nil, fmt.Errorf("login throttle needs at least 1 failure and a positive lockout, got %d and %s",
			d.Throttle.MaxFailures, d.Throttle.Lockout)
	}
	if d.Sessions.RefreshTTL <= 0 {
		return nil, fmt.Errorf("refresh tokens need a positive lifetime, got %s", d.Sessions.RefreshTTL)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	h, err := d.Hasher.Hash(rand.Text())
	if err != nil {
		return nil, err
	}
	return &AuthService{d: d, dummyHash: h}, nil
}

// Login checks login and password for a client at address. An unknown login,
// a wrong password and an inactive account all return
// domain.ErrInvalidCredentials after the same bcrypt work. Each attempt is
// counted against the (login, address) pair before its password is checked,
// so that of any number of concurrent attempts at most MaxFailures reach
// bcrypt within a lockout window; while the pair is locked out every attempt,
// right or wrong, is a *domain.LoginLockedError. Success forgets the pair's
// failures and starts a session. A password longer than bcrypt reads is
// refused without being checked, since none can have been set.
func (s *AuthService) Login(ctx context.Context, login, password, address string) (Session, error) {
	now := s.d.Now().UTC()
	if err := s.checkLocked(ctx, login, address, now); err != nil {
		return Session{}, err
	}
	if len(password) > domain.MaxPasswordBytes {
		return Session{}, domain.ErrInvalidCredentials
	}
	f, err := s.reserve(ctx, login, address, now)
	if err != nil {
		return Session{}, err
	}
	u, err := unitRead(ctx, s.d.UoW, func(ctx context.Context, r domain.Readers) (*domain.User, error) {
		return r.Users.GetByLogin(ctx, login)
	})
	switch {
	case errors.Is(err, domain.ErrNotFound):
		s.d.Hasher.Matches(s.dummyHash, password)
		s.failed(ctx, f, now)
		return Session{}, domain.ErrInvalidCredentials
	case err != nil:
		return Session{}, err
	}
	if !s.d.Hasher.Matches(u.PasswordHash, password) || !u.Active {
		s.failed(ctx, f, now)
		return Session{}, domain.ErrInvalidCredentials
	}
	var p domain.Principal
	refresh, err := unitDo(ctx, s.d.UoW, func(ctx context.Context, r domain.Repositories) (string, error) {
		if err := r.LoginFailures.Delete(ctx, login, address); err != nil {
			return "", err
		}
		perms, err := r.Roles.Permissions(ctx, u.Roles)
		if err != nil {
			return "", err
		}
		family, err := randomHex(16)
		if err != nil {
			return "", err
		}
		p = domain.Principal{UserID: u.ID, Login: u.Login, Permissions: perms, Stamp: u.SecurityStamp, SessionID: family}
		if err := audited(domain.WithActor(ctx, u.ID), r, "session.login", "user", u.ID, nil, nil); err != nil {
			return "", err
		}
		return s.addRefreshToken(ctx, r, u.ID, family, now)
	})
	if err != nil {
		return Session{}, err
	}
	return s.issue(p, refresh)
}

// Refresh spends a refresh token and returns a new access token and the next
// refresh token of the same session. Spending is one conditional UPDATE, so
// of two concurrent refreshes with one token exactly one succeeds; the other
// finds the token spent and is treated as reuse: a spent token presented
// again may have been stolen, so its whole session is revoked (the winner's
// new refresh token with it) and the answer is domain.ErrRefreshTokenReused.
// An unknown, expired or revoked token, or one of an inactive user, is
// domain.ErrInvalidRefreshToken.
func (s *AuthService) Refresh(ctx context.Context, token string) (Session, error) {
	now := s.d.Now().UTC()
	hash := domain.HashRefreshToken(token)
	type outcome struct {
		p       domain.Principal
		refresh string
		refused error // committed, then returned: revocations must not roll back
	}
	o, err := unitDo(ctx, s.d.UoW, func(ctx context.Context, r domain.Repositories) (outcome, error) {
		spent, err := r.RefreshTokens.Spend(ctx, hash, now)
		if err != nil {
			return outcome{}, err
		}
		t, err := r.RefreshTokens.GetByHash(ctx, hash)
		if errors.Is(err, domain.ErrNotFound) {
			return outcome{refused: domain.ErrInvalidRefreshToken}, nil
		}
		if err != nil {
			return outcome{}, err
		}
		if !spent {
			if t.UsedAt.IsZero() || !t.RevokedAt.IsZero() {
				return outcome{refused: domain.ErrInvalidRefreshToken}, nil // expired or revoked
			}
			zerolog.Ctx(ctx).Warn().Int64("user_id", t.UserID).Str("session", t.Family).
				Msg("spent refresh token presented again: session revoked")
			return outcome{refused: domain.ErrRefreshTokenReused}, r.RefreshTokens.RevokeFamily(ctx, t.Family, now)
		}
		u, err := r.Users.Get(ctx, t.UserID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return outcome{}, err
		}
		if u == nil || !u.Active {
			return outcome{refused: domain.ErrInvalidRefreshToken}, r.RefreshTokens.RevokeFamily(ctx, t.Family, now)
		}
		perms, err := r.Roles.Permissions(ctx, u.Roles)
		if err != nil {
			return outcome{}, err
		}
		if err := audited(domain.WithActor(ctx, u.ID), r, "session.refresh", "user", u.ID, nil, nil); err != nil {
			return outcome{}, err
		}
		next, err := s.addRefreshToken(ctx, r, u.ID, t.Family, now)
		return outcome{
			p:       domain.Principal{UserID: u.ID, Login: u.Login, Permissions: perms, Stamp: u.SecurityStamp, SessionID: t.Family},
			refresh: next,
		}, err
	})
	switch {
	case err != nil:
		return Session{}, err
	case o.refused != nil:
		return Session{}, o.refused
	}
	return s.issue(o.p, o.refresh)
}

// Logout revokes the session of a refresh token of the caller. Logging out
// of a session already revoked or expired succeeds; a token that is unknown
// or another user's is domain.ErrInvalidRefreshToken. The caller's access
// tokens of that session keep working until they expire (DOLIGO_JWT_TTL).
func (s *AuthService) Logout(ctx context.Context, actor domain.Principal, token string) error {
	now := s.d.Now().UTC()
	return s.d.UoW.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		t, err := r.RefreshTokens.GetByHash(ctx, domain.HashRefreshToken(token))
		if errors.Is(err, domain.ErrNotFound) || err == nil && t.UserID != actor.UserID {
			return domain.ErrInvalidRefreshToken
		}
		if err != nil {
			return err
		}
		if err := audited(ctx, r, "session.logout", "user", actor.UserID, nil, nil); err != nil {
			return err
		}
		return r.RefreshTokens.RevokeFamily(ctx, t.Family, now)
	})
}

// ChangePassword replaces the caller's password after checking the current
// one, bumps the security stamp (every access token of the user, this one
// included, stops working within the revocation lag) and revokes every other
// session; the caller's own session, named by its token, stays, so its
// refresh token gets an access token with the new stamp. Wrong guesses of
// the current password count against the login throttle of (login,
// address), like failed logins.
func (s *AuthService) ChangePassword(ctx context.Context, actor domain.Principal, address, current, next string) error {
	now := s.d.Now().UTC()
	if v := domain.CheckPasswordChange(current, next); v.OrNil() != nil {
		return v
	}
	u, err := unitRead(ctx, s.d.UoW, func(ctx context.Context, r domain.Readers) (*domain.User, error) {
		return r.Users.Get(ctx, actor.UserID)
	})
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("%w: the token's user no longer exists", domain.ErrUnauthenticated)
	}
	if err != nil {
		return err
	}
	if err := s.checkLocked(ctx, u.Login, address, now); err != nil {
		return err
	}
	if len(current) > domain.MaxPasswordBytes {
		return domain.ErrWrongPassword()
	}
	f, err := s.reserve(ctx, u.Login, address, now)
	if err != nil {
		return err
	}
	if !s.d.Hasher.Matches(u.PasswordHash, current) {
		s.failed(ctx, f, now)
		return domain.ErrWrongPassword()
	}
	hash, err := s.d.Hasher.Hash(next) // slow: never inside the transaction
	if err != nil {
		return err
	}
	return s.d.UoW.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		// The lock every writer of users takes (see UserService.Update), so
		// that a concurrent administrator's change is not lost.
		_, u, err := lockAdminsAndGet(ctx, r.Users, actor.UserID)
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("%w: the token's user no longer exists", domain.ErrUnauthenticated)
		}
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		u.SecurityStamp++
		u.UpdatedAt = stamp(now)
		if err := r.Users.Save(ctx, u); err != nil {
			return err
		}
		if err := r.LoginFailures.Delete(ctx, u.Login, address); err != nil {
			return err
		}
		if err := audited(ctx, r, "user.change_password", "user", u.ID, nil, nil); err != nil {
			return err
		}
		return r.RefreshTokens.RevokeUser(ctx, u.ID, actor.SessionID, now)
	})
}

// addRefreshToken stores a new refresh token of the family and returns it.
func (s *AuthService) addRefreshToken(ctx context.Context, r domain.Repositories, userID int64, family string, now time.Time) (string, error) {
	b := make([]byte, 32) // 256 bits
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	err := r.RefreshTokens.Create(ctx, &domain.RefreshToken{
		TokenHash: domain.HashRefreshToken(token), Family: family, UserID: userID,
		CreatedAt: now, ExpiresAt: now.Add(s.d.Sessions.RefreshTTL),
	})
	return token, err
}

// issue signs the access token of a session.
func (s *AuthService) issue(p domain.Principal, refresh string) (Session, error) {
	token, ttl, err := s.d.Tokens.Issue(p)
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: token, ExpiresIn: ttl, RefreshToken: refresh}, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// checkLocked returns a *domain.LoginLockedError while the pair is locked,
// from a plain read: a locked-out guesser costs no write.
func (s *AuthService) checkLocked(ctx context.Context, login, address string, now time.Time) error {
	f, err := unitRead(ctx, s.d.UoW, func(ctx context.Context, r domain.Readers) (domain.LoginFailures, error) {
		return r.LoginFailures.Get(ctx, login, address)
	})
	if err != nil {
		return err
	}
	return f.Check(now)
}

// reserve counts one attempt of the pair as a failure before its password is
// checked, under the row's lock: the check and the count are one step, so
// concurrent attempts are counted one after the other and those past
// MaxFailures get a *domain.LoginLockedError without reaching bcrypt. A
// success clears the count afterwards.
func (s *AuthService) reserve(ctx context.Context, login, address string, now time.Time) (domain.LoginFailures, error) {
	// The record is made to exist in a unit of work of its own (see
	// domain.LoginFailureRepository.Ensure), then locked, checked, counted
	// and saved.
	err := s.d.UoW.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.LoginFailures.Ensure(ctx, login, address)
	})
	if err != nil {
		return domain.LoginFailures{}, err
	}
	return unitDo(ctx, s.d.UoW, func(ctx context.Context, r domain.Repositories) (domain.LoginFailures, error) {
		f, err := r.LoginFailures.Lock(ctx, login, address)
		if err != nil {
			return f, err
		}
		if err := f.Check(now); err != nil {
			return f, err
		}
		s.d.Throttle.Fail(&f, now)
		return f, r.LoginFailures.Save(ctx, f)
	})
}

// failed is the aftermath of a refused password, already counted by reserve:
// a warning when that attempt locked the pair, and pruning.
func (s *AuthService) failed(ctx context.Context, f domain.LoginFailures, now time.Time) {
	s.maybePrune(ctx, now)
	if f.Failures == s.d.Throttle.MaxFailures {
		zerolog.Ctx(ctx).Warn().Str("login", f.Login).Str("address", f.Address).Int("failures", f.Failures).
			Time("locked_until", f.LockedUntil).Msg("login locked out after repeated failures")
	}
}

// maybePrune deletes the failure records that no longer count and the
// expired refresh tokens, at most once per lockout period per process:
// logins sprayed at random would otherwise leave a row each behind.
func (s *AuthService) maybePrune(ctx context.Context, now time.Time) {
	last := s.lastPrune.Load()
	if now.UnixNano()-last < int64(s.d.Throttle.Lockout) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	err := s.d.UoW.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if _, err := r.LoginFailures.Prune(ctx, now, s.d.Throttle.Lockout); err != nil {
			return err
		}
		_, err := r.RefreshTokens.Prune(ctx, now)
		return err
	})
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("pruning stale login failures and refresh tokens failed")
	}
}
