package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// accountModel is a row of accounting_accounts.
type accountModel struct {
	ID          int64 `gorm:"primaryKey"`
	Code        string
	Label       string
	AccountType string
}

func (accountModel) TableName() string { return "accounting_accounts" }

func (m accountModel) account() *domain.Account {
	return &domain.Account{ID: m.ID, Code: m.Code, Label: m.Label, Type: domain.AccountType(m.AccountType)}
}

// bookingModel is a row of accounting_bookings: one booked source.
type bookingModel struct {
	ID           int64 `gorm:"primaryKey"`
	SourceType   string
	SourceID     int64
	Journal      string
	EntryNum     string
	EntryDate    time.Time
	DocumentRef  string
	DocumentDate time.Time
	BookedAt     time.Time `gorm:"autoCreateTime:false"`
}

func (bookingModel) TableName() string { return "accounting_bookings" }

// entryModel is a row of accounting_entries.
type entryModel struct {
	ID             int64 `gorm:"primaryKey"`
	BookingID      int64
	Journal        string
	EntryDate      time.Time
	DocumentRef    string
	Account        string
	Label          string
	Debit          decimal.Decimal
	Credit         decimal.Decimal
	ThirdpartyID   sql.NullInt64
	AmountCurrency decimal.NullDecimal // NULL with Currency in the company currency
	Currency       sql.NullString
}

func (entryModel) TableName() string { return "accounting_entries" }

func (m entryModel) entry() *domain.Entry {
	return &domain.Entry{
		ID: m.ID, BookingID: m.BookingID, Journal: domain.Journal(m.Journal), Date: dateOnly(m.EntryDate), DocumentRef: m.DocumentRef,
		Account: m.Account, Label: m.Label, Debit: m.Debit, Credit: m.Credit, ThirdPartyID: m.ThirdpartyID.Int64,
		Currency: m.Currency.String, AmountCurrency: m.AmountCurrency.Decimal,
	}
}

// entryCurrency is the pair of foreign-currency columns of an entry: both
// NULL in the company currency.
func entryCurrency(e domain.Entry) (decimal.NullDecimal, sql.NullString) {
	if !e.Foreign() {
		return decimal.NullDecimal{}, sql.NullString{}
	}
	return decimal.NewNullDecimal(e.AmountCurrency), nullString(e.Currency)
}

type periodModel struct {
	Period   string `gorm:"primaryKey"`
	ClosedAt time.Time
	ClosedBy int64
}

func (periodModel) TableName() string { return "accounting_periods" }

type accountingRepo struct {
	db      *gorm.DB
	dialect string
}

func (r *accountingRepo) Account(ctx context.Context, id int64) (*domain.Account, error) {
	var m accountModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "account", id); err != nil {
		return nil, err
	}
	return m.account(), nil
}

func (r *accountingRepo) Accounts(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Account], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&accountModel{})
		if q.Search != "" {
			p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
			db = db.Where("LOWER(code) LIKE ? ESCAPE '!' OR LOWER(label) LIKE ? ESCAPE '!'", p, p)
		}
		return db
	}
	cols := map[string]string{"id": "id", "code": "code", "label": "label", "type": "account_type"}
	page, err := listPage(filtered, q, cols, false, infallible(accountModel.account))
	if err != nil {
		return page, fmt.Errorf("list accounts: %w", err)
	}
	return page, nil
}

func (r *accountingRepo) CreateAccount(ctx context.Context, a *domain.Account) error {
	m := accountModel{Code: a.Code, Label: a.Label, AccountType: string(a.Type)}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.Conflictf("duplicate-code", "account %s already exists", a.Code)
		}
		return fmt.Errorf("create account %s: %w", a.Code, err)
	}
	a.ID = m.ID
	return nil
}

func (r *accountingRepo) SaveAccount(ctx context.Context, a *domain.Account) error {
	err := r.db.WithContext(ctx).Model(&accountModel{}).Where("id = ?", a.ID).
		Updates(map[string]any{"label": a.Label, "account_type": string(a.Type)}).Error
	if err != nil {
		return fmt.Errorf("update account %d: %w", a.ID, err)
	}
	return nil
}

func (r *accountingRepo) DeleteAccount(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &accountModel{}, "account", id)
}

