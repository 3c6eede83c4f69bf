package usecase_test

// The commercial chain on every dialect: numbering stays unique and gapless
// under concurrent validations, a failed validation consumes no number,
// concurrent drafts and payments never fail or overpay.
//
// To see these tests fail, delete the clause.Locking line of
// numberingRepo.Next (internal/infrastructure/gormdb/numbering.go): on
// PostgreSQL and MariaDB concurrent validations then read the same last value
// and hand out duplicate numbers (the unique index turns some into errors);
// delete the one of documentRepo.Lock and concurrent payments overpay. On
// SQLite the write lock of BEGIN IMMEDIATE serialises them instead.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

var (
	invoices  = []domain.DocType{domain.DocInvoice, domain.DocCreditNote}
	proposals = []domain.DocType{domain.DocProposal}
	orders    = []domain.DocType{domain.DocOrder}
)

func num(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func numPtr(s string) *decimal.Decimal { d := num(s); return &d }

type docEnv struct {
	db    *testdb.DB
	uow   *gormdb.UnitOfWork
	docs  *usecase.DocumentService
	tps   *usecase.ThirdPartyService
	actor domain.Principal
	tp    int64
}

func newDocEnv(t *testing.T, db *testdb.DB) *docEnv {
	t.Helper()
	uow := gormdb.NewUnitOfWork(db.DB)
	e := &docEnv{
		db: db, uow: uow, docs: usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency}),
		tps:   usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now),
		actor: domain.Principal{UserID: 1, Login: "ann"},
	}
	tp, err := e.tps.Create(context.Background(), domain.ThirdParty{Name: "ACME", IsCustomer: true})
	if err != nil {
		t.Fatal(err)
	}
	e.tp = tp.ID
	return e
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// draft creates a draft of typ dated on, with one line of qty × price at 20 %.
func (e *docEnv) draft(t *testing.T, typ domain.DocType, on, qty, price string) *domain.Document {
	t.Helper()
	d, err := e.docs.Create(context.Background(), e.actor, typ, domain.DraftInput{
		ThirdPartyID: e.tp, Date: date(on),
		Lines: []domain.LineInput{{Description: "work", Qty: num(qty), UnitPrice: numPtr(price), VATRate: numPtr("20")}},
	})
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return d
}

func (e *docEnv) validated(t *testing.T, types []domain.DocType, d *domain.Document) *domain.Document {
	t.Helper()
	v, err := e.docs.Validate(context.Background(), e.actor, types, d.ID, 0)
	if err != nil {
		t.Fatalf("validate %d: %v", d.ID, err)
	}
	return v
}

func (e *docEnv) get(t *testing.T, id int64) *domain.Document {
	t.Helper()
	d, err := e.docs.Get(context.Background(), []domain.DocType{domain.DocProposal, domain.DocOrder, domain.DocInvoice, domain.DocCreditNote}, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (e *docEnv) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := e.db.Gorm.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func conflictCode(err error) string {
	var p *domain.Problem
	if errors.As(err, &p) && p.Kind == domain.ErrConflict {
		return p.Code
	}
	return ""
}

// run starts n goroutines at once and waits for them; errs[i] is the i-th's.
func run(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func TestConcurrentValidationsAreGapless(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			const n = 40
			drafts := make([]*domain.Document, n)
			for i := range drafts {
				drafts[i] = e.draft(t, domain.DocInvoice, "2031-01-15", "1", "10")
			}
			refs := make([]string, n)
			errs := run(n, func(i int) error {
				v, err := e.docs.Validate(ctx, e.actor, invoices, drafts[i].ID, 0)
				if err == nil {
					refs[i] = v.Ref
				}
				return err
			})
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			slices.Sort(refs)
			for i, ref := range refs {
				if want := fmt.Sprintf("FA3101-%04d", i+1); ref != want {
					t.Fatalf("refs %v: #%d is %s, want %s", refs, i, ref, want)
				}
			}
			// What the database holds agrees with what was answered.
			for _, dr := range drafts {
				if got := e.get(t, dr.ID); got.Status != domain.StatusValidated || !slices.Contains(refs, got.Ref) {
					t.Fatalf("stored %s %q", got.Status, got.Ref)
				}
			}

			// The same draft validated by several requests at once: one
			// number, the others are conflicts.
			one := e.draft(t, domain.DocInvoice, "2031-01-16", "1", "10")
			errs = run(5, func(int) error {
				_, err := e.docs.Validate(ctx, e.actor, invoices, one.ID, 0)
				return err
			})
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case conflictCode(err) != "illegal-transition":
					t.Fatalf("second validation: %v", err)
				}
			}
			if got := e.get(t, one.ID); ok != 1 || got.Ref != "FA3101-0041" {
				t.Fatalf("%d validations succeeded, ref %q", ok, got.Ref)
			}
		})
	}
}

