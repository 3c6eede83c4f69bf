package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// DateLayout is how dates travel: "2026-11-28".
const DateLayout = time.DateOnly

// Dates and times are accepted from minDate to the end of 9999-12-31 only:
// that is what MySQL's DATE and DATETIME hold (it refuses others, PostgreSQL
// refuses a year-0 bound), and the zero time.Time (0001-01-01) means "not
// sent" to the use cases, which would replace it with today.
var (
	minDate = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	endDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // exclusive
)

const dateRangeMessage = "must be between 1000-01-01 and 9999-12-31"

// dateInRange reports whether t lies within [minDate, endDate).
func dateInRange(t time.Time) bool { return !t.Before(minDate) && t.Before(endDate) }

// DateField is a calendar date request field ("2026-11-28"). As with Decimal,
// a value that is not a date is kept as invalid so that Check reports it as a
// 422 naming the field; null is told apart from absent (a patch clears with
// null).
type DateField struct {
	Value      time.Time // midnight UTC
	Present    bool      // the field was sent, null included
	Null       bool
	invalid    bool
	outOfRange bool // a date, but outside [minDate, endDate)
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
	if !dateInRange(t) {
		d.invalid, d.outOfRange = true, true
		return nil
	}
	d.Value = t
	return nil
}

// Check adds a field error when the value is not a date, or null where null
// is not allowed.
func (d DateField) Check(v *domain.ValidationError, field string, nullable bool) {
	switch {
	case d.outOfRange:
		v.Add(field, dateRangeMessage)
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
