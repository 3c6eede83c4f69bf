package gormdb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// SalesReports runs the sales reports — sales by period, receivables aging,
// top customers — as plain SQL on the pool, streaming their rows.
//
// Every statement is written once for the three databases; reportDialect
// renders the few expressions that differ (date bucketing, days between two
// dates, date parameters). PostgreSQL and MySQL sum NUMERIC/DECIMAL exactly,
// so they aggregate in SQL. SQLite keeps amounts as exact TEXT and its SUM
// would turn them into binary floats (0.1 + 0.2 ≠ 0.3), so on SQLite the same
// statement returns one row per document, in the report's order, and Go adds
// them up with decimals: the rows of one item are consecutive either way, and
// foldRuns merges them.
type SalesReports struct {
	db *sql.DB
	d  reportDialect
}

// NewSalesReports returns the sales reports of db.
func NewSalesReports(db *DB) *SalesReports {
	return &SalesReports{db: db.SQL, d: reportDialect(db.Dialect)}
}

// reportDialect is the dialect seam of the reports.
type reportDialect string

// exact reports whether the database sums amounts exactly.
func (d reportDialect) exact() bool { return d != sqldialect.SQLite }

// bind numbers the ? placeholders on PostgreSQL. Statements hold no ? inside
// string literals.
func (d reportDialect) bind(q string) string {
	if d != sqldialect.Postgres {
		return q
	}
	return sqlbind.Dollar(q)
}

// period is the text of the day, month or year of a DATE column.
func (d reportDialect) period(col string, g domain.SalesGrouping) string {
	formats := map[reportDialect]map[domain.SalesGrouping]string{
		sqldialect.Postgres: {domain.GroupByDay: "to_char(%s, 'YYYY-MM-DD')", domain.GroupByMonth: "to_char(%s, 'YYYY-MM')", domain.GroupByYear: "to_char(%s, 'YYYY')"},
		sqldialect.MySQL:    {domain.GroupByDay: "DATE_FORMAT(%s, '%%Y-%%m-%%d')", domain.GroupByMonth: "DATE_FORMAT(%s, '%%Y-%%m')", domain.GroupByYear: "DATE_FORMAT(%s, '%%Y')"},
		sqldialect.SQLite:   {domain.GroupByDay: "strftime('%%Y-%%m-%%d', %s)", domain.GroupByMonth: "strftime('%%Y-%%m', %s)", domain.GroupByYear: "strftime('%%Y', %s)"},
	}
	return fmt.Sprintf(formats[d][g], col)
}

// date is a date parameter, given as "2026-11-28". On SQLite DATE columns
// hold "2026-11-28 00:00:00+00:00" text (the driver's time format), which
// compares as text the right way round with a bare date: a day's value is
// ≥ that day and < the next.
func (d reportDialect) date() string {
	if d == sqldialect.SQLite {
		return "?"
	}
	return "CAST(? AS DATE)"
}

// daysSince is the whole number of days from the DATE column col to the
// date parameter (positive when the parameter is later).
func (d reportDialect) daysSince(col string) string {
	switch d {
	case sqldialect.Postgres:
		return "(CAST(? AS DATE) - " + col + ")"
	case sqldialect.MySQL:
		return "DATEDIFF(?, " + col + ")"
	}
	return "CAST(julianday(?) - julianday(" + col + ") AS INTEGER)"
}

// signed is an amount column of d, negated on a credit note. On SQLite the
// minus sign is written onto the exact text (document amounts are never
// negative), since arithmetic would make a float of it.
func (d reportDialect) signed(col string, credit domain.DocType) string {
	neg := "-" + col
	if d == sqldialect.SQLite {
		neg = "'-' || " + col
	}
	return "CASE WHEN d.doc_type = '" + string(credit) + "' THEN " + neg + " ELSE " + col + " END"
}

// sum aggregates expr where the database sums exactly; on SQLite each row
// stays a row (see SalesReports).
func (d reportDialect) sum(expr string) string {
	if d.exact() {
		return "SUM(" + expr + ")"
	}
	return expr
}