// failingStock takes part in the validation's unit of work, writes through
// its repositories and then fails: the whole validation must roll back.
type failingStock struct{ sawRef string }

func (f *failingStock) MoveOnValidation(ctx context.Context, r domain.Repositories, _ domain.Principal, inv *domain.Document, _ int64) error {
	f.sawRef = inv.Ref
	if err := r.ThirdParties.Create(ctx, &domain.ThirdParty{Name: "ghost", Code: "GHOST"}); err != nil {
		return err
	}
	return domain.Conflictf("insufficient-stock", "forced failure after the number was taken")
}

func TestFailedValidationConsumesNoNumber(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			hook := &failingStock{}
			failing := usecase.NewDocumentService(e.uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Stock: hook})
			inv := e.draft(t, domain.DocInvoice, "2032-02-01", "1", "10")

			_, err := failing.Validate(ctx, e.actor, invoices, inv.ID, 3)
			if conflictCode(err) != "insufficient-stock" {
				t.Fatalf("want the hook's error, got %v", err)
			}
			if hook.sawRef != "FA3202-0001" {
				t.Fatalf("the hook ran with ref %q: the number must be taken before it", hook.sawRef)
			}
			if got := e.get(t, inv.ID); got.Status != domain.StatusDraft || got.Ref != "" || got.ValidatedAt != nil {
				t.Fatalf("failed validation left %s %q", got.Status, got.Ref)
			}
			if taken, err := e.tps.List(ctx, domain.ThirdPartyFilter{}, domain.ListQuery{Search: "ghost", Limit: 10}); err != nil || taken.Total != 0 {
				t.Fatalf("the hook's write survived the rollback: %v %d", err, taken.Total)
			}
			// Proposals and orders never call the hook.
			p := e.validated(t, proposals, e.draft(t, domain.DocProposal, "2032-02-01", "1", "10"))
			if p.Ref != "PR3202-0001" {
				t.Fatalf("proposal ref %s", p.Ref)
			}
			// The number the failed validation took is handed out again.
			if v := e.validated(t, invoices, inv); v.Ref != "FA3202-0001" {
				t.Fatalf("after a failed validation the next number is %s, want FA3202-0001", v.Ref)
			}
			// A validation refused before numbering (no lines) takes none either.
			empty, err := e.docs.Create(ctx, e.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.tp, Date: date("2032-02-02")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.docs.Validate(ctx, e.actor, invoices, empty.ID, 0); conflictCode(err) != "empty-document" {
				t.Fatalf("empty invoice: %v", err)
			}
			if v := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2032-02-03", "1", "1")); v.Ref != "FA3202-0002" {
				t.Fatalf("next number %s, want FA3202-0002", v.Ref)
			}
		})
	}
}

func TestConcurrentDraftsAllSucceed(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			const n = 40
			ids := make([]int64, n)
			errs := run(n, func(i int) error {
				doc, err := e.docs.Create(ctx, e.actor, domain.DocInvoice, domain.DraftInput{
					ThirdPartyID: e.tp,
					Lines: []domain.LineInput{
						{Description: "a", Qty: num("1"), UnitPrice: numPtr("1.10"), VATRate: numPtr("20")},
						{Description: "b", Qty: num("2"), UnitPrice: numPtr("2.20"), VATRate: numPtr("10")},
						{Description: "c", Qty: num("3"), UnitPrice: numPtr("3.30"), VATRate: numPtr("0")},
					},
				})
				if err == nil {
					ids[i] = doc.ID
				}
				return err
			})
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent draft creation failed: %v", err)
			}
			slices.Sort(ids)
			if len(slices.Compact(ids)) != n || e.count(t, "commercial_documents") != n || e.count(t, "commercial_document_lines") != 3*n {
				t.Fatalf("ids %v; %d documents, %d lines", ids, e.count(t, "commercial_documents"), e.count(t, "commercial_document_lines"))
			}
			page, err := e.docs.List(ctx, domain.DocumentFilter{Types: invoices, Status: domain.StatusDraft}, domain.ListQuery{Limit: 100})
			if err != nil || page.Total != n {
				t.Fatalf("list: %v %d", err, page.Total)
			}
			for _, doc := range page.Items {
				if len(doc.Lines) != 3 || doc.TotalGross.String() != "16.06" {
					t.Fatalf("draft %d: %d lines, gross %s", doc.ID, len(doc.Lines), doc.TotalGross)
				}
			}
		})
	}
}

