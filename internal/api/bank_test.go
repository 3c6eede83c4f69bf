package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newBankAPI is the real stack of third parties, invoices, supplier
// invoices, bank accounts and the bank reports on one dialect's database.
func newBankAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: "EUR"})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)),
		api.NewDocumentRoutes(docs), api.NewSupplierInvoiceRoutes(docs),
		api.NewBankRoutes(usecase.NewBankService(uow, time.Now)),
		api.NewBankReportRoutes(gormdb.NewBankReports(db.DB), time.Now))
	return &stockAPI{e: e, db: db}
}

// items returns the items of a JSON list.
func items(l map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range l["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func field(ms []map[string]any, name string) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m[name]
	}
	return out
}

func TestBankAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newBankAPI(t, d)
			tp := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"ACME","is_customer":true}`))
			inv := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/invoices",
				fmt.Sprintf(`{"thirdparty_id":%d,"date":"2026-11-28","lines":[{"description":"Work","qty":"1","unit_price":"100","vat_rate":"20"}]}`, tp)))
			a.ok(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", inv), "")
			pays := fmt.Sprintf("/api/v1/invoices/%d/payments", inv)

			// Without any account a payment is recorded without a line.
			if p := a.ok(t, http.StatusCreated, "POST", pays, `{"amount":"1","date":"2026-11-29","method":"cash"}`); p["bank_account_id"] != nil {
				t.Fatalf("payment without accounts: %v", p)
			}

			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts",
				`{"iban":"FR00 1234","bic":"x","currency":"EURO","opening_balance":"abc"}`,
				"ref", "label", "iban", "bic", "currency", "opening_balance", "opening_date")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts",
				`{"ref":"JPY","label":"Yen","currency":"JPY","opening_balance":"1.5","opening_date":"2026-01-01"}`, "opening_balance")
			bank := a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts",
				`{"ref":"BNK","label":"Main bank","iban":"fr76 3000 6000 0112 3456 7890 189","bic":"bnpafrpp","currency":"eur","opening_balance":"100","opening_date":"2026-01-01","accounting_code":"512"}`)
			if bank["is_default"] != true || bank["balance"] != "100.00" || bank["iban"] != "FR7630006000011234567890189" || bank["currency"] != "EUR" {
				t.Fatalf("created %v", bank)
			}
			a.problem(t, http.StatusConflict, "duplicate-ref", "POST", "/api/v1/bank-accounts", `{"ref":"BNK","label":"x","currency":"EUR","opening_date":"2026-01-01"}`)
			cash := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts", `{"ref":"CASH","label":"Cash box","currency":"EUR","opening_date":"2026-01-01"}`))
			usd := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts", `{"ref":"USD","label":"Dollars","currency":"USD","opening_date":"2026-01-01"}`))
			bid := idOf(bank)
			acct := fmt.Sprintf("/api/v1/bank-accounts/%d", bid)

			// Payments land on the default account or the one they name.
			p := a.ok(t, http.StatusCreated, "POST", pays, `{"amount":"20","date":"2026-12-01","method":"bank_transfer"}`)
			if p["bank_account_id"] != float64(bid) {
				t.Fatalf("payment %v", p)
			}
			a.ok(t, http.StatusCreated, "POST", pays, fmt.Sprintf(`{"amount":"5","date":"2026-12-02","method":"cash","bank_account_id":%d}`, cash))
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", pays, fmt.Sprintf(`{"amount":"5","method":"cash","bank_account_id":%d}`, usd), "bank_account_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", pays, `{"amount":"5","method":"cash","bank_account_id":999999}`, "bank_account_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", pays, `{"amount":"5","method":"cash","bank_account_id":0}`, "bank_account_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", pays, `{"amount":"5","date":"2025-12-31","method":"cash"}`, "date")

			if got := a.ok(t, http.StatusOK, "GET", acct, ""); got["balance"] != "120.00" {
				t.Fatalf("balance after a payment: %v", got)
			}
			lines := items(a.ok(t, http.StatusOK, "GET", acct+"/lines", ""))
			if len(lines) != 1 || lines[0]["amount"] != "20.00" || lines[0]["balance_after"] != "120.00" || lines[0]["payment_id"] != p["id"] ||
				lines[0]["reconciled"] != false || lines[0]["statement_line_id"] != nil || lines[0]["kind"] != "payment" || lines[0]["date"] != "2026-12-01" {
				t.Fatalf("lines %v", lines)
			}

			// Transfers: both lines; the wrong ones name their field.
			tr := a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts/transfers",
				fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"30","date":"2026-12-03","label":"To the till"}`, bid, cash))
			from, to := tr["from"].(map[string]any), tr["to"].(map[string]any)
			if from["amount"] != "-30.00" || from["balance_after"] != "90.00" || to["amount"] != "30.00" || to["balance_after"] != "35.00" ||
				from["transfer_id"] != to["id"] || to["label"] != "To the till" {
				t.Fatalf("transfer %v", tr)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts/transfers",
				fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"1"}`, bid, usd), "to_account_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts/transfers",
				fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"-1"}`, bid, bid), "to_account_id", "amount")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts/transfers", `{"amount":"x"}`, "amount")

			// Deleting a payment writes its reversal; a reconciled line is kept (409).
			a.ok(t, http.StatusNoContent, "DELETE", fmt.Sprintf("%s/%d", pays, idOf(p)), "")
			lines = items(a.ok(t, http.StatusOK, "GET", acct+"/lines", ""))
			if got := field(lines, "amount"); !slices.Equal(got, []any{"20.00", "-30.00", "-20.00"}) || lines[2]["kind"] != "reversal" || lines[2]["balance_after"] != "70.00" {
				t.Fatalf("lines after deleting the payment %v", lines)
			}
			p2 := a.ok(t, http.StatusCreated, "POST", pays, `{"amount":"10","date":"2026-12-04","method":"card"}`)
			if err := a.db.Gorm.Exec("UPDATE bank_lines SET reconciled = ?, statement_line_id = 1 WHERE payment_id = ?", true, idOf(p2)).Error; err != nil {
				t.Fatal(err)
			}
			a.problem(t, http.StatusConflict, "reconciled", "DELETE", fmt.Sprintf("%s/%d", pays, idOf(p2)), "")
			lines = items(a.ok(t, http.StatusOK, "GET", acct+"/lines?from=2026-12-02&to=2026-12-04&sort=-id&limit=2", ""))
			if got := field(lines, "amount"); !slices.Equal(got, []any{"10.00", "-30.00"}) || lines[0]["reconciled"] != true || lines[0]["statement_line_id"] != float64(1) {
				t.Fatalf("lines from 2026-12-02 %v", lines)
			}
			if recs := a.csv(t, acct+"/lines"); len(recs) != 5 || !slices.Contains(recs[0], "balance_after") {
				t.Fatalf("lines as CSV %v", recs)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", acct+"/lines?from=2026-13-01&to=x", "", "from", "to")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", acct+"/lines?from=2026-12-02&to=2026-12-01", "", "to")
			a.problem(t, http.StatusNotFound, "not-found", "GET", "/api/v1/bank-accounts/999999/lines", "")

			// The account: its list, its changes, its default, its deletion.
			if l := a.ok(t, http.StatusOK, "GET", "/api/v1/bank-accounts?sort=-ref", ""); !slices.Equal(field(items(l), "ref"), []any{"USD", "CASH", "BNK"}) || l["total"] != float64(3) {
				t.Fatalf("list %v", l)
			}
			a.problem(t, http.StatusConflict, "has-lines", "PATCH", acct, `{"opening_balance":"5"}`)
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", acct, `{"is_default":false}`, "is_default")
			if got := a.ok(t, http.StatusOK, "PATCH", acct, `{"label":"Main account","opening_balance":"100.00"}`); got["label"] != "Main account" {
				t.Fatalf("patched %v", got)
			}
			if got := a.ok(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/bank-accounts/%d", usd), `{"is_default":true,"opening_balance":"7"}`); got["is_default"] != true || got["balance"] != "7.00" {
				t.Fatalf("new default %v", got)
			}
			if got := a.ok(t, http.StatusOK, "GET", acct, ""); got["is_default"] != false {
				t.Fatalf("old default %v", got)
			}
			a.problem(t, http.StatusConflict, "in-use", "DELETE", acct, "")
			a.problem(t, http.StatusConflict, "default-account", "DELETE", fmt.Sprintf("/api/v1/bank-accounts/%d", usd), "")
			a.problem(t, http.StatusNotFound, "not-found", "GET", "/api/v1/bank-accounts/999999", "")
			a.problem(t, http.StatusNotFound, "not-found", "PATCH", "/api/v1/bank-accounts/999999", `{"label":"x"}`)

			// Reports.
			bal := items(a.ok(t, http.StatusOK, "GET", "/api/v1/reports/bank-balances?date=2026-12-03", ""))
			if got := field(bal, "balance"); !slices.Equal(got, []any{"70.00", "35.00", "7.00"}) {
				t.Fatalf("balances at 2026-12-03 %v", bal)
			}
			bal = items(a.ok(t, http.StatusOK, "GET", "/api/v1/reports/bank-balances?date=2025-12-31", ""))
			if got := field(bal, "balance"); !slices.Equal(got, []any{"0.00", "0.00", "0.00"}) {
				t.Fatalf("balances before the opening %v", bal)
			}
			// Over every account: the payments (the deleted one cancelled by
			// its reversal), not the transfer.
			flow := items(a.ok(t, http.StatusOK, "GET", "/api/v1/reports/cash-flow?from=2026-01-01&to=2026-12-31", ""))
			if len(flow) != 1 || flow[0]["period"] != "2026-12" || flow[0]["money_in"] != "15.00" || flow[0]["money_out"] != "0.00" || flow[0]["net"] != "15.00" {
				t.Fatalf("cash flow %v", flow)
			}
			flow = items(a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/reports/cash-flow?from=2026-01-01&to=2026-12-31&account_id=%d", bid), ""))
			if len(flow) != 1 || flow[0]["money_in"] != "10.00" || flow[0]["money_out"] != "30.00" || flow[0]["net"] != "-20.00" {
				t.Fatalf("cash flow of %d %v", bid, flow)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/reports/cash-flow?from=2026-12-31&to=2026-01-01&account_id=x", "", "to", "account_id")
			if recs := a.csv(t, "/api/v1/reports/cash-flow?from=2026-01-01&to=2026-12-31"); len(recs) != 2 {
				t.Fatalf("cash flow as CSV %v", recs)
			}

			// Amounts have their currency's decimals: none in yen.
			yen1 := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts", `{"ref":"JPY1","label":"Yen","currency":"JPY","opening_balance":"10000","opening_date":"2026-01-01"}`))
			yen2 := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts", `{"ref":"JPY2","label":"Yen","currency":"JPY","opening_date":"2026-01-01"}`))
			tr = a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts/transfers", fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"1500"}`, yen1, yen2))
			if tr["from"].(map[string]any)["amount"] != "-1500" || tr["from"].(map[string]any)["balance_after"] != "8500" {
				t.Fatalf("yen transfer %v", tr)
			}
			if l := items(a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/bank-accounts/%d/lines", yen2), "")); l[0]["amount"] != "1500" {
				t.Fatalf("yen lines %v", l)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts/transfers", fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"0.5"}`, yen1, yen2), "amount")
			// Between two currencies: to_amount is what arrives, in the
			// receiving account's currency and decimals.
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts/transfers", fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"1000","to_amount":"6.505"}`, yen1, usd), "to_amount")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts/transfers", fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"10","to_amount":"11"}`, yen1, yen2), "to_amount")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/bank-accounts/transfers", fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"1000","to_amount":"0"}`, yen1, usd), "to_amount")
			tr = a.ok(t, http.StatusCreated, "POST", "/api/v1/bank-accounts/transfers", fmt.Sprintf(`{"from_account_id":%d,"to_account_id":%d,"amount":"1000","to_amount":"6.50"}`, yen1, usd))
			if tr["from"].(map[string]any)["amount"] != "-1000" || tr["to"].(map[string]any)["amount"] != "6.50" {
				t.Fatalf("yen to dollars %v", tr)
			}

			if rec := a.send("invoices:read", "GET", "/api/v1/bank-accounts", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("without bank:read: %d", rec.Code)
			}
			if rec := a.send("bank:read", "POST", "/api/v1/bank-accounts/transfers", "{}"); rec.Code != http.StatusForbidden {
				t.Fatalf("without bank:write: %d", rec.Code)
			}
		})
	}
}
