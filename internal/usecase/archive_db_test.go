package usecase_test

// Archiving and sending documents through the outbox, on every dialect: a
// validation enqueues its pdf.render job in its own transaction (a failed one
// enqueues nothing), the job archives one file however often it runs, and a
// send enqueues the e-mail with the request's id.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// countingRenderer is a RenderPDF whose every output differs: which file an
// attachment is shows which rendering made it. It also prints the issuer it
// was given, and the size of its logo.
type countingRenderer struct{ n atomic.Int64 }

func (r *countingRenderer) render(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, _ domain.DocumentLinks, company domain.Company, lang string) ([]byte, error) {
	return fmt.Appendf(nil, "%%PDF-fake %s [issuer=%s logo=%d] %s %s #%d", d.DisplayRef(), company.Name, len(company.Logo),
		customer.Name, lang, r.n.Add(1)), ctx.Err()
}

func decode[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("payload %s: %v", raw, err)
	}
	return v
}

// renderJobs reads the pdf.render jobs of a document, as the worker would
// claim them (payload included).
func renderJobs(t *testing.T, db *testdb.DB, d *domain.Document) []domain.Job {
	t.Helper()
	var rows []struct {
		ID      int64
		Payload string
	}
	err := db.Gorm.Table("jobs").Select("id, payload").
		Where("kind = ? AND idempotency_key = ?", domain.JobKindPDFRender, domain.PDFRenderKey(d)).Find(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	jobs := make([]domain.Job, len(rows))
	for i, r := range rows {
		jobs[i] = domain.Job{ID: r.ID, Kind: domain.JobKindPDFRender, Payload: []byte(r.Payload), Attempt: 1, MaxAttempts: 8}
	}
	return jobs
}

func TestValidationEnqueuesOnePDFRenderInItsTransaction(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newDocEnv(t, testdb.Migrated(t, dialect))
			ctx := context.Background()
			for _, c := range []struct {
				typ   domain.DocType
				types []domain.DocType
			}{{domain.DocProposal, proposals}, {domain.DocOrder, orders}, {domain.DocInvoice, invoices}} {
				d := e.validated(t, c.types, e.draft(t, c.typ, "2026-11-02", "1", "10"))
				jobs := renderJobs(t, e.db, d)
				if len(jobs) != 1 || decode[domain.PDFRenderPayload](t, jobs[0].Payload).DocumentID != d.ID {
					t.Fatalf("%s %d: pdf.render jobs %+v, want one naming the document", c.typ, d.ID, jobs)
				}
				if _, err := e.docs.Validate(ctx, e.actor, c.types, d.ID, 0); conflictCode(err) != "illegal-transition" {
					t.Fatalf("validating again: %v", err)
				}
				if n := len(renderJobs(t, e.db, d)); n != 1 {
					t.Fatalf("%s: %d pdf.render jobs after a refused second validation, want 1", c.typ, n)
				}
			}

			// A validation that fails after the job was enqueued (the stock
			// step comes last) leaves neither the number nor the job.
			failing := usecase.NewDocumentService(e.uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Stock: &failingStock{}})
			d := e.draft(t, domain.DocInvoice, "2026-11-03", "1", "10")
			jobsBefore := e.count(t, "jobs")
			if _, err := failing.Validate(ctx, e.actor, invoices, d.ID, 0); conflictCode(err) != "insufficient-stock" {
				t.Fatalf("validation with failing stock: %v", err)
			}
			if got := e.get(t, d.ID); got.Status != domain.StatusDraft {
				t.Fatalf("invoice %s after a failed validation", got.Status)
			}
			if n := e.count(t, "jobs"); n != jobsBefore {
				t.Fatalf("%d jobs after a failed validation, want %d: the job must roll back with it", n, jobsBefore)
			}
		})
	}
}

type archiveEnv struct {
	*docEnv
	renderer *countingRenderer
	archive  *usecase.ArchiveService
}