// Payments: partial, several, exact; overpayment and payment on a draft are
// refused with nothing written; deleting a payment reopens; concurrent
// payments never overpay; concurrent conversions make one document; two
// credit notes cannot credit more than their invoice together.
func TestPaymentsAndConversionsUnderConcurrency(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			pay := func(id int64, amount string) (*domain.Payment, error) {
				return e.docs.AddPayment(ctx, e.actor, []domain.DocType{domain.DocInvoice, domain.DocCreditNote}, id, domain.Payment{Amount: num(amount), Method: domain.PayBankTransfer, Reference: "T1"})
			}
			inv := e.draft(t, domain.DocInvoice, "2033-03-01", "1", "100") // 120.00
			if _, err := pay(inv.ID, "10"); conflictCode(err) != "illegal-transition" {
				t.Fatalf("payment on a draft: %v", err)
			}
			inv = e.validated(t, invoices, inv)
			p1, err := pay(inv.ID, "20")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pay(inv.ID, "30.50"); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, inv.ID); got.Status != domain.StatusValidated || got.AmountDue().String() != "69.5" {
				t.Fatalf("after two payments: %s due %s", got.Status, got.AmountDue())
			}
			var prob *domain.Problem
			if _, err := pay(inv.ID, "69.51"); !errors.As(err, &prob) || prob.Code != "overpayment" {
				t.Fatalf("overpayment: %v", err)
			}
			if n := e.count(t, "payments"); n != 2 {
				t.Fatalf("refused payments wrote rows: %d", n)
			}
			if _, err := pay(inv.ID, "69.50"); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, inv.ID); got.Status != domain.StatusPaid || !got.AmountDue().IsZero() {
				t.Fatalf("exact payment: %s due %s", got.Status, got.AmountDue())
			}
			if err := e.docs.DeletePayment(ctx, []domain.DocType{domain.DocInvoice, domain.DocCreditNote}, inv.ID, p1.ID); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, inv.ID); got.Status != domain.StatusValidated || got.AmountDue().String() != "20" {
				t.Fatalf("delete did not reopen: %s due %s", got.Status, got.AmountDue())
			}
			if ps, err := e.docs.Payments(ctx, []domain.DocType{domain.DocInvoice, domain.DocCreditNote}, inv.ID); err != nil || len(ps) != 2 || ps[0].Amount.String() != "30.5" || ps[0].Currency != "EUR" {
				t.Fatalf("payments %v %+v", err, ps)
			}
			if err := e.docs.DeletePayment(ctx, []domain.DocType{domain.DocInvoice, domain.DocCreditNote}, inv.ID, p1.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("deleting twice: %v", err)
			}

			// Ten payments of 20 on 100 due at once: five fit.
			inv2 := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2033-03-02", "1", "100"))
			if _, err := pay(inv2.ID, "20"); err != nil {
				t.Fatal(err)
			}
			errs := run(10, func(int) error { _, err := pay(inv2.ID, "20"); return err })
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.As(err, &prob) || prob.Code != "overpayment":
					t.Fatalf("concurrent payment: %v", err)
				}
			}
			if got := e.get(t, inv2.ID); ok != 5 || got.Status != domain.StatusPaid || got.AmountPaid.String() != "120" {
				t.Fatalf("%d concurrent payments succeeded; %s paid %s", ok, got.Status, got.AmountPaid)
			}

			// One accepted proposal converted by five requests at once.
			prop := e.validated(t, proposals, e.draft(t, domain.DocProposal, "2033-03-03", "2", "50"))
			if _, err := e.docs.Accept(ctx, prop.ID); err != nil {
				t.Fatal(err)
			}
			var made []*domain.Document
			var mu sync.Mutex
			errs = run(5, func(int) error {
				o, err := e.docs.Convert(ctx, e.actor, domain.ActOrder, prop.ID)
				if err == nil {
					mu.Lock()
					made = append(made, o)
					mu.Unlock()
				}
				return err
			})
			for _, err := range errs {
				if err != nil && conflictCode(err) != "illegal-transition" {
					t.Fatal(err)
				}
			}
			page, err := e.docs.List(ctx, domain.DocumentFilter{Types: orders}, domain.ListQuery{Limit: 10})
			if err != nil || len(made) != 1 || page.Total != 1 || page.Items[0].SourceID != prop.ID {
				t.Fatalf("conversions: %d made, %d orders (%v)", len(made), page.Total, err)
			}

			// Three credit notes of 60 on an invoice of 120, validated at once:
			// two fit.
			inv3 := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2033-03-04", "1", "100"))
			cns := make([]*domain.Document, 3)
			for i := range cns {
				cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv3.ID)
				if err != nil {
					t.Fatal(err)
				}
				half := []domain.LineInput{{Description: "refund", Qty: num("1"), UnitPrice: numPtr("50"), VATRate: numPtr("20")}}
				if cns[i], err = e.docs.Edit(ctx, invoices, cn.ID, domain.DraftPatch{Lines: &half}); err != nil {
					t.Fatal(err)
				}
			}
			errs = run(3, func(i int) error { _, err := e.docs.Validate(ctx, e.actor, invoices, cns[i].ID, 0); return err })
			ok = 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case conflictCode(err) != "credit-exceeds-invoice":
					t.Fatalf("credit note: %v", err)
				}
			}
			if ok != 2 {
				t.Fatalf("%d credit notes of 60 validated on an invoice of 120", ok)
			}
		})
	}
}

