package usecase

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// DocumentStockMover moves stock when an order, invoice or credit note is
// validated: d is the document being validated, of any type but a proposal,
// and the implementation decides by its type what moves (a debit, a credit
// back, nothing). It runs inside the validation's unit of work with its
// repositories, after the number is taken: an error rolls the whole
// validation back, number included. warehouseID is what the client sent (0
// when nothing: the implementation picks its default).
type DocumentStockMover interface {
	MoveOnValidation(ctx context.Context, r domain.Repositories, actor domain.Principal, d *domain.Document, warehouseID int64) error
}

// DocumentOptions configure a DocumentService.
type DocumentOptions struct {
	// Masks number each type on validation, one for every type (the
	// configuration has the defaults).
	Masks map[domain.DocType]domain.NumberMask
	// DefaultCurrency is the currency of documents created without one.
	DefaultCurrency string
	// Stock, when not nil, moves stock in the transaction that validates an
	// order, invoice or credit note; nil means documents do not move stock.
	Stock DocumentStockMover
	// Now is the clock; time.Now when nil. Dates ("today") are in UTC.
	Now func() time.Time
	// Company is the configuration's company (config.CompanyDefaults): its
	// default payment terms apply where the database stores none.
	Company domain.Company
	// MaxLines is the most lines a document may hold
	// (DOLIGO_MAX_DOCUMENT_LINES); 0: domain.DefaultMaxLines.
	MaxLines int
}

// DocumentService runs the commercial chain: proposals, orders, invoices and
// credit notes, supplier invoices and supplier credit notes, their numbering
// and their payments.
type DocumentService struct {
	uow      domain.UnitOfWork
	masks    map[domain.DocType]domain.NumberMask
	currency string
	stock    DocumentStockMover
	now      func() time.Time
	company  domain.Company
	maxLines int
}

// NewDocumentService returns a DocumentService writing through uow.
func NewDocumentService(uow domain.UnitOfWork, opt DocumentOptions) *DocumentService {
	// Missing settings are a wiring mistake, caught at start-up.
	for _, t := range domain.DocTypes() {
		if _, ok := opt.Masks[t]; !ok {
			panic(fmt.Sprintf("usecase: no numbering mask for %s documents", t))
		}
	}
	if opt.DefaultCurrency == "" {
		panic("usecase: no default currency for documents")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxLines <= 0 {
		opt.MaxLines = domain.DefaultMaxLines
	}
	return &DocumentService{uow: uow, masks: opt.Masks, currency: opt.DefaultCurrency, stock: opt.Stock, now: opt.Now, company: opt.Company, maxLines: opt.MaxLines}
}

// today is the current date, midnight UTC.
func (s *DocumentService) today() time.Time {
	return s.now().UTC().Truncate(24 * time.Hour)
}

// lockOf locks document id and checks it belongs to the resource (types); a
// document of another resource is not found there.
func lockOf(ctx context.Context, r domain.Repositories, types []domain.DocType, id int64) (*domain.Document, error) {
	d, err := r.Documents.Lock(ctx, id)
	if err != nil {
		return nil, err
	}
	return d, ofTypes(d, types, id)
}

func ofTypes(d *domain.Document, types []domain.DocType, id int64) error {
	if !slices.Contains(types, d.Type) {
		return domain.NotFound(string(types[0]), id)
	}
	return nil
}

// Create adds a draft of type t. Product lines take the product's label,
// price and VAT rate where the client left them out.
func (s *DocumentService) Create(ctx context.Context, actor domain.Principal, t domain.DocType, in domain.DraftInput) (*domain.Document, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		d, err := s.CreateIn(ctx, r, actor, t, in)
		if err != nil {
			return nil, err
		}
		// A client's draft, not a recurring invoice's: a template's period
		// in a closed month still gets its draft, and the template goes on.
		if err := checkDraftPeriod(ctx, r.Periods, d); err != nil {
			return nil, err
		}
		return d, nil
	})
}

