// Package password hashes account passwords with bcrypt.
package password

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the production work factor: about a quarter of a second per
// hash on a current core, which is what makes a stolen hash slow to crack.
// Tests pass bcrypt.MinCost.
const DefaultCost = 12

// Bcrypt implements domain.PasswordHasher.
type Bcrypt struct{ cost int }

// NewBcrypt returns a hasher with the given cost (bcrypt.MinCost..MaxCost).
func NewBcrypt(cost int) (*Bcrypt, error) {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d is outside %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	return &Bcrypt{cost: cost}, nil
}

// Hash returns the bcrypt hash (salt and cost included) of password. bcrypt
// refuses more than 72 bytes; the domain rejects such passwords before.
func (b *Bcrypt) Hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), b.cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// Matches compares in constant time for a given hash; a malformed hash
// matches nothing.
func (b *Bcrypt) Matches(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
