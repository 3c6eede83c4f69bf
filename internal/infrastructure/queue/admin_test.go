package queue_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// CompleteMany writes every job still held by its own claim, and only those:
// a job whose lease was lost (here: taken back and claimed by another worker)
// is reported and left to its new holder.
func TestCompleteManyFencesEachJobByItsOwnLease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		s, kind := newStore(t, db), kindOf(t)
		for range 4 {
			enqueue(t, db, domain.NewJob{Kind: kind})
		}
		first := claim(t, s, kind, 2, time.Minute)  // one token…
		second := claim(t, s, kind, 2, time.Minute) // …another
		stolen := first[1]
		if err := s.Release(ctx, stolen, 0); err != nil { // as the reaper would after an expiry
			t.Fatal(err)
		}
		thief := claim(t, s, kind, 1, time.Minute)
		if len(thief) != 1 || thief[0].ID != stolen.ID {
			t.Fatalf("re-claimed %v, want job %d", ids(thief), stolen.ID)
		}

		lost, err := s.CompleteMany(ctx, []domain.Job{first[0], stolen, second[0], second[1]})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(lost, []int64{stolen.ID}) {
			t.Fatalf("lost %v, want [%d]", lost, stolen.ID)
		}
		for _, j := range []domain.Job{first[0], second[0], second[1]} {
			if r := readRow(t, db, j.ID); r.State != domain.JobDone || !r.Finished || r.Leased {
				t.Errorf("job %d: %+v, want done", j.ID, r)
			}
		}
		if r := readRow(t, db, stolen.ID); r.State != domain.JobRunning || !r.Leased {
			t.Errorf("the re-claimed job: %+v, want still running under the new claim", r)
		}
		if lost, err := s.CompleteMany(ctx, []domain.Job{first[0]}); err != nil || !slices.Equal(lost, []int64{first[0].ID}) {
			t.Fatalf("completing twice: lost %v, %v", lost, err)
		}
		if lost, err := s.CompleteMany(ctx, nil); err != nil || lost != nil {
			t.Fatalf("nothing to complete: %v, %v", lost, err)
		}
	})
}

// A dead job starts afresh; any other is a conflict; an unknown one is not found.
func TestRetryDead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		s, kind := newStore(t, db), kindOf(t)
		outbox := queue.NewOutbox(db.Gorm) // on the pool: each retry commits on its own
		id := enqueue(t, db, domain.NewJob{Kind: kind, MaxAttempts: 3, RequestID: "req-dead"})
		wantConflict := func(what string) {
			t.Helper()
			_, err := outbox.RetryDead(ctx, id)
			var p *domain.Problem
			if !errors.As(err, &p) || p.Kind != domain.ErrConflict || p.Code != "job-not-dead" {
				t.Fatalf("retrying a %s job: %v, want a job-not-dead conflict", what, err)
			}
		}
		wantConflict("pending")
		j := claim(t, s, kind, 1, time.Minute)[0]
		wantConflict("running")
		if err := s.Kill(ctx, j, "550 no such user"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, id)
		if err != nil || got.State != domain.JobDead || got.FinishedAt == nil || got.Attempt != 1 || got.LastError != "550 no such user" {
			t.Fatalf("dead job: %+v, %v", got, err)
		}
		again, err := outbox.RetryDead(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if again.State != domain.JobAvailable || again.Attempt != 0 || again.FinishedAt != nil ||
			again.LastError != "550 no such user" || again.RequestID != "req-dead" || again.MaxAttempts != 3 {
			t.Fatalf("retried job %+v", again)
		}
		if r := readRow(t, db, id); r.Leased || r.Finished {
			t.Fatalf("retried row %+v", r)
		}
		if got := claim(t, s, kind, 1, time.Minute); len(got) != 1 || got[0].ID != id || got[0].Attempt != 1 {
			t.Fatalf("claimed %+v after the retry, want the job on its first attempt", got)
		}
		if _, err := outbox.RetryDead(ctx, id+1000); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("retrying an unknown job: %v", err)
		}
		if _, err := s.Get(ctx, id+1000); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("reading an unknown job: %v", err)
		}
	})
}