// CreateIn is Create inside the caller's unit of work (replenishment drafts
// several purchase orders in one).
func (s *DocumentService) CreateIn(ctx context.Context, r domain.Repositories, actor domain.Principal, t domain.DocType, in domain.DraftInput) (*domain.Document, error) {
	now, today := stamp(s.now()), s.today()
	if err := s.checkLineCount(len(in.Lines)); err != nil {
		return nil, err
	}
	in.MaxLines = s.maxLines
	lines := slices.Clone(in.Lines)
	v := &domain.ValidationError{}
	if err := fillProductLines(ctx, r, "lines", lines, v); err != nil {
		return nil, err
	}
	in.Lines = lines
	d, err := domain.NewDraft(t, in, today, s.currency, actor.UserID)
	if err := mergeInvalid(v, err); err != nil {
		return nil, err
	}
	tp, err := checkThirdParty(ctx, r, d)
	if err != nil {
		return nil, err
	}
	if _, err := s.settleVATRegime(ctx, r.Readers(), d, tp); err != nil {
		return nil, err
	}
	if in.DueDate == nil {
		if err := s.dueByTermsOf(ctx, r.Readers(), d, tp); err != nil {
			return nil, err
		}
	}
	if err := checkContact(ctx, r, d); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = now, now
	if err := r.Documents.Create(ctx, d); err != nil {
		return nil, err
	}
	return d, auditDocument(ctx, r, "create", nil, d)
}

// auditDocument records an action on a document, its type naming both the
// action ("invoice.validate") and the object.
func auditDocument(ctx context.Context, r domain.Repositories, verb string, before, after *domain.Document) error {
	d := after
	if d == nil {
		d = before
	}
	var b, a any
	if before != nil {
		b = before
	}
	if after != nil {
		a = after
	}
	return audited(ctx, r, string(d.Type)+"."+verb, string(d.Type), d.ID, b, a)
}

// auditStatus records a document action that moves its status (and, on
// validation, gives it its number).
func auditStatus(ctx context.Context, r domain.Repositories, verb string, d *domain.Document, before domain.DocStatus, ref string) error {
	changes := map[string]any{"status": before}
	after := map[string]any{"status": d.Status}
	if ref != d.Ref {
		changes["ref"], after["ref"] = ref, d.Ref
	}
	return r.Audit.Record(ctx, domain.NewAuditEntry(ctx, string(d.Type)+"."+verb, string(d.Type), d.ID, domain.Diff(changes, after)))
}

// mergeInvalid returns err with v's fields added when err is a validation
// error, or v when err is nil, or err.
func mergeInvalid(v *domain.ValidationError, err error) error {
	if err == nil {
		return v.OrNil()
	}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		v.Fields = append(v.Fields, ve.Fields...)
		return v
	}
	return err
}

// fillProductLines completes product lines from the catalog; unknown or
// inactive products are field errors.
func fillProductLines(ctx context.Context, r domain.Repositories, field string, lines []domain.LineInput, v *domain.ValidationError) error {
	var ids []int64
	for _, l := range lines {
		if l.ProductID > 0 {
			ids = append(ids, l.ProductID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	products, err := r.Products.GetMany(ctx, slices.Compact(ids))
	if err != nil {
		return err
	}
	for i := range lines {
		l := &lines[i]
		if l.ProductID <= 0 {
			continue
		}
		p, ok := products[l.ProductID]
		switch {
		case !ok:
			v.Add(fmt.Sprintf("%s[%d].product_id", field, i), "product %d does not exist", l.ProductID)
		case !p.Active:
			v.Add(fmt.Sprintf("%s[%d].product_id", field, i), "product %d is inactive", l.ProductID)
		default:
			l.FillFromProduct(domain.ProductLineDefaults{Label: p.Label, UnitPrice: p.UnitPrice, VATRate: p.VATRate})
		}
	}
	return nil
}

// checkThirdParty turns an unknown third party of d into a 422 on the field
// (thirdparty_id, or supplier_id on the buy side): the id is in the body, not
// the path. A buy-side document needs a third party that is a supplier. It
// returns the third party read.
func checkThirdParty(ctx context.Context, r domain.Repositories, d *domain.Document) (*domain.ThirdParty, error) {
	field := d.Type.PartyField()
	tp, err := r.ThirdParties.Get(ctx, d.ThirdPartyID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return nil, domain.Invalid(field, "third party %d does not exist", d.ThirdPartyID)
	case err != nil:
		return nil, err
	case d.Type.IsSupplier() && !tp.IsSupplier:
		return nil, domain.Invalid(field, "third party %d is not a supplier (is_supplier is false)", d.ThirdPartyID)
	}
	return tp, nil
}

// Get returns a document of the resource with its lines.
func (s *DocumentService) Get(ctx context.Context, types []domain.DocType, id int64) (*domain.Document, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Document, error) {
		d, err := r.Documents.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return d, ofTypes(d, types, id)
	})
}

// List returns a page of documents with their lines.
func (s *DocumentService) List(ctx context.Context, f domain.DocumentFilter, q domain.ListQuery) (domain.Page[*domain.Document], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Document], error) {
		return r.Documents.List(ctx, f, q)
	})
}

