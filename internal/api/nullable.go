package api

import (
	"math"
	"strconv"
	"strings"

	"github.com/doligo/doligo/internal/domain"
)

// NullableInt is an optional whole-number request field that null clears
// (a PATCH sets it back to its default), told apart from an absent one. As
// with Decimal, a value of the wrong type is kept as invalid so that Check
// reports a 422 naming the field.
type NullableInt struct {
	Value   int
	Present bool // sent, null included
	Null    bool
	invalid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *NullableInt) UnmarshalJSON(b []byte) error {
	*n = NullableInt{Present: true}
	s := strings.TrimSpace(string(b))
	if s == "null" {
		n.Null = true
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
		n.invalid = true
		return nil
	}
	n.Value = int(v)
	return nil
}

// Check adds a field error when the value is not a whole number.
func (n NullableInt) Check(v *domain.ValidationError, field string) {
	if n.invalid {
		v.Add(field, "must be a whole number or null")
	}
}

// Ptr is the value, nil when absent or null.
func (n NullableInt) Ptr() *int {
	if !n.Present || n.Null || n.invalid {
		return nil
	}
	v := n.Value
	return &v
}

// Patch is the change of a PATCH: nil when absent (stays), a nil *int when
// null (clears), else the value.
func (n NullableInt) Patch() **int {
	if !n.Present || n.invalid {
		return nil
	}
	p := n.Ptr()
	return &p
}
