package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// ErrInvalidRefreshToken is the answer to a refresh token that is unknown,
// expired, revoked, or belongs to an inactive or deleted user.
var ErrInvalidRefreshToken = &Problem{Kind: ErrUnauthenticated, Code: "invalid-refresh-token", Detail: "invalid or expired refresh token"}

// ErrRefreshTokenReused answers a refresh token that was already spent: the
// token may have been stolen, so its whole session (family) was revoked.
var ErrRefreshTokenReused = &Problem{Kind: ErrUnauthenticated, Code: "refresh-token-reused",
	Detail: "refresh token already used: the session has been revoked, log in again"}

// ErrWrongPassword refuses a password change whose current password is wrong.
func ErrWrongPassword() *ValidationError {
	return Invalid("current_password", "does not match")
}

// RefreshToken is one opaque refresh token as the database keeps it: only its
// hash. Every login starts a family (a session); every refresh spends the
// token presented and adds the next one to the same family.
type RefreshToken struct {
	ID        int64
	TokenHash string // HashRefreshToken of the token the client holds
	Family    string // the session id, also carried by its access tokens as sid
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until spent by a refresh
	RevokedAt time.Time // zero until its family is revoked
}

// HashRefreshToken is the SHA-256 (hex) of a refresh token, which is what
// the database stores: a copy of the table gives no usable token.
func HashRefreshToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// SessionPolicy holds the lifetimes of the refresh side of sessions.
type SessionPolicy struct {
	// RefreshTTL is how long a refresh token can be used after it was
	// issued; each refresh issues a new one, so a session lives as long as
	// it is refreshed within RefreshTTL.
	RefreshTTL time.Duration
}

// RefreshTokenReader reads refresh tokens.
type RefreshTokenReader interface {
	// GetByHash returns the token with that hash, or ErrNotFound.
	GetByHash(ctx context.Context, hash string) (*RefreshToken, error)
}

// RefreshTokenRepository keeps the refresh tokens.
type RefreshTokenRepository interface {
	RefreshTokenReader
	// Create inserts t and sets its ID.
	Create(ctx context.Context, t *RefreshToken) error
	// Spend marks the token with that hash used at now if it is live (not
	// used, not revoked, not expired at now), in one conditional UPDATE, and
	// reports whether this call spent it: of concurrent Spends of one token,
	// exactly one returns true.
	Spend(ctx context.Context, hash string, now time.Time) (bool, error)
	// RevokeFamily revokes every token of the family not yet revoked.
	RevokeFamily(ctx context.Context, family string, now time.Time) error
	// RevokeUser revokes every session of the user but the family keep ("" to
	// revoke them all).
	RevokeUser(ctx context.Context, userID int64, keep string, now time.Time) error
	// Prune deletes the tokens that expired before now and returns how many.
	Prune(ctx context.Context, now time.Time) (int64, error)
}

// TokenVerifier turns an access token into the principal it names, checking
// only the token itself (signature, lifetime); any error is an
// ErrUnauthenticated.
type TokenVerifier interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// UserStamp is what the revocation check reads of a user on every request.
type UserStamp struct {
	Stamp  int64
	Active bool
}
