package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/observability"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// outboxAPI is the real stack with the archive and jobs areas, the queue
// depth in /metrics, and the worker side of the archive (with a fake
// renderer) to play the worker.
type outboxAPI struct {
	*commercialAPI
	store   *queue.Store
	archive *usecase.ArchiveService // the worker's: renders
}

func newOutboxAPI(t *testing.T, dialect string) *outboxAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
	store, err := queue.NewStore(db.SQL, db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	metrics := observability.NewMetrics(nil)
	queue.RegisterDepth(metrics.Registry, store)
	e := NewServer(Options{
		Log: zerolog.Nop(), Auth: commercialAuth{}, Metrics: metrics,
		Idempotency: Idempotency(usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)), time.Hour, time.Now),
	}, NewThirdPartyRoutes(tps), NewDocumentRoutes(docs),
		NewArchiveRoutes(usecase.NewArchiveService(uow, usecase.ArchiveOptions{Company: domain.Company{Name: "Doligo SA"}})), NewJobRoutes(store, usecase.NewJobService(uow)))
	render := func(_ context.Context, d *domain.Document, _ *domain.ThirdParty, _ domain.DocumentLinks, _ domain.Company, lang string) ([]byte, error) {
		return []byte("%PDF-1.7 " + d.DisplayRef() + " " + lang), nil
	}
	return &outboxAPI{
		commercialAPI: &commercialAPI{e: e, db: db}, store: store,
		archive: usecase.NewArchiveService(uow, usecase.ArchiveOptions{Render: render}),
	}
}

// jobOf reads the job as the API shows it.
func (a *outboxAPI) job(t *testing.T, id int64, as string) jobResponse {
	t.Helper()
	return decodeJSON[jobResponse](t, a.call("GET", fmt.Sprintf("/api/v1/jobs/%d", id), "", "Authorization", "Bearer "+as), http.StatusOK)
}

