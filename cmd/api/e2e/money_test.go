package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// The money side as a French company closes a month on it, through the API
// of the binary alone, on each database: payments land on two bank accounts
// and bank statements (CAMT.053, one per account) reconcile them; a US
// customer is invoiced in dollars at a dated rate and the exchange difference
// is booked at payment, the money landing converted on the euro account; a
// German business is billed under the reverse charge.
func TestMoneyMonthThroughTheAPI(t *testing.T) {
	apiBin, _ := opstest.Binaries(t)
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			api := opstest.StartAPI(t, apiBin, opstest.Env(d, testdb.Fresh(t, d), nil))
			admin := opstest.Login(t, api.URL, "admin", opstest.AdminPassword)
			get := func(path string) map[string]any { return admin.JSON(t, http.StatusOK, "GET", path, "") }
			post := func(path, body string) map[string]any {
				t.Helper()
				return admin.JSON(t, http.StatusCreated, "POST", path, body)
			}
			validate := func(invoice int64) map[string]any {
				t.Helper()
				return admin.JSON(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", invoice), "")
			}

			admin.JSON(t, http.StatusOK, "PUT", "/api/v1/company", `{"name": "Atelier Dupont SARL", "country": "FR", "vat_id": "FR40303265045"}`)
			paris := opstest.ID(t, post("/api/v1/bank-accounts", `{"ref": "CA", "label": "Crédit Agricole",
				"iban": "FR7630006000011234567890189", "currency": "EUR", "opening_balance": "1000.00", "opening_date": "2026-11-01"}`))
			berlin := opstest.ID(t, post("/api/v1/bank-accounts", `{"ref": "DB", "label": "Deutsche Bank",
				"iban": "DE89370400440532013000", "currency": "EUR", "opening_date": "2026-11-01"}`))

			// Two domestic invoices, paid on one account each.
			client := opstest.ID(t, post("/api/v1/thirdparties", `{"name": "Client Lyon", "is_customer": true, "country": "FR"}`))
			invoice := func(customer int64, extra, lines string) int64 {
				t.Helper()
				return opstest.ID(t, post("/api/v1/invoices", fmt.Sprintf(`{"thirdparty_id": %d, "date": "2026-11-10"%s, "lines": [%s]}`, customer, extra, lines)))
			}
			first := invoice(client, "", `{"description": "Repair", "qty": "1", "unit_price": "100", "vat_rate": "20"}`)
			second := invoice(client, "", `{"description": "Parts", "qty": "2", "unit_price": "25", "vat_rate": "20"}`)
			firstRef := validate(first)["ref"].(string)
			validate(second)
			post(fmt.Sprintf("/api/v1/invoices/%d/payments", first), `{"amount": "120.00", "date": "2026-11-12", "method": "bank_transfer"}`)
			post(fmt.Sprintf("/api/v1/invoices/%d/payments", second),
				fmt.Sprintf(`{"amount": "60.00", "date": "2026-11-13", "method": "bank_transfer", "bank_account_id": %d}`, berlin))

			// The banks' statements: the 120.00 named by its invoice's number,
			// the 60.00 matched by amount and date.
			statement := func(account int64, iban, id, entries string) map[string]any {
				t.Helper()
				res, body := admin.Do(t, "POST", fmt.Sprintf("/api/v1/bank-accounts/%d/statements", account),
					strings.NewReader(camt053(iban, id, entries)), "Content-Type", "application/xml")
				if res.StatusCode != http.StatusCreated {
					t.Fatalf("statement %s: %d %s", id, res.StatusCode, body)
				}
				return get(fmt.Sprintf("/api/v1/bank-accounts/%d/lines", account))
			}
			for account, lines := range map[int64]map[string]any{
				paris: statement(paris, "FR7630006000011234567890189", "CA-2026-11",
					camtEntry("120.00", "CRDT", "2026-11-13", "VIR CLIENT LYON "+firstRef)),
				berlin: statement(berlin, "DE89370400440532013000", "DB-2026-11",
					camtEntry("60.00", "CRDT", "2026-11-14", "Gutschrift Client Lyon")),
			} {
				items := lines["items"].([]any)
				if len(items) != 1 || items[0].(map[string]any)["reconciled"] != true || items[0].(map[string]any)["statement_line_id"] == nil {
					t.Fatalf("account %d after its statement: %v", account, items)
				}
			}
			if b := get(fmt.Sprintf("/api/v1/bank-accounts/%d", paris)); b["balance"] != "1120.00" {
				t.Fatalf("the Paris account's balance: %v", b["balance"])
			}

			// A US customer in dollars: the rate of the invoice's date is
			// fixed at validation, the payment's rate gives the difference.
			post("/api/v1/currency-rates", `{"currency": "USD", "date": "2026-11-02", "rate": "1.25"}`)
			post("/api/v1/currency-rates", `{"currency": "USD", "date": "2026-11-20", "rate": "1.10"}`)
			us := opstest.ID(t, post("/api/v1/thirdparties", `{"name": "Acme Inc.", "is_customer": true, "country": "US"}`))
			dollars := invoice(us, `, "currency": "USD"`, `{"description": "Consulting", "qty": "3", "unit_price": "33.33", "vat_rate": "20"}`)
			v := validate(dollars)
			if v["vat_regime"] != "export" || v["total_gross"] != "99.99" || v["currency_rate"] != "1.25" || v["total_gross_company"] != "79.99" {
				t.Fatalf("the dollar invoice: regime %v, gross %v, rate %v, in euros %v", v["vat_regime"], v["total_gross"], v["currency_rate"], v["total_gross_company"])
			}
			paid := post(fmt.Sprintf("/api/v1/invoices/%d/payments", dollars), `{"amount": "99.99", "date": "2026-11-25", "method": "bank_transfer"}`)
			if paid["currency_rate"] != "1.1" && paid["currency_rate"] != "1.10" || paid["exchange_difference"] != "10.91" {
				t.Fatalf("the dollar payment: rate %v, exchange difference %v (want 90.90 − 79.99 = 10.91)", paid["currency_rate"], paid["exchange_difference"])
			}
			lines := get(fmt.Sprintf("/api/v1/bank-accounts/%d/lines", paris))["items"].([]any)
			if last := lines[len(lines)-1].(map[string]any); last["amount"] != "90.90" {
				t.Fatalf("the dollars on the euro account: %v", last)
			}

			// A German business: reverse charge, no VAT, the mention.
			de := opstest.ID(t, post("/api/v1/thirdparties", `{"name": "Müller Maschinenbau GmbH", "is_customer": true, "vat_id": "DE136695976"}`))
			rc := validate(invoice(de, "", `{"description": "Machine service", "qty": "1", "unit_price": "240", "vat_rate": "20"}`))
			if rc["vat_regime"] != "intra_eu_reverse_charge" || rc["total_vat"] != "0.00" || rc["total_gross"] != "240.00" || rc["vat_mention"] == "" {
				t.Fatalf("the German invoice: regime %v, VAT %v, gross %v, mention %q", rc["vat_regime"], rc["total_vat"], rc["total_gross"], rc["vat_mention"])
			}
		})
	}
}

// camt053 is a bank's end-of-day statement of one account.
func camt053(iban, id, entries string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>` + id + `</MsgId><CreDtTm>2026-11-30T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>` + id + `</Id>
      <CreDtTm>2026-11-30T06:00:00</CreDtTm>
      <Acct><Id><IBAN>` + iban + `</IBAN></Id><Ccy>EUR</Ccy></Acct>
      ` + entries + `
    </Stmt>
  </BkToCstmrStmt>
</Document>`
}

// camtEntry is one booked entry of a statement.
func camtEntry(amount, side, day, info string) string {
	return `<Ntry><Amt Ccy="EUR">` + amount + `</Amt><CdtDbtInd>` + side + `</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>` + day + `</Dt></BookgDt><ValDt><Dt>` + day + `</Dt></ValDt>
        <NtryDtls><TxDtls><RmtInf><Ustrd>` + info + `</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`
}
