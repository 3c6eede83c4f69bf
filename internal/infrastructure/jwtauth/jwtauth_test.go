package jwtauth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/jwttest"
)

var secret = []byte(strings.Repeat("s", 32))

func clockAt(t *time.Time) func() time.Time { return func() time.Time { return *t } }

func TestIssueThenAuthenticate(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tok, err := New(secret, "doligo", 15*time.Minute, clockAt(&now))
	if err != nil {
		t.Fatal(err)
	}
	p := domain.Principal{UserID: 42, Login: "ana", Permissions: []string{"users:read", "stock:write"}}
	s, ttl, err := tok.Issue(p)
	if err != nil || ttl != 15*time.Minute {
		t.Fatalf("Issue = %v, %v", ttl, err)
	}
	got, err := tok.Authenticate(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != 42 || got.Login != "ana" || !slices.Equal(got.Permissions, p.Permissions) {
		t.Fatalf("principal = %+v", got)
	}

	// The claims are the documented ones.
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(s, &c); err != nil {
		t.Fatal(err)
	}
	if c["sub"] != "42" || c["iss"] != "doligo" || c["exp"].(float64) != float64(now.Add(15*time.Minute).Unix()) ||
		c["iat"].(float64) != float64(now.Unix()) || c["nbf"].(float64) != float64(now.Unix()) || c["jti"] == "" {
		t.Fatalf("claims = %v", c)
	}

	// Valid until exp (plus leeway), refused after.
	now = now.Add(15*time.Minute + Leeway - time.Second)
	if _, err := tok.Authenticate(context.Background(), s); err != nil {
		t.Fatalf("refused within its lifetime: %v", err)
	}
	now = now.Add(2 * time.Second)
	if _, err := tok.Authenticate(context.Background(), s); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("expired token: err = %v", err)
	}
}

func TestAuthenticateRefusesForgedTokens(t *testing.T) {
	now := time.Now()
	tok, err := New(secret, "doligo", 15*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The forging helper's good claims are accepted: the refusals below are
	// about what each case changes.
	good := jwttest.Sign(t, jwt.SigningMethodHS256, secret, jwttest.Claims("doligo", 7, []string{"users:read"}, now))
	if _, err := tok.Authenticate(context.Background(), good); err != nil {
		t.Fatalf("well-formed token refused: %v", err)
	}
	for name, s := range jwttest.Bad(t, secret, "doligo", 7, []string{"users:read"}, now) {
		t.Run(name, func(t *testing.T) {
			p, err := tok.Authenticate(context.Background(), s)
			if !errors.Is(err, domain.ErrUnauthenticated) {
				t.Fatalf("accepted (%+v) or wrong error: %v", p, err)
			}
		})
	}
}

func TestNewChecksSettings(t *testing.T) {
	if _, err := New(secret[:31], "doligo", time.Minute, nil); err == nil {
		t.Error("31-byte secret accepted")
	}
	if _, err := New(secret, "", time.Minute, nil); err == nil {
		t.Error("empty issuer accepted")
	}
	if _, err := New(secret, "doligo", 0, nil); err == nil {
		t.Error("zero lifetime accepted")
	}
}
