package txretry

import (
	"context"
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
			if d := Backoff(attempt); d <= 0 || d > 251e6 {
				t.Fatalf("attempt %d: backoff %s out of (0, 251ms]", attempt, d)
			}
		}
	}
}

func TestRunRetriesOnlyWhatTheDatabaseAborted(t *testing.T) {
	ctx := context.Background()
	deadlock := &pgconn.PgError{Code: "40P01"}
	for name, c := range map[string]struct {
		fails    int   // runs that fail before one succeeds
		err      error // what they fail with
		wantRuns int
		wantErr  bool
	}{
		"success at once":            {0, nil, 1, false},
		"two deadlocks then success": {2, deadlock, 3, false},
		"deadlocks past the budget":  {100, deadlock, MaxAttempts, true},
		"domain error not retried":   {100, domain.Conflictf("insufficient-stock", "no"), 1, true},
	} {
		runs := 0
		err := Run(ctx, func(attempt int) error {
			runs++
			if attempt != runs {
				t.Fatalf("%s: run %d told attempt %d", name, runs, attempt)
			}
			if runs <= c.fails {
				return c.err
			}
			return nil
		})
		if runs != c.wantRuns || (err != nil) != c.wantErr {
			t.Errorf("%s: %d runs, err %v; want %d runs, error %v", name, runs, err, c.wantRuns, c.wantErr)
		}
	}
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	err := Run(ctx, func(int) error {
		runs++
		cancel()
		return &mysql.MySQLError{Number: 1213}
	})
	if runs != 1 || !Retryable(err) {
		t.Fatalf("runs %d, err %v: want one run and the deadlock returned", runs, err)
	}
}
