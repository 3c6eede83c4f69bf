package usecase

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// AccountingService keeps the chart of accounts, books documents and
// payments into the journals, and closes months (docs/accounting.md).
type AccountingService struct {
	uow     domain.UnitOfWork
	company string
	now     func() time.Time
}

// NewAccountingService returns an AccountingService writing through uow;
// company is the company currency (DOLIGO_DEFAULT_CURRENCY), the one bank
// transfers book in.
func NewAccountingService(uow domain.UnitOfWork, company string, now func() time.Time) *AccountingService {
	return &AccountingService{uow: uow, company: company, now: now}
}

// accountingLock is the numbering sequence every transfer and every close
// advances first: its row stays locked until commit, so transfers and closes
// run one after the other and each reads what the previous one committed.
const accountingLock = "accounting"

// Accounts is one page of the chart.
func (s *AccountingService) Accounts(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Account], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Account], error) {
		return r.Accounting.Accounts(ctx, q)
	})
}

// Account reads one account.
func (s *AccountingService) Account(ctx context.Context, id int64) (*domain.Account, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Account, error) {
		return r.Accounting.Account(ctx, id)
	})
}

// CreateAccount adds an account to the chart; a code taken is 409.
func (s *AccountingService) CreateAccount(ctx context.Context, a *domain.Account) error {
	if err := a.Check(); err != nil {
		return err
	}
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.Accounting.CreateAccount(ctx, a); err != nil {
			return err
		}
		return audited(ctx, r, "account.create", "account", a.ID, nil, a)
	})
}

// UpdateAccount changes an account's label or type; its code stays.
func (s *AccountingService) UpdateAccount(ctx context.Context, id int64, p domain.AccountPatch) (*domain.Account, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Account, error) {
		a, err := r.Accounting.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *a
		if err := a.Apply(p); err != nil {
			return nil, err
		}
		if err := r.Accounting.SaveAccount(ctx, a); err != nil {
			return nil, err
		}
		return a, audited(ctx, r, "account.update", "account", a.ID, &before, a)
	})
}

// DeleteAccount removes an account no entry uses (409 otherwise).
func (s *AccountingService) DeleteAccount(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		a, err := r.Accounting.Account(ctx, id)
		if err != nil {
			return err
		}
		used, err := r.Accounting.AccountUsed(ctx, a.Code)
		if err != nil {
			return err
		}
		if used {
			return domain.Conflictf("in-use", "account %s has entries and cannot be deleted", a.Code)
		}
		if err := r.Accounting.DeleteAccount(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "account.delete", "account", a.ID, a, nil)
	})
}

// Entries is one page of journal entries.
func (s *AccountingService) Entries(ctx context.Context, f domain.EntryFilter, q domain.ListQuery) (domain.Page[*domain.Entry], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Entry], error) {
		return r.Accounting.Entries(ctx, f, q)
	})
}

// bookingSource is one kind of source: book makes the bookings of what it
// left unbooked from..to; a close only counts those (CountUnbooked of the
// kind). A new kind of source is one more in bookingSources.
type bookingSource struct {
	kind domain.SourceKind
	book func(ctx context.Context, r domain.Repositories, from, to time.Time, plan *domain.AccountPlan) ([]*domain.Booking, error)
}

func (s *AccountingService) bookingSources() []bookingSource {
	return []bookingSource{
		{domain.SourceDocument, bookDocuments}, {domain.SourcePayment, bookPayments},
		{domain.SourceExchange, bookExchanges}, {domain.SourceBankTransfer, s.bookBankTransfers},
	}
}

