package password

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestBcrypt(t *testing.T) {
	b, err := NewBcrypt(bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h1, err := b.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := b.Hash("correct horse")
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if strings.Contains(h1, "correct horse") {
		t.Error("hash contains the password")
	}
	if !b.Matches(h1, "correct horse") || !b.Matches(h2, "correct horse") {
		t.Error("password does not match its hash")
	}
	for _, wrong := range []string{"", "correct hors", "Correct horse", "correct horse "} {
		if b.Matches(h1, wrong) {
			t.Errorf("%q matches", wrong)
		}
	}
	if b.Matches("not a hash", "correct horse") || b.Matches("", "") {
		t.Error("malformed hash matches")
	}
	if cost, _ := bcrypt.Cost([]byte(h1)); cost != bcrypt.MinCost {
		t.Errorf("cost = %d, want %d", cost, bcrypt.MinCost)
	}
	if _, err := b.Hash(strings.Repeat("x", 73)); err == nil {
		t.Error("73-byte password hashed: bcrypt would ignore its tail")
	}
	for _, c := range []int{0, 3, 32} {
		if _, err := NewBcrypt(c); err == nil {
			t.Errorf("cost %d accepted", c)
		}
	}
}
