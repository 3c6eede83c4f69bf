package e2e

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// recurringCase is a template the test creates and the periods its invoices
// must be dated on.
type recurringCase struct {
	customer int64
	template int64
	periods  []string
	validate bool
}

// Recurring invoices with real worker processes: templates whose periods
// fell while no worker ran, three workers started at once, one of them
// SIGKILLed while they generate, a fourth started in its place. Each
// (template, period) ends with exactly one invoice, dated on its period, in
// the expected number: six monthly ones for a template started five months
// ago, four for a weekly one with max_count 4, two for one whose end date
// cut it short (auto-validated, with distinct numbers); and every
// invoice.recurring job ends done — the killed worker's too, through its
// lease — none dead.
func TestRecurringInvoicesOncePerPeriodAcrossWorkersAndKill(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			uow := gormdb.NewUnitOfWork(db.DB)
			defaults := config.Defaults()
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: defaults.DocumentMasks(), DefaultCurrency: defaults.DefaultCurrency})
			tps := usecase.NewThirdPartyService(uow, defaults.ThirdPartyMask(), time.Now)
			templates := usecase.NewInvoiceTemplateService(uow, docs, nil, time.Now)
			actor := domain.Principal{UserID: 1, Login: "ann", Permissions: []string{domain.PermInvoicesValidate}}

			// The worker's clock is the real one: periods up to today are due.
			today := time.Now().UTC().Truncate(24 * time.Hour)
			due := func(anchor time.Time, f domain.Frequency, limit int, end *time.Time) []string {
				var out []string
				for k := 0; len(out) < limit; k++ {
					p := domain.PeriodDate(anchor, f, 1, k)
					if p.After(today) || (end != nil && p.After(*end)) {
						break
					}
					out = append(out, p.Format(time.DateOnly))
				}
				return out
			}
			price, rate := decimalOf(t, "100"), decimalOf(t, "20")
			var cases []recurringCase
			add := func(name string, f domain.Frequency, anchor time.Time, maxCount int, end *time.Time, validate bool) {
				tp, err := tps.Create(ctx, domain.ThirdParty{Name: name, IsCustomer: true})
				if err != nil {
					t.Fatal(err)
				}
				in := domain.InvoiceTemplate{
					ThirdPartyID: tp.ID, Frequency: f, Interval: 1, NextDate: anchor, EndDate: end, Active: true, AutoValidate: validate,
					Lines: []domain.LineInput{{Description: "Subscription", Qty: decimalOf(t, "1"), UnitPrice: &price, VATRate: &rate}},
				}
				limit := 1000
				if maxCount > 0 {
					in.MaxCount, limit = &maxCount, maxCount
				}
				tpl, err := templates.Create(ctx, actor, in)
				if err != nil {
					t.Fatal(err)
				}
				cases = append(cases, recurringCase{tp.ID, tpl.ID, due(anchor, f, limit, end), validate})
			}
			// Enough templates that the workers are still generating when
			// one of them is killed.
			for i := range 12 {
				add(fmt.Sprintf("Monthly %d", i), domain.FrequencyMonthly, domain.PeriodDate(today, domain.FrequencyMonthly, 1, -5), 0, nil, false)
			}
			add("Weekly, 4 in all", domain.FrequencyWeekly, today.AddDate(0, 0, -7*9), 4, nil, false)
			start := domain.PeriodDate(today, domain.FrequencyMonthly, 1, -3)
			end := domain.PeriodDate(today, domain.FrequencyMonthly, 1, -2)
			add("Ended, validated", domain.FrequencyMonthly, start, 0, &end, true)
			total := 0
			for _, c := range cases {
				total += len(c.periods)
			}
			if len(cases[0].periods) != 6 || len(cases[12].periods) != 4 || len(cases[13].periods) != 2 {
				t.Fatalf("test set-up: %d, %d, %d periods due", len(cases[0].periods), len(cases[12].periods), len(cases[13].periods))
			}

			generated := func() int64 {
				var n int64
				if err := db.Gorm.Table("invoice_template_periods").Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
			env := settings(db, sink, map[string]string{
				"RECURRING_INTERVAL": "200ms", "TASK_TIMEOUT": "5s", "SHUTDOWN_TIMEOUT": "1s", "JOB_LEASE": "7s",
			})
			var ws []*worker
			for range 3 {
				ws = append(ws, startWorker(t, copyEnv(env)))
			}
			// Kill a worker in the middle of a generation: once invoices
			// exist, the one holding a running invoice.recurring job. Its job
			// may finish between the look and the kill; then the kill proves
			// nothing, and another worker is killed (the first restarted).
			var victim int
			var killedPid int
			for try := 1; ; try++ {
				victim = -1
				eventually(t, "a worker generating, invoices generated", func() bool {
					var holders []string
					if err := db.Gorm.Table("jobs").Where("kind = ? AND state = ?", domain.JobKindInvoiceRecurring, domain.JobRunning).
						Pluck("locked_by", &holders).Error; err != nil {
						t.Fatal(err)
					}
					for i, w := range ws {
						if slices.ContainsFunc(holders, func(h string) bool { return strings.Contains(h, fmt.Sprintf("-%d-", w.Pid())) }) {
							victim = i
						}
					}
					return victim >= 0 && generated() > 0
				})
				ws[victim].Signal(t, syscall.SIGKILL)
				if st := ws[victim].Wait(t); st.Exited() {
					t.Fatalf("worker %v, want killed", st)
				}
				killedPid = ws[victim].Pid()
				var held int64
				if err := db.Gorm.Table("jobs").Where("kind = ? AND state = ? AND locked_by LIKE ?", domain.JobKindInvoiceRecurring,
					domain.JobRunning, fmt.Sprintf("%%-%d-%%", killedPid)).Count(&held).Error; err != nil {
					t.Fatal(err)
				}
				if held > 0 {
					break
				}
				if try == 5 {
					t.Fatalf("%d workers killed, none while it still held its invoice.recurring job", try)
				}
				t.Logf("worker %d finished its job before it was killed: killing another", killedPid)
				ws[victim] = startWorker(t, copyEnv(env))
			}
			ws[victim] = startWorker(t, copyEnv(env)) // the restart

			eventually(t, "every period generated", func() bool { return generated() == int64(total) })
			eventually(t, "every invoice.recurring job done (the killed worker's through its lease)", func() bool {
				var open int64
				if err := db.Gorm.Table("jobs").Where("kind = ? AND state <> ?", domain.JobKindInvoiceRecurring, domain.JobDone).
					Count(&open).Error; err != nil {
					t.Fatal(err)
				}
				return open == 0
			})
			for _, w := range ws {
				w.stop(t)
			}

			if n := generated(); n != int64(total) {
				t.Fatalf("%d periods recorded after the workers stopped, want %d", n, total)
			}
			var refs []string
			for _, c := range cases {
				page, err := docs.List(ctx, domain.DocumentFilter{Types: []domain.DocType{domain.DocInvoice}, ThirdPartyID: c.customer},
					domain.ListQuery{Limit: 100, Sort: "date"})
				if err != nil {
					t.Fatal(err)
				}
				var dates []string
				for _, inv := range page.Items {
					dates = append(dates, inv.Date.Format(time.DateOnly))
					if want := map[bool]domain.DocStatus{true: domain.StatusValidated, false: domain.StatusDraft}[c.validate]; inv.Status != want {
						t.Errorf("template %d: invoice %d is %s, want %s", c.template, inv.ID, inv.Status, want)
					}
					if c.validate {
						refs = append(refs, inv.Ref)
					}
				}
				if !slices.Equal(dates, c.periods) {
					t.Errorf("template %d: invoices dated %v, want exactly one on each of %v", c.template, dates, c.periods)
				}
				tpl, err := templates.Get(ctx, c.template)
				if err != nil {
					t.Fatal(err)
				}
				if tpl.GeneratedCount != len(c.periods) {
					t.Errorf("template %d: generated_count %d, want %d", c.template, tpl.GeneratedCount, len(c.periods))
				}
			}
			if len(slices.Compact(slices.Sorted(slices.Values(refs)))) != 2 {
				t.Errorf("validated invoices numbered %v, want 2 distinct numbers", refs)
			}
			// The killed worker's job came back through its lease and was
			// finished by another worker.
			var rescued int64
			if err := db.Gorm.Table("jobs").Where("kind = ? AND state = ? AND attempt >= 2 AND locked_by NOT LIKE ?",
				domain.JobKindInvoiceRecurring, domain.JobDone, fmt.Sprintf("%%-%d-%%", killedPid)).Count(&rescued).Error; err != nil || rescued == 0 {
				t.Errorf("no invoice.recurring job finished on a later attempt by another worker (%v)", err)
			}
			// Each job names the scheduler's tick that enqueued it; every
			// template had at least one.
			var keys, rids []string
			if err := db.Gorm.Table("jobs").Where("kind = ?", domain.JobKindInvoiceRecurring).Pluck("request_id", &rids).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Gorm.Table("jobs").Where("kind = ?", domain.JobKindInvoiceRecurring).Pluck("idempotency_key", &keys).Error; err != nil {
				t.Fatal(err)
			}
			for _, rid := range rids {
				if !strings.HasPrefix(rid, "tick-") {
					t.Errorf("invoice.recurring job with request id %q, want the tick's", rid)
				}
			}
			if len(keys) < len(cases) {
				t.Errorf("%d invoice.recurring jobs with keys %v", len(keys), keys)
			}
			var dead int64
			if err := db.Gorm.Table("jobs").Where("state = ?", domain.JobDead).Count(&dead).Error; err != nil || dead != 0 {
				t.Errorf("%d dead jobs (%v)", dead, err)
			}
		})
	}
}

func copyEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	return out
}
