package usecase_test

// Recurring invoices on every dialect: missed periods are each generated
// once, dated as their period, in order; many generators at once still give
// one invoice per (template, period); auto_validate numbers and auto_send
// enqueues the e-mail in the same unit of work; a failure generates nothing
// and is reported, never skipped.
//
// To see the concurrency test fail, delete the clause.Locking line of
// invoiceTemplateRepo.Lock (internal/infrastructure/gormdb/invoice_templates.go):
// on PostgreSQL and MariaDB two generators then read the same next date, and
// the primary key of invoice_template_periods refuses the second (an error
// where one was not due); delete that primary key too and periods get two
// invoices.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

type recurringEnv struct {
	*docEnv
	svc     *usecase.InvoiceTemplateService
	catalog *usecase.CatalogService
	today   time.Time
	tag     string
}

// newRecurringEnv runs on a clock stopped at 2026-12-03 10:00 UTC.
func newRecurringEnv(t *testing.T, db *testdb.DB) *recurringEnv {
	t.Helper()
	e := newDocEnv(t, db)
	now := func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) }
	docs := usecase.NewDocumentService(e.uow, usecase.DocumentOptions{
		Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Now: now,
	})
	archive := usecase.NewArchiveService(e.uow, usecase.ArchiveOptions{Company: domain.Company{Name: "Doligo SA"}, Now: now})
	return &recurringEnv{
		docEnv: e, svc: usecase.NewInvoiceTemplateService(e.uow, docs, archive, now),
		catalog: usecase.NewCatalogService(e.uow, now), today: date("2026-12-03"),
		tag: fmt.Sprintf("%s-%d", db.Dialect, time.Now().UnixNano()),
	}
}

