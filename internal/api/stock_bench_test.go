package api_test

// HTTP figure of docs/benchmarks.md: `make bench`, or
//
//	go test -run '^$' -bench BenchmarkHTTPStockMovements -benchtime 3s ./internal/api/
//
// 16 clients post stock movements (debits of 1) to an in-process server on
// the loopback interface, backed by PostgreSQL, through the whole stack:
// Echo middleware (request id, access log, metrics, body limit,
// authentication, RBAC, Idempotency-Key), handler, StockService, GORM. The
// authenticator is the test double (no JWT verification) and requests carry
// no Idempotency-Key. hot debits one product, spread 256.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/observability"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

const httpBenchClients = 16

func BenchmarkHTTPStockMovements(b *testing.B) {
	if !slices.Contains(testdb.Dialects(), sqldialect.Postgres) {
		b.Skip("postgres is not in TEST_DIALECTS")
	}
	db := testdb.Migrated(b, sqldialect.Postgres)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	e := api.NewServer(api.Options{
		Log: zerolog.Nop(), Metrics: observability.NewMetrics(db.SQL), BodyLimit: "1M", Auth: stockAuth{},
		Idempotency: api.Idempotency(usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)), time.Hour, time.Now),
	}, api.NewStockRoutes(stock))
	srv := httptest.NewServer(e) // 127.0.0.1 only
	defer srv.Close()

	ctx := context.Background()
	w := &domain.Warehouse{Ref: "HTTP", Label: "HTTP bench"}
	if err := catalog.CreateWarehouse(ctx, w); err != nil {
		b.Fatal(err)
	}
	products := make([]int64, 256)
	for i := range products {
		p := &domain.Product{Ref: fmt.Sprintf("HTTP-%03d", i), Label: "HTTP bench", Type: domain.ProductTypeProduct, TrackStock: true, Active: true}
		if err := catalog.CreateProduct(ctx, p); err != nil {
			b.Fatal(err)
		}
		op, _ := domain.NewStockMovement(p.ID, w.ID, decimal.New(1, 12), decimal.NullDecimal{}, "opening")
		if _, err := stock.Apply(ctx, domain.Principal{UserID: 1}, op); err != nil {
			b.Fatal(err)
		}
		products[i] = p.ID
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: httpBenchClients}}
	defer client.CloseIdleConnections()
	post := func(product int64) error {
		body := fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": "-1", "label": "bench"}`, product, w.ID)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/stock/movements", bytes.NewBufferString(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer all")
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		msg, _ := io.ReadAll(res.Body) // read to the end: the connection is reused
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d: %s", res.StatusCode, msg)
		}
		return nil
	}
	b.Run("hot", func(b *testing.B) { runClients(b, func(uint64) int64 { return products[0] }, post) })
	b.Run("spread", func(b *testing.B) { runClients(b, func(i uint64) int64 { return products[i%256] }, post) })
}

// runClients sends b.N requests from httpBenchClients goroutines, each
// taking the next request number until b.N are sent, and reports requests
// per second.
func runClients(b *testing.B, pick func(i uint64) int64, post func(product int64) error) {
	var (
		next atomic.Uint64
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	for range httpBenchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > uint64(b.N) {
					return
				}
				if err := post(pick(i)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