func bookDocuments(ctx context.Context, r domain.Repositories, from, to time.Time, plan *domain.AccountPlan) ([]*domain.Booking, error) {
	docs, err := r.Accounting.UnbookedDocuments(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return bookEach(docs, plan, domain.BookDocument)
}

func bookPayments(ctx context.Context, r domain.Repositories, from, to time.Time, plan *domain.AccountPlan) ([]*domain.Booking, error) {
	pays, err := r.Accounting.UnbookedPayments(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return bookEach(pays, plan, domain.BookPayment)
}

func bookExchanges(ctx context.Context, r domain.Repositories, from, to time.Time, plan *domain.AccountPlan) ([]*domain.Booking, error) {
	pays, err := r.Accounting.UnbookedExchanges(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return bookEach(pays, plan, domain.BookExchange)
}

// bookBankTransfers books the transfers between bank accounts in the
// company currency: a leg of an account in another currency at the rate of
// the transfer's date (the rate lookup of documents and payments); none
// known is 409 no-currency-rate and nothing is booked.
func (s *AccountingService) bookBankTransfers(ctx context.Context, r domain.Repositories, from, to time.Time, plan *domain.AccountPlan) ([]*domain.Booking, error) {
	ts, err := r.Accounting.UnbookedBankTransfers(ctx, from, to)
	if err != nil {
		return nil, err
	}
	// A year of transfers names a few currencies on a few dates: each
	// rate is read once, not once a leg.
	type day struct {
		currency string
		date     time.Time
	}
	rates := map[day]decimal.NullDecimal{}
	for i := range ts {
		for _, leg := range []*domain.BookingBankLeg{&ts[i].From, &ts[i].To} {
			leg.FX.CompanyCurrency = s.company
			if leg.FX.Currency == s.company {
				continue
			}
			k := day{leg.FX.Currency, ts[i].Date}
			rate, known := rates[k]
			if !known {
				v, ok, err := rateOn(ctx, r, k.currency, k.date)
				if err != nil {
					return nil, err
				}
				rate = decimal.NullDecimal{Decimal: v, Valid: ok}
				rates[k] = rate
			}
			if !rate.Valid {
				return nil, domain.ErrNoBookingRate(ts[i].Ref(), leg.FX.Currency, ts[i].Date)
			}
			leg.FX.Rate = rate.Decimal
		}
	}
	return bookEach(ts, plan, domain.BookBankTransfer)
}

func bookEach[S any](sources []S, plan *domain.AccountPlan, book func(S, *domain.AccountPlan) (*domain.Booking, error)) ([]*domain.Booking, error) {
	out := make([]*domain.Booking, 0, len(sources))
	for _, src := range sources {
		b, err := book(src, plan)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// TransferResult is what a transfer booked.
type TransferResult struct {
	From, To time.Time
	Bookings int
	Entries  int
}

// Transfer books every validated fiscal document and payment dated from..to
// (included) that no booking holds yet, in one unit of work: the accounting
// lock first (transfers run one after the other), then the sources, the
// bookings by date and a number per journal and year (gapless, from the
// numbering sequences), all stored at once under the unique index of their
// source. A source dated in a closed month is 409 and nothing is booked.
// Repeating a transfer books nothing new. The statements it sends grow with
// the months, journals and years it books, and by the batch, never by the
// booking: a large transfer has to fit in the HTTP write timeout.
func (s *AccountingService) Transfer(ctx context.Context, from, to time.Time) (TransferResult, error) {
	if to.Before(from) {
		return TransferResult{}, domain.Invalid("to", "must not be before from")
	}
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (TransferResult, error) {
		res := TransferResult{From: from, To: to}
		run, err := r.Numbering.Next(ctx, accountingLock, "")
		if err != nil {
			return res, err
		}
		plan, err := r.Accounting.Plan(ctx)
		if err != nil {
			return res, err
		}
		var all []*domain.Booking
		for _, src := range s.bookingSources() {
			bs, err := src.book(ctx, r, from, to, plan)
			if err != nil {
				return res, err
			}
			all = append(all, bs...)
		}
		slices.SortStableFunc(all, func(a, b *domain.Booking) int { return a.Date.Compare(b.Date) })
		closed := map[domain.Period]bool{}
		for _, b := range all {
			if err := checkPeriodOpen(ctx, r.Periods, closed, b.Date); err != nil {
				return res, err
			}
		}
		if err := numberBookings(ctx, r.Numbering, all, now); err != nil {
			return res, err
		}
		if err := r.Accounting.AddBookings(ctx, all); err != nil {
			return res, err
		}
		res.Bookings = len(all)
		for _, b := range all {
			res.Entries += len(b.Entries)
		}
		return res, audited(ctx, r, "accounting.transfer", "accounting_transfer", run, nil, map[string]any{
			"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "bookings": res.Bookings, "entries": res.Entries,
		})
	})
}

// numberBookings numbers bookings sorted by date in their journal and year
// (VT2026-000001), in date order: one Reserve of as many numbers as the
// journal's year has bookings. The sequences are taken in the order the
// bookings first meet them, the order one Next a booking took them in.
func numberBookings(ctx context.Context, seq domain.NumberingRepository, bs []*domain.Booking, at time.Time) error {
	type series struct{ journal, year string }
	groups := map[series][]*domain.Booking{}
	var order []series
	for _, b := range bs {
		k := series{b.Journal.Code(), b.Date.Format("2006")}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], b)
	}
	for _, k := range order {
		first, err := seq.Reserve(ctx, "accounting_"+k.journal, k.year, len(groups[k]))
		if err != nil {
			return err
		}
		for i, b := range groups[k] {
			b.Num, b.BookedAt = fmt.Sprintf("%s%s-%06d", k.journal, k.year, first+int64(i)), at
		}
	}
	return nil
}

// checkPeriodOpen is the period guard: ErrPeriodClosed when the month of
// any date is closed. Each month read stays locked (shared) until the unit
// of work ends, so it and a close of the month run one after the other.
// known caches the answers of one unit of work (nil: none).
func checkPeriodOpen(ctx context.Context, periods domain.PeriodRepository, known map[domain.Period]bool, dates ...time.Time) error {
	for _, d := range dates {
		p := domain.PeriodOf(d)
		closed, ok := known[p]
		if !ok {
			var err error
			if closed, err = periods.Guard(ctx, p); err != nil {
				return err
			}
			if known != nil {
				known[p] = closed
			}
		}
		if closed {
			return domain.ErrPeriodClosed(p)
		}
	}
	return nil
}

// checkDraftPeriod refuses a new fiscal draft dated in a closed month: it
// could be neither edited, nor deleted, nor validated there. A plain read,
// not the guard's lock: a draft books nothing, so a close that commits
// meanwhile loses nothing (the draft then waits for a reopening), and
// creating drafts stays off the month's lock row.
func checkDraftPeriod(ctx context.Context, periods domain.PeriodReader, d *domain.Document) error {
	if !d.Type.Fiscal() {
		return nil
	}
	p := domain.PeriodOf(d.Date)
	closed, err := periods.IsClosed(ctx, p)
	if err != nil {
		return err
	}
	if closed {
		return domain.ErrPeriodClosed(p)
	}
	return nil
}

// guardPeriod is the one call the document use cases make before writing
// something of a fiscal document (validation, edit, payment) dated in dates:
// 409 period-closed when a month of them is closed. Proposals, orders and
// purchase orders are not booked, so no month freezes them.
func guardPeriod(ctx context.Context, r domain.Repositories, t domain.DocType, dates ...time.Time) error {
	if !t.Fiscal() {
		return nil
	}
	return checkPeriodOpen(ctx, r.Periods, nil, dates...)
}

// guardPaymentRemoval refuses to delete a payment whose month is closed or
// that was booked already: its entries are in the journals.
func guardPaymentRemoval(ctx context.Context, r domain.Repositories, p *domain.Payment) error {
	if err := checkPeriodOpen(ctx, r.Periods, nil, p.Date); err != nil {
		return err
	}
	booked, err := r.Accounting.IsBooked(ctx, domain.SourcePayment, p.ID)
	if err != nil {
		return err
	}
	if booked {
		return domain.Conflictf("already-booked", "payment %d is booked in the journals and cannot be deleted", p.ID)
	}
	return nil
}

// Periods lists the closed months.
func (s *AccountingService) Periods(ctx context.Context) ([]domain.ClosedPeriod, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]domain.ClosedPeriod, error) {
		return r.Periods.List(ctx)
	})
}