// customer makes a third party of the test's own, so that its invoices are
// told apart from other tests' on the shared database.
func (e *recurringEnv) customer(t *testing.T, email string) int64 {
	t.Helper()
	tp, err := e.tps.Create(context.Background(), domain.ThirdParty{Name: e.tag + " " + t.Name(), IsCustomer: true, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return tp.ID
}

var templateActor = domain.Principal{UserID: 1, Login: "ann", Permissions: []string{
	domain.PermInvoicesWrite, domain.PermInvoicesValidate, domain.PermInvoicesSend,
}}

func (e *recurringEnv) template(t *testing.T, tp int64, next string, f domain.Frequency, edit func(*domain.InvoiceTemplate)) *domain.InvoiceTemplate {
	t.Helper()
	in := domain.InvoiceTemplate{
		ThirdPartyID: tp, Frequency: f, Interval: 1, NextDate: date(next), Active: true, Note: "monthly hosting",
		Lines: []domain.LineInput{{Description: "Hosting", Qty: num("1"), UnitPrice: numPtr("100"), VATRate: numPtr("20")}},
	}
	if edit != nil {
		edit(&in)
	}
	tpl, err := e.svc.Create(context.Background(), templateActor, in)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// invoicesOf returns the invoices of third party tp, oldest date first.
func (e *recurringEnv) invoicesOf(t *testing.T, tp int64) []*domain.Document {
	t.Helper()
	page, err := e.docs.List(context.Background(), domain.DocumentFilter{Types: invoices, ThirdPartyID: tp},
		domain.ListQuery{Limit: 500, Sort: "date"})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func docDates(docs []*domain.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Date.Format(time.DateOnly)
	}
	return out
}

func (e *recurringEnv) periodsRecorded(t *testing.T, templateID int64) int64 {
	t.Helper()
	var n int64
	if err := e.db.Gorm.Table("invoice_template_periods").Where("template_id = ?", templateID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Periods missed are each generated once, dated as their period, in order
// (month ends clamped); a second run generates nothing; a template with
// max_count stops there.
func TestRecurringCatchUpGeneratesEachPeriodOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		e := newRecurringEnv(t, db)
		ctx := context.Background()
		tp := e.customer(t, "")
		tpl := e.template(t, tp, "2026-07-31", domain.FrequencyMonthly, nil)
		n, err := e.svc.GenerateDue(ctx, tpl.ID)
		if err != nil || n != 5 {
			t.Fatalf("GenerateDue = %d, %v; want 5 periods", n, err)
		}
		got := e.invoicesOf(t, tp)
		want := []string{"2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30"}
		if !slices.Equal(docDates(got), want) {
			t.Fatalf("invoices dated %v, want %v", docDates(got), want)
		}
		for _, d := range got {
			if d.Status != domain.StatusDraft || d.Note != "monthly hosting" || !d.TotalGross.Equal(num("120")) ||
				d.DueDate == nil || !d.DueDate.Equal(d.Date) {
				t.Fatalf("invoice %+v", d)
			}
		}
		if n, err := e.svc.GenerateDue(ctx, tpl.ID); err != nil || n != 0 {
			t.Fatalf("second run generated %d, %v", n, err)
		}
		after, err := e.svc.Get(ctx, tpl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.GeneratedCount != 5 || after.NextDate.Format(time.DateOnly) != "2026-12-31" || e.periodsRecorded(t, tpl.ID) != 5 {
			t.Fatalf("template after: count %d next %s, %d periods recorded", after.GeneratedCount, after.NextDate, e.periodsRecorded(t, tpl.ID))
		}

		// A generated draft deleted by hand is not generated again.
		if err := e.docs.Delete(ctx, invoices, got[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.GenerateDue(ctx, tpl.ID); err != nil || n != 0 || e.periodsRecorded(t, tpl.ID) != 5 {
			t.Fatalf("after deleting an invoice: generated %d, %v", n, err)
		}

		tp2 := e.customer(t, "")
		weekly := e.template(t, tp2, "2026-10-01", domain.FrequencyWeekly, func(in *domain.InvoiceTemplate) {
			two := 2
			in.MaxCount = &two
		})
		if n, err := e.svc.GenerateDue(ctx, weekly.ID); err != nil || n != 2 {
			t.Fatalf("max_count 2 generated %d, %v", n, err)
		}
		if got := docDates(e.invoicesOf(t, tp2)); !slices.Equal(got, []string{"2026-10-01", "2026-10-08"}) {
			t.Fatalf("weekly with max_count: %v", got)
		}
	})
}

// Many generators at once — as several workers running the same
// template's jobs — give exactly one invoice per (template, period), and the
// auto-validated ones take gapless numbers.
func TestRecurringConcurrentGeneratorsMakeOneInvoicePerPeriod(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		e := newRecurringEnv(t, db)
		ctx := context.Background()
		type tmpl struct {
			tp  int64
			id  int64
			due []string
		}
		var all []tmpl
		for i, f := range []domain.Frequency{domain.FrequencyMonthly, domain.FrequencyWeekly, domain.FrequencyQuarterly} {
			tp := e.customer(t, "")
			next := map[domain.Frequency]string{
				domain.FrequencyMonthly: "2026-07-03", domain.FrequencyWeekly: "2026-11-05", domain.FrequencyQuarterly: "2025-12-03",
			}[f]
			tpl := e.template(t, tp, next, f, func(in *domain.InvoiceTemplate) { in.AutoValidate = i == 0 })
			var due []string
			for k := 0; ; k++ {
				p := domain.PeriodDate(tpl.NextDate, f, 1, k)
				if p.After(e.today) {
					break
				}
				due = append(due, p.Format(time.DateOnly))
			}
			all = append(all, tmpl{tp, tpl.ID, due})
		}
		const workers = 8
		var wg sync.WaitGroup
		generated := make([]int, workers)
		errs := make(chan error, workers*len(all))
		for w := range workers {
			wg.Go(func() {
				for k := range all {
					tpl := all[(k+w)%len(all)] // start on different templates
					n, err := e.svc.GenerateDue(ctx, tpl.id)
					if err != nil {
						errs <- err
					}
					generated[w] += n
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("generator: %v", err)
		}
		total, want := 0, 0
		for _, n := range generated {
			total += n
		}
		for _, tpl := range all {
			want += len(tpl.due)
			got := e.invoicesOf(t, tpl.tp)
			if !slices.Equal(docDates(got), tpl.due) {
				t.Errorf("template %d: invoices dated %v, want %v (one per period)", tpl.id, docDates(got), tpl.due)
			}
			if e.periodsRecorded(t, tpl.id) != int64(len(tpl.due)) {
				t.Errorf("template %d: %d periods recorded, want %d", tpl.id, e.periodsRecorded(t, tpl.id), len(tpl.due))
			}
		}
		if total != want || want != 6+5+5 {
			t.Fatalf("generators reported %d invoices, want %d (6 monthly + 5 weekly + 5 quarterly)", total, want)
		}
		var refs []string
		for _, d := range e.invoicesOf(t, all[0].tp) {
			if d.Status != domain.StatusValidated || d.Ref == "" {
				t.Fatalf("auto-validated invoice %d is %s %q", d.ID, d.Status, d.Ref)
			}
			refs = append(refs, d.Ref)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(refs)))) != len(refs) {
			t.Fatalf("duplicate numbers: %v", refs)
		}
	})
}

// auto_validate numbers the invoice and enqueues its PDF; auto_send
// enqueues its e-mail to the third party, all in the generation's unit of
// work. The job handler runs GenerateDue.
func TestRecurringAutoValidateAndSend(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		e := newRecurringEnv(t, db)
		ctx := context.Background()
		tp := e.customer(t, "billing@"+e.tag+".test")
		tpl := e.template(t, tp, "2026-11-20", domain.FrequencyYearly, func(in *domain.InvoiceTemplate) {
			in.AutoValidate, in.AutoSend = true, true
		})
		err := e.svc.RecurringJob(ctx, domain.Job{ID: 1, Kind: domain.JobKindInvoiceRecurring,
			Payload: fmt.Appendf(nil, `{"template_id": %d}`, tpl.ID)})
		if err != nil {
			t.Fatal(err)
		}
		got := e.invoicesOf(t, tp)
		if len(got) != 1 || got[0].Status != domain.StatusValidated || got[0].Ref == "" || got[0].ValidatedAt == nil {
			t.Fatalf("invoices %+v, want one validated", got)
		}
		var jobs []struct{ Kind, Payload string }
		if err := e.db.Gorm.Table("jobs").Select("kind, payload").
			Where("(kind = ? AND idempotency_key = ?) OR kind = ?", domain.JobKindPDFRender, domain.PDFRenderKey(got[0]), domain.JobKindEmailSend).
			Order("id").Find(&jobs).Error; err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, j := range jobs { // e-mails of other tests go to other addresses
			if j.Kind == domain.JobKindPDFRender || strings.Contains(j.Payload, "billing@"+e.tag+".test") {
				kinds = append(kinds, j.Kind)
			}
		}
		if !slices.Equal(kinds, []string{domain.JobKindPDFRender, domain.JobKindEmailSend}) {
			t.Fatalf("jobs %v, want the PDF then the e-mail of the invoice", kinds)
		}

		// Permissions: a user who may not validate cannot make a template
		// that validates for them.
		_, err = e.svc.Create(ctx, domain.Principal{UserID: 2, Permissions: []string{domain.PermInvoicesWrite}}, domain.InvoiceTemplate{
			ThirdPartyID: tp, Frequency: domain.FrequencyMonthly, Interval: 1, NextDate: date("2026-12-01"), Active: true, AutoValidate: true,
			Lines: []domain.LineInput{{Description: "x", Qty: num("1"), UnitPrice: numPtr("1"), VATRate: numPtr("0")}},
		})
		if !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("auto_validate without invoices:validate: %v, want forbidden", err)
		}
	})
}

// A generation that fails (a product made inactive; auto_send to a third
// party without an e-mail) writes nothing — no invoice, no period, the next
// date unchanged — and is an error for the job to retry, not a skip; the
// periods before it stay generated.
func TestRecurringFailureGeneratesNothingAndIsReported(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		e := newRecurringEnv(t, db)
		ctx := context.Background()
		p := &domain.Product{Ref: e.tag + "-svc", Label: "Support", Type: domain.ProductTypeService, Active: true,
			UnitPrice: num("50"), VATRate: num("20")}
		if err := e.catalog.CreateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		tp := e.customer(t, "")
		tpl := e.template(t, tp, "2026-11-01", domain.FrequencyMonthly, func(in *domain.InvoiceTemplate) {
			in.Lines = []domain.LineInput{{ProductID: p.ID, Qty: num("2")}}
		})
		inactive := false
		if _, err := e.catalog.UpdateProduct(ctx, p.ID, domain.ProductPatch{Active: &inactive}); err != nil {
			t.Fatal(err)
		}
		job := domain.Job{ID: 1, Kind: domain.JobKindInvoiceRecurring, Payload: fmt.Appendf(nil, `{"template_id": %d}`, tpl.ID)}
		err := e.svc.RecurringJob(ctx, job)
		if err == nil || errors.Is(err, domain.ErrJobPermanent) {
			t.Fatalf("job with an inactive product: %v, want an error to retry", err)
		}
		after, _ := e.svc.Get(ctx, tpl.ID)
		if len(e.invoicesOf(t, tp)) != 0 || e.periodsRecorded(t, tpl.ID) != 0 || after.GeneratedCount != 0 || !after.NextDate.Equal(date("2026-11-01")) {
			t.Fatalf("a failed generation left %d invoices, %d periods, template %+v", len(e.invoicesOf(t, tp)), e.periodsRecorded(t, tpl.ID), after)
		}
		active := true
		if _, err := e.catalog.UpdateProduct(ctx, p.ID, domain.ProductPatch{Active: &active}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RecurringJob(ctx, job); err != nil {
			t.Fatal(err)
		}
		if got := e.invoicesOf(t, tp); !slices.Equal(docDates(got), []string{"2026-11-01", "2026-12-01"}) || !got[0].TotalNet.Equal(num("100")) {
			t.Fatalf("after the retry: %v", docDates(got))
		}

		noMail := e.customer(t, "")
		tpl = e.template(t, noMail, "2026-12-01", domain.FrequencyMonthly, func(in *domain.InvoiceTemplate) {
			in.AutoValidate, in.AutoSend = true, true
		})
		if _, err := e.svc.GenerateDue(ctx, tpl.ID); err == nil {
			t.Fatal("auto_send to a third party without e-mail succeeded")
		}
		if len(e.invoicesOf(t, noMail)) != 0 {
			t.Fatal("the failed send left its invoice")
		}
		if err := e.svc.RecurringJob(ctx, domain.Job{Payload: []byte(`{}`)}); !errors.Is(err, domain.ErrJobPermanent) {
			t.Fatalf("a payload without template: %v, want permanent", err)
		}
	})
}

