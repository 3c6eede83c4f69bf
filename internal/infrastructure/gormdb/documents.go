package gormdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// documentModel is a row of commercial_documents: proposals, orders,
// invoices and credit notes in one table, told apart by doc_type. Drafts have
// a NULL ref (the unique index (doc_type, ref) ignores NULLs on every dialect).
type documentModel struct {
	ID           int64 `gorm:"primaryKey"`
	DocType      string
	Ref          *string
	Status       string
	ThirdPartyID int64 `gorm:"column:thirdparty_id"`
	SupplierRef  string
	// SupplierRefKey is SupplierRef once the document is validated, NULL
	// before: the unique index (thirdparty_id, doc_type, supplier_ref_key)
	// holds validated supplier documents only (NULLs never collide).
	SupplierRefKey *string
	CustomerRef    string
	ContactID      *int64
	DocDate        time.Time
	DueDate        *time.Time
	Currency       string
	Note           string
	SourceID       *int64
	TotalNet       decimal.Decimal `gorm:"column:total_net"`
	TotalVAT       decimal.Decimal `gorm:"column:total_vat"`
	TotalGross     decimal.Decimal `gorm:"column:total_gross"`
	AmountPaid     decimal.Decimal `gorm:"column:amount_paid"`
	// The exchange (domain.DocumentFX); NULL while the rate is unknown.
	CompanyCurrency   string
	CurrencyRate      decimal.NullDecimal
	TotalNetCompany   decimal.NullDecimal `gorm:"column:total_net_company"`
	TotalVATCompany   decimal.NullDecimal `gorm:"column:total_vat_company"`
	TotalGrossCompany decimal.NullDecimal `gorm:"column:total_gross_company"`
	CreatedBy         int64
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"`
	ValidatedAt       *time.Time
	VATRegime         string `gorm:"column:vat_regime"`
}

func (documentModel) TableName() string { return "commercial_documents" }

// documentLineModel is a row of commercial_document_lines.
type documentLineModel struct {
	ID              int64 `gorm:"primaryKey"`
	DocumentID      int64
	LineNo          int
	ProductID       *int64
	Description     string
	Qty             decimal.Decimal
	UnitPrice       decimal.Decimal
	DiscountPercent decimal.Decimal
	VATRate         decimal.Decimal `gorm:"column:vat_rate"`
	TotalNet        decimal.Decimal `gorm:"column:total_net"`
	TotalVAT        decimal.Decimal `gorm:"column:total_vat"`
	TotalGross      decimal.Decimal `gorm:"column:total_gross"`
	QtyReceived     decimal.Decimal // purchase order lines: what receptions brought in
	DownPaymentID   *int64          // deduction lines of a final invoice: the down payment deducted
	QtyShipped      decimal.Decimal // customer order lines: what shipments sent
}

func (documentLineModel) TableName() string { return "commercial_document_lines" }

// dateOnly is a date as DATE columns keep it: midnight UTC.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func optDate(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := dateOnly(*t)
	return &d
}

func optTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := dbTime(*t)
	return &d
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toDocumentModel(d *domain.Document) documentModel {
	m := documentModel{
		ID: d.ID, DocType: string(d.Type), Status: string(d.Status), ThirdPartyID: d.ThirdPartyID, SupplierRef: d.SupplierRef,
		DocDate: dateOnly(d.Date), DueDate: optDate(d.DueDate), Currency: d.Currency, Note: d.Note,
		CustomerRef: d.CustomerRef, ContactID: optID(d.ContactID),
		SourceID: optID(d.SourceID), TotalNet: d.TotalNet, TotalVAT: d.TotalVAT, TotalGross: d.TotalGross,
		AmountPaid: d.AmountPaid, CreatedBy: d.CreatedBy,
		CompanyCurrency: d.FX.CompanyCurrency, CurrencyRate: d.FX.Rate,
		TotalNetCompany: d.FX.TotalNet, TotalVATCompany: d.FX.TotalVAT, TotalGrossCompany: d.FX.TotalGross,
		CreatedAt: dbTime(d.CreatedAt), UpdatedAt: dbTime(d.UpdatedAt), ValidatedAt: optTime(d.ValidatedAt),
	}
	m.VATRegime = vatRegimeColumn(d.VATRegime)
	if d.Ref != "" {
		m.Ref = &d.Ref
	}
	if d.SupplierRef != "" && d.Status != domain.StatusDraft {
		m.SupplierRefKey = &d.SupplierRef
	}
	return m
}

// vatRegimeColumn is the stored regime: a document built without one (the
// buy side, conversions before the use case decides) is domestic.
func vatRegimeColumn(g domain.VATRegime) string {
	if g == "" {
		return string(domain.VATDomestic)
	}
	return string(g)
}

