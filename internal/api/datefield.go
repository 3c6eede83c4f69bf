package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// DateLayout is how dates travel: "2026-11-28".
const DateLayout = time.DateOnly

// DateField is a calendar date request field ("2026-11-28"). As with Decimal,
// a value that is not a date is kept as invalid so that Check reports it as a
// 422 naming the field; null is told apart from absent (a patch clears with
// null).
type DateField struct {
	Value   time.Time // midnight UTC
	Present bool      // the field was sent, null included
	Null    bool
	invalid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *DateField) UnmarshalJSON(b []byte) error {
	*d = DateField{Present: true}
	s := strings.TrimSpace(string(b))
	if s == "null" {
		d.Null = true
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		d.invalid = true
		return nil
	}
	t, err := time.Parse(DateLayout, str)
	if err != nil {
		d.invalid = true
		return nil
	}
	d.Value = t
	return nil
}

// Check adds a field error when the value is not a date, or null where null
// is not allowed.
func (d DateField) Check(v *domain.ValidationError, field string, nullable bool) {
	switch {
	case d.invalid:
		v.Add(field, "must be a date such as 2026-11-28")
	case d.Null && !nullable:
		v.Add(field, "must not be null")
	}
}

// Ptr returns the date, or nil when absent or null.
func (d DateField) Ptr() *time.Time {
	if !d.Present || d.Null || d.invalid {
		return nil
	}
	return &d.Value
}

// formatDate writes a date as DateLayout.
func formatDate(t time.Time) string { return t.Format(DateLayout) }

// formatOptDate writes an optional date, nil staying null.
func formatOptDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatDate(*t)
	return &s
}
