package api

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// Decimal is a decimal request field, sent as a JSON string ("12.50") or a
// JSON number (12.50), parsed exactly (never through float64). A value that
// is not a number does not fail the whole body with a 400: it is kept as
// invalid, and Check reports it as a 422 naming the field.
type Decimal struct {
	Value    decimal.Decimal
	Present  bool // the field was sent and was not null
	SentNull bool // the field was sent as null (clears an optional value on PATCH)
	invalid  bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	*d = Decimal{}
	s := strings.TrimSpace(string(b))
	if s == "null" {
		d.SentNull = true
		return nil
	}
	d.Present = true
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			d.invalid = true
			return nil
		}
	} else if s == "" || s[0] == '{' || s[0] == '[' || s == "true" || s == "false" {
		d.invalid = true
		return nil
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		d.invalid = true
		return nil
	}
	d.Value = v
	return nil
}

// Check adds a field error to v when the field was required but missing, or
// is not a number. It reports whether Value can be used.
func (d Decimal) Check(v *domain.ValidationError, field string, required bool) bool {
	switch {
	case d.invalid:
		v.Add(field, "must be a decimal number, as a string or a JSON number")
		return false
	case !d.Present && required:
		v.Add(field, "is required")
		return false
	}
	return d.Present
}

// Ptr returns the value, or nil when the field was not sent (for patches).
func (d Decimal) Ptr() *decimal.Decimal {
	if !d.Present || d.invalid {
		return nil
	}
	return &d.Value
}

// Patch is the update of an optional decimal: nil when not sent, an
// invalid NullDecimal when sent as null (clear it), the value otherwise.
func (d Decimal) Patch() *decimal.NullDecimal {
	switch {
	case d.SentNull:
		return &decimal.NullDecimal{}
	case !d.Present || d.invalid:
		return nil
	}
	return &decimal.NullDecimal{Decimal: d.Value, Valid: true}
}

// Null returns the value as a decimal.NullDecimal, invalid when not sent.
func (d Decimal) Null() decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: d.Value, Valid: d.Present && !d.invalid}
}

// Qty writes a quantity as a JSON string without trailing zeros ("2.5", "10"),
// the same on every database whatever the column's scale.
func Qty(d decimal.Decimal) string { return d.String() }

// Money writes an amount as a JSON string with at least two decimals
// ("12.50", "0.000125").
func Money(d decimal.Decimal) string {
	s := d.String()
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 >= 2 {
		return s
	}
	return d.StringFixed(2)
}

// BindChecked is Bind followed by check, so that one 422 lists every invalid
// field: those of the validate tags and those check finds (decimals). A body
// refused before decoding (415, 400, 413, or the 422 of unknown fields and
// bad text) is answered alone: req holds nothing to check.
func BindChecked(c echo.Context, req any, check func(v *domain.ValidationError)) error {
	if err := decodeBody(c, req); err != nil {
		return err
	}
	err := c.Validate(req)
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	if verr == nil {
		verr = &domain.ValidationError{}
	}
	check(verr)
	return verr.OrNil()
}