func (r *accountingRepo) AccountUsed(ctx context.Context, code string) (bool, error) {
	return exists(r.db.WithContext(ctx).Model(&entryModel{}).Where("account = ?", code), "entries of account "+code)
}

func (r *accountingRepo) IsBooked(ctx context.Context, kind domain.SourceKind, id int64) (bool, error) {
	return exists(r.db.WithContext(ctx).Model(&bookingModel{}).Where("source_type = ? AND source_id = ?", string(kind), id),
		fmt.Sprintf("booking of %s %d", kind, id))
}

// Plan reads every code of the chart and the VAT accounts per rate.
func (r *accountingRepo) Plan(ctx context.Context) (*domain.AccountPlan, error) {
	var codes []string
	if err := r.db.WithContext(ctx).Model(&accountModel{}).Pluck("code", &codes).Error; err != nil {
		return nil, fmt.Errorf("read the chart of accounts: %w", err)
	}
	var vats []struct {
		Rate             decimal.Decimal
		SalesAccount     string
		PurchasesAccount string
	}
	if err := rawFind(r.db.WithContext(ctx), &vats, "SELECT rate, sales_account, purchases_account FROM accounting_vat_accounts"); err != nil {
		return nil, fmt.Errorf("read the VAT accounts: %w", err)
	}
	p := &domain.AccountPlan{Codes: make(map[string]bool, len(codes)), VATSales: map[string]string{}, VATPurchases: map[string]string{}}
	for _, c := range codes {
		p.Codes[c] = true
	}
	for _, v := range vats {
		p.VATSales[v.Rate.String()], p.VATPurchases[v.Rate.String()] = v.SalesAccount, v.PurchasesAccount
	}
	return p, nil
}

// between is the condition "the DATE column col is from..to, both included",
// with its arguments (the reports' date seam).
func (r *accountingRepo) between(col string, from, to time.Time) (string, []any) {
	d := reportDialect(r.dialect)
	upTo, args := d.upTo(col, to)
	return col + " >= " + d.date() + " AND " + upTo, append([]any{day(from)}, args...)
}

// accountingChunk bounds the ids of one IN list and the rows of one INSERT
// (at 11 columns an entry, 5,500 host parameters: under SQLite's 32,766).
const accountingChunk = 500

// unbooked is the FROM … WHERE of the sources of kind dated from..to that
// no booking holds, with its arguments: what the Unbooked… readings select
// from and CountUnbooked counts, so the two agree. The joins are the
// readings' (inner ones follow foreign keys: they drop no row of a count).
func (r *accountingRepo) unbooked(kind domain.SourceKind, from, to time.Time) (string, []any, error) {
	var src, alias, date, cond string
	switch kind {
	case domain.SourceDocument:
		src, alias, date = "commercial_documents d JOIN thirdparties t ON t.id = d.thirdparty_id", "d", "d.doc_date"
		cond = `d.doc_type IN ('invoice', 'credit_note', 'down_payment', 'supplier_invoice', 'supplier_credit_note')
			AND d.status IN ('validated', 'paid') AND `
	case domain.SourcePayment, domain.SourceExchange:
		src = `payments p JOIN commercial_documents d ON d.id = p.document_id JOIN thirdparties t ON t.id = d.thirdparty_id
			LEFT JOIN bank_accounts ba ON ba.id = p.bank_account_id`
		alias, date = "p", "p.pay_date"
		if kind == domain.SourceExchange { // a difference of zero (or none, NULL) books nothing
			cond = reportDialect(r.dialect).nonZero("p.exchange_difference") + " AND "
		}
	case domain.SourceBankTransfer:
		// Each transfer once: from its leg added first, the lower id of the pair.
		src = `bank_lines o JOIN bank_lines p ON p.id = o.transfer_id
			JOIN bank_accounts a ON a.id = o.account_id JOIN bank_accounts pa ON pa.id = p.account_id`
		alias, date, cond = "o", "o.line_date", "o.kind = 'transfer' AND o.id < o.transfer_id AND "
	default:
		return "", nil, fmt.Errorf("unknown booking source %q", kind)
	}
	when, args := r.between(date, from, to)
	q := " FROM " + src + " WHERE " + cond + when +
		" AND NOT EXISTS (SELECT 1 FROM accounting_bookings b WHERE b.source_type = ? AND b.source_id = " + alias + ".id)"
	return q, append(args, string(kind)), nil
}