// runRenderJobs plays the worker: claims the pdf.render jobs and runs them.
func (a *outboxAPI) runRenderJobs(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	jobs, err := a.store.Claim(ctx, "test", []string{domain.JobKindPDFRender}, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if err := a.archive.RenderJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := a.store.Complete(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	return len(jobs)
}

func TestSendArchiveAndJobsAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newOutboxAPI(t, d)
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "is_customer": true}`))
			inv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(invoiceBody, tp)))
			send := "/api/v1/invoices/" + inv + "/send"

			wantProblem(t, a.call("POST", send, ""), http.StatusConflict, "illegal-transition")
			validated := a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+inv+"/validate", "")
			fields := wantProblem(t, a.call("POST", send, `{}`), http.StatusUnprocessableEntity, "validation")
			if len(fields) != 1 || fields[0] != "to" {
				t.Fatalf("send without a recipient: fields %v, want [to]", fields)
			}
			fields = wantProblem(t, a.call("POST", send, `{"to": ["not an address"], "cc": ["ok@example.org", "x"], "lang": "??"}`),
				http.StatusUnprocessableEntity, "validation")
			if strings.Join(fields, " ") != "to[0] cc[1] lang" {
				t.Fatalf("bad addresses: fields %v", fields)
			}
			wantProblem(t, a.call("POST", "/api/v1/invoices/999999/send", `{"to": ["a@example.org"]}`), http.StatusNotFound, "not-found")
			wantProblem(t, a.call("POST", send, `{"to": ["a@example.org"]}`, "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")

			rec := a.call("POST", send, `{"to": ["ap@acme.test"], "lang": "fr"}`, "X-Request-ID", "req-send-"+d)
			sent := decodeJSON[sendResponse](t, rec, http.StatusAccepted)
			if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/jobs/%d", sent.JobID) {
				t.Fatalf("location %q", rec.Header().Get("Location"))
			}
			j := a.job(t, sent.JobID, "sales")
			if j.Kind != domain.JobKindEmailSend || j.Status != "pending" || j.Attempts != 0 || j.MaxAttempts != domain.DefaultJobMaxAttempts ||
				j.RequestID != "req-send-"+d || j.FinishedAt != nil || j.CreatedAt.IsZero() || j.RunAt.IsZero() {
				t.Fatalf("sent job %+v", j)
			}

			t.Run("archived documents", func(t *testing.T) { archivedDocuments(t, a, inv, validated["ref"].(string)) })
			t.Run("jobs", func(t *testing.T) { jobsAPI(t, a, sent.JobID) })
		})
	}
}

func archivedDocuments(t *testing.T, a *outboxAPI, inv, ref string) {
	files := "/api/v1/invoices/" + inv + "/documents"
	if l := decodeJSON[ListResponse[archivedFileResponse]](t, a.call("GET", files, ""), http.StatusOK); l.Total != 0 || len(l.Items) != 0 {
		t.Fatalf("files before the worker ran: %+v", l)
	}
	if n := a.runRenderJobs(t); n != 1 {
		t.Fatalf("%d pdf.render jobs enqueued by one validation, want 1", n)
	}
	l := decodeJSON[ListResponse[archivedFileResponse]](t, a.call("GET", files, "", "Authorization", "Bearer viewer"), http.StatusOK)
	if l.Total != 1 || len(l.Items) != 1 {
		t.Fatalf("files after the worker ran: %+v", l)
	}
	f := l.Items[0]
	if f.OwnerType != "invoice" || fmt.Sprint(f.OwnerID) != inv || f.Filename != ref+".pdf" || f.ContentType != "application/pdf" ||
		f.JobID == nil || f.Lang != "en" || f.URL != fmt.Sprintf("/api/v1/documents/%d", f.ID) {
		t.Fatalf("file %+v", f)
	}
	rec := a.call("GET", f.URL, "", "Authorization", "Bearer viewer")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" ||
		rec.Header().Get("Content-Disposition") != `inline; filename="`+ref+`.pdf"` || rec.Body.String() != "%PDF-1.7 "+ref+" en" {
		t.Fatalf("GET %s: %d %v %q", f.URL, rec.Code, rec.Header(), rec.Body)
	}
	wantProblem(t, a.call("GET", "/api/v1/documents/999999", ""), http.StatusNotFound, "not-found")
	wantProblem(t, a.call("GET", "/api/v1/orders/"+inv+"/documents", ""), http.StatusNotFound, "not-found")
	wantProblem(t, a.call("GET", "/api/v1/invoices/999999/documents", ""), http.StatusNotFound, "not-found")
	wantProblem(t, a.call("GET", files+"?sort=size", ""), http.StatusUnprocessableEntity, "validation")
}

func jobsAPI(t *testing.T, a *outboxAPI, sent int64) {
	ctx := context.Background()
	list := func(query, as string) ListResponse[jobResponse] {
		t.Helper()
		return decodeJSON[ListResponse[jobResponse]](t, a.call("GET", "/api/v1/jobs"+query, "", "Authorization", "Bearer "+as), http.StatusOK)
	}
	all := list("", "accountant")
	if all.Total != 2 || all.Items[0].ID != sent || all.Items[1].Kind != domain.JobKindPDFRender || all.Items[1].Status != "done" ||
		all.Items[1].FinishedAt == nil || all.Items[1].Attempts != 1 {
		t.Fatalf("every job, newest first: %+v", all)
	}
	if l := list("?status=pending&kind=email.send", "admin"); l.Total != 1 || l.Items[0].ID != sent {
		t.Fatalf("pending e-mails: %+v", l)
	}
	if l := list("?status=done&sort=id&limit=1", "admin"); l.Total != 1 || l.Items[0].Kind != domain.JobKindPDFRender || l.Limit != 1 {
		t.Fatalf("done jobs: %+v", l)
	}
	// An unknown kind filters nothing real: 422 naming it (it was an empty
	// 200, which hid typos).
	if fields := wantProblem(t, a.call("GET", "/api/v1/jobs?kind=nope", ""), http.StatusUnprocessableEntity, "validation"); strings.Join(fields, " ") != "kind" {
		t.Fatalf("jobs of an unknown kind: fields %v", fields)
	}
	fields := wantProblem(t, a.call("GET", "/api/v1/jobs?status=available&sort=kind", ""), http.StatusUnprocessableEntity, "validation")
	if strings.Join(fields, " ") != "sort status" {
		t.Fatalf("bad list query: fields %v", fields)
	}
	wantProblem(t, a.call("GET", "/api/v1/jobs", "", "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")
	wantProblem(t, a.call("GET", "/api/v1/jobs/999999", ""), http.StatusNotFound, "not-found")
	wantProblem(t, a.call("GET", "/api/v1/jobs/abc", ""), http.StatusNotFound, "not-found")

	// Retry: only a dead job, only with jobs:admin.
	retry := fmt.Sprintf("/api/v1/jobs/%d/retry", sent)
	wantProblem(t, a.call("POST", retry, ""), http.StatusConflict, "job-not-dead")
	wantProblem(t, a.call("POST", "/api/v1/jobs/999999/retry", ""), http.StatusNotFound, "not-found")
	claimed, err := a.store.Claim(ctx, "test", []string{domain.JobKindEmailSend}, 1, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim the e-mail: %v, %v", claimed, err)
	}
	wantProblem(t, a.call("POST", retry, ""), http.StatusConflict, "job-not-dead") // running: never a second runner
	if err := a.store.Kill(ctx, claimed[0], "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	if dead := a.job(t, sent, "admin"); dead.Status != "dead" || dead.Attempts != 1 || dead.LastError != "550 mailbox unavailable" || dead.FinishedAt == nil {
		t.Fatalf("dead job %+v", dead)
	}
	wantProblem(t, a.call("POST", retry, "", "Authorization", "Bearer sales"), http.StatusForbidden, "forbidden")
	again := decodeJSON[jobResponse](t, a.call("POST", retry, ""), http.StatusOK)
	if again.Status != "pending" || again.Attempts != 0 || again.FinishedAt != nil || again.LastError != "550 mailbox unavailable" {
		t.Fatalf("retried job %+v", again)
	}
	// The retry is an operator's write: audited with the change of state, and
	// only the one that took effect (the refused ones above wrote nothing).
	var changes []string
	if err := a.db.Gorm.Raw(`SELECT changes FROM audit_log WHERE action = 'job.retry' AND object_type = 'job' AND object_id = ?`, sent).
		Scan(&changes).Error; err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || !strings.Contains(changes[0], `"dead"`) || !strings.Contains(changes[0], `"available"`) {
		t.Fatalf("audit rows of the retry: %q, want one from dead to available", changes)
	}
	if got, err := a.store.Claim(ctx, "test", []string{domain.JobKindEmailSend}, 1, time.Minute); err != nil || len(got) != 1 || got[0].ID != sent {
		t.Fatalf("the retried job is not claimable: %v, %v", got, err)
	}

	rec := a.call("GET", "/metrics", "", "Authorization", "")
	for _, want := range []string{`doligo_jobs{kind="email.send",state="running"} 1`, `doligo_jobs{kind="pdf.render",state="done"} 1`,
		`doligo_jobs{kind="pdf.render",state="dead"} 0`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
