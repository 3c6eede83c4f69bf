package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// syncBuffer is a log sink that handler goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// salesAPI is the real commercial stack with stock on validation, the PDF
// routes and the sales reports, logging into log.
type salesAPI struct {
	*commercialAPI
	docs *usecase.DocumentService
	log  *syncBuffer
	// wrap, when set, stands between the handler and the real renderer.
	wrap  atomic.Pointer[func(ctx context.Context) context.Context]
	langs chan string // every language the handler asked the renderer for
	done  chan renderResult
}

type renderResult struct {
	out []byte
	err error
}

func newSalesAPI(t *testing.T, dialect string, stock usecase.DocumentStockOptions) *salesAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	stockSvc := usecase.NewStockService(uow, usecase.StockOptions{})
	catalog := usecase.NewCatalogService(uow, time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Stock: usecase.NewDocumentStock(stockSvc, stock)})
	a := &salesAPI{docs: docs, log: &syncBuffer{}, langs: make(chan string, 100), done: make(chan renderResult, 100)}
	company := domain.Company{Name: "Doligo Test", Address: "1 rue de la Paix\nParis"}
	render := func(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, links domain.DocumentLinks, _ domain.Company, lang string) ([]byte, error) {
		a.langs <- lang
		if wrap := a.wrap.Load(); wrap != nil {
			ctx = (*wrap)(ctx)
		}
		out, err := pdf.NewRenderer("").Render(ctx, d, customer, links, company, lang)
		a.done <- renderResult{out, err}
		return out, err
	}
	e := NewServer(Options{Log: zerolog.New(a.log), Auth: commercialAuth{}},
		NewThirdPartyRoutes(tps), NewDocumentRoutes(docs), NewDocumentPDFRoutes(usecase.NewArchiveService(uow, usecase.ArchiveOptions{Render: render}), NewRenderSlots(RenderLimits{MaxConcurrent: 4, QueueWait: time.Minute})),
		NewProductRoutes(catalog, stockSvc), NewWarehouseRoutes(catalog), NewStockRoutes(stockSvc),
		NewSalesReportRoutes(gormdb.NewSalesReports(db.DB), "EUR", func() time.Time { return time.Date(2026, 12, 31, 9, 0, 0, 0, time.UTC) }))
	a.commercialAPI = &commercialAPI{e: e, db: db}
	return a
}

func TestDocumentPDF(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newSalesAPI(t, d, usecase.DocumentStockOptions{})
			br := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Cliente", "locale": "pt-BR"}`))
			plain := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Plain"}`))
			inv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(invoiceBody, br)))
			pdfOf := func(path string, hdr ...string) *httptest.ResponseRecorder {
				t.Helper()
				rec := a.call("GET", path, "", hdr...)
				if rec.Code == http.StatusOK {
					if ct := rec.Header().Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
						t.Fatalf("%s: %s, %q…", path, ct, rec.Body.Bytes()[:min(8, rec.Body.Len())])
					}
				}
				return rec
			}
			lang := func() string {
				t.Helper()
				select {
				case l := <-a.langs:
					<-a.done
					return l
				default:
					t.Fatal("the renderer was not called")
					return ""
				}
			}

			// A draft prints under its provisional ref; the language is the
			// one asked for, else the customer's, else the browser's, else en.
			rec := pdfOf("/api/v1/invoices/" + inv + "/pdf?lang=fr")
			if cd := rec.Header().Get("Content-Disposition"); rec.Code != http.StatusOK || cd != `inline; filename="PROV`+inv+`.pdf"` {
				t.Fatalf("draft: %d %q", rec.Code, cd)
			}
			if l := lang(); l != "fr" {
				t.Fatalf("?lang=fr rendered in %q", l)
			}
			v := a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+inv+"/validate", "")
			if rec := pdfOf("/api/v1/invoices/"+inv+"/pdf", "Accept-Language", "es"); rec.Header().Get("Content-Disposition") != `inline; filename="`+v["ref"].(string)+`.pdf"` {
				t.Fatalf("validated: %q", rec.Header().Get("Content-Disposition"))
			}
			if l := lang(); l != "pt-BR" {
				t.Fatalf("customer locale: rendered in %q", l)
			}
			other := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(invoiceBody, plain)))
			pdfOf("/api/v1/invoices/"+other+"/pdf", "Accept-Language", "es-MX, es;q=0.9")
			if l := lang(); l != "es-MX, es;q=0.9" {
				t.Fatalf("Accept-Language: rendered in %q", l)
			}
			pdfOf("/api/v1/invoices/" + other + "/pdf")
			if l := lang(); l != "en" {
				t.Fatalf("no preference: rendered in %q", l)
			}

			// Proposals and orders too, each under its own resource only.
			prop := id(a.json(t, http.StatusCreated, "POST", "/api/v1/proposals", fmt.Sprintf(invoiceBody, plain)))
			order := id(a.json(t, http.StatusCreated, "POST", "/api/v1/orders", fmt.Sprintf(invoiceBody, plain)))
			for _, p := range []string{"/proposals/" + prop, "/orders/" + order} {
				if rec := pdfOf("/api/v1" + p + "/pdf"); rec.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
				}
				lang()
			}
			wantProblem(t, a.call("GET", "/api/v1/orders/"+inv+"/pdf", ""), http.StatusNotFound, "not-found")
			wantProblem(t, a.call("GET", "/api/v1/invoices/999999/pdf", ""), http.StatusNotFound, "not-found")
			if fields := wantProblem(t, a.call("GET", "/api/v1/invoices/"+inv+"/pdf?lang=<script>", ""), http.StatusUnprocessableEntity, "validation"); len(fields) != 1 || fields[0] != "lang" {
				t.Fatalf("bad lang: %v", fields)
			}
			// invoices:read is needed; a viewer has it, the warehouse role not.
			if rec := pdfOf("/api/v1/invoices/"+inv+"/pdf", "Authorization", "Bearer viewer"); rec.Code != http.StatusOK {
				t.Fatalf("viewer: %d", rec.Code)
			}
			lang()
			wantProblem(t, a.call("GET", "/api/v1/invoices/"+inv+"/pdf", "", "Authorization", "Bearer warehouse"), http.StatusForbidden, "forbidden")
			select {
			case l := <-a.langs:
				t.Fatalf("refused requests rendered (%s)", l)
			default:
			}
		})
	}
}

