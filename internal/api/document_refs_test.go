package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// The customer's reference and the contact of proposals, orders and
// invoices: sent, answered, changed and cleared; a contact of another third
// party is a 422 on contact_id with nothing written.
func TestDocumentCustomerRefAndContactAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCommercialAPI(t, d)
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME"}`))
			other := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Other"}`))
			joana := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties/"+tp+"/contacts", `{"first_name": "Joana", "last_name": "Ribeiro"}`))
			stranger := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties/"+other+"/contacts", `{"last_name": "Stranger"}`))
			line := `"lines": [{"description": "work", "qty": "1", "unit_price": "10", "vat_rate": "20"}]`

			for _, res := range []string{"/proposals", "/orders", "/invoices"} {
				doc := a.json(t, http.StatusCreated, "POST", "/api/v1"+res,
					fmt.Sprintf(`{"thirdparty_id": %s, "customer_ref": " PO-7781 ", "contact_id": %s, %s}`, tp, joana, line))
				if doc["customer_ref"] != "PO-7781" || id(map[string]any{"id": doc["contact_id"]}) != joana {
					t.Fatalf("%s: answered customer_ref %v, contact_id %v", res, doc["customer_ref"], doc["contact_id"])
				}
				path := "/api/v1" + res + "/" + id(doc)
				got := a.json(t, http.StatusOK, "GET", path, "")
				if got["customer_ref"] != "PO-7781" || fmt.Sprint(got["contact_id"]) != joana {
					t.Fatalf("%s: read back customer_ref %v, contact_id %v", res, got["customer_ref"], got["contact_id"])
				}
				// Absent fields stay; null removes the contact.
				got = a.json(t, http.StatusOK, "PATCH", path, `{"note": "x"}`)
				if got["customer_ref"] != "PO-7781" || fmt.Sprint(got["contact_id"]) != joana {
					t.Fatalf("%s: a patch without them changed them: %v, %v", res, got["customer_ref"], got["contact_id"])
				}
				got = a.json(t, http.StatusOK, "PATCH", path, `{"customer_ref": "", "contact_id": null}`)
				if got["customer_ref"] != "" || got["contact_id"] != nil {
					t.Fatalf("%s: cleared to %v, %v", res, got["customer_ref"], got["contact_id"])
				}
				if got := a.json(t, http.StatusOK, "GET", path, ""); got["contact_id"] != nil {
					t.Fatalf("%s: contact_id %v after null", res, got["contact_id"])
				}
			}

			draft := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(`{"thirdparty_id": %s, %s}`, tp, line)))
			before := a.rows(t)
			for _, tc := range []struct {
				method, path, body string
			}{
				{"POST", "/invoices", fmt.Sprintf(`{"thirdparty_id": %s, "contact_id": %s, %s}`, tp, stranger, line)},
				{"POST", "/proposals", fmt.Sprintf(`{"thirdparty_id": %s, "contact_id": 999999, %s}`, tp, line)},
				{"POST", "/orders", fmt.Sprintf(`{"thirdparty_id": %s, "contact_id": 0, %s}`, tp, line)},
				{"POST", "/orders", fmt.Sprintf(`{"thirdparty_id": %s, "contact_id": "abc", %s}`, tp, line)},
				{"PATCH", "/invoices/" + draft, `{"contact_id": ` + stranger + `}`},
				{"PATCH", "/invoices/" + draft, `{"contact_id": -3}`},
			} {
				fields := wantProblem(t, a.call(tc.method, "/api/v1"+tc.path, tc.body), http.StatusUnprocessableEntity, "validation")
				if strings.Join(fields, ",") != "contact_id" {
					t.Errorf("%s %s %s: fields %v, want contact_id", tc.method, tc.path, tc.body, fields)
				}
			}
			fields := wantProblem(t, a.call("POST", "/api/v1/proposals", fmt.Sprintf(`{"thirdparty_id": %s, "customer_ref": "%s", %s}`, tp, strings.Repeat("é", 129), line)),
				http.StatusUnprocessableEntity, "validation")
			if strings.Join(fields, ",") != "customer_ref" {
				t.Errorf("129-character customer_ref: fields %v", fields)
			}
			if after := a.rows(t); after != before {
				t.Fatalf("refused requests wrote: %s → %s", before, after)
			}
		})
	}
}

