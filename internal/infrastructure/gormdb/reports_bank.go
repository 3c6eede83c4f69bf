package gormdb

import (
	"context"
	"database/sql"
	"iter"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// BankReports runs the bank reports — balances at a date, cash flow by
// month — as plain SQL on the pool, streaming their rows, with the dialect
// seam and the SQLite summing in Go of SalesReports.
type BankReports struct {
	db *sql.DB
	d  reportDialect
}

// NewBankReports returns the bank reports of db.
func NewBankReports(db *DB) *BankReports {
	return &BankReports{db: db.SQL, d: reportDialect(db.Dialect)}
}

// Balances streams every account (by id) with its balance at the end of
// q.Date: its opening balance when it was opened by then, plus its lines
// dated up to then.
func (r *BankReports) Balances(ctx context.Context, q domain.BankBalancesQuery) iter.Seq2[domain.BankBalance, error] {
	opened, openedArgs := r.d.upTo("a.opening_date", q.Date)
	dated, datedArgs := r.d.upTo("l.line_date", q.Date)
	amounts := `SELECT a.id, a.ref, a.label, a.currency, CASE WHEN ` + opened + ` THEN a.opening_balance ELSE 0 END AS amount
		FROM bank_accounts a
		UNION ALL
		SELECT a.id, a.ref, a.label, a.currency, l.amount
		FROM bank_lines l JOIN bank_accounts a ON a.id = l.account_id
		WHERE ` + dated
	query := `SELECT u.id, u.ref, u.label, u.currency, ` + r.d.sum("u.amount") + `
		FROM (` + amounts + `) u
		` + r.d.groupBy("u.id, u.ref, u.label, u.currency") + `
		ORDER BY 1`
	return foldRuns(ctx, r.db, r.d.bind(query), append(openedArgs, datedArgs...),
		func(rows *sql.Rows) (int64, domain.BankBalance, error) {
			var b domain.BankBalance
			err := rows.Scan(&b.AccountID, &b.Ref, &b.Label, &b.Currency, &b.Balance)
			return b.AccountID, b, err
		},
		func(b *domain.BankBalance, o domain.BankBalance) { b.Balance = b.Balance.Add(o.Balance) })
}

// positive is the condition "the amount column col is above zero"; SQLite
// would compare its exact TEXT as text.
func (d reportDialect) positive(col string) string {
	if d == sqldialect.SQLite {
		return "CAST(" + col + " AS REAL) > 0"
	}
	return col + " > 0"
}

// nonZero is "col is neither zero nor NULL", compared as a number (SQLite
// keeps decimals as text, where "0.00" is not "0").
func (d reportDialect) nonZero(col string) string {
	if d == sqldialect.SQLite {
		return "CAST(" + col + " AS REAL) <> 0"
	}
	return col + " <> 0"
}

// CashFlow streams money in and out of the lines dated q.From to q.To, by
// month then currency. A reversal counts against what it reverses (the
// reversal of money in is negative money in), so a deleted payment leaves
// nothing behind; over every account the transfers between them are left
// out.
func (r *BankReports) CashFlow(ctx context.Context, q domain.CashFlowQuery) iter.Seq2[domain.CashFlowPeriod, error] {
	to, toArgs := r.d.upTo("l.line_date", q.To)
	where := `l.line_date >= ` + r.d.date() + ` AND ` + to
	args := append([]any{day(q.From)}, toArgs...)
	if q.AccountID > 0 {
		where += " AND l.account_id = ?"
		args = append(args, q.AccountID)
	} else {
		where += " AND l.kind <> 'transfer'"
	}
	// Money in: positive lines and negative reversals; the rest is money
	// out, summed signed (negative) and turned positive in Go.
	in := "(l.kind <> 'reversal' AND " + r.d.positive("l.amount") + ") OR (l.kind = 'reversal' AND NOT " + r.d.positive("l.amount") + ")"
	query := `SELECT ` + r.d.period("l.line_date", domain.GroupByMonth) + `, a.currency,
		` + r.d.sum("CASE WHEN "+in+" THEN l.amount ELSE 0 END") + `,
		` + r.d.sum("CASE WHEN "+in+" THEN 0 ELSE l.amount END") + `
		FROM bank_lines l JOIN bank_accounts a ON a.id = l.account_id
		WHERE ` + where + `
		` + r.d.groupBy("1, 2") + `
		ORDER BY 1, 2`
	type key struct{ period, currency string }
	return foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (key, domain.CashFlowPeriod, error) {
			var p domain.CashFlowPeriod
			err := rows.Scan(&p.Period, &p.Currency, &p.MoneyIn, &p.MoneyOut)
			p.MoneyOut = p.MoneyOut.Neg()
			return key{p.Period, p.Currency}, p, err
		},
		(*domain.CashFlowPeriod).Add)
}
