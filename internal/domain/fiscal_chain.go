package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The fiscal chain: validated invoices, credit notes, down payments,
// supplier invoices and supplier credit notes, and payments (customer and
// supplier), each hashed with the hash of the link before it, so that a
// record changed, removed or slipped in afterwards breaks the chain from
// there (docs/integrations.md, "Audit trail").

// Kinds of chain links (their object_type).
const (
	ChainDocument        = "document"         // a validated fiscal document
	ChainPayment         = "payment"          // a payment recorded
	ChainPaymentDeletion = "payment_deletion" // a payment deleted: the payment's content again
)

// ChainGenesis is the previous hash of the first link.
var ChainGenesis = strings.Repeat("0", 64)

// ChainLink is one link of the fiscal chain.
type ChainLink struct {
	Seq        int64 // 1, 2, 3… in the order the links were appended
	ObjectType string
	ObjectID   int64
	Content    string // the canonical content (FiscalDocument, FiscalPayment)
	PrevHash   string
	Hash       string // ChainHash(PrevHash, Content)
	At         time.Time
}

// ChainHash is the hex SHA-256 of the previous hash followed by the content.
func ChainHash(prev, content string) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

// ChainVerdict is what checking the chain found.
type ChainVerdict struct {
	OK            bool
	Checked       int64 // links checked
	FirstBrokenID int64 // seq of the first link that does not hold; 0 when OK
	Reason        string
}

// FiscalDocument is the canonical content of a fiscal document: one
// "key=value" line per field, in a fixed order, decimals in their shortest
// exact form (10.5, not 10.500000), dates as YYYY-MM-DD, then one line per
// document line. Fields that legitimately change after validation (status,
// amount paid, note, due date) are not part of it.
func FiscalDocument(d *Document) string {
	var b strings.Builder
	b.WriteString("doligo-fiscal-v1\nkind=document\n")
	field(&b, "id", strconv.FormatInt(d.ID, 10))
	field(&b, "type", string(d.Type))
	field(&b, "ref", d.Ref)
	field(&b, "date", d.Date.UTC().Format(time.DateOnly))
	field(&b, "thirdparty_id", strconv.FormatInt(d.ThirdPartyID, 10))
	field(&b, "supplier_ref", d.SupplierRef)
	field(&b, "currency", d.Currency)
	field(&b, "total_net", d.TotalNet.String())
	field(&b, "total_vat", d.TotalVAT.String())
	field(&b, "total_gross", d.TotalGross.String())
	for i, l := range d.Lines {
		field(&b, "line", fmt.Sprintf("%d;%d;%s;%s;%s;%s;%s;%s;%s", i+1, l.ProductID,
			l.Qty.String(), l.UnitPrice.String(), l.DiscountPercent.String(), l.VATRate.String(),
			l.TotalNet.String(), l.TotalVAT.String(), l.TotalGross.String()))
	}
	return b.String()
}

// FiscalPayment is the canonical content of a payment, in the form of
// FiscalDocument.
func FiscalPayment(p *Payment) string {
	var b strings.Builder
	b.WriteString("doligo-fiscal-v1\nkind=payment\n")
	field(&b, "id", strconv.FormatInt(p.ID, 10))
	field(&b, "document_id", strconv.FormatInt(p.DocumentID, 10))
	field(&b, "amount", p.Amount.String())
	field(&b, "date", p.Date.UTC().Format(time.DateOnly))
	field(&b, "method", string(p.Method))
	return b.String()
}

// ChainField returns the value of a field of canonical content, or "".
func ChainField(content, name string) string {
	for line := range strings.SplitSeq(content, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// field writes one line; a value cannot break the form (line breaks are
// escaped, though no fiscal field holds one).
func field(b *strings.Builder, name, value string) {
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(strings.NewReplacer("\\", "\\\\", "\n", "\\n").Replace(value))
	b.WriteByte('\n')
}

// Fiscal reports whether validated documents of the type are fiscal records,
// chained: the types payments apply to (invoices, credit notes, down
// payments, supplier invoices and supplier credit notes).
func (t DocType) Fiscal() bool { return t.settles() }