// The scheduler's tick enqueues one job per due template, however many
// times it runs (every worker ticks); once the template is generated there
// is nothing to enqueue until its next period; a change enqueues anew.
func TestRecurringEnqueueDueIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		e := newRecurringEnv(t, db)
		ctx := context.Background()
		tp := e.customer(t, "")
		due := e.template(t, tp, "2026-12-01", domain.FrequencyMonthly, nil)
		later := e.template(t, tp, "2026-12-04", domain.FrequencyMonthly, nil)
		paused := e.template(t, tp, "2026-11-01", domain.FrequencyMonthly, func(in *domain.InvoiceTemplate) { in.Active = false })
		// Finished, their next date past but due by the calendar: one by
		// count, one by end date.
		byCount := e.template(t, tp, "2026-11-01", domain.FrequencyWeekly, func(in *domain.InvoiceTemplate) { one := 1; in.MaxCount = &one })
		byEnd := e.template(t, tp, "2026-11-01", domain.FrequencyWeekly, func(in *domain.InvoiceTemplate) { end := date("2026-11-05"); in.EndDate = &end })
		for _, id := range []int64{byCount.ID, byEnd.ID} {
			if n, err := e.svc.GenerateDue(ctx, id); err != nil || n != 1 {
				t.Fatalf("finished template %d generated %d, %v; want 1", id, n, err)
			}
		}
		jobsOf := func(id int64) int64 {
			var n int64
			if err := e.db.Gorm.Table("jobs").Where("kind = ? AND idempotency_key LIKE ?", domain.JobKindInvoiceRecurring,
				fmt.Sprintf("%s:%d:%%", domain.JobKindInvoiceRecurring, id)).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		for range 3 {
			if _, err := e.svc.EnqueueDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if jobsOf(due.ID) != 1 || jobsOf(later.ID) != 0 || jobsOf(paused.ID) != 0 || jobsOf(byCount.ID) != 0 || jobsOf(byEnd.ID) != 0 {
			t.Fatalf("jobs: due %d, later %d, paused %d, finished %d and %d; want 1, 0, 0, 0, 0",
				jobsOf(due.ID), jobsOf(later.ID), jobsOf(paused.ID), jobsOf(byCount.ID), jobsOf(byEnd.ID))
		}
		if _, err := e.svc.GenerateDue(ctx, due.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.EnqueueDue(ctx); err != nil {
			t.Fatal(err)
		}
		if jobsOf(due.ID) != 1 {
			t.Fatalf("a generated template enqueued again: %d jobs", jobsOf(due.ID))
		}
		active := true
		if _, err := e.svc.Update(ctx, templateActor, paused.ID, domain.InvoiceTemplatePatch{Active: &active}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.EnqueueDue(ctx); err != nil {
			t.Fatal(err)
		}
		if jobsOf(paused.ID) != 1 {
			t.Fatalf("a resumed template: %d jobs, want 1", jobsOf(paused.ID))
		}
	})
}

// A closed month refuses a client's new draft dated in it, but not a
// template's period: its draft is made (it books nothing) and the template
// goes on to the next periods, instead of stopping at the closed month.
func TestRecurringDraftsAPeriodOfAClosedMonth(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newRecurringEnv(t, testdb.Migrated(t, d)) // a database of its own: it closes a month
			ctx := context.Background()
			acct := usecase.NewAccountingService(e.uow, "EUR", time.Now)
			if _, err := acct.ClosePeriod(ctx, templateActor, "2026-10"); err != nil {
				t.Fatal(err)
			}
			tp := e.customer(t, "")
			if _, err := e.docs.Create(ctx, e.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: tp, Date: date("2026-10-15"),
				Lines: []domain.LineInput{{Description: "x", Qty: num("1"), UnitPrice: numPtr("1"), VATRate: numPtr("20")}}}); conflictCode(err) != "period-closed" {
				t.Fatalf("a client's draft in the closed month: %v", err)
			}
			tpl := e.template(t, tp, "2026-09-30", domain.FrequencyMonthly, nil)
			if n, err := e.svc.GenerateDue(ctx, tpl.ID); err != nil || n != 3 {
				t.Fatalf("GenerateDue = %d, %v; want 3 periods, October's included", n, err)
			}
			if got := docDates(e.invoicesOf(t, tp)); !slices.Equal(got, []string{"2026-09-30", "2026-10-30", "2026-11-30"}) {
				t.Fatalf("invoices dated %v", got)
			}
			// Validated automatically: October's stays a draft, and the
			// template goes on to November's, validated.
			auto := e.customer(t, "")
			tpl = e.template(t, auto, "2026-09-30", domain.FrequencyMonthly, func(in *domain.InvoiceTemplate) { in.AutoValidate = true })
			if n, err := e.svc.GenerateDue(ctx, tpl.ID); err != nil || n != 3 {
				t.Fatalf("auto-validated: GenerateDue = %d, %v; want 3 periods, October's included", n, err)
			}
			var got []string
			for _, d := range e.invoicesOf(t, auto) {
				got = append(got, d.Date.Format(time.DateOnly)+" "+string(d.Status))
			}
			if want := []string{"2026-09-30 validated", "2026-10-30 draft", "2026-11-30 validated"}; !slices.Equal(got, want) {
				t.Fatalf("auto-validated invoices %v, want %v", got, want)
			}
		})
	}
}