func newArchiveEnv(t *testing.T, dialect string) *archiveEnv {
	t.Helper()
	e := &archiveEnv{docEnv: newDocEnv(t, testdb.Migrated(t, dialect)), renderer: &countingRenderer{}}
	e.archive = usecase.NewArchiveService(e.uow, usecase.ArchiveOptions{Render: e.renderer.render, Company: domain.Company{Name: "Doligo SA"}})
	return e
}

func (e *archiveEnv) files(t *testing.T, d *domain.Document) []*domain.ArchivedFile {
	t.Helper()
	page, err := e.archive.Files(context.Background(), []domain.DocType{d.Type}, d.ID, domain.ListQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if int(page.Total) != len(page.Items) {
		t.Fatalf("total %d for %d items", page.Total, len(page.Items))
	}
	return page.Items
}

func TestRenderJobArchivesOneFileHoweverOftenItRuns(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newArchiveEnv(t, dialect)
			ctx := context.Background()
			d := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2026-11-02", "2", "10"))
			job := renderJobs(t, e.db, d)[0]
			// Twice in a row, then twice at once (a lease lost under a slow
			// run: two workers hold the same job).
			for range 2 {
				if err := e.archive.RenderJob(ctx, job); err != nil {
					t.Fatal(err)
				}
			}
			for _, err := range run(2, func(int) error { return e.archive.RenderJob(ctx, job) }) {
				if err != nil {
					t.Fatal(err)
				}
			}
			files := e.files(t, d)
			if len(files) != 1 {
				t.Fatalf("%d files archived by one job, want 1", len(files))
			}
			f := files[0]
			if f.JobID != job.ID || f.OwnerType != domain.DocInvoice || f.OwnerID != d.ID || f.Lang != "en" ||
				f.Filename != d.Ref+".pdf" || f.ContentType != "application/pdf" || f.Content != nil || len(f.SHA256) != 64 {
				t.Fatalf("archived %+v", f)
			}
			full, err := e.archive.File(ctx, f.ID)
			if err != nil || !strings.HasPrefix(string(full.Content), "%PDF-fake "+d.Ref) || int64(len(full.Content)) != f.Size {
				t.Fatalf("file %d: %+v, %v", f.ID, full, err)
			}
			if _, err := e.archive.File(ctx, f.ID+1000); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("unknown file: %v", err)
			}
			if _, err := e.archive.Files(ctx, orders, d.ID, domain.ListQuery{Limit: 50}); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("the files of an invoice listed as an order's: %v", err)
			}

			for name, payload := range map[string]string{"not JSON": `{`, "no document": `{}`, "unknown document": `{"document_id": 999999}`} {
				err := e.archive.RenderJob(ctx, domain.Job{ID: 77, Kind: domain.JobKindPDFRender, Payload: []byte(payload)})
				if !errors.Is(err, domain.ErrJobPermanent) {
					t.Errorf("%s: %v, want a permanent failure", name, err)
				}
			}
		})
	}
}

// The e-mail attaches the archived PDF while it is current, and renders (and
// archives) a new one once the invoice changed or when none exists in the
// e-mail's language.
func TestAttachmentLoaderPrefersTheCurrentArchivedPDF(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newArchiveEnv(t, dialect)
			ctx := context.Background()
			d := e.validated(t, invoices, e.draft(t, domain.DocInvoice, "2026-11-02", "2", "10"))
			ref := domain.AttachmentRef{Document: "invoice", ID: d.ID, Lang: "en"}

			_, none, err := e.archive.Load(ctx, ref) // nothing archived yet: rendered now
			if err != nil || !strings.HasSuffix(string(none), "#1") || len(e.files(t, d)) != 1 {
				t.Fatalf("first load: %q, %v, %d files", none, err, len(e.files(t, d)))
			}
			if err := e.archive.RenderJob(ctx, renderJobs(t, e.db, d)[0]); err != nil {
				t.Fatal(err)
			}
			name, current, err := e.archive.Load(ctx, ref) // the job's file, not a third rendering
			if err != nil || name != d.Ref+".pdf" || !strings.HasSuffix(string(current), "#2") {
				t.Fatalf("load after the job: %s %q, %v", name, current, err)
			}
			if _, fr, err := e.archive.Load(ctx, domain.AttachmentRef{Document: "invoice", ID: d.ID, Lang: "fr"}); err != nil ||
				!strings.Contains(string(fr), " fr #3") {
				t.Fatalf("load in French: %q, %v", fr, err)
			}

			if _, err := e.docs.AddPayment(ctx, e.actor, []domain.DocType{domain.DocInvoice, domain.DocCreditNote}, d.ID, domain.Payment{Amount: num("5"), Method: domain.PayCash}); err != nil {
				t.Fatal(err)
			}
			_, paid, err := e.archive.Load(ctx, ref)
			if err != nil || !strings.HasSuffix(string(paid), "#4") {
				t.Fatalf("load after a payment: %q, %v; want a new rendering", paid, err)
			}
			if n := len(e.files(t, d)); n != 4 {
				t.Fatalf("%d files archived, want 4 (every rendering is on record)", n)
			}

			for name, bad := range map[string]domain.AttachmentRef{
				"unknown document": {Document: "invoice", ID: 999999},
				"another type":     {Document: "order", ID: d.ID},
			} {
				if _, _, err := e.archive.Load(ctx, bad); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("%s: %v, want not found", name, err)
				}
			}
		})
	}
}