func (r *accountingRepo) CountUnbooked(ctx context.Context, kind domain.SourceKind, from, to time.Time) (int64, error) {
	q, args, err := r.unbooked(kind, from, to)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := rawFind(r.db.WithContext(ctx), &n, "SELECT COUNT(*)"+q, args...); err != nil {
		return 0, fmt.Errorf("count unbooked %s: %w", kind, err)
	}
	return n, nil
}

func (r *accountingRepo) UnbookedDocuments(ctx context.Context, from, to time.Time) ([]domain.BookingDocument, error) {
	q, args, err := r.unbooked(domain.SourceDocument, from, to)
	if err != nil {
		return nil, err
	}
	var heads []struct {
		ID              int64
		DocType         string
		Ref             string
		DocDate         time.Time
		ThirdpartyID    int64
		Name            string
		Currency        string
		CompanyCurrency string
		CurrencyRate    decimal.NullDecimal
	}
	err = rawFind(r.db.WithContext(ctx), &heads, `SELECT d.id, d.doc_type, d.ref, d.doc_date, d.thirdparty_id, t.name, d.currency, d.company_currency, d.currency_rate`+
		q+` ORDER BY d.doc_date, d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("unbooked documents: %w", err)
	}
	docs := make([]domain.BookingDocument, len(heads))
	at := make(map[int64]int, len(heads))
	for i, h := range heads {
		docs[i] = domain.BookingDocument{ID: h.ID, Type: domain.DocType(h.DocType), Ref: h.Ref, Date: dateOnly(h.DocDate), ThirdPartyID: h.ThirdpartyID, ThirdPartyName: h.Name,
			FX: domain.BookingFX{Currency: h.Currency, CompanyCurrency: h.CompanyCurrency, Rate: h.CurrencyRate.Decimal}}
		at[h.ID] = i
	}
	for start := 0; start < len(heads); start += accountingChunk {
		ids := make([]int64, 0, accountingChunk)
		for _, h := range heads[start:min(start+accountingChunk, len(heads))] {
			ids = append(ids, h.ID)
		}
		var lines []struct {
			DocumentID         int64
			ProductID          sql.NullInt64
			Type               sql.NullString
			AccountingCodeSell sql.NullString
			AccountingCodeBuy  sql.NullString
			TotalNet           decimal.Decimal
			TotalVAT           decimal.Decimal `gorm:"column:total_vat"`
			VATRate            decimal.Decimal `gorm:"column:vat_rate"`
		}
		err := rawFind(r.db.WithContext(ctx), &lines, `SELECT l.document_id, l.product_id, p.type, p.accounting_code_sell, p.accounting_code_buy,
			l.total_net, l.total_vat, l.vat_rate
			FROM commercial_document_lines l LEFT JOIN products p ON p.id = l.product_id
			WHERE l.document_id IN ? ORDER BY l.document_id, l.line_no`, ids)
		if err != nil {
			return nil, fmt.Errorf("lines of unbooked documents: %w", err)
		}
		for _, l := range lines {
			d := &docs[at[l.DocumentID]]
			acct := l.AccountingCodeSell.String
			if d.Type.IsSupplier() {
				acct = l.AccountingCodeBuy.String
			}
			d.Lines = append(d.Lines, domain.BookingLine{
				ProductID: l.ProductID.Int64, Service: l.Type.String == "service", Account: acct,
				Net: l.TotalNet, VAT: l.TotalVAT, VATRate: l.VATRate,
			})
		}
	}
	return docs, nil
}

func (r *accountingRepo) UnbookedPayments(ctx context.Context, from, to time.Time) ([]domain.BookingPayment, error) {
	return r.unbookedPayments(ctx, domain.SourcePayment, from, to)
}

func (r *accountingRepo) UnbookedExchanges(ctx context.Context, from, to time.Time) ([]domain.BookingPayment, error) {
	return r.unbookedPayments(ctx, domain.SourceExchange, from, to)
}

// unbookedPayments reads the payments dated from..to that are sources of
// the kind and have no booking of it.
func (r *accountingRepo) unbookedPayments(ctx context.Context, kind domain.SourceKind, from, to time.Time) ([]domain.BookingPayment, error) {
	q, args, err := r.unbooked(kind, from, to)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID                 int64
		DocType            string
		Ref                string
		PayDate            time.Time
		ThirdpartyID       int64
		Name               string
		Amount             decimal.Decimal
		Method             string
		Account            string
		Currency           string
		CompanyCurrency    string
		CurrencyRate       decimal.NullDecimal
		ExchangeDifference decimal.NullDecimal
	}
	// The bank account's accounting code, when it has one, replaces 512/531.
	err = rawFind(r.db.WithContext(ctx), &rows, `SELECT p.id, d.doc_type, d.ref, p.pay_date, d.thirdparty_id, t.name, p.amount, p.method,
		COALESCE(ba.accounting_code, '') AS account, d.currency, d.company_currency, p.currency_rate, p.exchange_difference`+
		q+` ORDER BY p.pay_date, p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("unbooked %s: %w", kind, err)
	}
	out := make([]domain.BookingPayment, len(rows))
	for i, p := range rows {
		out[i] = domain.BookingPayment{
			ID: p.ID, DocumentType: domain.DocType(p.DocType), DocumentRef: p.Ref, Date: dateOnly(p.PayDate),
			ThirdPartyID: p.ThirdpartyID, ThirdPartyName: p.Name, Amount: p.Amount, Method: domain.PaymentMethod(p.Method),
			Account:    p.Account,
			FX:         domain.BookingFX{Currency: p.Currency, CompanyCurrency: p.CompanyCurrency, Rate: p.CurrencyRate.Decimal},
			Difference: p.ExchangeDifference.Decimal,
		}
	}
	return out, nil
}