// pauseAt is the request context as the renderer sees it: at its at-th check
// it tells the client to hang up, then holds the renderer until the context
// is done — which only the server noticing the disconnection can do — so the
// cancellation lands mid-document every time.
type pauseAt struct {
	context.Context
	at      int64
	n       atomic.Int64
	reached chan struct{}
}

func (c *pauseAt) Err() error {
	if c.n.Add(1) == c.at {
		close(c.reached)
		select {
		case <-c.Context.Done():
		case <-time.After(time.Minute): // never cancelled: the rendering completes and the test fails
		}
	}
	return c.Context.Err()
}

// rendering reports goroutines still in the PDF handler or the renderer.
func rendering() (bool, string) {
	buf := make([]byte, 4<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, fn := range []string{"api.(*DocumentPDFRoutes)", "usecase.(*ArchiveService)", "infrastructure/pdf.Render(", "pdf.(*renderer)"} {
		if strings.Contains(stacks, fn) {
			return true, stacks
		}
	}
	return false, stacks
}

// CT-03 at the endpoint: a client that hangs up in the middle of a large
// invoice's PDF stops the rendering; the goroutine that served it ends,
// nothing is written, and no error is logged (the client left; the server
// did not fail).
func TestPDFClientHangsUp(t *testing.T) {
	a := newSalesAPI(t, testdb.Dialects()[0], usecase.DocumentStockOptions{})
	tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Big customer"}`))
	tpID, err := strconv.ParseInt(tp, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	var lines []domain.LineInput
	price, rate := decimal.RequireFromString("12.5"), decimal.NewFromInt(20)
	for i := range 500 { // the limit was 500 lines when this test was written; 5,000 lines: pdf.TestClientDisconnectStopsRendering
		lines = append(lines, domain.LineInput{
			Description: fmt.Sprintf("Item %d: %s", i, strings.Repeat("a long description that wraps over several lines ", 6)),
			Qty:         decimal.NewFromInt(int64(i + 1)), UnitPrice: &price, VATRate: &rate,
		})
	}
	big, err := a.docs.Create(context.Background(), domain.Principal{UserID: 1}, domain.DocInvoice, domain.DraftInput{ThirdPartyID: tpID, Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/invoices/%d/pdf", big.ID)

	srv := httptest.NewServer(a.e)
	defer srv.Close()
	get := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path+"?lang=fr", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer admin")
		return srv.Client().Do(req)
	}
	// A complete rendering first: it proves the document is large (dozens of
	// pages) and warms the pools, so the goroutine count below is steady.
	resp, err := get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	full := new(bytes.Buffer)
	_, _ = full.ReadFrom(resp.Body)
	resp.Body.Close()
	if pages := bytes.Count(full.Bytes(), []byte("/Type /Page")); resp.StatusCode != http.StatusOK || pages < 30 {
		t.Fatalf("full rendering: %d, %d bytes, %d pages", resp.StatusCode, full.Len(), pages)
	}
	<-a.langs
	<-a.done
	srv.CloseClientConnections()

	for _, tc := range []struct {
		phase string
		at    int64
	}{
		{"while laying out", int64(len(lines)) / 2},
		{"while drawing", int64(len(lines)) * 3 / 2}, // layout checks once per line, then drawing checks per row
	} {
		t.Run(tc.phase, func(t *testing.T) {
			logBefore := len(a.log.String())
			baseline := runtime.NumGoroutine()
			reached := make(chan struct{})
			wrap := func(ctx context.Context) context.Context { return &pauseAt{Context: ctx, at: tc.at, reached: reached} }
			a.wrap.Store(&wrap)
			defer a.wrap.Store(nil)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				select {
				case <-reached: // the renderer is mid-document: hang up
					cancel()
				case <-ctx.Done():
				}
			}()
			if resp, err := get(ctx); err == nil {
				resp.Body.Close()
				t.Fatalf("the client got a %s answer: the rendering was not interrupted", resp.Status)
			}
			<-a.langs
			select {
			case res := <-a.done:
				if !errors.Is(res.err, context.Canceled) || res.out != nil {
					t.Fatalf("the renderer returned %d bytes, err %v; want nothing and context.Canceled", len(res.out), res.err)
				}
			case <-time.After(time.Minute):
				t.Fatal("the renderer did not return after the client hung up")
			}

			// The goroutine that served the request ends: none is left in
			// the handler or the renderer, and the count is back to the
			// baseline.
			for i := 0; ; i++ {
				busy, stacks := rendering()
				n := runtime.NumGoroutine()
				if !busy && n <= baseline {
					break
				}
				if i == 500 {
					t.Fatalf("%d goroutines, %d before the request (still rendering: %v):\n%s", n, baseline, busy, stacks)
				}
				time.Sleep(10 * time.Millisecond)
			}
			logs := a.log.String()[logBefore:]
			if strings.Contains(logs, `"level":"error"`) || !strings.Contains(logs, `"status":499`) || !strings.Contains(logs, "PDF not rendered") {
				t.Fatalf("log of the abandoned request:\n%s", logs)
			}
		})
	}
}

// Validation over HTTP: short stock is a 409 and the invoice stays a draft;
// a missing warehouse is a 422 naming warehouse_id.
func TestValidationStockOverHTTP(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newSalesAPI(t, d, usecase.DocumentStockOptions{})
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME"}`))
			p := id(a.json(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref": "P1", "label": "Widget", "type": "product", "unit_price": "10", "vat_rate": "20", "track_stock": true}`))
			w := id(a.json(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "W1", "label": "Main"}`))
			a.json(t, http.StatusCreated, "POST", "/api/v1/stock/movements", `{"product_id": `+p+`, "warehouse_id": `+w+`, "qty": "2"}`)
			inv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", `{"thirdparty_id": `+tp+`, "lines": [{"product_id": `+p+`, "qty": "3"}]}`))
			before := a.rows(t)
			if fields := wantProblem(t, a.call("POST", "/api/v1/invoices/"+inv+"/validate", ""), http.StatusUnprocessableEntity, "validation"); len(fields) != 1 || fields[0] != "warehouse_id" {
				t.Fatalf("no warehouse: %v", fields)
			}
			wantProblem(t, a.call("POST", "/api/v1/invoices/"+inv+"/validate", `{"warehouse_id": `+w+`}`), http.StatusConflict, domain.CodeInsufficientStock)
			if got := a.json(t, http.StatusOK, "GET", "/api/v1/invoices/"+inv, ""); got["status"] != "draft" || a.rows(t) != before {
				t.Fatalf("refused validations changed something: %v", got["status"])
			}
			a.json(t, http.StatusCreated, "POST", "/api/v1/stock/movements", `{"product_id": `+p+`, "warehouse_id": `+w+`, "qty": "1"}`)
			if got := a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+inv+"/validate", `{"warehouse_id": `+w+`}`); got["status"] != "validated" {
				t.Fatalf("validated: %v", got)
			}
			if got := a.json(t, http.StatusOK, "GET", "/api/v1/products/"+p, ""); got["stock_total"] != "0" {
				t.Fatalf("stock after the invoice: %v", got["stock_total"])
			}
		})
	}
}

// Every route of the PDF and sales-report areas is described in the OpenAPI
// document.
func TestPDFAndSalesReportsOpenAPI(t *testing.T) {
	doc, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		t.Fatal(err)
	}
	e := NewServer(Options{}, NewDocumentPDFRoutes(nil, nil), NewSalesReportRoutes(nil, "EUR", time.Now))
	n := 0
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" {
			continue
		}
		n++
		if _, ok := spec.Paths[strings.ReplaceAll(r.Path, ":id", "{id}")][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, r.Path)
		}
	}
	if n != 7 { // the PDFs of proposals, orders, invoices and purchase orders; three reports
		t.Errorf("%d routes checked, want 7", n)
	}
}
