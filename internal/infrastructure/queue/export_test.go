package queue

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// ClaimCandidatesMySQL and ClaimLockMySQL are the reads of the MySQL claim,
// for the plan test.
func ClaimCandidatesMySQL(kinds int) string {
	d, _ := newDialect(sqldialect.MySQL)
	return d.sql(claimCandidatesMySQL(kinds))
}

func ClaimLockMySQL(n int) string {
	d, _ := newDialect(sqldialect.MySQL)
	return d.sql(claimLockMySQL(n))
}

// Conn is what Events writes through, for a test that counts its statements.
type Conn = conn

// NewEventsOn returns the events of c (a transaction) on the named dialect.
func NewEventsOn(c Conn, dialectName string) *Events {
	d, err := newDialect(dialectName)
	return &Events{conn: c, dialect: d, err: err}
}

// CompleteMatchMySQL is the condition of the MySQL acknowledgement, with its
// arguments, for the plan test.
func CompleteMatchMySQL(jobs []domain.Job) (string, []any) { return completeMatchMySQL(jobs) }

// NewNotifierSending returns a notifier whose notifications are calls of send.
func NewNotifierSending(send func(ctx context.Context, kinds []string) error) *Notifier {
	return &Notifier{send: send}
}

// Notify is what Wakeups.Send does with its kinds.
func (n *Notifier) Notify(ctx context.Context, kinds ...string) error { return n.notify(ctx, kinds) }
