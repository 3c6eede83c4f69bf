package api

import (
	"encoding/json"
	"strings"

	"github.com/doligo/doligo/internal/domain"
)

// nullableID is an optional id request field that tells null (clear it, on
// PATCH) from absent (leave it). As with DateField, a value that is not a
// whole number is kept as invalid so that Check reports a 422 naming the
// field rather than a 400.
type nullableID struct {
	Value   int64
	Present bool // sent, null included
	Null    bool
	invalid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *nullableID) UnmarshalJSON(b []byte) error {
	*n = nullableID{Present: true}
	if strings.TrimSpace(string(b)) == "null" {
		n.Null = true
		return nil
	}
	if err := json.Unmarshal(b, &n.Value); err != nil {
		n.invalid = true
	}
	return nil
}

// Check adds a field error for anything but null or a positive whole number.
func (n nullableID) Check(v *domain.ValidationError, field string) {
	if n.invalid || (n.Present && !n.Null && n.Value <= 0) {
		v.Add(field, "must be a whole number greater than 0, or null")
	}
}

// customerRef trims the customer's reference as sent.
func (r *documentRequest) customerRef() *string {
	if r.CustomerRef == nil {
		return nil
	}
	s := strings.TrimSpace(*r.CustomerRef)
	return &s
}

// refsToDraft sets the customer's reference and the contact of a new draft.
func (r *documentRequest) refsToDraft(in *domain.DraftInput) {
	in.CustomerRef = valueOr(r.customerRef(), "")
	if !r.ContactID.Null {
		in.ContactID = r.ContactID.Value
	}
}

// refsToPatch sets them on a patch: null contact_id removes the contact.
func (r *documentRequest) refsToPatch(p *domain.DraftPatch) {
	p.CustomerRef = r.customerRef()
	switch {
	case r.ContactID.Null:
		p.ClearContact = true
	case r.ContactID.Present:
		p.ContactID = &r.ContactID.Value
	}
}
