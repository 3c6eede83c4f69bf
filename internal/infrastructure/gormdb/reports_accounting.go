package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// AccountingReports runs the trial balance, the general ledger and the FEC
// export as plain SQL on the pool, streaming their rows, with the sales
// reports' dialect seam (on SQLite the amounts are added up in Go).
type AccountingReports struct {
	db *sql.DB
	d  reportDialect
}

// NewAccountingReports returns the accounting reports of db.
func NewAccountingReports(db *DB) *AccountingReports {
	return &AccountingReports{db: db.SQL, d: reportDialect(db.Dialect)}
}

// where selects the entries of q's dates (and account, and account types).
func (r *AccountingReports) where(q domain.AccountingQuery) (string, []any) {
	upTo, toArgs := r.d.upTo("e.entry_date", q.To)
	where := "e.entry_date >= " + r.d.date() + " AND " + upTo
	args := append([]any{day(q.From)}, toArgs...)
	if q.Account != "" {
		where += " AND e.account = ?"
		args = append(args, q.Account)
	}
	if len(q.Types) > 0 {
		marks := make([]string, len(q.Types))
		for i, t := range q.Types {
			marks[i] = "?"
			args = append(args, string(t))
		}
		where += " AND a.account_type IN (" + strings.Join(marks, ", ") + ")"
	}
	return where, args
}

// TrialBalance streams, per account (by code), the debits and credits of
// the entries of the period. Accounts of the entries missing from the chart
// still appear, without label or type.
func (r *AccountingReports) TrialBalance(ctx context.Context, q domain.AccountingQuery) iter.Seq2[domain.TrialBalanceRow, error] {
	where, args := r.where(q)
	query := `SELECT e.account, COALESCE(a.label, ''), COALESCE(a.account_type, ''), ` + r.d.sum("e.debit") + `, ` + r.d.sum("e.credit") + `
		FROM accounting_entries e LEFT JOIN accounting_accounts a ON a.code = e.account
		WHERE ` + where + `
		` + r.d.groupBy("e.account, a.label, a.account_type") + `
		ORDER BY e.account`
	return foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (string, domain.TrialBalanceRow, error) {
			var row domain.TrialBalanceRow
			err := rows.Scan(&row.Account, &row.Label, &row.Type, &row.Debit, &row.Credit)
			return row.Account, row, err
		}, (*domain.TrialBalanceRow).Add)
}

// Ledger streams the entries of the period by account, date and id, each
// with the account's balance after it: the balance before the period
// (every earlier entry) plus the period's entries so far.
func (r *AccountingReports) Ledger(ctx context.Context, q domain.AccountingQuery) iter.Seq2[domain.LedgerRow, error] {
	return func(yield func(domain.LedgerRow, error) bool) {
		opening := map[string]decimal.Decimal{}
		if start := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC); q.From.After(start) { // no date the API accepts is earlier
			before := domain.AccountingQuery{From: start, To: q.From.AddDate(0, 0, -1), Account: q.Account}
			for row, err := range r.TrialBalance(ctx, before) {
				if err != nil {
					yield(domain.LedgerRow{}, err)
					return
				}
				opening[row.Account] = row.Balance()
			}
		}
		where, args := r.where(q)
		entries := foldRuns(ctx, r.db, r.d.bind(`SELECT e.id, e.booking_id, e.journal, e.entry_date, e.document_ref, e.account, e.label,
			e.debit, e.credit, COALESCE(e.thirdparty_id, 0)
			FROM accounting_entries e WHERE `+where+` ORDER BY e.account, e.entry_date, e.id`), args,
			func(rows *sql.Rows) (int64, domain.LedgerRow, error) {
				var (
					row     domain.LedgerRow
					journal string
					date    dbDate
				)
				err := rows.Scan(&row.ID, &row.BookingID, &journal, &date, &row.DocumentRef, &row.Account, &row.Label,
					&row.Debit, &row.Credit, &row.ThirdPartyID)
				row.Journal, row.Date = domain.Journal(journal), date.t
				return row.ID, row, err
			}, nil)
		for row, err := range entries {
			if err == nil {
				row.Balance = opening[row.Account].Add(row.Debit).Sub(row.Credit)
				opening[row.Account] = row.Balance
			}
			if !yield(row, err) || err != nil {
				return
			}
		}
	}
}

// FEC streams the entries of the period as the FEC lists them: by date,
// booking and line, with the booking's number and dates, the account's
// label and, on third-party lines, the third party's accounting code (its
// code when it has none) and name.
func (r *AccountingReports) FEC(ctx context.Context, q domain.AccountingQuery) iter.Seq2[domain.FECRow, error] {
	where, args := r.where(q)
	return foldRuns(ctx, r.db, r.d.bind(`SELECT e.id, e.booking_id, e.journal, b.entry_num, e.entry_date, e.account, COALESCE(a.label, ''),
		COALESCE(e.thirdparty_id, 0), COALESCE(t.accounting_code, t.code, ''), COALESCE(t.name, ''),
		e.document_ref, b.document_date, e.label, e.debit, e.credit, b.booked_at, e.amount_currency, COALESCE(e.currency, '')
		FROM accounting_entries e JOIN accounting_bookings b ON b.id = e.booking_id
		LEFT JOIN accounting_accounts a ON a.code = e.account
		LEFT JOIN thirdparties t ON t.id = e.thirdparty_id
		WHERE `+where+` ORDER BY e.entry_date, e.booking_id, e.id`), args,
		func(rows *sql.Rows) (int64, domain.FECRow, error) {
			var (
				row                  domain.FECRow
				journal              string
				date, docDate, atDay dbDate
				amountCurrency       decimal.NullDecimal
			)
			err := rows.Scan(&row.ID, &row.BookingID, &journal, &row.Num, &date, &row.Account, &row.AccountLabel,
				&row.ThirdPartyID, &row.AuxCode, &row.AuxLabel, &row.DocumentRef, &docDate, &row.Label,
				&row.Debit, &row.Credit, &atDay, &amountCurrency, &row.Currency)
			row.Journal, row.Date, row.DocumentDate, row.BookedAt = domain.Journal(journal), date.t, docDate.t, atDay.t
			row.AmountCurrency = amountCurrency.Decimal
			return row.ID, row, err
		}, nil) // one row per entry: nothing to merge
}

// dbDate scans a DATE or timestamp column, which SQLite may hand back as
// text, as a time in UTC.
type dbDate struct{ t time.Time }

func (d *dbDate) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		d.t = x.UTC()
		return nil
	case []byte:
		return d.parse(string(x))
	case string:
		return d.parse(x)
	}
	return fmt.Errorf("scan date: unexpected %T", v)
}

func (d *dbDate) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			d.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan date: %q", s)
}