func (m documentModel) document() *domain.Document {
	d := &domain.Document{
		ID: m.ID, Type: domain.DocType(m.DocType), Status: domain.DocStatus(m.Status), ThirdPartyID: m.ThirdPartyID,
		SupplierRef: m.SupplierRef, CustomerRef: m.CustomerRef, Date: dateOnly(m.DocDate), DueDate: optDate(m.DueDate), Currency: m.Currency, Note: m.Note,
		TotalNet: m.TotalNet, TotalVAT: m.TotalVAT, TotalGross: m.TotalGross, AmountPaid: m.AmountPaid,
		CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
		Lines: []domain.Line{}, VATRegime: domain.VATRegime(m.VATRegime),
		FX: domain.DocumentFX{
			CompanyCurrency: m.CompanyCurrency, Rate: m.CurrencyRate,
			TotalNet: m.TotalNetCompany, TotalVAT: m.TotalVATCompany, TotalGross: m.TotalGrossCompany,
		},
	}
	if m.Ref != nil {
		d.Ref = *m.Ref
	}
	if m.SourceID != nil {
		d.SourceID = *m.SourceID
	}
	if m.ContactID != nil {
		d.ContactID = *m.ContactID
	}
	if m.ValidatedAt != nil {
		t := m.ValidatedAt.UTC()
		d.ValidatedAt = &t
	}
	return d
}

func (m documentLineModel) line() domain.Line {
	l := domain.Line{
		ID: m.ID, Description: m.Description, Qty: m.Qty, UnitPrice: m.UnitPrice,
		DiscountPercent: m.DiscountPercent, VATRate: m.VATRate,
		TotalNet: m.TotalNet, TotalVAT: m.TotalVAT, TotalGross: m.TotalGross, QtyReceived: m.QtyReceived,
		QtyShipped: m.QtyShipped,
	}
	if m.ProductID != nil {
		l.ProductID = *m.ProductID
	}
	if m.DownPaymentID != nil {
		l.DownPaymentID = *m.DownPaymentID
	}
	return l
}

type documentRepo struct {
	db      *gorm.DB
	dialect string
}

func (r *documentRepo) Create(ctx context.Context, d *domain.Document) error {
	m := toDocumentModel(d)
	m.ID = 0
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return documentWriteError("create "+string(d.Type), err)
	}
	d.ID = m.ID
	return r.insertLines(ctx, d)
}