// UnbookedBankTransfers reads each transfer once: from its leg added first
// (the lower id of the pair), whichever way the money went, with both legs'
// amounts and their accounts' codes and currencies (the rates are the
// usecase's).
func (r *accountingRepo) UnbookedBankTransfers(ctx context.Context, from, to time.Time) ([]domain.BookingBankTransfer, error) {
	q, args, err := r.unbooked(domain.SourceBankTransfer, from, to)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID           int64
		LineDate     time.Time
		Label        string
		Amount       decimal.Decimal
		Account      string
		Currency     string
		PairAmount   decimal.Decimal
		PairAccount  string
		PairCurrency string
	}
	err = rawFind(r.db.WithContext(ctx), &rows, `SELECT o.id, o.line_date, o.label, o.amount, COALESCE(a.accounting_code, '') AS account, a.currency,
		p.amount AS pair_amount, COALESCE(pa.accounting_code, '') AS pair_account, pa.currency AS pair_currency`+
		q+` ORDER BY o.line_date, o.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("unbooked bank transfers: %w", err)
	}
	out := make([]domain.BookingBankTransfer, len(rows))
	for i, t := range rows {
		first := domain.BookingBankLeg{Account: t.Account, Amount: t.Amount.Abs(), FX: domain.BookingFX{Currency: strings.TrimSpace(t.Currency)}}
		pair := domain.BookingBankLeg{Account: t.PairAccount, Amount: t.PairAmount.Abs(), FX: domain.BookingFX{Currency: strings.TrimSpace(t.PairCurrency)}}
		out[i] = domain.BookingBankTransfer{ID: t.ID, Date: dateOnly(t.LineDate), Label: t.Label, From: first, To: pair}
		if t.Amount.IsPositive() { // the first leg received the money
			out[i].From, out[i].To = pair, first
		}
	}
	return out, nil
}

// AddBookings inserts the bookings' rows first, accountingChunk a
// statement, then all their entries the same way: a transfer of 10,000
// documents is a few dozen statements, not three per booking. The unique
// index on the source refuses a second booking of the same document or
// payment, even from a transaction running at the same time (which waits
// for the first to end).
func (r *accountingRepo) AddBookings(ctx context.Context, bs []*domain.Booking) error {
	if len(bs) == 0 {
		return nil
	}
	db := r.db.WithContext(ctx)
	heads := make([]bookingModel, len(bs))
	for i, b := range bs {
		heads[i] = bookingModel{
			SourceType: string(b.Source), SourceID: b.SourceID, Journal: string(b.Journal), EntryNum: b.Num,
			EntryDate: dateOnly(b.Date), DocumentRef: b.DocumentRef, DocumentDate: dateOnly(b.DocumentDate), BookedAt: dbTime(b.BookedAt),
		}
	}
	if err := db.CreateInBatches(&heads, accountingChunk).Error; err != nil {
		if !uniqueViolated(err) {
			return fmt.Errorf("book %d sources: %w", len(bs), err)
		}
		if len(bs) == 1 {
			return domain.Conflictf("already-booked", "%s %d is booked already", bs[0].Source, bs[0].SourceID)
		}
		return domain.Conflictf("already-booked", "a source of the %d to book is booked already", len(bs))
	}
	if r.dialect == sqldialect.MySQL {
		if err := r.readBookingIDs(ctx, heads); err != nil {
			return err
		}
	}
	var rows []entryModel
	for i, b := range bs {
		b.ID = heads[i].ID
		for j, e := range b.Entries {
			m := entryModel{
				BookingID: b.ID, Journal: string(e.Journal), EntryDate: dateOnly(e.Date), DocumentRef: e.DocumentRef,
				Account: e.Account, Label: e.Label, Debit: e.Debit, Credit: e.Credit,
				ThirdpartyID: sql.NullInt64{Int64: e.ThirdPartyID, Valid: e.ThirdPartyID != 0},
			}
			m.AmountCurrency, m.Currency = entryCurrency(e)
			rows = append(rows, m)
			b.Entries[j].BookingID = b.ID
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := db.CreateInBatches(&rows, accountingChunk).Error; err != nil {
		return fmt.Errorf("entries of %d bookings: %w", len(bs), err)
	}
	return nil
}

// readBookingIDs reads the ids of the booking rows just inserted back by
// their unique source, on MySQL: without RETURNING (MariaDB has it, MySQL
// not) GORM supposes a batch's ids from its first, one apart, which holds
// only with auto_increment_increment = 1 and in some lock modes. The
// entries' booking_id must not rest on that (imports read theirs back too:
// insertRows).
func (r *accountingRepo) readBookingIDs(ctx context.Context, heads []bookingModel) error {
	at := map[string]map[int64]int{} // source type → source id → index in heads
	for i := range heads {
		h := &heads[i]
		if at[h.SourceType] == nil {
			at[h.SourceType] = map[int64]int{}
		}
		at[h.SourceType][h.SourceID], h.ID = i, 0
	}
	for _, kind := range slices.Sorted(maps.Keys(at)) {
		for ids := range slices.Chunk(slices.Sorted(maps.Keys(at[kind])), accountingChunk) {
			var rows []bookingModel
			err := r.db.WithContext(ctx).Select("id", "source_id").Where("source_type = ? AND source_id IN ?", kind, ids).Find(&rows).Error
			if err != nil {
				return fmt.Errorf("read the ids of new bookings: %w", err)
			}
			for _, m := range rows {
				heads[at[kind][m.SourceID]].ID = m.ID
			}
		}
	}
	for _, h := range heads {
		if h.ID == 0 {
			return fmt.Errorf("booking of %s %d not found after its insert", h.SourceType, h.SourceID)
		}
	}
	return nil
}

func (r *accountingRepo) Entries(ctx context.Context, f domain.EntryFilter, q domain.ListQuery) (domain.Page[*domain.Entry], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&entryModel{})
		if f.Journal != "" {
			db = db.Where("journal = ?", string(f.Journal))
		}
		if f.Account != "" {
			db = db.Where("account = ?", f.Account)
		}
		if !f.From.IsZero() || !f.To.IsZero() {
			to := f.To
			if to.IsZero() {
				to = lastDay
			}
			when, args := r.between("entry_date", f.From, to)
			db = db.Where(when, args...)
		}
		return db
	}
	cols := map[string]string{"id": "id", "date": "entry_date", "account": "account", "journal": "journal"}
	page, err := listPage(filtered, q, cols, false, infallible(entryModel.entry))
	if err != nil {
		return page, fmt.Errorf("list entries: %w", err)
	}
	return page, nil
}

// exists reports whether q selects a row; what names it in an error.
func exists(q *gorm.DB, what string) (bool, error) {
	var n int64
	if err := q.Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("read %s: %w", what, err)
	}
	return n > 0, nil
}

type periodRepo struct {
	db      *gorm.DB
	dialect string
}

// periodLockKey is the numbering_sequences row of a month that the period
// guard locks shared and a close exclusively (its value is not used).
const periodLockKey = "accounting_period"

// Guard locks the month's lock row shared, then reads whether the month is
// closed (READ COMMITTED: what the close committed). The row is made the
// first time a month is guarded (an insert that does nothing when it exists
// by then: FOR SHARE cannot lock a missing row; an insert racing a close's
// waits for it) — once, so a guard is two statements, not three. SQLite's
// IMMEDIATE transactions run one at a time already.
func (r *periodRepo) Guard(ctx context.Context, p domain.Period) (bool, error) {
	db := r.db.WithContext(ctx)
	var ensure, lock string
	switch r.dialect {
	case sqldialect.Postgres:
		ensure = "INSERT INTO numbering_sequences (doc_type, period, last_value) VALUES (?, ?, 0) ON CONFLICT DO NOTHING"
		lock = "SELECT last_value FROM numbering_sequences WHERE doc_type = ? AND period = ? FOR SHARE"
	case sqldialect.MySQL:
		ensure = "INSERT IGNORE INTO numbering_sequences (doc_type, period, last_value) VALUES (?, ?, 0)"
		lock = "SELECT last_value FROM numbering_sequences WHERE doc_type = ? AND period = ? LOCK IN SHARE MODE"
	}
	if lock != "" {
		var v []int64
		if err := rawFind(db, &v, lock, periodLockKey, string(p)); err != nil {
			return false, fmt.Errorf("lock period %s: %w", p, err)
		}
		if len(v) == 0 {
			if err := db.Exec(ensure, periodLockKey, string(p)).Error; err != nil {
				return false, fmt.Errorf("period %s lock row: %w", p, err)
			}
			if err := rawFind(db, &v, lock, periodLockKey, string(p)); err != nil {
				return false, fmt.Errorf("lock period %s: %w", p, err)
			}
		}
	}
	return r.IsClosed(ctx, p)
}

// Lock advances the month's lock row: the upsert of the numbering
// sequences, which holds it exclusively until the transaction ends.
func (r *periodRepo) Lock(ctx context.Context, p domain.Period) error {
	_, err := (&numberingRepo{db: r.db, dialect: r.dialect}).Next(ctx, periodLockKey, string(p))
	return err
}

func (r *periodRepo) IsClosed(ctx context.Context, p domain.Period) (bool, error) {
	return exists(r.db.WithContext(ctx).Model(&periodModel{}).Where("period = ?", string(p)), "period "+string(p))
}

func (r *periodRepo) List(ctx context.Context) ([]domain.ClosedPeriod, error) {
	var rows []periodModel
	if err := r.db.WithContext(ctx).Order("period").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list closed periods: %w", err)
	}
	out := make([]domain.ClosedPeriod, len(rows))
	for i, m := range rows {
		out[i] = domain.ClosedPeriod{Period: domain.Period(m.Period), ClosedAt: m.ClosedAt.UTC(), ClosedBy: m.ClosedBy}
	}
	return out, nil
}

func (r *periodRepo) Close(ctx context.Context, p domain.ClosedPeriod) error {
	m := periodModel{Period: string(p.Period), ClosedAt: dbTime(p.ClosedAt), ClosedBy: p.ClosedBy}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrPeriodClosed(p.Period)
		}
		return fmt.Errorf("close period %s: %w", p.Period, err)
	}
	return nil
}

func (r *periodRepo) Reopen(ctx context.Context, p domain.Period) error {
	res := r.db.WithContext(ctx).Where("period = ?", string(p)).Delete(&periodModel{})
	if res.Error != nil {
		return fmt.Errorf("reopen period %s: %w", p, res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.Conflictf("period-open", "the accounting period %s is not closed", p)
	}
	return nil
}

func (r *accountingRepo) ProductAccounts(ctx context.Context, productID int64) (*domain.ProductAccounts, error) {
	var m struct {
		AccountingCodeSell sql.NullString
		AccountingCodeBuy  sql.NullString
	}
	if err := takeOne(r.db.WithContext(ctx).Table("products").Select("accounting_code_sell, accounting_code_buy").Where("id = ?", productID), &m, "product", productID); err != nil {
		return nil, err
	}
	return &domain.ProductAccounts{ProductID: productID, Sell: m.AccountingCodeSell.String, Buy: m.AccountingCodeBuy.String}, nil
}

func (r *accountingRepo) SetProductAccounts(ctx context.Context, a domain.ProductAccounts) error {
	return r.setCodes(ctx, "products", "product", a.ProductID, map[string]any{
		"accounting_code_sell": nullString(a.Sell), "accounting_code_buy": nullString(a.Buy),
	})
}

func (r *accountingRepo) ThirdPartyAccount(ctx context.Context, thirdPartyID int64) (*domain.ThirdPartyAccount, error) {
	var m struct{ AccountingCode sql.NullString }
	if err := takeOne(r.db.WithContext(ctx).Table("thirdparties").Select("accounting_code").Where("id = ?", thirdPartyID), &m, "third party", thirdPartyID); err != nil {
		return nil, err
	}
	return &domain.ThirdPartyAccount{ThirdPartyID: thirdPartyID, Code: m.AccountingCode.String}, nil
}

func (r *accountingRepo) SetThirdPartyAccount(ctx context.Context, a domain.ThirdPartyAccount) error {
	return r.setCodes(ctx, "thirdparties", "third party", a.ThirdPartyID, map[string]any{"accounting_code": nullString(a.Code)})
}

// setCodes writes the accounting code columns of one row of table; no row
// is not found.
func (r *accountingRepo) setCodes(ctx context.Context, table, entity string, id int64, cols map[string]any) error {
	res := r.db.WithContext(ctx).Table(table).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("set the accounting codes of %s %d: %w", entity, id, res.Error)
	}
	if res.RowsAffected == 0 { // MySQL counts changed rows only: same values, or no row?
		found, err := exists(r.db.WithContext(ctx).Table(table).Where("id = ?", id), fmt.Sprintf("%s %d", entity, id))
		if err != nil {
			return err
		}
		if !found {
			return domain.NotFound(entity, id)
		}
	}
	return nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

type vatAccountModel struct {
	Rate             decimal.Decimal `gorm:"primaryKey"`
	SalesAccount     string
	PurchasesAccount string
}

func (vatAccountModel) TableName() string { return "accounting_vat_accounts" }

func (r *accountingRepo) VATAccounts(ctx context.Context) ([]domain.VATAccount, error) {
	var rows []vatAccountModel
	if err := r.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read the VAT accounts: %w", err)
	}
	out := make([]domain.VATAccount, len(rows))
	for i, m := range rows {
		out[i] = domain.VATAccount{Rate: m.Rate, Sales: m.SalesAccount, Purchases: m.PurchasesAccount}
	}
	slices.SortFunc(out, func(a, b domain.VATAccount) int { return b.Rate.Cmp(a.Rate) })
	return out, nil
}

// SetVATAccount replaces the rate's pair: the row is deleted and inserted
// again, one statement each on every dialect (the rate's text on SQLite is
// its canonical decimal, as the lines' rates are written).
func (r *accountingRepo) SetVATAccount(ctx context.Context, a domain.VATAccount) error {
	if _, err := r.deleteVAT(ctx, a.Rate); err != nil {
		return err
	}
	m := vatAccountModel{Rate: a.Rate, SalesAccount: a.Sales, PurchasesAccount: a.Purchases}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("set the VAT accounts of %s %%: %w", a.Rate, err)
	}
	return nil
}

func (r *accountingRepo) DeleteVATAccount(ctx context.Context, rate decimal.Decimal) error {
	found, err := r.deleteVAT(ctx, rate)
	if err == nil && !found {
		return domain.NotFound("VAT account of rate", rate.String())
	}
	return err
}

// deleteVAT deletes the row of the rate, compared as a number (SQLite keeps
// the text as written: "20" and "20.0000" are the same rate), and reports
// whether there was one.
func (r *accountingRepo) deleteVAT(ctx context.Context, rate decimal.Decimal) (bool, error) {
	var rows []vatAccountModel
	if err := r.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return false, fmt.Errorf("read the VAT accounts: %w", err)
	}
	i := slices.IndexFunc(rows, func(m vatAccountModel) bool { return m.Rate.Equal(rate) })
	if i < 0 {
		return false, nil
	}
	if err := r.db.WithContext(ctx).Where("rate = ?", rows[i].Rate).Delete(&vatAccountModel{}).Error; err != nil {
		return false, fmt.Errorf("delete the VAT accounts of %s %%: %w", rate, err)
	}
	return true, nil
}
