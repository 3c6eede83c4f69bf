package api

// Benchmarks of the commercial documents over HTTP against an in-process
// server on PostgreSQL over loopback (docs/benchmarks.md). They run only with
// -bench:
//
//	go test -run '^$' -bench 'Invoice' -benchtime 2000x ./internal/api/

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// benchServer is the API as cmd/api wires the commercial, catalog and stock
// areas (idempotency included; the authenticator is the test double, so the
// figures leave JWT checks out), served on loopback.
type benchServer struct {
	url     string
	client  *http.Client
	db      *testdb.DB
	tp      int64
	product int64
	// validateBody names the warehouse the validations debit.
	validateBody string
	queries      atomic.Int64 // statements sent through GORM
	seq          atomic.Int64
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	db := testdb.Migrated(b, sqldialect.Postgres)
	db.SQL.SetMaxOpenConns(20) // DOLIGO_DB_MAX_OPEN_CONNS's default
	db.SQL.SetMaxIdleConns(10)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	catalog := usecase.NewCatalogService(uow, time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Stock: usecase.NewDocumentStock(stock, usecase.DocumentStockOptions{})})
	e := NewServer(Options{Log: zerolog.Nop(), Auth: commercialAuth{},
		Idempotency: Idempotency(usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)), time.Hour, time.Now)},
		NewThirdPartyRoutes(tps), NewDocumentRoutes(docs), NewProductRoutes(catalog, stock), NewWarehouseRoutes(catalog), NewStockRoutes(stock))
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	s := &benchServer{
		url: srv.URL, db: db,
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}},
	}
	count := func(*gorm.DB) { s.queries.Add(1) }
	cb := db.Gorm.Callback()
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("bench:count_query", count),
		cb.Row().Before("gorm:row").Register("bench:count_row", count),
		cb.Raw().Before("gorm:raw").Register("bench:count_raw", count),
		cb.Create().Before("gorm:create").Register("bench:count_create", count),
		cb.Update().Before("gorm:update").Register("bench:count_update", count),
		cb.Delete().Before("gorm:delete").Register("bench:count_delete", count),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	s.tp = s.create(b, "/api/v1/thirdparties", `{"name": "Benchmark customer", "is_customer": true}`)
	s.product = s.create(b, "/api/v1/products", `{"ref": "BENCH", "label": "Stocked widget", "type": "product", "unit_price": "12.50", "vat_rate": "20", "track_stock": true}`)
	w := s.create(b, "/api/v1/warehouses", `{"ref": "MAIN", "label": "Main"}`)
	s.create(b, "/api/v1/stock/movements", fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": "1000000000"}`, s.product, w))
	s.validateBody = fmt.Sprintf(`{"warehouse_id": %d}`, w)
	return s
}

// do sends a request as the admin, with an Idempotency-Key on POSTs as
// clients are asked to, and returns the status and body.
func (s *benchServer) do(method, path, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, s.url+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer admin")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost {
		req.Header.Set(HeaderIdempotencyKey, fmt.Sprintf("bench-%d", s.seq.Add(1)))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// create POSTs body and returns the new id.
func (s *benchServer) create(b *testing.B, path, body string) int64 {
	b.Helper()
	id, err := s.post(path, body, http.StatusCreated)
	if err != nil {
		b.Fatal(err)
	}
	return id
}

func (s *benchServer) post(path, body string, want int) (int64, error) {
	status, out, err := s.do(http.MethodPost, path, body)
	if err != nil {
		return 0, err
	}
	if status != want {
		return 0, fmt.Errorf("POST %s: %d %s", path, status, out)
	}
	var v struct {
		ID int64 `json:"id"`
	}
	return v.ID, json.Unmarshal(out, &v)
}

// invoiceBody is an invoice of three lines, one of a stocked product.
func (s *benchServer) invoiceBody(date string) string {
	return fmt.Sprintf(`{"thirdparty_id": %d, "date": %q, "lines": [
		{"product_id": %d, "qty": "2"},
		{"description": "Installation", "qty": "1.5", "unit_price": "80", "vat_rate": "20"},
		{"description": "Travel", "qty": "1", "unit_price": "35.20", "discount_percent": "10", "vat_rate": "10"}]}`, s.tp, date, s.product)
}

// createAndValidate is one client's business action: a draft, then its
// validation (number, stock debit, in one transaction).
func (s *benchServer) createAndValidate(date string) error {
	id, err := s.post("/api/v1/invoices", s.invoiceBody(date), http.StatusCreated)
	if err != nil {
		return err
	}
	_, err = s.post(fmt.Sprintf("/api/v1/invoices/%d/validate", id), s.validateBody, http.StatusOK)
	return err
}

// BenchmarkInvoiceCreateAndValidate measures the throughput of clients that
// each create and validate invoices one after the other, 8 and 32 at a time.
// All invoices share one month (one numbering row) and one stocked product
// (one stock level): the worst case, where validations queue on both locks.
func BenchmarkInvoiceCreateAndValidate(b *testing.B) {
	s := newBenchServer(b)
	for _, clients := range []int{8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			q0 := s.queries.Load()
			start := time.Now()
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := s.createAndValidate("2031-05-15"); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			elapsed := time.Since(start)
			select {
			case err := <-errs:
				b.Fatal(err)
			default:
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "invoices/s")
			b.ReportMetric(float64(s.queries.Load()-q0)/float64(b.N), "queries/invoice")
		})
	}
}

// BenchmarkInvoiceList100 measures GET /api/v1/invoices?limit=100 over
// validated invoices of three lines, and how many statements it takes.
func BenchmarkInvoiceList100(b *testing.B) {
	s := newBenchServer(b)
	for range 100 {
		if err := s.createAndValidate("2031-06-01"); err != nil {
			b.Fatal(err)
		}
	}
	q0 := s.queries.Load()
	n := 0
	for b.Loop() {
		status, out, err := s.do(http.MethodGet, "/api/v1/invoices?limit=100", "")
		if err != nil || status != http.StatusOK {
			b.Fatalf("list: %d %v", status, err)
		}
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(out, &page); err != nil || len(page.Items) != 100 {
			b.Fatalf("list: %d items, %v", len(page.Items), err)
		}
		n++
	}
	b.ReportMetric(float64(s.queries.Load()-q0)/float64(n), "queries/list")
}