// groupBy is the GROUP BY clause where the database aggregates.
func (d reportDialect) groupBy(cols string) string {
	if d.exact() {
		return "GROUP BY " + cols
	}
	return ""
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// lastDay is the last date a document may carry (the API refuses later ones,
// MySQL's DATE ends there).
var lastDay = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// upTo is the condition "the DATE column col is t or earlier", as col < the
// next day (on SQLite the column's text is longer than a bare date, so <= t
// would leave t out), with its arguments. Up to the last day is no condition:
// the next day, "10000-01-01", is NULL as a MySQL DATE and sorts before every
// other date as SQLite text, which selected nothing.
func (d reportDialect) upTo(col string, t time.Time) (string, []any) {
	if !t.Before(lastDay) {
		return "1 = 1", nil
	}
	return col + " < " + d.date(), []any{day(t.AddDate(0, 0, 1))}
}

// salesWhere selects the sales of a period: validated or paid invoices,
// down-payment invoices and credit notes of one currency dated from q.From
// to q.To included. A down payment is a sale when it is invoiced; the final
// invoice that deducts it counts only the rest, so the two add up to the
// order.
func (d reportDialect) salesWhere(q domain.SalesPeriodQuery) (string, []any) {
	to, toArgs := d.upTo("d.doc_date", q.To)
	return `d.doc_type IN ('invoice', 'down_payment', 'credit_note') AND d.status IN ('validated', 'paid')
		AND d.currency = ? AND d.doc_date >= ` + d.date() + ` AND ` + to,
		append([]any{q.Currency, day(q.From)}, toArgs...)
}

// counts are the numbers of invoices (down payments included) and credit
// notes among the rows.
func (d reportDialect) counts() string {
	return d.sum("CASE WHEN d.doc_type IN ('invoice', 'down_payment') THEN 1 ELSE 0 END") + ", " +
		d.sum("CASE WHEN d.doc_type = 'credit_note' THEN 1 ELSE 0 END")
}

// Sales streams the sales of the period by day, month or year, oldest first;
// periods without sales are left out.
func (r *SalesReports) Sales(ctx context.Context, q domain.SalesQuery) iter.Seq2[domain.SalesPeriod, error] {
	where, args := r.d.salesWhere(q.SalesPeriodQuery)
	period := r.d.period("d.doc_date", q.GroupBy)
	query := `SELECT ` + period + `, ` + r.d.counts() + `,
		` + r.d.sum(r.d.signed("d.total_net", domain.DocCreditNote)) + `, ` + r.d.sum(r.d.signed("d.total_vat", domain.DocCreditNote)) + `, ` + r.d.sum(r.d.signed("d.total_gross", domain.DocCreditNote)) + `
		FROM commercial_documents d
		WHERE ` + where + `
		` + r.d.groupBy("1") + `
		ORDER BY 1`
	return foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (string, domain.SalesPeriod, error) {
			var p domain.SalesPeriod
			err := rows.Scan(&p.Period, &p.Invoices, &p.CreditNotes, &p.TotalNet, &p.TotalVAT, &p.TotalGross)
			return p.Period, p, err
		},
		(*domain.SalesPeriod).Add)
}