// The whole chain on one dialect's database, with product lines, the
// third-party code sequence and the rules on deletion.
func TestCommercialChain(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, d))
			ctx := context.Background()
			var product domain.Product
			err := e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				product = domain.Product{Ref: "SCREW", Label: "Screw", Type: domain.ProductTypeProduct, UnitPrice: num("0.000125"),
					VATRate: num("5.5"), Active: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}
				return r.Products.Create(ctx, &product)
			})
			if err != nil {
				t.Fatal(err)
			}

			prop, err := e.docs.Create(ctx, e.actor, domain.DocProposal, domain.DraftInput{
				ThirdPartyID: e.tp, Date: date("2034-04-01"), Currency: "USD", Note: "thanks",
				CurrencyRate: numPtr("1.1"), // in another currency than the company's: validated at this rate
				Lines: []domain.LineInput{
					{ProductID: product.ID, Qty: num("1000.5")}, // description, price and rate from the product
					{Description: "setup", Qty: num("1.234567"), UnitPrice: numPtr("0.1"), DiscountPercent: num("12.5"), VATRate: numPtr("20")},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := e.get(t, prop.ID)
			l0, l1 := got.Lines[0], got.Lines[1]
			if l0.Description != "Screw" || !l0.UnitPrice.Equal(num("0.000125")) || !l0.VATRate.Equal(num("5.5")) || l0.ProductID != product.ID ||
				!l1.Qty.Equal(num("1.234567")) || !l1.UnitPrice.Equal(num("0.1")) || !l1.DiscountPercent.Equal(num("12.5")) ||
				got.Currency != "USD" || got.Note != "thanks" || !got.Date.Equal(date("2034-04-01")) || got.Ref != "" {
				t.Fatalf("round trip: %+v", got)
			}
			// 1000.5 × 0.000125 = 0.1250625 → 0.13, VAT 0.00715 → 0.01;
			// 1.234567 × 0.1 × 0.875 = 0.10802… → 0.11, VAT 0.022 → 0.02.
			if got.TotalNet.String() != "0.24" || got.TotalVAT.String() != "0.03" || got.TotalGross.String() != "0.27" {
				t.Fatalf("totals %s %s %s", got.TotalNet, got.TotalVAT, got.TotalGross)
			}
			if _, err := e.docs.Create(ctx, e.actor, domain.DocOrder, domain.DraftInput{ThirdPartyID: e.tp,
				Lines: []domain.LineInput{{ProductID: product.ID + 100, Qty: num("1")}}}); !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("unknown product: %v", err)
			}

			prop = e.validated(t, proposals, prop)
			if _, err := e.docs.Refuse(ctx, prop.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.docs.Convert(ctx, e.actor, domain.ActOrder, prop.ID); conflictCode(err) != "illegal-transition" {
				t.Fatalf("ordering a refused proposal: %v", err)
			}

			prop = e.validated(t, proposals, e.draft(t, domain.DocProposal, "2034-04-02", "3", "10"))
			if _, err := e.docs.Accept(ctx, prop.ID); err != nil {
				t.Fatal(err)
			}
			order, err := e.docs.Convert(ctx, e.actor, domain.ActOrder, prop.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Deleting the order draft puts the proposal back to accepted.
			if err := e.docs.Delete(ctx, orders, order.ID); err != nil {
				t.Fatal(err)
			}
			if p := e.get(t, prop.ID); p.Status != domain.StatusAccepted {
				t.Fatalf("proposal %s after its order draft was deleted", p.Status)
			}
			order, err = e.docs.Convert(ctx, e.actor, domain.ActOrder, prop.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.docs.Get(ctx, invoices, order.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("an order read as an invoice: %v", err)
			}
			order = e.validated(t, orders, order)
			inv, err := e.docs.Convert(ctx, e.actor, domain.ActInvoice, order.ID)
			if err != nil {
				t.Fatal(err)
			}
			inv = e.validated(t, invoices, inv)
			cn, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			cn = e.validated(t, invoices, cn)
			if !slices.Equal([]string{e.get(t, prop.ID).Ref, order.Ref, inv.Ref, cn.Ref}, []string{"PR3404-0002", "CO" + time.Now().UTC().Format("0601") + "-0001",
				"FA" + time.Now().UTC().Format("0601") + "-0001", "AV" + time.Now().UTC().Format("0601") + "-0001"}) ||
				e.get(t, prop.ID).Status != domain.StatusOrdered || e.get(t, order.ID).Status != domain.StatusInvoiced ||
				inv.SourceID != order.ID || cn.SourceID != inv.ID || cn.Type != domain.DocCreditNote || !cn.TotalGross.Equal(inv.TotalGross) {
				t.Fatalf("chain: %s %s %s %s", e.get(t, prop.ID).Ref, order.Ref, inv.Ref, cn.Ref)
			}

			// A third party named by documents cannot be deleted; one without can,
			// with its contacts.
			if err := e.tps.Delete(ctx, e.tp); conflictCode(err) != "in-use" {
				t.Fatalf("deleting a third party with documents: %v", err)
			}
			other, err := e.tps.Create(ctx, domain.ThirdParty{Name: "Other"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.tps.CreateContact(ctx, domain.Contact{ThirdPartyID: other.ID, LastName: "Doe"}); err != nil {
				t.Fatal(err)
			}
			if err := e.tps.Delete(ctx, other.ID); err != nil {
				t.Fatal(err)
			}
			if n := e.count(t, "contacts"); n != 0 {
				t.Fatalf("%d contacts survived their third party", n)
			}
		})
	}
}

func TestThirdPartyCodes(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			ctx := context.Background()
			clock := func() time.Time { return time.Date(2030, 5, 10, 12, 0, 0, 0, time.UTC) }
			tps := usecase.NewThirdPartyService(gormdb.NewUnitOfWork(db.DB), config.Defaults().ThirdPartyMask(), clock)
			codes := make([]string, 20)
			errs := run(20, func(i int) error {
				tp, err := tps.Create(ctx, domain.ThirdParty{Name: fmt.Sprintf("Customer %d", i), IsCustomer: true})
				if err == nil {
					codes[i] = tp.Code
				}
				return err
			})
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			slices.Sort(codes)
			if codes[0] != "CU3005-0001" || codes[19] != "CU3005-0020" || len(slices.Compact(slices.Clone(codes))) != 20 {
				t.Fatalf("generated codes %v", codes)
			}
			// A code typed by hand that the sequence would produce next is skipped.
			if _, err := tps.Create(ctx, domain.ThirdParty{Name: "Manual", Code: "CU3005-0021"}); err != nil {
				t.Fatal(err)
			}
			if tp, err := tps.Create(ctx, domain.ThirdParty{Name: "Next"}); err != nil || tp.Code != "CU3005-0022" {
				t.Fatalf("next generated code %v %v", tp, err)
			}
			if _, err := tps.Create(ctx, domain.ThirdParty{Name: "Again", Code: "CU3005-0021"}); conflictCode(err) != "duplicate-code" {
				t.Fatalf("duplicate code: %v", err)
			}
			// Contacts belong to their third party.
			a, _ := tps.Create(ctx, domain.ThirdParty{Name: "A"})
			b, _ := tps.Create(ctx, domain.ThirdParty{Name: "B"})
			c, err := tps.CreateContact(ctx, domain.Contact{ThirdPartyID: a.ID, FirstName: "Ann", Email: "ann@a.test"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tps.Contact(ctx, b.ID, c.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("contact read through another third party: %v", err)
			}
			if _, err := tps.CreateContact(ctx, domain.Contact{ThirdPartyID: 999999, LastName: "X"}); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("contact of an unknown third party: %v", err)
			}
			pos := "CFO"
			if c, err := tps.UpdateContact(ctx, a.ID, c.ID, domain.ContactPatch{Position: &pos}); err != nil || c.Position != "CFO" || c.FirstName != "Ann" {
				t.Fatalf("patch contact: %v %+v", err, c)
			}
			if page, err := tps.Contacts(ctx, a.ID, domain.ListQuery{Limit: 10}); err != nil || page.Total != 1 || page.Items[0].Position != "CFO" {
				t.Fatalf("contacts: %v %+v", err, page)
			}
		})
	}
}