func TestSendEnqueuesTheEmailWithItsPDF(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newArchiveEnv(t, dialect)
			ctx := domain.WithRequestID(context.Background(), "req-send-42")
			draft := e.draft(t, domain.DocInvoice, "2026-11-02", "2", "10")
			if _, err := e.archive.Send(ctx, invoices, draft.ID, domain.SendDocument{}); conflictCode(err) != "illegal-transition" {
				t.Fatalf("sending a draft: %v, want a conflict", err)
			}
			d := e.validated(t, invoices, draft)
			var verr *domain.ValidationError
			if _, err := e.archive.Send(ctx, invoices, d.ID, domain.SendDocument{}); !errors.As(err, &verr) || verr.Fields[0].Field != "to" {
				t.Fatalf("sending to a third party without e-mail: %v, want 422 on to", err)
			}
			if _, err := e.archive.Send(ctx, orders, d.ID, domain.SendDocument{To: []string{"a@example.org"}}); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("an invoice sent as an order: %v", err)
			}

			email, locale := "billing@acme.test", "pt-BR"
			if _, err := e.tps.Update(ctx, e.tp, domain.ThirdPartyPatch{Email: &email, Locale: &locale}); err != nil {
				t.Fatal(err)
			}
			id, err := e.archive.Send(ctx, invoices, d.ID, domain.SendDocument{Cc: []string{"boss@acme.test"}})
			if err != nil {
				t.Fatal(err)
			}
			var row struct {
				Kind, Payload, RequestID, State string
			}
			if err := e.db.Gorm.Table("jobs").Select("kind, payload, request_id, state").Where("id = ?", id).Take(&row).Error; err != nil {
				t.Fatal(err)
			}
			p := decode[domain.EmailPayload](t, []byte(row.Payload))
			want := domain.EmailPayload{
				To: []string{"billing@acme.test"}, Cc: []string{"boss@acme.test"}, Template: "invoice", Lang: "pt-BR",
				Data: map[string]any{"ref": d.Ref, "total": "24.00", "currency": "EUR", "date": "2026-11-02", "due_date": "2026-11-02",
					"customer_name": "ACME", "company_name": "Doligo SA", "amount_paid": "0.00", "amount_due": "24.00",
					"paid": false, "partially_paid": false},
				Attachments: []domain.AttachmentRef{{Document: "invoice", ID: d.ID, Lang: "pt-BR"}},
			}
			if !reflect.DeepEqual(p, want) {
				t.Errorf("payload %+v, want %+v", p, want)
			}
			if row.Kind != domain.JobKindEmailSend || row.RequestID != "req-send-42" || row.State != domain.JobAvailable {
				t.Errorf("job %+v", row)
			}
			again, err := e.archive.Send(ctx, invoices, d.ID, domain.SendDocument{To: []string{"other@example.org"}, Lang: "fr"})
			if err != nil || again == id {
				t.Fatalf("a second sending: job %d (%v), want a new job", again, err)
			}
		})
	}
}