// ClosePeriod closes a month once everything dated in it is booked (409
// unbooked-documents otherwise, 409 period-closed when it is closed
// already). It takes the accounting lock, so no transfer books into the
// month while it closes.
func (s *AccountingService) ClosePeriod(ctx context.Context, actor domain.Principal, p domain.Period) (*domain.ClosedPeriod, error) {
	from, _ := time.Parse("2006-01", string(p))
	to := from.AddDate(0, 1, -1)
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ClosedPeriod, error) {
		if _, err := r.Numbering.Next(ctx, accountingLock, ""); err != nil {
			return nil, err
		}
		// The month exclusively, before anything is checked: a validation
		// or payment dated in it that passed the guard commits first (and
		// is then found unbooked), one that comes later waits and sees the
		// month closed.
		if err := r.Periods.Lock(ctx, p); err != nil {
			return nil, err
		}
		if err := checkPeriodOpen(ctx, r.Periods, nil, from); err != nil {
			return nil, err
		}
		// Counted, not booked: a source that could not be booked yet (an
		// account missing from the chart, a transfer's rate not known) is
		// unbooked all the same.
		var unbooked int64
		for _, src := range s.bookingSources() {
			n, err := r.Accounting.CountUnbooked(ctx, src.kind, from, to)
			if err != nil {
				return nil, err
			}
			unbooked += n
		}
		if unbooked > 0 {
			return nil, domain.Conflictf("unbooked-documents", "%d documents, payments or bank transfers of %s are not booked: transfer them first", unbooked, p)
		}
		cp := domain.ClosedPeriod{Period: p, ClosedAt: now, ClosedBy: actor.UserID}
		if err := r.Periods.Close(ctx, cp); err != nil {
			return nil, err
		}
		return &cp, auditedField(ctx, r, "accounting.period.close", "accounting_period", periodID(p), "status", "open", "closed")
	})
}