// Edit changes a draft; Lines, when given, replace every line.
func (s *DocumentService) Edit(ctx context.Context, types []domain.DocType, id int64, p domain.DraftPatch) (*domain.Document, error) {
	now := stamp(s.now())
	p.MaxLines = s.maxLines
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		d, err := lockOf(ctx, r, types, id)
		if err != nil {
			return nil, err
		}
		if err := d.Can(domain.ActEdit); err != nil {
			return nil, err // a validated document is a conflict whatever the patch says
		}
		if p.Lines != nil {
			if err := s.checkLineCount(len(*p.Lines)); err != nil {
				return nil, err
			}
		}
		v := &domain.ValidationError{}
		if p.Lines != nil {
			lines := slices.Clone(*p.Lines)
			if err := fillProductLines(ctx, r, "lines", lines, v); err != nil {
				return nil, err
			}
			p.Lines = &lines
		}
		before := *d
		if err := mergeInvalid(v, d.Edit(p)); err != nil {
			return nil, err
		}
		if err := guardPeriod(ctx, r, d.Type, before.Date, d.Date); err != nil {
			return nil, err
		}
		if p.ThirdPartyID != nil {
			if _, err := checkThirdParty(ctx, r, d); err != nil {
				return nil, err
			}
			if err := s.followTerms(ctx, r.Readers(), &before, d, p); err != nil {
				return nil, err
			}
		}
		if p.ThirdPartyID != nil || p.ContactID != nil {
			if err := checkContact(ctx, r, d); err != nil {
				return nil, err
			}
		}
		vatChanged, err := s.settleVATRegime(ctx, r.Readers(), d, nil)
		if err != nil {
			return nil, err
		}
		d.UpdatedAt = now
		if err := r.Documents.Update(ctx, d); err != nil {
			return nil, err
		}
		if p.Lines != nil || vatChanged {
			if err := r.Documents.ReplaceLines(ctx, d); err != nil {
				return nil, err
			}
		}
		return d, auditDocument(ctx, r, "update", &before, d)
	})
}

// Delete removes a draft. A draft made by a conversion gives its source back
// the status it had before. Locks go draft first, then source, as in Validate.
func (s *DocumentService) Delete(ctx context.Context, types []domain.DocType, id int64) error {
	now := stamp(s.now())
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		d, err := lockOf(ctx, r, types, id)
		if err != nil {
			return err
		}
		if err := d.Can(domain.ActDelete); err != nil {
			return err
		}
		if err := guardPeriod(ctx, r, d.Type, d.Date); err != nil {
			return err
		}
		// The proposal (order) it was made from can be converted again. A
		// down payment gives its order nothing back, and must not lock it
		// after itself: the final invoice's conversion locks order → down
		// payments (down_payments.go).
		if d.SourceID != 0 && d.Type != domain.DocDownPayment {
			src, err := r.Documents.Lock(ctx, d.SourceID)
			if err != nil {
				return err
			}
			status := src.Status
			if src.Unconvert(d.Type) {
				src.UpdatedAt = now
				if err := r.Documents.Update(ctx, src); err != nil {
					return err
				}
				if err := auditStatus(ctx, r, "unconvert", src, status, src.Ref); err != nil {
					return err
				}
			}
		}
		if err := r.Documents.Delete(ctx, d.ID); err != nil {
			return err
		}
		return auditDocument(ctx, r, "delete", d, nil)
	})
}

