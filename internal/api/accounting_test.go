package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/fectest"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

type accountingAPI struct {
	*stockAPI
	docs  *usecase.DocumentService
	actor domain.Principal
	tp    int64
	sup   int64
}

func newAccountingAPI(t *testing.T, dialect string) *accountingAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	cfg := config.Defaults()
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency})
	tps := usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}, BodyLimit: "1M"},
		api.NewDocumentRoutes(docs), api.NewSupplierInvoiceRoutes(docs),
		api.NewAccountingRoutes(usecase.NewAccountingService(uow, cfg.DefaultCurrency, time.Now), gormdb.NewAccountingReports(db.DB), time.Now))
	a := &accountingAPI{stockAPI: &stockAPI{e: e, db: db}, docs: docs, actor: domain.Principal{UserID: 1, Login: "ann"}}
	ctx := context.Background()
	c, err := tps.Create(ctx, domain.ThirdParty{Name: "ACME\tTrading", IsCustomer: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := tps.Create(ctx, domain.ThirdParty{Name: "Parts Ltd", IsSupplier: true})
	if err != nil {
		t.Fatal(err)
	}
	a.tp, a.sup = c.ID, s.ID
	return a
}

// document creates a document of typ dated on (validated unless draft) with
// one line, and pays it in full the same day when pay is set.
func (a *accountingAPI) document(t *testing.T, typ domain.DocType, on, price, rate string, validate, pay bool) *domain.Document {
	t.Helper()
	ctx := context.Background()
	on0, _ := time.Parse(time.DateOnly, on)
	p, r := decimal.RequireFromString(price), decimal.RequireFromString(rate)
	in := domain.DraftInput{ThirdPartyID: a.tp, Date: on0, Lines: []domain.LineInput{{Description: "work", Qty: decimal.NewFromInt(3), UnitPrice: &p, VATRate: &r}}}
	types := []domain.DocType{domain.DocInvoice, domain.DocCreditNote}
	if typ == domain.DocSupplierInvoice {
		in.ThirdPartyID, in.SupplierRef, types = a.sup, "S-"+on+"-"+price, []domain.DocType{domain.DocSupplierInvoice}
	}
	d, err := a.docs.Create(ctx, a.actor, typ, in)
	if err != nil {
		t.Fatal(err)
	}
	if !validate {
		return d
	}
	if d, err = a.docs.Validate(ctx, a.actor, types, d.ID, 0); err != nil {
		t.Fatal(err)
	}
	if pay {
		if _, err := a.docs.AddPayment(ctx, a.actor, types, d.ID, domain.Payment{Amount: d.TotalGross, Date: on0, Method: domain.PayBankTransfer}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func (a *accountingAPI) get(token, path, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+token)
	if accept != "" {
		req.Header.Set(echo.HeaderAccept, accept)
	}
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	return rec
}

func TestAccountingAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newAccountingAPI(t, d)
			inv := a.document(t, domain.DocInvoice, "2026-03-03", "33.33", "20", true, true)
			a.document(t, domain.DocInvoice, "2026-03-09", "10.10", "5.5", true, false)
			a.document(t, domain.DocSupplierInvoice, "2026-03-15", "7.77", "10", true, true)
			a.document(t, domain.DocInvoice, "2027-01-04", "1", "20", true, false)
			draft := a.document(t, domain.DocInvoice, "2026-03-20", "5", "20", false, false)

			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/accounting/transfers", `{"from":"2026-13-01"}`, "from", "to")
			got := a.ok(t, http.StatusOK, "POST", "/api/v1/accounting/transfers", `{"from":"2026-01-01","to":"2026-12-31"}`)
			if got["bookings"] != float64(5) || got["entries"].(float64) < 10 {
				t.Fatalf("transfer %v", got)
			}
			if got := a.ok(t, http.StatusOK, "POST", "/api/v1/accounting/transfers", `{"from":"2026-01-01","to":"2026-12-31"}`); got["bookings"] != float64(0) {
				t.Fatalf("second transfer %v", got)
			}

			// Entries, filtered; CSV.
			page := a.ok(t, http.StatusOK, "GET", "/api/v1/accounting/entries?journal=sales&account=411&from=2026-03-01&to=2026-03-31", "")
			items := page["items"].([]any)
			if len(items) != 2 || items[0].(map[string]any)["document_ref"] != inv.Ref || items[0].(map[string]any)["debit"] != inv.TotalGross.StringFixed(2) ||
				items[0].(map[string]any)["thirdparty_id"] != float64(a.tp) {
				t.Fatalf("entries %v", page)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/accounting/entries?journal=x&from=2026-02-30", "", "journal", "from")
			if rec := a.get("all", "/api/v1/accounting/entries?journal=bank", "text/csv"); rec.Code != 200 ||
				!strings.HasPrefix(rec.Body.String(), "id,journal,date,document_ref,account,label,debit,credit,thirdparty_id,amount_currency,currency\n") || strings.Count(rec.Body.String(), "\n") != 5 {
				t.Fatalf("entries CSV %d %q", rec.Code, rec.Body)
			}

			// Trial balance: total debit = total credit; the statements agree.
			tb := a.ok(t, http.StatusOK, "GET", "/api/v1/reports/trial-balance?from=2026-01-01&to=2026-12-31", "")
			totals := tb["totals"].(map[string]any)
			if totals["debit"] != totals["credit"] || totals["balance"] != "0.00" || len(tb["items"].([]any)) < 6 {
				t.Fatalf("trial balance %v", tb)
			}
			bs := a.ok(t, http.StatusOK, "GET", "/api/v1/reports/balance-sheet?to=2026-12-31", "")
			is := a.ok(t, http.StatusOK, "GET", "/api/v1/reports/income-statement?from=2026-01-01&to=2026-12-31", "")
			// Sales net 3×33.33 + 3×10.10 = 130.29, purchases 3×7.77 = 23.31.
			if bs["result"] != "106.98" || is["result"] != "106.98" || is["totals"].(map[string]any)["income"] != "-130.29" {
				t.Fatalf("balance sheet %v\nincome statement %v", bs, is)
			}
			gl := a.ok(t, http.StatusOK, "GET", "/api/v1/reports/general-ledger?account=411&from=2026-03-05&to=2026-12-31", "")
			if rows := gl["items"].([]any); len(rows) != 1 || rows[0].(map[string]any)["balance"] != "31.97" {
				t.Fatalf("general ledger %v", gl)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/reports/trial-balance?from=2026-05-01&to=2026-04-01", "", "to")

			// The FEC, checked row by row; one fiscal year at a time.
			rec := a.get("all", "/api/v1/accounting/export?format=fec&from=2026-01-01&to=2026-12-31", "")
			if rec.Code != 200 || rec.Header().Get(echo.HeaderContentType) != "text/plain; charset=utf-8" ||
				!strings.Contains(rec.Header().Get(echo.HeaderContentDisposition), "FEC20261231.txt") {
				t.Fatalf("FEC %d %v", rec.Code, rec.Header())
			}
			if n := fectest.Check(t, rec.Body.String(), 2026, "EUR"); n.Rows != int(got["entries"].(float64)) || n.Foreign != 0 {
				t.Fatalf("FEC rows %+v", n)
			}
			if !strings.Contains(rec.Body.String(), "\tACME Trading\t") {
				t.Fatalf("the tab in the customer's name must become a space: %s", rec.Body)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/accounting/export?format=fec&from=2026-01-01&to=2027-01-31", "", "to")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/accounting/export?from=2026-01-01&to=2026-01-31", "", "format")
			if rec := a.get("all", "/api/v1/accounting/export?format=csv&from=2026-01-01&to=2026-12-31", ""); rec.Code != 200 ||
				!strings.HasPrefix(rec.Body.String(), "journal,journal_code,entry_num,date,account,account_label,aux_account,") {
				t.Fatalf("CSV export %d %q", rec.Code, rec.Body)
			}

			// The chart.
			acct := a.ok(t, http.StatusCreated, "POST", "/api/v1/accounting/accounts", `{"code":"4011","label":"Fournisseurs UE","type":"liability"}`)
			a.problem(t, http.StatusConflict, "duplicate-code", "POST", "/api/v1/accounting/accounts", `{"code":"4011","label":"x","type":"liability"}`)
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/accounting/accounts", `{"code":"40-1","label":"","type":"debt"}`, "code", "label", "type")
			path := fmt.Sprintf("/api/v1/accounting/accounts/%d", idOf(acct))
			if got := a.ok(t, http.StatusOK, "PATCH", path, `{"label":"Fournisseurs intracommunautaires"}`); got["label"] != "Fournisseurs intracommunautaires" || got["code"] != "4011" {
				t.Fatalf("patched %v", got)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"code":"4012"}`, "code")
			a.ok(t, http.StatusNoContent, "DELETE", path, "")
			list := a.ok(t, http.StatusOK, "GET", "/api/v1/accounting/accounts?q=411&sort=code", "")
			used := idOf(list["items"].([]any)[0].(map[string]any))
			a.problem(t, http.StatusConflict, "in-use", "DELETE", fmt.Sprintf("/api/v1/accounting/accounts/%d", used), "")
			if j := a.ok(t, http.StatusOK, "GET", "/api/v1/accounting/journals", ""); len(j["items"].([]any)) != 4 {
				t.Fatalf("journals %v", j)
			}

			// Closing March: the accountant may; validating in it is 409;
			// reopening needs accounting:reopen.
			accountant := strings.Join(role(t, domain.RoleAccountant), ",")
			if rec := a.send(accountant, "POST", "/api/v1/accounting/periods/2026-03/close", ""); rec.Code != http.StatusOK {
				t.Fatalf("close: %d %s", rec.Code, rec.Body)
			}
			a.problem(t, http.StatusConflict, "period-closed", "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", draft.ID), "")
			a.problem(t, http.StatusConflict, "period-closed", "POST", "/api/v1/accounting/periods/2026-03/close", "")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/accounting/periods/2026-13/close", "", "period")
			if p := a.ok(t, http.StatusOK, "GET", "/api/v1/accounting/periods", ""); len(p["items"].([]any)) != 1 {
				t.Fatalf("periods %v", p)
			}
			if rec := a.send(accountant, "POST", "/api/v1/accounting/periods/2026-03/reopen", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("reopen as accountant: %d", rec.Code)
			}
			a.ok(t, http.StatusNoContent, "POST", "/api/v1/accounting/periods/2026-03/reopen", "")
			a.problem(t, http.StatusConflict, "period-open", "POST", "/api/v1/accounting/periods/2026-03/reopen", "")
			a.ok(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", draft.ID), "")
			if rec := a.send("reports:read", "GET", "/api/v1/reports/trial-balance", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("trial balance without accounting:read: %d", rec.Code)
			}
		})
	}
}

// role is the permissions of a built-in role.
func role(t *testing.T, name string) []string {
	t.Helper()
	for _, r := range domain.BuiltinRoles() {
		if r.Name == name {
			return r.Permissions
		}
	}
	t.Fatalf("no role %s", name)
	return nil
}

// TestAccountingCodesAPI sets the accounts of a product, a third party and a
// VAT rate, and books an invoice on them.
func TestAccountingCodesAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newAccountingAPI(t, d)
			var prod int64
			if err := a.db.Gorm.Exec("INSERT INTO products (ref, label, type, unit_price, vat_rate, cost_price, track_stock, active, created_at, updated_at) " +
				"VALUES ('SVC', 'Service', 'service', '10', '20', '0', false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err != nil {
				t.Fatal(err)
			}
			if err := a.db.Gorm.Raw("SELECT id FROM products WHERE ref = 'SVC'").Scan(&prod).Error; err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/api/v1/accounting/products/%d/accounts", prod)
			if got := a.ok(t, http.StatusOK, "GET", path, ""); got["sell_account"] != nil || got["buy_account"] != nil {
				t.Fatalf("defaults %v", got)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", path, `{"sell_account":"7999","buy_account":"604"}`, "sell_account")
			a.problem(t, http.StatusNotFound, "not-found", "PUT", "/api/v1/accounting/products/999999/accounts", `{"sell_account":"708"}`)
			if got := a.ok(t, http.StatusOK, "PUT", path, `{"sell_account":"708","buy_account":null}`); got["sell_account"] != "708" || got["buy_account"] != nil {
				t.Fatalf("set %v", got)
			}
			tpPath := fmt.Sprintf("/api/v1/accounting/thirdparties/%d/account", a.tp)
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", tpPath, `{"account":"411 acme"}`, "account")
			if got := a.ok(t, http.StatusOK, "PUT", tpPath, `{"account":"411ACME"}`); got["account"] != "411ACME" {
				t.Fatalf("third party %v", got)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", "/api/v1/accounting/vat-accounts/x", `{"sales_account":"44571","purchases_account":"44566"}`, "rate")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", "/api/v1/accounting/vat-accounts/8.5", `{"sales_account":"44-57"}`, "sales_account", "purchases_account")
			a.ok(t, http.StatusCreated, "POST", "/api/v1/accounting/accounts", `{"code":"445715","label":"TVA collectée 8,5 %","type":"liability"}`)
			a.ok(t, http.StatusOK, "PUT", "/api/v1/accounting/vat-accounts/8.5", `{"sales_account":"445715","purchases_account":"44566"}`)
			a.ok(t, http.StatusNoContent, "DELETE", "/api/v1/accounting/vat-accounts/2.1", "")
			a.problem(t, http.StatusNotFound, "not-found", "DELETE", "/api/v1/accounting/vat-accounts/2.1", "")
			if got := a.ok(t, http.StatusOK, "GET", "/api/v1/accounting/vat-accounts", ""); fmt.Sprint(got["items"]) !=
				"[map[purchases_account:445661 rate:20 sales_account:445711] map[purchases_account:445662 rate:10 sales_account:445712] map[purchases_account:44566 rate:8.5 sales_account:445715] map[purchases_account:445663 rate:5.5 sales_account:445713]]" {
				t.Fatalf("VAT accounts %v", got)
			}

			// An invoice of the service at 8.5 % books on 708 and 445715;
			// the FEC's auxiliary account is the third party's.
			ctx := context.Background()
			r := decimal.RequireFromString("8.5")
			inv, err := a.docs.Create(ctx, a.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: a.tp, Date: time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC),
				Lines: []domain.LineInput{{ProductID: prod, Qty: decimal.NewFromInt(2), VATRate: &r}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.docs.Validate(ctx, a.actor, []domain.DocType{domain.DocInvoice}, inv.ID, 0); err != nil {
				t.Fatal(err)
			}
			a.ok(t, http.StatusOK, "POST", "/api/v1/accounting/transfers", `{"from":"2026-05-01","to":"2026-05-31"}`)
			var accounts []string
			for _, it := range a.ok(t, http.StatusOK, "GET", "/api/v1/accounting/entries?sort=id", "")["items"].([]any) {
				e := it.(map[string]any)
				accounts = append(accounts, e["account"].(string)+" "+e["debit"].(string)+"/"+e["credit"].(string))
			}
			if fmt.Sprint(accounts) != "[411 21.70/0.00 708 0.00/20.00 445715 0.00/1.70]" {
				t.Fatalf("entries %v", accounts)
			}
			fec := a.get("all", "/api/v1/accounting/export?format=fec&from=2026-01-01&to=2026-12-31", "").Body.String()
			if !strings.Contains(fec, "\t411\tClients\t411ACME\tACME Trading\t") {
				t.Fatalf("FEC %s", fec)
			}
		})
	}
}

// TestAccountingForeignAPI books an invoice in USD and its payment: their
// entries show the amount in USD (the entries, their CSV, the FEC's
// Montantdevise and Idevise, the CSV export), the exchange difference and
// the entries of an invoice in euros show none.
func TestAccountingForeignAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newAccountingAPI(t, d)
			ctx := context.Background()
			rates := usecase.NewCurrencyRateService(gormdb.NewUnitOfWork(a.db.DB), "EUR", time.Now)
			if err := rates.Create(ctx, a.actor, &domain.CurrencyRate{Currency: "USD", Date: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Rate: decimal.RequireFromString("1.2")}); err != nil {
				t.Fatal(err)
			}
			// 1,000.00 USD + 20 % at 1.1, paid 1,200.00 USD at 1.2.
			price, vat, rate := decimal.NewFromInt(1000), decimal.NewFromInt(20), decimal.RequireFromString("1.1")
			inv, err := a.docs.Create(ctx, a.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: a.tp, Date: time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC),
				Currency: "USD", CurrencyRate: &rate, Lines: []domain.LineInput{{Description: "work", Qty: decimal.NewFromInt(1), UnitPrice: &price, VATRate: &vat}}})
			if err != nil {
				t.Fatal(err)
			}
			invoices := []domain.DocType{domain.DocInvoice}
			if _, err := a.docs.Validate(ctx, a.actor, invoices, inv.ID, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := a.docs.AddPayment(ctx, a.actor, invoices, inv.ID, domain.Payment{Amount: decimal.NewFromInt(1200), Date: time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), Method: domain.PayBankTransfer}); err != nil {
				t.Fatal(err)
			}
			eur := a.document(t, domain.DocInvoice, "2026-05-07", "10", "20", true, false)
			if got := a.ok(t, http.StatusOK, "POST", "/api/v1/accounting/transfers", `{"from":"2026-05-01","to":"2026-05-31"}`); got["bookings"] != float64(4) {
				t.Fatalf("transfer %v", got)
			}

			var rows []string
			for _, it := range a.ok(t, http.StatusOK, "GET", "/api/v1/accounting/entries?sort=id", "")["items"].([]any) {
				e := it.(map[string]any)
				rows = append(rows, fmt.Sprintf("%s %s %s/%s %v %v", e["journal"], e["account"], e["debit"], e["credit"], e["amount_currency"], e["currency"]))
			}
			want := []string{
				"sales 411 1090.91/0.00 1200.00 USD", "sales 706 0.00/909.09 1000.00 USD", "sales 445711 0.00/181.82 200.00 USD",
				"sales 411 36.00/0.00 <nil> <nil>", "sales 706 0.00/30.00 <nil> <nil>", "sales 445711 0.00/6.00 <nil> <nil>",
				"bank 512 1000.00/0.00 1200.00 USD", "bank 411 0.00/1000.00 1200.00 USD",
				"misc 411 0.00/90.91 <nil> <nil>", "misc 666 90.91/0.00 <nil> <nil>",
			}
			if fmt.Sprint(rows) != fmt.Sprint(want) {
				t.Fatalf("entries\n got %q\nwant %q", rows, want)
			}
			if rec := a.get("all", "/api/v1/accounting/entries?journal=sales&sort=id", "text/csv"); rec.Code != 200 ||
				!strings.Contains(rec.Body.String(), ",1090.91,0.00,"+fmt.Sprint(a.tp)+",1200.00,USD\n") ||
				!strings.Contains(rec.Body.String(), ",36.00,0.00,"+fmt.Sprint(a.tp)+",,\n") {
				t.Fatalf("entries CSV %d %s", rec.Code, rec.Body)
			}

			rec := a.get("all", "/api/v1/accounting/export?format=fec&from=2026-01-01&to=2026-12-31", "")
			if rec.Code != 200 {
				t.Fatalf("FEC %d %s", rec.Code, rec.Body)
			}
			if n := fectest.Check(t, rec.Body.String(), 2026, "EUR"); n.Rows != 10 || n.Foreign != 5 {
				t.Fatalf("FEC rows %+v, want 10 of which 5 in USD", n)
			}
			fec := rec.Body.String()
			for _, s := range []string{"\t1090,91\t0,00\t\t\t", "\t1200,00\tUSD\n", "\t909,09\t\t\t", "\t1000,00\tUSD\n", "\t200,00\tUSD\n"} {
				if !strings.Contains(fec, s) {
					t.Fatalf("FEC lacks %q:\n%s", s, fec)
				}
			}
			euros := 0
			for _, l := range strings.Split(fec, "\n") {
				if f := strings.Split(l, "\t"); len(f) == 18 && f[8] == eur.Ref {
					euros++
					if f[16] != "" || f[17] != "" {
						t.Fatalf("a row of the invoice in euros has a foreign amount: %q", l)
					}
				}
			}
			if euros != 3 {
				t.Fatalf("%d rows of %s in the FEC, want 3:\n%s", euros, eur.Ref, fec)
			}
			if rec := a.get("all", "/api/v1/accounting/export?format=csv&from=2026-01-01&to=2026-12-31", ""); rec.Code != 200 ||
				!strings.Contains(rec.Body.String(), ",booked_on,amount_currency,currency\n") || strings.Count(rec.Body.String(), ",USD\n") != 5 {
				t.Fatalf("CSV export %d %s", rec.Code, rec.Body)
			}
		})
	}
}
