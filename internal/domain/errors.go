// Package domain holds the entities of Dolibarr-Go, their rules, the error kinds
// the rest of the program speaks, and the interfaces the use cases need.
// It imports nothing but the standard library and shopspring/decimal.
package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds. Concrete errors wrap one of them; only internal/api maps kinds to
// HTTP statuses.
var (
	ErrInvalid         = errors.New("invalid")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrForbidden       = errors.New("forbidden")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrTooManyRequests = errors.New("too many requests")
	ErrUnavailable     = errors.New("unavailable")
)

// Problem is a domain error with a stable machine-readable code (the last segment
// of the problem type URI, e.g. "insufficient-stock") and a human detail.
type Problem struct {
	Kind   error  // one of the kinds above
	Code   string // stable slug; empty means the kind's default
	Detail string
}

func (p *Problem) Error() string { return p.Detail }
func (p *Problem) Unwrap() error { return p.Kind }

// NewProblem builds a Problem of the given kind and code.
func NewProblem(kind error, code, format string, args ...any) *Problem {
	return &Problem{Kind: kind, Code: code, Detail: fmt.Sprintf(format, args...)}
}

// NotFound reports an unknown entity, e.g. NotFound("product", 42).
func NotFound(entity string, id any) *Problem {
	return &Problem{Kind: ErrNotFound, Code: "not-found", Detail: fmt.Sprintf("%s %v not found", entity, id)}
}

// Conflictf reports a state conflict with a code.
func Conflictf(code, format string, args ...any) *Problem {
	return NewProblem(ErrConflict, code, format, args...)
}

// FieldError names one invalid input field; Line, in a CSV import only, is
// the line of the file (the header being line 1) where the field is.
type FieldError struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of one input; it is an ErrInvalid.
type ValidationError struct {
	Fields []FieldError
}

// Invalid builds a ValidationError for a single field.
func Invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Add appends a field error and returns the receiver, for chaining.
func (v *ValidationError) Add(field, format string, args ...any) *ValidationError {
	v.Fields = append(v.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	return v
}

// OrNil returns nil when no field was added, so callers can write `return v.OrNil()`.
func (v *ValidationError) OrNil() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

// withoutRepeats drops the field errors listed twice, for checks that reach
// one input field through several lines (a transfer's two legs, the
// warehouse of every counted line).
func (v *ValidationError) withoutRepeats() *ValidationError {
	seen := make(map[FieldError]bool, len(v.Fields))
	fields := v.Fields[:0]
	for _, f := range v.Fields {
		if !seen[f] {
			seen[f] = true
			fields = append(fields, f)
		}
	}
	v.Fields = fields
	return v
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func (v *ValidationError) Unwrap() error { return ErrInvalid }