// Validate gives a draft its definitive number, in one unit of work: lock the
// draft → check it can be validated → (credit note: lock its invoice and check
// the credited total) → enqueue the rendering of its PDF (pdf.render; not
// for supplier documents, which are the supplier's) → take the next number
// of the type's sequence, whose row stays locked until commit → store (a
// supplier document's supplier_ref enters the unique index here: a second
// one of the supplier is 409 duplicate-supplier-ref) → move stock (orders,
// invoices, credit notes, as the DocumentStockMover decides) → record it in
// the audit trail and, for a fiscal document, the fiscal chain (written at
// commit). Any error rolls everything back, so the number is not consumed:
// numbers are unique and gapless.
func (s *DocumentService) Validate(ctx context.Context, actor domain.Principal, types []domain.DocType, id, warehouseID int64) (*domain.Document, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		return s.ValidateIn(ctx, r, actor, types, id, warehouseID)
	})
}

// ValidateIn is Validate inside the caller's unit of work (a recurring
// invoice is generated and validated in one).
func (s *DocumentService) ValidateIn(ctx context.Context, r domain.Repositories, actor domain.Principal, types []domain.DocType, id, warehouseID int64) (*domain.Document, error) {
	now := stamp(s.now())
	if err := r.Events.Prefetch(ctx); err != nil { // before the draft's and the sequence's locks
		return nil, err
	}
	d, err := lockOf(ctx, r, types, id)
	if err != nil {
		return nil, err
	}
	if err := guardPeriod(ctx, r, d.Type, d.Date); err != nil {
		return nil, err
	}
	if err := d.CheckValidate(); err != nil {
		return nil, err // before taking a number
	}
	if err := s.settleVATRegimeLines(ctx, r, d); err != nil { // the regime of the validation day
		return nil, err
	}
	if d.Type == domain.DocCreditNote || d.Type == domain.DocSupplierCreditNote {
		if err := checkCreditNote(ctx, r, d); err != nil {
			return nil, err
		}
	}
	if err := checkDownPaymentValidation(ctx, r, d); err != nil {
		return nil, err
	}
	if err := s.fixRate(ctx, r, d); err != nil { // before taking a number
		return nil, err
	}
	// The rendering's job needs only the document's id: enqueued before the
	// number, it is one round trip less under the numbering row's lock,
	// which every validation of the period waits for.
	if d.Type.RendersPDF() {
		if err := enqueueRender(ctx, r, d); err != nil { // archived by the worker after commit (archive.go)
			return nil, err
		}
	}
	mask := s.masks[d.Type]
	n, err := r.Numbering.Next(ctx, string(d.Type), mask.Period(d.Date))
	if err != nil {
		return nil, err
	}
	status := d.Status
	if err := d.Validate(mask.Format(d.Date, n), now); err != nil {
		return nil, err
	}
	d.UpdatedAt = now
	if err := r.Documents.Update(ctx, d); err != nil {
		return nil, err
	}
	if d.Type != domain.DocProposal && s.stock != nil {
		if err := s.stock.MoveOnValidation(ctx, r, actor, d, warehouseID); err != nil {
			return nil, err
		}
	}
	if err := auditStatus(ctx, r, "validate", d, status, ""); err != nil {
		return nil, err
	}
	if err := chainDocument(ctx, r, d); err != nil {
		return nil, err
	}
	return d, r.Events.Emit(ctx, domain.ValidatedEvent(d.Type), documentEventOf(d))
}

