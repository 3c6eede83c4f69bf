package usecase_test

// Bank statements on every dialect: an import records the new lines and
// matches them with the account's unreconciled bank lines (the reference of
// the paid invoice winning over date proximity, 4 days being too far); the
// same statement again imports nothing; an overlapping one only its new
// lines; manual match and unmatch with their 409s and 422s; a statement of
// another account or currency is refused with nothing written.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/bankstatement"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

const frIBAN = "FR7630006000011234567890189"

type stmtEnv struct {
	*docEnv
	svc *usecase.BankStatementService
}

// account creates a bank account.
func (e *stmtEnv) account(t *testing.T, iban, currency string) int64 {
	t.Helper()
	a := &domain.BankAccount{Ref: fmt.Sprintf("BA%d", time.Now().UnixNano()), Label: "Main", IBAN: iban, Currency: currency, OpeningDate: date("2026-01-01")}
	if err := usecase.NewBankService(e.uow, time.Now).Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// bankLine writes a bank line into account that no payment wrote (as a
// transfer's would be).
func (e *stmtEnv) bankLine(t *testing.T, account int64, on, amount string) int64 {
	t.Helper()
	row := map[string]any{"account_id": account, "line_date": date(on), "amount": num(amount), "label": "line", "reconciled": false,
		"balance_after": num("0"), "kind": "transfer", "created_at": time.Now()}
	if err := e.db.Gorm.Table("bank_lines").Create(row).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := e.db.Gorm.Table("bank_lines").Select("MAX(id)").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// paidInvoice validates an invoice of amount (net, at 20 %) and pays it
// whole into account; it returns its number and the bank line the payment
// wrote.
func (e *stmtEnv) paidInvoice(t *testing.T, account int64, on, net string) (string, int64) {
	t.Helper()
	inv := []domain.DocType{domain.DocInvoice}
	d := e.validated(t, inv, e.draft(t, domain.DocInvoice, on, "1", net))
	p, err := e.docs.AddPayment(context.Background(), e.actor, inv, d.ID,
		domain.Payment{Amount: d.TotalGross, Date: date(on), Method: domain.PayBankTransfer, BankAccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	var line int64
	if err := e.db.Gorm.Table("bank_lines").Select("id").Where("payment_id = ? AND account_id = ?", p.ID, account).Scan(&line).Error; err != nil || line == 0 {
		t.Fatalf("the payment's bank line: %d, %v", line, err)
	}
	return d.Ref, line
}

type bankLineState struct {
	Reconciled      bool
	StatementLineID *int64
}

func (e *stmtEnv) bankLineState(t *testing.T, id int64) bankLineState {
	t.Helper()
	var s bankLineState
	if err := e.db.Gorm.Table("bank_lines").Select("reconciled, statement_line_id").Where("id = ?", id).Take(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

func csvStatement(t *testing.T, lines ...string) *domain.BankStatement {
	t.Helper()
	s, err := bankstatement.ParseCSV([]byte("date,amount,label,reference\n" + strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func matched(s *domain.BankStatement) []int64 {
	out := make([]int64, len(s.Lines))
	for i, l := range s.Lines {
		out[i] = l.MatchedBankLineID
	}
	return out
}

func TestBankStatementImportAndMatch(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		e := &stmtEnv{docEnv: newDocEnv(t, db)}
		e.svc = usecase.NewBankStatementService(e.uow, time.Now)
		acct := e.account(t, frIBAN, "EUR")
		ref1, b1 := e.paidInvoice(t, acct, "2026-11-10", "100") // 120.00
		ref2, b2 := e.paidInvoice(t, acct, "2026-11-12", "100")
		b3 := e.bankLine(t, acct, "2026-11-09", "-42.30")
		b4 := e.bankLine(t, acct, "2026-11-01", "55")

		first := csvStatement(t,
			"2026-11-10,120.00,VIR ACME,RF "+ref2, // b1 is closer, b2's invoice is named: b2
			"2026-11-10,120.00,VIR ACME,",         // then b1, the other 120
			"2026-11-09,-42.30,CB STATION,",       // b3
			"2026-11-05,55,REMISE,",               // b4 is 4 days away: no match
		)
		res, err := e.svc.Import(ctx, e.actor, acct, first)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Created || !res.New() || res.Known != 0 || len(res.Statement.Lines) != 4 || res.Statement.Currency != "EUR" {
			t.Fatalf("import = %+v", res)
		}
		if got, want := matched(res.Statement), []int64{b2, b1, b3, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("matched %v, want %v (invoices %s %s)", got, want, ref1, ref2)
		}
		if s := e.bankLineState(t, b2); !s.Reconciled || s.StatementLineID == nil || *s.StatementLineID != res.Statement.Lines[0].ID {
			t.Fatalf("bank line b2 = %+v", s)
		}
		if s := e.bankLineState(t, b4); s.Reconciled || s.StatementLineID != nil {
			t.Fatalf("bank line b4 = %+v", s)
		}
		stored, err := e.svc.Get(ctx, res.Statement.ID)
		if err != nil || fmt.Sprint(matched(stored)) != fmt.Sprint(matched(res.Statement)) || stored.BankAccountID != acct {
			t.Fatalf("stored = %+v, %v", stored, err)
		}

		// The same statement again: nothing new, the stored one back.
		again, err := e.svc.Import(ctx, e.actor, acct, first)
		if err != nil || again.Created || again.New() || again.Statement.ID != res.Statement.ID || again.Known != 4 ||
			fmt.Sprint(matched(again.Statement)) != fmt.Sprint(matched(res.Statement)) {
			t.Fatalf("again = %+v, %v", again, err)
		}

		// An overlapping statement: its two known lines are not imported again.
		overlap, err := e.svc.Import(ctx, e.actor, acct, csvStatement(t,
			"2026-11-09,-42.3,CB  STATION,",
			"2026-11-05,55.00,REMISE,",
			"2026-11-06,9.99,ABONNEMENT,",
		))
		if err != nil || !overlap.Created || overlap.Known != 2 || len(overlap.Statement.Lines) != 1 || overlap.Statement.Lines[0].Amount.String() != "9.99" {
			t.Fatalf("overlap = %+v, %v", overlap, err)
		}

		// By hand: the 55 of the 5th is the 55 of the 1st.
		remise := res.Statement.Lines[3].ID
		l, err := e.svc.Match(ctx, remise, b4)
		if err != nil || l.MatchedBankLineID != b4 {
			t.Fatalf("match = %+v, %v", l, err)
		}
		if s := e.bankLineState(t, b4); !s.Reconciled || *s.StatementLineID != remise {
			t.Fatalf("bank line b4 after the match = %+v", s)
		}
		if _, err := e.svc.Match(ctx, remise, b4); conflictCode(err) != "already-matched" {
			t.Fatalf("matched twice: %v", err)
		}
		other := e.bankLine(t, acct, "2026-11-05", "55")
		if _, err := e.svc.Match(ctx, overlap.Statement.Lines[0].ID, b4); !isInvalid(err, "bank_line_id") {
			t.Fatalf("another amount: %v", err)
		}
		sub, err := e.svc.Import(ctx, e.actor, acct, csvStatement(t, "2026-11-20,55,AUTRE REMISE,"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Match(ctx, sub.Statement.Lines[0].ID, b4); conflictCode(err) != "already-reconciled" {
			t.Fatalf("a reconciled bank line: %v", err)
		}
		if _, err := e.svc.Match(ctx, sub.Statement.Lines[0].ID, 99999999); !isInvalid(err, "bank_line_id") {
			t.Fatalf("an unknown bank line: %v", err)
		}
		elsewhere := e.bankLine(t, e.account(t, "", "EUR"), "2026-11-20", "55")
		if _, err := e.svc.Match(ctx, sub.Statement.Lines[0].ID, elsewhere); !isInvalid(err, "bank_line_id") {
			t.Fatalf("a bank line of another account: %v", err)
		}
		if _, err := e.svc.Match(ctx, 99999999, other); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("an unknown statement line: %v", err)
		}

		l, err = e.svc.Unmatch(ctx, remise)
		if err != nil || l.MatchedBankLineID != 0 {
			t.Fatalf("unmatch = %+v, %v", l, err)
		}
		if s := e.bankLineState(t, b4); s.Reconciled || s.StatementLineID != nil {
			t.Fatalf("bank line b4 after the unmatch = %+v", s)
		}
		if _, err := e.svc.Unmatch(ctx, remise); conflictCode(err) != "not-matched" {
			t.Fatalf("unmatched twice: %v", err)
		}
		if _, err := e.svc.Match(ctx, sub.Statement.Lines[0].ID, b4); err != nil {
			t.Fatalf("b4 is free again: %v", err)
		}

		var audits int64
		if err := db.Gorm.Table("audit_log").Where("action IN ? AND object_id IN ?",
			[]string{"bank_line.reconcile", "bank_line.unreconcile"}, []int64{b1, b2, b3, b4}).Count(&audits).Error; err != nil || audits != 6 {
			t.Fatalf("bank line audit rows = %d, %v", audits, err)
		}
	})
}

func isInvalid(err error, field string) bool {
	var v *domain.ValidationError
	return errors.As(err, &v) && len(v.Fields) > 0 && v.Fields[0].Field == field
}

func TestBankStatementOfAnotherAccountIsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		e := &stmtEnv{docEnv: newDocEnv(t, db)}
		e.svc = usecase.NewBankStatementService(e.uow, time.Now)
		data, err := os.ReadFile("../infrastructure/bankstatement/testdata/camt053_fr_001_02.xml")
		if err != nil {
			t.Fatal(err)
		}
		st, err := bankstatement.ParseCAMT053(data)
		if err != nil {
			t.Fatal(err)
		}
		count := func() int64 { return e.count(t, "bank_statement_lines") }
		before := count()
		for _, tt := range []struct {
			iban, currency, field string
		}{
			{"DE02120300000000202051", "EUR", "Stmt/Acct/Id/IBAN"},
			{"", "EUR", "Stmt/Acct/Id/IBAN"},
			{"fr76 3000 6000 0112 3456 7890 189", "USD", "currency"},
		} {
			_, err := e.svc.Import(ctx, e.actor, e.account(t, tt.iban, tt.currency), st)
			if !isInvalid(err, tt.field) {
				t.Errorf("account %s %s: %v", tt.iban, tt.currency, err)
			}
		}
		if _, err := e.svc.Import(ctx, e.actor, 99999999, st); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("unknown account: %v", err)
		}
		if count() != before {
			t.Fatal("a refused statement wrote lines")
		}
		// The right account, its IBAN written with spaces and in lower case.
		res, err := e.svc.Import(ctx, e.actor, e.account(t, "fr76 3000 6000 0112 3456 7890 189", "EUR"), st)
		if err != nil || !res.New() || len(res.Statement.Lines) != 4 || res.Statement.ExternalID != "00412-20261109" {
			t.Fatalf("import = %+v, %v", res, err)
		}
	})
}

// Eight imports of one statement at once record it once: the account's lock
// queues them, and the others find it stored.
func TestConcurrentImportsOfOneStatement(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		e := &stmtEnv{docEnv: newDocEnv(t, db)}
		e.svc = usecase.NewBankStatementService(e.uow, time.Now)
		acct := e.account(t, "", "EUR")
		bl := e.bankLine(t, acct, "2026-11-10", "70")
		results := make([]domain.StatementImport, 8)
		errs := run(8, func(i int) error {
			var err error
			results[i], err = e.svc.Import(ctx, e.actor, acct, csvStatement(t, "2026-11-10,70,VIR,", "2026-11-11,-5,FRAIS,"))
			return err
		})
		created := 0
		for i, err := range errs {
			if err != nil {
				t.Fatalf("import %d: %v", i, err)
			}
			if results[i].Created {
				created++
			}
			if results[i].Statement.Lines[0].MatchedBankLineID != bl {
				t.Fatalf("import %d: %+v", i, results[i].Statement.Lines)
			}
		}
		var lines int64
		if err := db.Gorm.Table("bank_statement_lines").Where("bank_account_id = ?", acct).Count(&lines).Error; err != nil {
			t.Fatal(err)
		}
		if created != 1 || lines != 2 {
			t.Fatalf("%d imports recorded the statement, %d lines", created, lines)
		}
	})
}