// TopCustomers streams the q.Limit customers with the largest net sales over
// the period, largest first (ties by id).
func (r *SalesReports) TopCustomers(ctx context.Context, q domain.TopCustomersQuery) iter.Seq2[domain.CustomerSales, error] {
	where, args := r.d.salesWhere(q.SalesPeriodQuery)
	order := "ORDER BY 1"
	if r.d.exact() {
		order, args = "ORDER BY 6 DESC, 1 LIMIT ?", append(args, q.Limit)
	}
	query := `SELECT d.thirdparty_id, t.name, t.code, ` + r.d.counts() + `,
		` + r.d.sum(r.d.signed("d.total_net", domain.DocCreditNote)) + `, ` + r.d.sum(r.d.signed("d.total_gross", domain.DocCreditNote)) + `
		FROM commercial_documents d JOIN thirdparties t ON t.id = d.thirdparty_id
		WHERE ` + where + `
		` + r.d.groupBy("1, 2, 3") + `
		` + order
	rows := foldRuns(ctx, r.db, r.d.bind(query), args,
		func(rows *sql.Rows) (int64, domain.CustomerSales, error) {
			var c domain.CustomerSales
			err := rows.Scan(&c.ThirdPartyID, &c.Name, &c.Code, &c.Invoices, &c.CreditNotes, &c.TotalNet, &c.TotalGross)
			return c.ThirdPartyID, c, err
		},
		func(c *domain.CustomerSales, o domain.CustomerSales) {
			c.Invoices += o.Invoices
			c.CreditNotes += o.CreditNotes
			c.TotalNet = c.TotalNet.Add(o.TotalNet)
			c.TotalGross = c.TotalGross.Add(o.TotalGross)
		})
	if r.d.exact() {
		return rows
	}
	// SQLite: only exact sums can be ranked, so every customer of the period
	// is summed before the ranking.
	return func(yield func(domain.CustomerSales, error) bool) {
		var all []domain.CustomerSales
		for c, err := range rows {
			if err != nil {
				yield(c, err)
				return
			}
			all = append(all, c)
		}
		slices.SortFunc(all, func(a, b domain.CustomerSales) int {
			if c := b.TotalNet.Cmp(a.TotalNet); c != 0 {
				return c
			}
			return cmp.Compare(a.ThirdPartyID, b.ThirdPartyID)
		})
		for _, c := range all[:min(q.Limit, len(all))] {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// ReceivablesAging streams, per customer (by name), what is due on validated
// invoices dated up to q.AsOf, in buckets of days past the due date at
// q.AsOf. A validated credit note's refund due subtracts, in the bucket of
// the invoice it credits. Customers whose amounts cancel out are left out.
func (r *SalesReports) ReceivablesAging(ctx context.Context, q domain.AgingQuery) iter.Seq2[domain.CustomerAging, error] {
	return aging(ctx, r.db, r.d, domain.DocInvoice, domain.DocCreditNote, q, domain.DocDownPayment)
}

// aging streams, per third party (by name), what is still due on validated
// documents of type invoice dated up to q.AsOf, in buckets of days past the
// due date at q.AsOf (the document date without one); a validated document
// of type credit subtracts, in the bucket of the invoice it credits. Third
// parties whose amounts cancel out are left out. Receivables and payables
// are the same report over the two sides' documents.
//
// more are other types owed like invoices (down payments on the sales side).
func aging(ctx context.Context, db *sql.DB, d reportDialect, invoice, credit domain.DocType, q domain.AgingQuery, more ...domain.DocType) iter.Seq2[domain.CustomerAging, error] {
	// Days are counted from the due date (the invoice's, for a credit note),
	// else the document date.
	days := d.daysSince("COALESCE(s.due_date, d.due_date, d.doc_date)")
	asOf, asOfArgs := d.upTo("d.doc_date", q.AsOf)
	query := `SELECT a.thirdparty_id, t.name, t.code,
		CASE WHEN a.days < 0 THEN 0 WHEN a.days <= 30 THEN 1 WHEN a.days <= 60 THEN 2 WHEN a.days <= 90 THEN 3 ELSE 4 END,
		` + d.sum("a.gross") + `, ` + d.sum("a.paid") + `
		FROM (
			SELECT d.thirdparty_id, ` + days + ` AS days,
				` + d.signed("d.total_gross", credit) + ` AS gross, ` + d.signed("d.amount_paid", credit) + ` AS paid
			FROM commercial_documents d
			LEFT JOIN commercial_documents s ON s.id = d.source_id AND d.doc_type = ?
			WHERE d.doc_type IN (?, ?` + strings.Repeat(", ?", len(more)) + `) AND d.status = 'validated'
				AND d.currency = ? AND ` + asOf + `
		) a JOIN thirdparties t ON t.id = a.thirdparty_id
		` + d.groupBy("1, 2, 3, 4") + `
		ORDER BY 2, 1, 4`
	args := []any{day(q.AsOf), string(credit), string(invoice), string(credit)}
	for _, t := range more {
		args = append(args, string(t))
	}
	args = append(append(args, q.Currency), asOfArgs...)
	rows := foldRuns(ctx, db, d.bind(query), args,
		func(rows *sql.Rows) (int64, domain.CustomerAging, error) {
			var (
				c           domain.CustomerAging
				bucket      int
				gross, paid decimal.Decimal
			)
			err := rows.Scan(&c.ThirdPartyID, &c.Name, &c.Code, &bucket, &gross, &paid)
			if err == nil && (bucket < 0 || bucket >= int(domain.AgingBucketCount)) {
				err = fmt.Errorf("aging bucket %d out of range", bucket)
			}
			if err == nil {
				c.Buckets[bucket] = gross.Sub(paid)
			}
			return c.ThirdPartyID, c, err
		},
		func(c *domain.CustomerAging, o domain.CustomerAging) {
			for i := range c.Buckets {
				c.Buckets[i] = c.Buckets[i].Add(o.Buckets[i])
			}
		})
	return func(yield func(domain.CustomerAging, error) bool) {
		for c, err := range rows {
			if err == nil && !slices.ContainsFunc(c.Buckets[:], func(b decimal.Decimal) bool { return !b.IsZero() }) {
				continue
			}
			if !yield(c, err) || err != nil {
				return
			}
		}
	}
}

// foldRuns runs query and streams its items: scan reads a row as the key of
// its item and a part of it, and each run of consecutive rows with the same
// key is merged into one item. The rows are read as the caller iterates; an
// error ends the sequence.
func foldRuns[K comparable, T any](ctx context.Context, db *sql.DB, query string, args []any,
	scan func(*sql.Rows) (K, T, error), merge func(*T, T)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			yield(zero, fmt.Errorf("report query: %w", err))
			return
		}
		defer rows.Close()
		var (
			cur  T
			key  K
			have bool
		)
		for rows.Next() {
			k, part, err := scan(rows)
			if err != nil {
				yield(zero, fmt.Errorf("read report row: %w", err))
				return
			}
			if have && k == key {
				merge(&cur, part)
				continue
			}
			if have && !yield(cur, nil) {
				return
			}
			cur, key, have = part, k, true
		}
		if err := rows.Err(); err != nil {
			yield(zero, fmt.Errorf("read report rows: %w", err))
			return
		}
		if have {
			yield(cur, nil)
		}
	}
}
