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
	UoW      domain.UnitOfWork // users, roles and login failures
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
	var f domain.LoginFailures
	var u *domain.User
	err := s.d.UoW.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		if f, err = r.LoginFailures.Get(ctx, login, address); err != nil {
			return err
		}
		if err := f.Check(now); err != nil {
			return err
		}
		u, err = r.Users.GetByLogin(ctx, login)
		return err
	})
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
		err := s.d.UoW.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			return r.LoginFailures.Delete(ctx, login, address)
		})
		if err != nil {
			return Session{}, err
		}
	}
	perms, err := unitRead(ctx, s.d.UoW, func(ctx context.Context, r domain.Readers) ([]string, error) {
		return r.Roles.Permissions(ctx, u.Roles)
	})
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
	// The record is made to exist in a unit of work of its own (see
	// domain.LoginFailureRepository.Ensure), then locked, counted and saved.
	err := s.d.UoW.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.LoginFailures.Ensure(ctx, login, address)
	})
	if err != nil {
		return err
	}
	f, err := unitDo(ctx, s.d.UoW, func(ctx context.Context, r domain.Repositories) (domain.LoginFailures, error) {
		f, err := r.LoginFailures.Lock(ctx, login, address)
		if err != nil {
			return f, err
		}
		s.d.Throttle.Fail(&f, now)
		return f, r.LoginFailures.Save(ctx, f)
	})
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
	err := s.d.UoW.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		_, err := r.LoginFailures.Prune(ctx, now, s.d.Throttle.Lockout)
		return err
	})
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("pruning stale login failures failed")
	}
}
