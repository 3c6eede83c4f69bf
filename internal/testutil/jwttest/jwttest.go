// Package jwttest forges the access tokens an attacker or a broken client
// could send, so that the verifier's tests and the API's tests refuse the
// same list.
package jwttest

import (
	"crypto/rand"
	"crypto/rsa"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims returns claims that the verifier for issuer accepts at now.
func Claims(issuer string, userID int64, perms []string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":         issuer,
		"sub":         strconv.FormatInt(userID, 10),
		"iat":         now.Unix(),
		"nbf":         now.Unix(),
		"exp":         now.Add(15 * time.Minute).Unix(),
		"login":       "forged",
		"permissions": perms,
	}
}

// Sign signs c with method m and key.
func Sign(t testing.TB, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Bad returns tokens, by name, that a verifier with secret and issuer must
// refuse at now although each grants the permissions perms to userID.
func Bad(t testing.TB, secret []byte, issuer string, userID int64, perms []string, now time.Time) map[string]string {
	t.Helper()
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := Claims(issuer, userID, perms, now)
		edit(c)
		return c
	}
	good := Claims(issuer, userID, perms, now)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	none := Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good)
	valid := Sign(t, jwt.SigningMethodHS256, secret, good)
	parts := strings.Split(valid, ".")
	otherPayload := strings.Split(Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { c["sub"] = strconv.FormatInt(userID+1, 10) })), ".")[1]
	return map[string]string{
		"garbage":                 "not-a-jwt",
		"three garbage parts":     "a.b.c",
		"alg none":                none,
		"alg none, no dot":        strings.TrimSuffix(none, "."),
		"signed with another key": Sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("k", 32)), good),
		"expired":                 Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })),
		"no exp":                  Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { delete(c, "exp") })),
		"no iat":                  Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { delete(c, "iat") })),
		"issued in the future":    Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })),
		"not yet valid":           Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })),
		"wrong issuer":            Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { c["iss"] = "someone-else" })),
		"no issuer":               Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { delete(c, "iss") })),
		"sub not an id":           Sign(t, jwt.SigningMethodHS256, secret, with(func(c jwt.MapClaims) { c["sub"] = "admin" })),
		"HS512 header":            Sign(t, jwt.SigningMethodHS512, secret, good),
		"HS384 header":            Sign(t, jwt.SigningMethodHS384, secret, good),
		"RS256 header":            Sign(t, jwt.SigningMethodRS256, rsaKey, good),
		"payload swapped":         parts[0] + "." + otherPayload + "." + parts[2],
		"signature stripped":      parts[0] + "." + parts[1] + ".",
	}
}
