package domain

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"
)

// AuditEntry is one row of the audit trail: who changed what, when, under
// which request. Every change made through the API writes one, in the unit of
// work of the change; rows are only ever inserted.
type AuditEntry struct {
	ID         int64
	At         time.Time
	UserID     int64  // 0: the system (a job, a start-up task)
	RequestID  string // "" when no request caused it
	Action     string // "<object>.<verb>": product.create, invoice.validate, stock.move…
	ObjectType string // product, invoice, payment, user…
	ObjectID   int64
	// Changes is a JSON object {field: {"before": x, "after": y}} of the
	// fields that changed (creates: before null; deletes: after null); "{}"
	// for an action that changes no field of its object (a login).
	Changes json.RawMessage
}

// NewAuditEntry is the entry of an action on an object, by the actor of ctx
// under its request id; At is set when the unit of work writes it.
func NewAuditEntry(ctx context.Context, action, objectType string, objectID int64, changes json.RawMessage) AuditEntry {
	if len(changes) == 0 {
		changes = json.RawMessage("{}")
	}
	return AuditEntry{
		UserID: Actor(ctx), RequestID: RequestID(ctx),
		Action: action, ObjectType: objectType, ObjectID: objectID, Changes: changes,
	}
}

// AuditFilter selects audit rows; zero fields select everything.
type AuditFilter struct {
	ListQuery  // Sort: id, at; newest first by default
	ObjectType string
	ObjectID   int64
	UserID     int64
	Action     string
	From       time.Time // inclusive
	To         time.Time // exclusive
}

// AuditSortFields are the fields an audit list may be sorted by.
var AuditSortFields = []string{"id", "at"}

// AuditReader reads the audit trail and the fiscal chain.
type AuditReader interface {
	// List is one page of the rows f selects, newest first unless sorted.
	List(ctx context.Context, f AuditFilter) (Page[*AuditEntry], error)
	// ChainHead is the last link of the fiscal chain: its seq (0 when the
	// chain is empty) and hash (ChainGenesis then).
	ChainHead(ctx context.Context) (seq int64, hash string, err error)
	// ChainAfter returns at most limit links with seq > after and ≤ upTo, in
	// seq order.
	ChainAfter(ctx context.Context, after, upTo int64, limit int) ([]ChainLink, error)
	// Chained reports whether the chain holds a link of that object.
	Chained(ctx context.Context, objectType string, objectID int64) (bool, error)
}

// AuditRepository writes the audit trail and the fiscal chain. Nothing
// updates or deletes either: there is no method to.
type AuditRepository interface {
	AuditReader
	// Record adds e to the unit of work's trail; the rows are written
	// together when the unit of work commits, and dropped with it.
	Record(ctx context.Context, e AuditEntry) error
	// Chain appends a link of fiscal content to the chain when the unit of
	// work commits: the chain's head is locked then, as late as possible,
	// so concurrent validations hold it only for the append and the commit.
	Chain(ctx context.Context, objectType string, objectID int64, content string) error
}

// Diff is the changes between two values of an entity (pointers or structs;
// nil before for a creation, nil after for a deletion), as the JSON object
// {field: {"before": x, "after": y}} of the fields whose JSON differs. Field
// names are the entity's, in snake_case; secrets (passwords, hashes, tokens)
// and bookkeeping (updated_at, the logo's bytes) never appear.
func Diff(before, after any) json.RawMessage {
	b, a := auditFields(before), auditFields(after)
	keys := make([]string, 0, len(b)+len(a))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out bytes.Buffer
	out.WriteByte('{')
	n := 0
	for _, k := range keys {
		bv, av := b[k], a[k]
		if sameJSON(bv, av) {
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		name, _ := json.Marshal(k)
		out.Write(name)
		out.WriteString(`:{"before":`)
		out.Write(orNull(bv))
		out.WriteString(`,"after":`)
		out.Write(orNull(av))
		out.WriteByte('}')
	}
	out.WriteByte('}')
	return out.Bytes()
}

// FieldChange is the changes of one field, for an action whose diff is known
// without comparing whole entities (a status moving on).
func FieldChange(field string, before, after any) json.RawMessage {
	return Diff(map[string]any{field: before}, map[string]any{field: after})
}

func orNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}

// sameJSON compares two JSON values, decimals by value ("10" = "10.000000").
func sameJSON(x, y json.RawMessage) bool {
	if bytes.Equal(x, y) {
		return true
	}
	var xs, ys string
	if json.Unmarshal(x, &xs) != nil || json.Unmarshal(y, &ys) != nil {
		return false
	}
	xd, err1 := decimal.NewFromString(xs)
	yd, err2 := decimal.NewFromString(ys)
	return err1 == nil && err2 == nil && xd.Equal(yd)
}

// auditFields is v's JSON object as snake_case fields, without the fields an
// audit row must not hold. A value that is not an object is one field,
// "value"; nil (or a nil pointer) none.
func auditFields(v any) map[string]json.RawMessage {
	if v == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return map[string]json.RawMessage{"value": raw}
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, x := range m {
		name := snakeCase(k)
		if !auditedField(name) {
			continue
		}
		out[name] = x
	}
	return out
}

// auditedField is false for secrets and for fields that only record
// bookkeeping or bytes.
func auditedField(name string) bool {
	for _, secret := range []string{"password", "secret", "token", "hash", "stamp"} {
		if strings.Contains(name, secret) {
			return false
		}
	}
	return name != "updated_at" && name != "logo" && name != "logo_png"
}

// snakeCase turns a Go field name into snake_case: TotalNet → total_net,
// VATRate → vat_rate, ThirdPartyID → third_party_id.
func snakeCase(s string) string {
	if strings.ContainsRune(s, '_') || strings.ToLower(s) == s {
		return strings.ToLower(s)
	}
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