// largeAPI is the documents API as cmd/api wires it: the configured body
// limit and line limit.
func largeAPI(t *testing.T, dialect string) *commercialAPI {
	t.Helper()
	cfg := config.Defaults()
	limit, err := config.ParseByteSize(cfg.HTTPBodyLimit)
	if err != nil {
		t.Fatal(err)
	}
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	tps := usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency, MaxLines: cfg.MaxDocumentLines})
	e := NewServer(Options{Log: zerolog.Nop(), Auth: commercialAuth{}, BodyLimit: strconv.FormatInt(limit, 10)},
		NewThirdPartyRoutes(tps), NewDocumentRoutes(docs))
	return &commercialAPI{e: e, db: db}
}

// linesJSON is n lines as a client sends them, each with a description of
// about 200 characters: 5,000 of them are about 1.5 MB, within the default
// body limit (2M), which the largest PDF's memory bounds (docs/benchmarks.md).
func linesJSON(n int) string {
	var b strings.Builder
	b.WriteString(`[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"description": "Article %d — %s", "qty": "%d", "unit_price": "%d.%02d", "vat_rate": "20"}`,
			i+1, strings.Repeat("pièce détachée, montage et réglage ", 5), 1+i%5, 10+i%90, i%100)
	}
	b.WriteString(`]`)
	return b.String()
}

// DOLIGO_MAX_DOCUMENT_LINES lines are accepted (201) and validated; one more
// is a 422 naming lines, with nothing written.
func TestLargestDocumentAPI(t *testing.T) {
	limit := config.Defaults().MaxDocumentLines
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := largeAPI(t, d)
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Big customer"}`))

			before := a.rows(t)
			body := fmt.Sprintf(`{"thirdparty_id": %s, "lines": %s}`, tp, linesJSON(limit+1))
			if fields := wantProblem(t, a.call("POST", "/api/v1/invoices", body), http.StatusUnprocessableEntity, "validation"); strings.Join(fields, ",") != "lines" {
				t.Fatalf("%d lines: fields %v, want lines", limit+1, fields)
			}
			if after := a.rows(t); after != before {
				t.Fatalf("a refused document wrote: %s → %s", before, after)
			}

			body = fmt.Sprintf(`{"thirdparty_id": %s, "lines": %s}`, tp, linesJSON(limit))
			if len(body) < 1<<20 {
				t.Fatalf("the body is %d bytes: not a large document", len(body))
			}
			rec := a.call("POST", "/api/v1/invoices", body)
			doc := decodeJSON[documentResponse](t, rec, http.StatusCreated)
			if len(doc.Lines) != limit || doc.Lines[limit-1].Description != "Article "+strconv.Itoa(limit)+" — "+strings.TrimSpace(strings.Repeat("pièce détachée, montage et réglage ", 5)) {
				t.Fatalf("answered %d lines, the last %q", len(doc.Lines), doc.Lines[len(doc.Lines)-1].Description)
			}
			path := "/api/v1/invoices/" + strconv.FormatInt(doc.ID, 10)
			if fields := wantProblem(t, a.call("PATCH", path, `{"lines": `+linesJSON(limit+1)+`}`), http.StatusUnprocessableEntity, "validation"); strings.Join(fields, ",") != "lines" {
				t.Fatalf("patch to %d lines: fields %v", limit+1, fields)
			}
			v := decodeJSON[documentResponse](t, a.call("POST", path+"/validate", ""), http.StatusOK)
			if v.Status != "validated" || len(v.Lines) != limit || v.TotalGross != doc.TotalGross {
				t.Fatalf("validated: %s, %d lines, %s (created %s)", v.Status, len(v.Lines), v.TotalGross, doc.TotalGross)
			}
		})
	}
}