// checkCreditNote locks the credit note's invoice, so two credit notes of it
// are validated one after the other, and refuses to credit more than the
// invoice's total.
func checkCreditNote(ctx context.Context, r domain.Repositories, cn *domain.Document) error {
	inv, err := r.Documents.Lock(ctx, cn.SourceID)
	if err != nil {
		return err
	}
	credited, err := r.Documents.CreditedTotal(ctx, inv.ID, cn.ID)
	if err != nil {
		return err
	}
	if err := cn.CheckCredit(inv, credited); err != nil {
		return err
	}
	return checkDownPaymentCredit(ctx, r, inv)
}

// Accept records the customer's signature of a validated proposal.
func (s *DocumentService) Accept(ctx context.Context, id int64) (*domain.Document, error) {
	return s.transition(ctx, id, "accept", (*domain.Document).Accept)
}

// Refuse records that the customer declined a validated proposal.
func (s *DocumentService) Refuse(ctx context.Context, id int64) (*domain.Document, error) {
	return s.transition(ctx, id, "refuse", (*domain.Document).Refuse)
}

func (s *DocumentService) transition(ctx context.Context, id int64, verb string, move func(*domain.Document) error) (*domain.Document, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		d, err := lockOf(ctx, r, []domain.DocType{domain.DocProposal}, id)
		if err != nil {
			return nil, err
		}
		status := d.Status
		if err := move(d); err != nil {
			return nil, err
		}
		d.UpdatedAt = now
		if err := r.Documents.Update(ctx, d); err != nil {
			return nil, err
		}
		return d, auditStatus(ctx, r, verb, d, status, d.Ref)
	})
}

// convertFrom is the types each conversion starts from: a credit note is
// made of an invoice or of a down-payment invoice.
var convertFrom = map[domain.Action][]domain.DocType{
	domain.ActOrder:      {domain.DocProposal},
	domain.ActInvoice:    {domain.DocOrder},
	domain.ActCreditNote: {domain.DocInvoice, domain.DocDownPayment},
}

// Convert makes the next document of the chain from document id — an order
// from an accepted proposal (ActOrder), an invoice from a validated order
// (ActInvoice), a credit note from an invoice (ActCreditNote) — as a draft,
// and moves the source to its new status, in one unit of work. The source is
// locked, so converting twice at once yields one document and one 409.
func (s *DocumentService) Convert(ctx context.Context, actor domain.Principal, a domain.Action, id int64) (*domain.Document, error) {
	return s.convert(ctx, actor, a, convertFrom[a], id)
}

// SupplierCreditNote drafts a supplier credit note of the whole supplier
// invoice id (validated or paid), as Convert does for a customer invoice.
func (s *DocumentService) SupplierCreditNote(ctx context.Context, actor domain.Principal, id int64) (*domain.Document, error) {
	return s.convert(ctx, actor, domain.ActCreditNote, []domain.DocType{domain.DocSupplierInvoice}, id)
}

func (s *DocumentService) convert(ctx context.Context, actor domain.Principal, a domain.Action, from []domain.DocType, id int64) (*domain.Document, error) {
	now, today := stamp(s.now()), s.today()
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		src, err := lockOf(ctx, r, from, id)
		if err != nil {
			return nil, err
		}
		before := src.Status
		n, err := src.Convert(a, today, actor.UserID)
		if err != nil {
			return nil, err
		}
		if err := s.dueByTerms(ctx, r.Readers(), n); err != nil {
			return nil, err
		}
		if a == domain.ActInvoice { // the order's final invoice
			if err := deductDownPayments(ctx, r, src, n); err != nil {
				return nil, err
			}
		}
		n.VATRegime = src.VATRegime // a credit note keeps its invoice's
		if _, err := s.settleVATRegime(ctx, r.Readers(), n, nil); err != nil {
			return nil, err
		}
		n.CreatedAt, n.UpdatedAt = now, now
		if err := r.Documents.Create(ctx, n); err != nil {
			return nil, err
		}
		if src.Status != before {
			src.UpdatedAt = now
			if err := r.Documents.Update(ctx, src); err != nil {
				return nil, err
			}
			if err := auditStatus(ctx, r, string(a), src, before, src.Ref); err != nil {
				return nil, err
			}
		}
		return n, auditDocument(ctx, r, "create", nil, n)
	})
}
