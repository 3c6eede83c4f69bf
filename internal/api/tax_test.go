package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newTaxAPI is the commercial stack of a French company, with the tax rates
// and the VAT report.
func newTaxAPI(t *testing.T, dialect string) *commercialAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	company := config.Defaults().CompanyDefaults()
	company.Country = "FR"
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(),
		DefaultCurrency: "EUR", Company: company})
	e := NewServer(Options{Log: zerolog.Nop(), Auth: commercialAuth{}},
		NewThirdPartyRoutes(tps), NewDocumentRoutes(docs), NewTaxRateRoutes(),
		NewVATReportRoutes(gormdb.NewVATReports(db.DB), "EUR", time.Now))
	return &commercialAPI{e: e, db: db}
}

func TestTaxAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newTaxAPI(t, d)
			before := a.rows(t)
			for _, tc := range []struct {
				body   string
				fields []string
				msg    string
			}{
				{`{"name": "X", "country": "XX"}`, []string{"country"}, "ISO 3166-1 alpha-2"},
				{`{"name": "X", "country": "FRA"}`, []string{"country"}, "ISO 3166-1 alpha-2"},
				{`{"name": "X", "vat_id": "DE136695977"}`, []string{"vat_id"}, "check digits"},
				{`{"name": "X", "vat_id": "FR4030326504"}`, []string{"vat_id"}, "such as FR40303265045"},
				{`{"name": "X", "vat_id": "US123456789"}`, []string{"vat_id"}, "tax_id"},
				{`{"name": "X", "country": "FR", "vat_id": "DE136695976"}`, []string{"vat_id"}, "country is FR"},
			} {
				rec := a.call("POST", "/api/v1/thirdparties", tc.body)
				if got := wantProblem(t, rec, http.StatusUnprocessableEntity, "validation"); !slices.Equal(got, tc.fields) || !strings.Contains(rec.Body.String(), tc.msg) {
					t.Errorf("%s: fields %v, body %s; want %v saying %q", tc.body, got, rec.Body, tc.fields, tc.msg)
				}
			}
			if after := a.rows(t); after != before {
				t.Fatalf("refused third parties wrote: %s → %s", before, after)
			}

			de := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties",
				`{"name": "Müller GmbH", "is_customer": true, "vat_id": "de 136.695.976", "tax_id": "HRB 1234"}`)
			if de["country"] != "DE" || de["vat_id"] != "DE136695976" || de["tax_id"] != "HRB 1234" {
				t.Fatalf("German business %v", de)
			}
			us := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Acme Inc.", "is_customer": true, "country": "us"}`)
			if us["country"] != "US" || us["vat_id"] != "" {
				t.Fatalf("US customer %v", us)
			}
			wantProblem(t, a.call("PATCH", "/api/v1/thirdparties/"+id(de), `{"country": "BE"}`), http.StatusUnprocessableEntity, "validation")

			// Reverse charge: 0 % on every line and the mention, from the draft on.
			inv := a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(`{"thirdparty_id": %s, "date": "2026-11-10",
				"lines": [{"description": "Consulting", "qty": "2", "unit_price": "100", "vat_rate": "20"}]}`, id(de)))
			line := inv["lines"].([]any)[0].(map[string]any)
			if inv["vat_regime"] != "intra_eu_reverse_charge" || !strings.Contains(inv["vat_mention"].(string), "art. 196") ||
				line["vat_rate"] != "0" || inv["total_vat"] != "0.00" || inv["total_gross"] != "200.00" {
				t.Fatalf("reverse-charge invoice %v", inv)
			}
			inv = a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+id(inv)+"/validate", "")
			if inv["vat_regime"] != "intra_eu_reverse_charge" || inv["status"] != "validated" {
				t.Fatalf("validated %v", inv)
			}
			exp := a.json(t, http.StatusCreated, "POST", "/api/v1/proposals", fmt.Sprintf(`{"thirdparty_id": %s,
				"lines": [{"description": "Consulting", "qty": "1", "unit_price": "100", "vat_rate": "20"}]}`, id(us)))
			if exp["vat_regime"] != "export" || !strings.Contains(exp["vat_mention"].(string), "art. 146") || exp["total_vat"] != "0.00" {
				t.Fatalf("export proposal %v", exp)
			}
			// Back to a domestic customer: the mention goes, the rate the
			// client sends stays.
			fr := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Dupont SA", "country": "FR"}`)
			dom := a.json(t, http.StatusOK, "PATCH", "/api/v1/proposals/"+id(exp), fmt.Sprintf(`{"thirdparty_id": %s,
				"lines": [{"description": "Consulting", "qty": "1", "unit_price": "100", "vat_rate": "20"}]}`, id(fr)))
			if dom["vat_regime"] != "domestic" || dom["vat_mention"] != "" || dom["total_vat"] != "20.00" {
				t.Fatalf("domestic proposal %v", dom)
			}

			// Tax rates.
			rates := a.json(t, http.StatusOK, "GET", "/api/v1/tax-rates?country=fr", "", "Authorization", "Bearer viewer")
			var got []string
			for _, it := range rates["items"].([]any) {
				r := it.(map[string]any)
				got = append(got, fmt.Sprint(r["country"], " ", r["rate"], " ", r["kind"]))
			}
			if want := []string{"FR 20 standard", "FR 10 reduced", "FR 5.5 reduced", "FR 2.1 super_reduced", "FR 0 zero"}; !slices.Equal(got, want) ||
				rates["known"] != true || rates["eu_member"] != true {
				t.Fatalf("FR rates %v", rates)
			}
			if br := a.json(t, http.StatusOK, "GET", "/api/v1/tax-rates?country=BR", ""); len(br["items"].([]any)) != 1 || br["eu_member"] != false {
				t.Fatalf("BR rates %v", br)
			}
			if aq := a.json(t, http.StatusOK, "GET", "/api/v1/tax-rates?country=AQ", ""); len(aq["items"].([]any)) != 0 || aq["known"] != false {
				t.Fatalf("a country without a table %v", aq)
			}
			for _, q := range []string{"", "?country=", "?country=XX", "?country=France"} {
				if f := wantProblem(t, a.call("GET", "/api/v1/tax-rates"+q, ""), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"country"}) {
					t.Errorf("%q: fields %v", q, f)
				}
			}
			req := a.call("GET", "/api/v1/tax-rates?country=DE", "", echo.HeaderAccept, "text/csv")
			if req.Code != http.StatusOK || req.Body.String() != "country,rate,kind,label\nDE,19,standard,\nDE,7,reduced,\"food, books, public transport\"\nDE,0,zero,\"exempt supplies, exports, intra-EU supplies under reverse charge\"\n" {
				t.Fatalf("CSV %d %q", req.Code, req.Body)
			}

			// The VAT report: the reverse-charge invoice is a 0 % sale.
			rep := a.json(t, http.StatusOK, "GET", "/api/v1/reports/vat?from=2026-11-01&to=2026-11-30", "")
			items := rep["items"].([]any)
			totals := rep["totals"].(map[string]any)
			if len(items) != 1 || items[0].(map[string]any)["vat_rate"] != "0" || items[0].(map[string]any)["sales_base"] != "200.00" ||
				totals["vat_due"] != "0.00" || len(rep["by_rate"].([]any)) != 1 {
				t.Fatalf("VAT report %v", rep)
			}
			if f := wantProblem(t, a.call("GET", "/api/v1/reports/vat?from=2026-12-01&to=2026-11-01&currency=euro", ""), http.StatusUnprocessableEntity, "validation"); !slices.Equal(f, []string{"to", "currency"}) {
				t.Errorf("bad period: %v", f)
			}
			wantProblem(t, a.call("GET", "/api/v1/reports/vat", "", "Authorization", "Bearer sales"), http.StatusForbidden, "forbidden")
		})
	}
}
