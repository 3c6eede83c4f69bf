package gormdb

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/doligo/doligo/internal/domain"
)

func TestRetryable(t *testing.T) {
	for name, c := range map[string]struct {
		err  error
		want bool
	}{
		"pg deadlock":              {&pgconn.PgError{Code: "40P01"}, true},
		"pg serialization failure": {fmt.Errorf("lock: %w", &pgconn.PgError{Code: "40001"}), true},
		"pg unique violation":      {&pgconn.PgError{Code: "23505"}, false},
		"mysql deadlock":           {fmt.Errorf("lock: %w", &mysql.MySQLError{Number: 1213}), true},
		"mysql lock wait timeout":  {&mysql.MySQLError{Number: 1205}, true},
		"mysql duplicate":          {&mysql.MySQLError{Number: 1062}, false},
		"domain conflict":          {domain.Conflictf("insufficient-stock", "no"), false},
		"plain":                    {errors.New("boom"), false},
	} {
		if got := Retryable(c.err); got != c.want {
			t.Errorf("%s: Retryable = %v, want %v", name, got, c.want)
		}
	}
}

func TestJitteredBackoffIsBounded(t *testing.T) {
	for attempt := 1; attempt < 20; attempt++ {
		for range 50 {
			if d := jitteredBackoff(attempt); d <= 0 || d > 251e6 {
				t.Fatalf("attempt %d: backoff %s out of (0, 251ms]", attempt, d)
			}
		}
	}
}
