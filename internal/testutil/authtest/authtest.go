// Package authtest wires the real user and login services, repositories and
// token issuer on a test database, with a clock the test moves, for the
// tests of the use cases and of the HTTP handlers.
package authtest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/jwtauth"
	"github.com/doligo/doligo/internal/infrastructure/password"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// Issuer, TTL and RefreshTTL are the token settings of every Env.
const (
	Issuer     = "doligo-test"
	TTL        = 15 * time.Minute
	RefreshTTL = 24 * time.Hour
)

// Secret is the HS256 key of every Env.
var Secret = []byte(strings.Repeat("test-secret-", 4))

// Clock is a settable time source, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Env is the wired auth side of the product on one database.
type Env struct {
	DB     *testdb.DB
	Clock  *Clock
	Hasher *password.Bcrypt
	Tokens *jwtauth.Tokens
	Users  *usecase.UserService
	Roles  *usecase.RoleService
	Auth   *usecase.AuthService
	// Authn is the API's authenticator: Tokens, then the user's security
	// stamp, read on every request (revocation lag 0).
	Authn *usecase.Authenticator
}

// New wires everything on db (roles synced) with the given throttle.
func New(t testing.TB, db *testdb.DB, throttle domain.LoginThrottle) *Env {
	t.Helper()
	e := &Env{DB: db, Clock: &Clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}}
	var err error
	if e.Hasher, err = password.NewBcrypt(bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	if e.Tokens, err = jwtauth.New(Secret, Issuer, TTL, e.Clock.Now); err != nil {
		t.Fatal(err)
	}
	uow := gormdb.NewUnitOfWork(db.DB)
	e.Users = usecase.NewUserService(uow, e.Hasher, e.Clock.Now)
	e.Roles = usecase.NewRoleService(uow)
	e.Auth, err = usecase.NewAuthService(usecase.AuthDeps{
		UoW: uow, Hasher: e.Hasher, Tokens: e.Tokens, Throttle: throttle,
		Sessions: domain.SessionPolicy{RefreshTTL: RefreshTTL}, Now: e.Clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.Authn, err = usecase.NewAuthenticator(e.Tokens, uow, 0, e.Clock.Now); err != nil {
		t.Fatal(err)
	}
	if err := e.Users.SyncRoles(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// Each runs fn per dialect on an Env over a private migrated database.
func Each(t *testing.T, throttle domain.LoginThrottle, fn func(t *testing.T, env *Env)) {
	t.Helper()
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, New(t, testdb.Migrated(t, d), throttle)) })
	}
}

// CreateUser adds an active user whose e-mail is login@example.com.
func (e *Env) CreateUser(t testing.TB, login, password string, roles ...string) *domain.User {
	t.Helper()
	u, err := e.Users.Create(context.Background(), domain.NewUser{
		Login: login, Email: login + "@example.com", Password: password, Active: true, Roles: roles,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

// Token logs in and returns the access token.
func (e *Env) Token(t testing.TB, login, password string) string {
	t.Helper()
	return e.Session(t, login, password).AccessToken
}

// Session logs in and returns the session.
func (e *Env) Session(t testing.TB, login, password string) usecase.Session {
	t.Helper()
	s, err := e.Auth.Login(context.Background(), login, password, "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	return s
}
