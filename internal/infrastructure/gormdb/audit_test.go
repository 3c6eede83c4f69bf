package gormdb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// What a unit of work records is written at its commit, in one statement,
// and dropped when it rolls back; chain links appended by concurrent units of
// work form one unbroken chain, in commit order.
func TestAuditBufferedUntilCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := domain.WithActor(domain.WithRequestID(context.Background(), "req-audit"), 9)
		uow := gormdb.NewUnitOfWork(db.DB)
		count := func(table string) int64 {
			var n int64
			if err := db.Gorm.Table(table).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		auditBefore, chainBefore := count("audit_log"), count("fiscal_chain")

		refused := errors.New("refused")
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			if err := r.Audit.Record(ctx, domain.NewAuditEntry(ctx, "thing.create", "thing", 1, nil)); err != nil {
				return err
			}
			if err := r.Audit.Chain(ctx, domain.ChainDocument, 1, "x"); err != nil {
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) || count("audit_log") != auditBefore || count("fiscal_chain") != chainBefore {
			t.Fatalf("a rolled-back unit of work left audit rows or links (err %v)", err)
		}

		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
					for j := range 2 {
						id := int64(100 + 2*i + j)
						if err := r.Audit.Record(ctx, domain.NewAuditEntry(ctx, "thing.create", "thing", id, domain.Diff(nil, map[string]int{"n": j}))); err != nil {
							return err
						}
						if err := r.Audit.Chain(ctx, domain.ChainDocument, id, fmt.Sprintf("content %d", id)); err != nil {
							return err
						}
					}
					return nil
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := count("audit_log") - auditBefore; n != 16 {
			t.Fatalf("%d audit rows, want 16", n)
		}
		var page domain.Page[*domain.AuditEntry]
		err = uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
			page, err = r.Audit.List(ctx, domain.AuditFilter{ObjectType: "thing", UserID: 9, ListQuery: domain.ListQuery{Limit: 100}})
			if err != nil {
				return err
			}
			stream, err := r.Audit.List(ctx, domain.AuditFilter{ObjectType: "thing", ListQuery: domain.ListQuery{Stream: true}})
			if err != nil {
				return err
			}
			streamed := 0
			for e, err := range stream.Rows {
				if err != nil {
					return err
				}
				if e.ID != page.Items[streamed].ID {
					return fmt.Errorf("streamed row %d is %d, listed %d", streamed, e.ID, page.Items[streamed].ID)
				}
				streamed++
			}
			if streamed != 16 {
				return fmt.Errorf("streamed %d rows", streamed)
			}
			seq, head, err := r.Audit.ChainHead(ctx)
			if err != nil {
				return err
			}
			links, err := r.Audit.ChainAfter(ctx, 0, seq, 1000)
			if err != nil {
				return err
			}
			prev := domain.ChainGenesis
			for i, l := range links {
				if l.Seq != int64(i+1) || l.PrevHash != prev || l.Hash != domain.ChainHash(prev, l.Content) {
					return fmt.Errorf("link %d does not follow: %+v", i+1, l)
				}
				prev = l.Hash
			}
			if int64(len(links)) != seq || prev != head {
				return fmt.Errorf("%d links, head %d %s", len(links), seq, head)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		e := page.Items[0]
		if page.Total != 16 || e.UserID != 9 || e.RequestID != "req-audit" || e.At.IsZero() || string(e.Changes) != `{"n":{"before":null,"after":1}}` {
			t.Fatalf("page of %d, newest %+v (%s)", page.Total, e, e.Changes)
		}
	})
}

// A unit of work recording more rows than one INSERT carries writes them all.
func TestAuditManyRows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		err := gormdb.NewUnitOfWork(db.DB).Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			for i := range 2500 {
				if err := r.Audit.Record(ctx, domain.NewAuditEntry(ctx, "many.create", "many", int64(i+1), nil)); err != nil {
					return err
				}
			}
			return r.Audit.Chain(ctx, domain.ChainDocument, 1, "many")
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.Gorm.Table("audit_log").Where("object_type = ?", "many").Count(&n).Error; err != nil || n != 2500 {
			t.Fatalf("%d rows (%v), want 2500", n, err)
		}
	})
}
