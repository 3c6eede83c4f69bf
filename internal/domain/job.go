package domain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kinds of background job. A worker claims only the kinds it has a handler for.
const (
	JobKindEmailSend = "email.send" // payload: EmailPayload
	JobKindPDFRender = "pdf.render"
	JobKindNoop      = "noop" // claimed and acknowledged: smoke checks and benchmarks
)

// JobKinds lists every kind of job, for the filters that name one: a new kind
// is added here next to its constant.
func JobKinds() []string {
	return []string{JobKindEmailSend, JobKindPDFRender, JobKindNoop, JobKindInvoiceRecurring, JobKindWebhookDeliver}
}

// States of a job. One available state plus RunAt covers scheduling and
// retry backoff alike; dead is the dead-letter record, kept until retried.
const (
	JobAvailable = "available"
	JobRunning   = "running"
	JobDone      = "done"
	JobDead      = "dead"
)

// DefaultJobMaxAttempts is the attempt limit of a job enqueued without one.
const DefaultJobMaxAttempts = 8

// NewJob is a job to enqueue.
type NewJob struct {
	Kind string
	// Payload is marshalled to JSON (nil gives {}).
	Payload any
	// RunAt delays the job; zero means now, by the database clock.
	RunAt time.Time
	// MaxAttempts bounds the runs before the job is dead; 0 means the
	// outbox's default.
	MaxAttempts int
	// IdempotencyKey, when set, makes enqueueing twice return the first job
	// instead of adding a second one.
	IdempotencyKey string
	// RequestID names the request that caused the job, so the worker's log
	// lines for it carry the same id; empty means RequestID(ctx).
	RequestID string
}

// Job is one row of the outbox as a worker holds it.
type Job struct {
	ID          int64
	Kind        string
	Payload     []byte // JSON
	State       string
	Attempt     int // runs started so far, this one included once claimed
	MaxAttempts int
	RunAt       time.Time
	LockedBy    string
	LeaseToken  string // set by the claim; fences every later change of the row
	LastError   string
	RequestID   string
	CreatedAt   time.Time
	FinishedAt  *time.Time // done or dead; nil otherwise (read by the jobs API, not by claims)
}

// JobFilter narrows a list of jobs; zero values do not filter.
type JobFilter struct {
	State string // one of the Job* states
	Kind  string
}

// OutboxRepository enqueues jobs in the unit of work's transaction: a job
// becomes visible to workers when the transaction commits and vanishes with
// it on rollback, so nothing slow or external runs inside a transaction.
type OutboxRepository interface {
	Enqueue(ctx context.Context, j NewJob) (id int64, err error)
	// RetryDead makes dead job id available again with a fresh attempt count
	// (a conflict when the job is not dead) and returns it as it now is.
	RetryDead(ctx context.Context, id int64) (Job, error)
}

// ErrJobPermanent marks a job failure that no retry can mend (a payload that
// does not decode, a recipient the mail server rejects for good): the job goes
// straight to dead. Handlers wrap it: fmt.Errorf("%w: %w", ErrJobPermanent, err).
var ErrJobPermanent = errors.New("permanent failure")

// ErrJobLeaseLost reports that a worker tried to finish a job whose lease it no
// longer holds: the lease expired and the job was returned or claimed again.
// Nothing was written.
var ErrJobLeaseLost = errors.New("job lease lost")

// JobDeferredError is returned by a handler that could not run the job for a
// reason that is not the job's own (the mail server's circuit breaker is
// open): the job returns to the queue for After without spending an attempt.
type JobDeferredError struct {
	After  time.Duration
	Reason error
}

func (e *JobDeferredError) Error() string {
	return fmt.Sprintf("deferred for %s: %v", e.After, e.Reason)
}

func (e *JobDeferredError) Unwrap() error { return e.Reason }

// EmailPayload is the payload of an email.send job. Its JSON form is what the
// outbox stores, so the field names are part of the stored format.
type EmailPayload struct {
	To []string `json:"to"`
	Cc []string `json:"cc,omitempty"`
	// Template names the subject, text and HTML templates to render, e.g.
	// "invoice" or "message".
	Template string `json:"template"`
	// Lang chooses the templates' language (en, pt-BR, fr, es); others fall
	// back to the base language, then to English.
	Lang string `json:"lang,omitempty"`
	// Subject, when set, replaces the template's subject.
	Subject string         `json:"subject,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
	// Attachments are loaded by the worker when it sends, e.g. the PDF of
	// invoice 42: {"document": "invoice", "id": 42}.
	Attachments []AttachmentRef `json:"attachments,omitempty"`
}

// AttachmentRef names a document whose file the worker attaches to an e-mail.
type AttachmentRef struct {
	Document string `json:"document"` // e.g. "invoice"
	ID       int64  `json:"id"`
	Lang     string `json:"lang,omitempty"` // of the rendered document; empty: the e-mail's
}
