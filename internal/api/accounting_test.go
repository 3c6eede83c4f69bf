package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
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
		api.NewAccountingRoutes(usecase.NewAccountingService(uow, time.Now), gormdb.NewAccountingReports(db.DB), time.Now))
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

var (
	fecDate   = regexp.MustCompile(`^\d{8}$`)
	fecAmount = regexp.MustCompile(`^\d+,\d{2}$`)
)

// checkFEC checks the file against the FEC's rules: the header, 18 fields a
// row, dates as YYYYMMDD within the year, amounts with a decimal comma, one
// side of each line non-zero, the auxiliary account on third-party lines
// only, each entry number balanced; it returns the number of rows.
func checkFEC(t *testing.T, body string, year int) int {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if lines[0] != strings.Join(domain.FECColumns, "\t") || len(domain.FECColumns) != 18 ||
		lines[0] != "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise" {
		t.Fatalf("FEC header %q", lines[0])
	}
	balance := map[string]decimal.Decimal{}
	for i, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 18 {
			t.Fatalf("row %d has %d fields: %q", i+1, len(f), l)
		}
		if !slices.Contains([]string{"VT", "HA", "BQ", "OD"}, f[0]) || f[1] == "" || f[2] == "" || !strings.HasPrefix(f[2], f[0]) {
			t.Fatalf("row %d journal/number: %q", i+1, l)
		}
		for _, c := range []int{3, 9, 15} {
			if !fecDate.MatchString(f[c]) || f[c][:4] != fmt.Sprint(year) && c == 3 {
				t.Fatalf("row %d column %s: %q", i+1, domain.FECColumns[c], f[c])
			}
		}
		if f[4] == "" || f[5] == "" || f[8] == "" || f[10] == "" {
			t.Fatalf("row %d: account, its label, piece and label are required: %q", i+1, l)
		}
		if third := f[4] == "411" || f[4] == "401"; third != (f[6] != "" && f[7] != "") {
			t.Fatalf("row %d: auxiliary account %q on account %s", i+1, f[6], f[4])
		}
		if !fecAmount.MatchString(f[11]) || !fecAmount.MatchString(f[12]) {
			t.Fatalf("row %d amounts %q %q", i+1, f[11], f[12])
		}
		d := decimal.RequireFromString(strings.Replace(f[11], ",", ".", 1))
		c := decimal.RequireFromString(strings.Replace(f[12], ",", ".", 1))
		if d.IsZero() == c.IsZero() {
			t.Fatalf("row %d: one of debit and credit must be non-zero: %q", i+1, l)
		}
		if f[13] != "" || f[14] != "" || f[16] != "" || f[17] != "" {
			t.Fatalf("row %d: lettering and currency columns are empty: %q", i+1, l)
		}
		balance[f[2]] = balance[f[2]].Add(d).Sub(c)
	}
	for num, b := range balance {
		if !b.IsZero() {
			t.Fatalf("entry %s does not balance: %s", num, b)
		}
	}
	return len(lines) - 1
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
				!strings.HasPrefix(rec.Body.String(), "id,journal,date,document_ref,account,label,debit,credit,thirdparty_id\n") || strings.Count(rec.Body.String(), "\n") != 5 {
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
			if n := checkFEC(t, rec.Body.String(), 2026); n != int(got["entries"].(float64)) {
				t.Fatalf("FEC rows %d", n)
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