// ReopenPeriod reopens a closed month (409 period-open when it is not), in
// the audit trail.
func (s *AccountingService) ReopenPeriod(ctx context.Context, p domain.Period) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if _, err := r.Numbering.Next(ctx, accountingLock, ""); err != nil {
			return err
		}
		if err := r.Periods.Reopen(ctx, p); err != nil {
			return err
		}
		return auditedField(ctx, r, "accounting.period.reopen", "accounting_period", periodID(p), "status", "closed", "open")
	})
}

// periodID is the audit object id of a month: 202611 for 2026-11.
func periodID(p domain.Period) int64 {
	t, _ := time.Parse("2006-01", string(p))
	return int64(t.Year()*100 + int(t.Month()))
}

// inChart adds a field error for each code given that the chart lacks.
func inChart(ctx context.Context, r domain.Repositories, v *domain.ValidationError, fields map[string]string) error {
	plan, err := r.Accounting.Plan(ctx)
	if err != nil {
		return err
	}
	for _, field := range slices.Sorted(maps.Keys(fields)) {
		if code := fields[field]; code != "" && !plan.Codes[code] {
			v.Add(field, "account %s is not in the chart of accounts", code)
		}
	}
	return nil
}

// ProductAccounts reads the accounts of a product's lines.
func (s *AccountingService) ProductAccounts(ctx context.Context, productID int64) (*domain.ProductAccounts, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.ProductAccounts, error) {
		return r.Accounting.ProductAccounts(ctx, productID)
	})
}

// SetProductAccounts sets them: accounts of the chart, or "" for the default.
func (s *AccountingService) SetProductAccounts(ctx context.Context, a domain.ProductAccounts) (*domain.ProductAccounts, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ProductAccounts, error) {
		v := &domain.ValidationError{}
		if err := inChart(ctx, r, v, map[string]string{"sell_account": a.Sell, "buy_account": a.Buy}); err != nil {
			return nil, err
		}
		if err := v.OrNil(); err != nil {
			return nil, err
		}
		before, err := r.Accounting.ProductAccounts(ctx, a.ProductID)
		if err != nil {
			return nil, err
		}
		if err := r.Accounting.SetProductAccounts(ctx, a); err != nil {
			return nil, err
		}
		return &a, audited(ctx, r, "product.accounts", "product", a.ProductID, before, &a)
	})
}

// ThirdPartyAccount reads a third party's auxiliary account.
func (s *AccountingService) ThirdPartyAccount(ctx context.Context, thirdPartyID int64) (*domain.ThirdPartyAccount, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.ThirdPartyAccount, error) {
		return r.Accounting.ThirdPartyAccount(ctx, thirdPartyID)
	})
}

// SetThirdPartyAccount sets it ("" for the third party's code). Auxiliary
// accounts are not in the chart: only their shape is checked.
func (s *AccountingService) SetThirdPartyAccount(ctx context.Context, a domain.ThirdPartyAccount) (*domain.ThirdPartyAccount, error) {
	v := &domain.ValidationError{}
	domain.CheckAccountCode(v, "account", a.Code)
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ThirdPartyAccount, error) {
		before, err := r.Accounting.ThirdPartyAccount(ctx, a.ThirdPartyID)
		if err != nil {
			return nil, err
		}
		if err := r.Accounting.SetThirdPartyAccount(ctx, a); err != nil {
			return nil, err
		}
		return &a, audited(ctx, r, "thirdparty.account", "thirdparty", a.ThirdPartyID, before, &a)
	})
}

// VATAccounts lists the VAT accounts per rate, highest rate first.
func (s *AccountingService) VATAccounts(ctx context.Context) ([]domain.VATAccount, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]domain.VATAccount, error) {
		return r.Accounting.VATAccounts(ctx)
	})
}

// SetVATAccount sets the accounts of a rate; both must be in the chart.
func (s *AccountingService) SetVATAccount(ctx context.Context, a domain.VATAccount) error {
	if err := a.Check(); err != nil {
		return err
	}
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		v := &domain.ValidationError{}
		if err := inChart(ctx, r, v, map[string]string{"sales_account": a.Sales, "purchases_account": a.Purchases}); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if err := r.Accounting.SetVATAccount(ctx, a); err != nil {
			return err
		}
		return audited(ctx, r, "vat_account.set", "vat_account", 0, nil, &a)
	})
}

// DeleteVATAccount drops a rate's accounts: it books on 44571 / 44566 again.
func (s *AccountingService) DeleteVATAccount(ctx context.Context, rate decimal.Decimal) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.Accounting.DeleteVATAccount(ctx, rate); err != nil {
			return err
		}
		return audited(ctx, r, "vat_account.delete", "vat_account", 0, map[string]any{"rate": rate}, nil)
	})
}