// documentWriteError names a foreign key that vanished under a write (a third
// party or product deleted between the check and the insert) as a conflict.
func documentWriteError(what string, err error) error {
	if foreignKeyViolated(err) {
		return domain.Conflictf("reference-gone", "%s: a third party or product it names was deleted meanwhile", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// lineBatch is how many lines one INSERT carries: 13 values a row keeps a
// batch under SQLite's 32766 host parameters and far under the 65535 of
// PostgreSQL and MySQL, so a document of DOLIGO_MAX_DOCUMENT_LINES lines is
// a few statements, never one per line.
const lineBatch = 1000

// insertLines writes the lines of d in INSERTs of lineBatch rows and sets
// their IDs.
func (r *documentRepo) insertLines(ctx context.Context, d *domain.Document) error {
	if len(d.Lines) == 0 {
		return nil
	}
	rows := make([]documentLineModel, len(d.Lines))
	for i, l := range d.Lines {
		rows[i] = documentLineModel{
			DocumentID: d.ID, LineNo: i + 1, ProductID: optID(l.ProductID), Description: l.Description,
			Qty: l.Qty, UnitPrice: l.UnitPrice, DiscountPercent: l.DiscountPercent, VATRate: l.VATRate,
			TotalNet: l.TotalNet, TotalVAT: l.TotalVAT, TotalGross: l.TotalGross, QtyReceived: l.QtyReceived,
			DownPaymentID: optID(l.DownPaymentID),
		}
	}
	if err := r.db.WithContext(ctx).CreateInBatches(&rows, lineBatch).Error; err != nil {
		return documentWriteError(fmt.Sprintf("write lines of document %d", d.ID), err)
	}
	for i := range rows {
		d.Lines[i].ID = rows[i].ID
	}
	return nil
}

func (r *documentRepo) Get(ctx context.Context, id int64) (*domain.Document, error) {
	return r.take(ctx, r.db.WithContext(ctx), id)
}

func (r *documentRepo) GetHeader(ctx context.Context, id int64) (*domain.Document, error) {
	var m documentModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "document", id); err != nil {
		return nil, err
	}
	return m.document(), nil
}

func (r *documentRepo) Lock(ctx context.Context, id int64) (*domain.Document, error) {
	return r.take(ctx, r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

// take reads the header (through db, which may lock it) and the lines; lines
// change only under the header's lock, so they need no lock of their own.
func (r *documentRepo) take(ctx context.Context, db *gorm.DB, id int64) (*domain.Document, error) {
	var m documentModel
	if err := takeOne(db.Where("id = ?", id), &m, "document", id); err != nil {
		return nil, err
	}
	docs := []*domain.Document{m.document()}
	if err := r.loadLines(ctx, docs); err != nil {
		return nil, err
	}
	return docs[0], nil
}

// loadLines reads the lines of every document in one query.
func (r *documentRepo) loadLines(ctx context.Context, docs []*domain.Document) error {
	return loadChildLines(ctx, r.db, "document_id", docs, func(d *domain.Document) int64 { return d.ID },
		func(m documentLineModel) int64 { return m.DocumentID }, func(d *domain.Document, m documentLineModel) {
			d.Lines = append(d.Lines, m.line())
		})
}

func (r *documentRepo) Update(ctx context.Context, d *domain.Document) error {
	m := toDocumentModel(d)
	err := r.db.WithContext(ctx).Model(&documentModel{}).Where("id = ?", d.ID).Updates(map[string]any{
		"ref": m.Ref, "status": m.Status, "thirdparty_id": m.ThirdPartyID, "doc_date": m.DocDate,
		"supplier_ref": m.SupplierRef, "supplier_ref_key": m.SupplierRefKey,
		"customer_ref": m.CustomerRef, "contact_id": m.ContactID,
		"due_date": m.DueDate, "currency": m.Currency, "note": m.Note,
		"total_net": m.TotalNet, "total_vat": m.TotalVAT, "total_gross": m.TotalGross, "amount_paid": m.AmountPaid,
		"company_currency": m.CompanyCurrency, "currency_rate": m.CurrencyRate,
		"total_net_company": m.TotalNetCompany, "total_vat_company": m.TotalVATCompany, "total_gross_company": m.TotalGrossCompany,
		"updated_at": m.UpdatedAt, "validated_at": m.ValidatedAt,
		"vat_regime": m.VATRegime,
	}).Error
	if err != nil {
		if uniqueViolated(err) {
			// GORM's translation keeps no index name. The ref comes from a
			// sequence row locked until commit, so the contended key of a
			// document carrying a supplier_ref_key is that one.
			if m.SupplierRefKey != nil {
				return domain.ErrDuplicateSupplierRef(d.Type, d.SupplierRef)
			}
			return domain.Conflictf("duplicate-ref", "%s number %s is already taken", d.Type, d.Ref)
		}
		return documentWriteError(fmt.Sprintf("update document %d", d.ID), err)
	}
	return nil
}

func (r *documentRepo) ReplaceLines(ctx context.Context, d *domain.Document) error {
	if err := r.db.WithContext(ctx).Where("document_id = ?", d.ID).Delete(&documentLineModel{}).Error; err != nil {
		return fmt.Errorf("delete lines of document %d: %w", d.ID, err)
	}
	return r.insertLines(ctx, d)
}

func (r *documentRepo) Delete(ctx context.Context, id int64) error {
	if err := r.db.WithContext(ctx).Where("document_id = ?", id).Delete(&documentLineModel{}).Error; err != nil {
		return fmt.Errorf("delete lines of document %d: %w", id, err)
	}
	return deleteOne(ctx, r.db.Where("id = ?", id), &documentModel{}, "document", id)
}

// List reads one page in three queries whatever its size: the count, the
// headers, and the lines of every document of the page (WHERE document_id IN).
func (r *documentRepo) List(ctx context.Context, f domain.DocumentFilter, q domain.ListQuery) (domain.Page[*domain.Document], error) {
	types := make([]string, len(f.Types))
	for i, t := range f.Types {
		types[i] = string(t)
	}
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&documentModel{}).Where("doc_type IN ?", types)
		if f.Status != "" {
			db = db.Where("status = ?", string(f.Status))
		}
		if f.ThirdPartyID != 0 {
			db = db.Where("thirdparty_id = ?", f.ThirdPartyID)
		}
		if f.SourceID != 0 {
			db = db.Where("source_id = ?", f.SourceID)
		}
		if q.Search != "" {
			// The supplier's own number too: a supplier invoice is looked
			// up by what is printed on it (empty on every other document).
			p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
			db = db.Where("LOWER(ref) LIKE ? ESCAPE '!' OR LOWER(supplier_ref) LIKE ? ESCAPE '!'", p, p)
		}
		return db
	}
	cols := map[string]string{
		"id": "id", "ref": "ref", "date": "doc_date", "due_date": "due_date", "status": "status",
		"total_gross": "total_gross", "created_at": "created_at", "updated_at": "updated_at",
	}
	if r.dialect == sqldialect.SQLite {
		cols["total_gross"] = "CAST(total_gross AS REAL)" // exact TEXT sorts "10" before "9"
	}
	page, err := listPage(filtered, q, cols, true, infallible(documentModel.document))
	if err != nil {
		return page, fmt.Errorf("list documents: %w", err)
	}
	return page, r.loadLines(ctx, page.Items)
}

func (r *documentRepo) CreditedTotal(ctx context.Context, invoiceID, excludeID int64) (decimal.Decimal, error) {
	var totals []decimal.Decimal
	err := r.db.WithContext(ctx).Model(&documentModel{}).
		Where("source_id = ? AND doc_type IN ? AND status IN ? AND id <> ?", invoiceID,
			[]string{string(domain.DocCreditNote), string(domain.DocSupplierCreditNote)},
			[]string{string(domain.StatusValidated), string(domain.StatusPaid)}, excludeID).
		Pluck("total_gross", &totals).Error
	if err != nil {
		return decimal.Zero, fmt.Errorf("sum credit notes of invoice %d: %w", invoiceID, err)
	}
	sum := decimal.Zero
	for _, t := range totals { // in Go: SQLite keeps exact TEXT, which SUM would turn into floats
		sum = sum.Add(t)
	}
	return sum, nil
}
