// Package jwtauth issues and verifies the API's access tokens: JWTs signed
// with HS256, carrying the caller's id as sub and permissions as a claim.
package jwtauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/doligo/doligo/internal/domain"
)

// MinSecretLen is the shortest HS256 key accepted: 256 bits, the hash size.
const MinSecretLen = 32

// Leeway tolerates clock skew between the API replicas that issue and verify.
const Leeway = 30 * time.Second

var method = jwt.SigningMethodHS256

type claims struct {
	Login       string   `json:"login"`
	Permissions []string `json:"permissions"`
	// Stamp is the user's security stamp at issue; a token without one
	// carries the stamp every user starts with, 0.
	Stamp int64 `json:"stamp,omitempty"`
	// SessionID is the refresh-token family the token belongs to.
	SessionID string `json:"sid,omitempty"`
	jwt.RegisteredClaims
}

// Tokens issues tokens and implements domain.TokenVerifier (the API checks
// the user's security stamp on top, usecase.Authenticator).
type Tokens struct {
	key    []byte
	issuer string
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser
}

// New returns a Tokens signing with secret for issuer, each token valid for ttl.
// now is the clock.
func New(secret []byte, issuer string, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("JWT secret must be at least %d bytes, got %d", MinSecretLen, len(secret))
	}
	if issuer == "" {
		return nil, errors.New("JWT issuer must not be empty")
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("JWT lifetime must be positive, got %s", ttl)
	}
	return &Tokens{
		key: secret, issuer: issuer, ttl: ttl, now: now,
		// Only the configured algorithm: "none", HS512, or an RS256 header
		// meant to make us verify with our secret as a public key are refused.
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{method.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
	}, nil
}

// Issue signs a token for p, valid from now for the configured lifetime.
func (t *Tokens) Issue(p domain.Principal) (string, time.Duration, error) {
	now := t.now().UTC()
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", 0, err
	}
	c := claims{
		Login:       p.Login,
		Permissions: p.Permissions,
		Stamp:       p.Stamp,
		SessionID:   p.SessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   strconv.FormatInt(p.UserID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        hex.EncodeToString(jti),
		},
	}
	s, err := jwt.NewWithClaims(method, c).SignedString(t.key)
	if err != nil {
		return "", 0, fmt.Errorf("sign token: %w", err)
	}
	return s, t.ttl, nil
}

// Authenticate verifies the signature, algorithm, issuer, exp, nbf and iat of
// token and returns the principal it names. Every failure wraps
// domain.ErrUnauthenticated.
func (t *Tokens) Authenticate(_ context.Context, token string) (domain.Principal, error) {
	var c claims
	_, err := t.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil {
		return domain.Principal{}, fmt.Errorf("%w: %v", domain.ErrUnauthenticated, err)
	}
	if c.IssuedAt == nil {
		return domain.Principal{}, fmt.Errorf("%w: token has no iat", domain.ErrUnauthenticated)
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 {
		return domain.Principal{}, fmt.Errorf("%w: sub %q is not a user id", domain.ErrUnauthenticated, c.Subject)
	}
	return domain.Principal{UserID: id, Login: c.Login, Permissions: c.Permissions, Stamp: c.Stamp, SessionID: c.SessionID}, nil
}