// List filters by state and kind, pages newest first, and sorts on request;
// DepthByKind counts what List sees. Both read the whole table: a database
// of their own.
func TestListAndDepthByKind(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			s := newStore(t, db)
			var mail []int64
			for range 3 {
				mail = append(mail, enqueue(t, db, domain.NewJob{Kind: domain.JobKindEmailSend}))
			}
			pdf := enqueue(t, db, domain.NewJob{Kind: domain.JobKindPDFRender})
			done := claim(t, s, domain.JobKindEmailSend, 1, time.Minute)[0]
			if err := s.Complete(ctx, done); err != nil {
				t.Fatal(err)
			}

			page, err := s.List(ctx, domain.JobFilter{}, domain.ListQuery{Limit: 2})
			if err != nil || page.Total != 4 || len(page.Items) != 2 || page.Items[0].ID != pdf || page.Items[1].ID != mail[2] {
				t.Fatalf("first page: %+v, %v", page, err)
			}
			page, err = s.List(ctx, domain.JobFilter{}, domain.ListQuery{Limit: 2, Offset: 2})
			if err != nil || len(page.Items) != 2 || page.Items[0].ID != mail[1] || page.Items[1].ID != mail[0] {
				t.Fatalf("second page: %+v, %v", page, err)
			}
			page, err = s.List(ctx, domain.JobFilter{State: domain.JobAvailable, Kind: domain.JobKindEmailSend},
				domain.ListQuery{Limit: 50, Sort: "id"})
			if err != nil || page.Total != 2 || page.Items[0].ID != mail[1] || page.Items[1].ID != mail[2] {
				t.Fatalf("pending e-mails, oldest first: %+v, %v", page, err)
			}
			page, err = s.List(ctx, domain.JobFilter{State: domain.JobDone}, domain.ListQuery{Limit: 50, Sort: "finished_at", Desc: true})
			if err != nil || page.Total != 1 || page.Items[0].ID != done.ID || page.Items[0].FinishedAt == nil {
				t.Fatalf("done jobs: %+v, %v", page, err)
			}

			// A stream (the CSV exports) is every matching row in the pages'
			// order, from the offset on, without a count.
			streamed := func(f domain.JobFilter, q domain.ListQuery) []int64 {
				t.Helper()
				q.Stream = true
				page, err := s.List(ctx, f, q)
				if err != nil || page.Rows == nil || page.Items != nil || page.Total != 0 {
					t.Fatalf("stream %+v: %+v, %v", q, page, err)
				}
				var ids []int64
				for j, err := range page.Rows {
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, j.ID)
				}
				return ids
			}
			if got := streamed(domain.JobFilter{}, domain.ListQuery{Offset: 1}); !slices.Equal(got, []int64{mail[2], mail[1], mail[0]}) {
				t.Fatalf("streamed from offset 1: %v", got)
			}
			if got := streamed(domain.JobFilter{Kind: domain.JobKindEmailSend}, domain.ListQuery{Sort: "id", Limit: 2}); !slices.Equal(got, mail[:2]) {
				t.Fatalf("streamed e-mails, oldest first, 2 of them: %v", got)
			}

			depth, err := s.DepthByKind(ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(depth, func(a, b queue.KindDepth) int {
				return strings.Compare(a.Kind+"/"+a.State, b.Kind+"/"+b.State)
			})
			want := []queue.KindDepth{
				{Kind: domain.JobKindEmailSend, State: domain.JobAvailable, Jobs: 2},
				{Kind: domain.JobKindEmailSend, State: domain.JobDone, Jobs: 1},
				{Kind: domain.JobKindPDFRender, State: domain.JobAvailable, Jobs: 1},
			}
			if !slices.Equal(depth, want) {
				t.Fatalf("depth %+v, want %+v", depth, want)
			}
		})
	}
}

// Wake makes the waiting jobs of one kind runnable now — retried and
// deferred alike — and leaves other kinds, running and finished jobs alone.
func TestWake(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		s, kind, other := newStore(t, db), kindOf(t), kindOf(t)+".other"
		retried := enqueue(t, db, domain.NewJob{Kind: kind, MaxAttempts: 3})
		deferred := enqueue(t, db, domain.NewJob{Kind: kind, MaxAttempts: 3})
		running := enqueue(t, db, domain.NewJob{Kind: kind, MaxAttempts: 3})
		elsewhere := enqueue(t, db, domain.NewJob{Kind: other, MaxAttempts: 3})
		jobs := claim(t, s, kind, 3, time.Minute)
		byID := map[int64]domain.Job{}
		for _, j := range jobs {
			byID[j.ID] = j
		}
		if err := s.Retry(ctx, byID[retried], time.Hour, "421 try later"); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, byID[deferred], time.Hour); err != nil {
			t.Fatal(err)
		}
		o := claim(t, s, other, 1, time.Minute)[0]
		if err := s.Retry(ctx, o, time.Hour, "421 try later"); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, kind, 3, time.Minute); len(got) != 0 {
			t.Fatalf("claimed %v before the wake: the retry and deferral wait an hour", ids(got))
		}
		n, err := s.Wake(ctx, kind)
		if err != nil || n != 2 {
			t.Fatalf("woke %d jobs (%v), want the retried and the deferred one", n, err)
		}
		got := ids(claim(t, s, kind, 3, time.Minute))
		slices.Sort(got)
		if want := []int64{retried, deferred}; !slices.Equal(got, want) {
			t.Fatalf("claimed %v after the wake, want %v", got, want)
		}
		if r := readRow(t, db, running); r.State != domain.JobRunning {
			t.Fatalf("the running job is %+v", r)
		}
		if got := claim(t, s, other, 1, time.Minute); len(got) != 0 {
			t.Fatalf("another kind's job %d was woken", elsewhere)
		}
		if n, err := s.Wake(ctx, kind); err != nil || n != 0 {
			t.Fatalf("a second wake woke %d (%v)", n, err)
		}
	})
}
