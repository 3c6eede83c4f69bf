// Package usecase orchestrates the domain: each service takes its
// repositories and collaborators as interfaces and a context first.
package usecase

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// Session is what a successful login returns.
type Session struct {
	AccessToken string
	ExpiresIn   time.Duration
}

// AuthDeps are the collaborators of AuthService.
type AuthDeps struct {
	Users    domain.UserRepository
	Roles    domain.RoleRepository
	Failures domain.LoginFailureRepository
	Hasher   domain.PasswordHasher
	Tokens   domain.TokenIssuer
	Throttle domain.LoginThrottle
	Now      func() time.Time // time.Now when nil
}

// AuthService logs users in.
type AuthService struct {
	d AuthDeps
	// dummyHash is checked when the login is unknown, so that an unknown
	// login costs the same bcrypt work as a wrong password.
	dummyHash string
	// lastPrune is when this process last pruned stale failure records, in
	// Unix nanoseconds.
	lastPrune atomic.Int64
}

// NewAuthService checks the throttle settings and prepares the dummy hash.
func NewAuthService(d AuthDeps) (*AuthService, error) {
	if d.Throttle.MaxFailures < 1 || d.Throttle.Lockout <= 0 {
		return nil, fmt.Errorf("login throttle needs at least 1 failure and a positive lockout, got %d and %s",
			d.Throttle.MaxFailures, d.Throttle.Lockout)
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
// domain.ErrInvalidCredentials after the same bcrypt work, and each counts as
// a failure of the (login, address) pair; while the pair is locked out every
// attempt, right or wrong, is a *domain.LoginLockedError. Success forgets the
// pair's failures.
func (s *AuthService) Login(ctx context.Context, login, password, address string) (Session, error) {
	now := s.d.Now().UTC()
	f, err := s.d.Failures.Get(ctx, login, address)
	if err != nil {
		return Session{}, err
	}
	if err := f.Check(now); err != nil {
		return Session{}, err
	}
	u, err := s.d.Users.GetByLogin(ctx, login)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		s.d.Hasher.Matches(s.dummyHash, password)
		return Session{}, s.fail(ctx, login, address, now)
	case err != nil:
		return Session{}, err
	}
	if !s.d.Hasher.Matches(u.PasswordHash, password) || !u.Active {
		return Session{}, s.fail(ctx, login, address, now)
	}
	if f.Failures > 0 {
		if err := s.d.Failures.Delete(ctx, login, address); err != nil {
			return Session{}, err
		}
	}
	perms, err := s.d.Roles.Permissions(ctx, u.Roles)
	if err != nil {
		return Session{}, err
	}
	token, ttl, err := s.d.Tokens.Issue(domain.Principal{UserID: u.ID, Login: u.Login, Permissions: perms})
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: token, ExpiresIn: ttl}, nil
}

// fail counts the failure and returns the error of a refused login.
func (s *AuthService) fail(ctx context.Context, login, address string, now time.Time) error {
	f, err := s.d.Failures.Update(ctx, login, address, func(f *domain.LoginFailures) { s.d.Throttle.Fail(f, now) })
	if err != nil {
		return err
	}
	s.maybePrune(ctx, now)
	if f.Failures == s.d.Throttle.MaxFailures {
		zerolog.Ctx(ctx).Warn().Str("login", login).Str("address", address).Int("failures", f.Failures).
			Time("locked_until", f.LockedUntil).Msg("login locked out after repeated failures")
	}
	return domain.ErrInvalidCredentials
}

// maybePrune deletes the failure records that no longer count, at most once
// per lockout period per process: logins sprayed at random would otherwise
// leave a row each behind.
func (s *AuthService) maybePrune(ctx context.Context, now time.Time) {
	last := s.lastPrune.Load()
	if now.UnixNano()-last < int64(s.d.Throttle.Lockout) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if _, err := s.d.Failures.Prune(ctx, now, s.d.Throttle.Lockout); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("pruning stale login failures failed")
	}
}
