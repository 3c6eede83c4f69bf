package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/pgreplica"
)

// With DOLIGO_DB_READ_DSN on a real streaming replica, lists, reports and
// CSV exports come from the replica — a paused replica does not show an
// invoice validated meanwhile — while everything that reads what it wrote
// (the validation's answer, GET of the invoice, its payment) is served by
// the primary and works while the replica lags. Once the replica catches
// up, the lists and reports show the invoice too.
func TestReportsAndListsReadTheReplica(t *testing.T) {
	pair := pgreplica.Start(t)
	apiBin, _ := opstest.Binaries(t)
	api := opstest.StartAPI(t, apiBin, opstest.Env("postgres", pair.PrimaryDSN, map[string]string{
		"DOLIGO_DB_READ_DSN": pair.ReplicaDSN,
	}))
	if !strings.Contains(api.Output(), "read from the replica") {
		t.Fatalf("the API does not say it reads the replica:\n%s", api.Output())
	}
	admin := opstest.Login(t, api.URL, "admin", opstest.AdminPassword)
	tp := opstest.ID(t, admin.JSON(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Replica Customer", "is_customer": true}`))
	invoice := func() int64 {
		t.Helper()
		id := opstest.ID(t, admin.JSON(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(`{"thirdparty_id": %d,
			"date": "2026-11-20", "lines": [{"description": "Consulting", "qty": "1", "unit_price": "100", "vat_rate": "20"}]}`, tp)))
		if v := admin.JSON(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", id), ""); v["status"] != "validated" {
			t.Fatalf("validated invoice %v", v)
		}
		return id
	}
	seen := func() (listed, reported, exported int) {
		t.Helper()
		list := admin.JSON(t, http.StatusOK, "GET", "/api/v1/invoices", "")
		listed = len(list["items"].([]any))
		report := admin.JSON(t, http.StatusOK, "GET", "/api/v1/reports/sales?from=2026-11-01&to=2026-11-30&group_by=month", "")
		if items := report["items"].([]any); len(items) > 0 {
			fmt.Sscan(fmt.Sprint(items[0].(map[string]any)["invoices"]), &reported)
		}
		res, body := admin.Do(t, "GET", "/api/v1/invoices", nil, "Accept", "text/csv")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("CSV export: %d %s", res.StatusCode, body)
		}
		exported = strings.Count(strings.TrimSpace(string(body)), "\n") // rows after the header
		return
	}

	invoice()
	pair.WaitCaughtUp(t)
	if l, r, e := seen(); l != 1 || r != 1 || e != 1 {
		t.Fatalf("caught-up replica: %d listed, %d reported, %d exported, want 1 each", l, r, e)
	}

	pair.Pause(t)
	second := invoice() // written on the primary, read back from it
	got := admin.JSON(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/invoices/%d", second), "")
	if got["status"] != "validated" || got["ref"] == "" {
		t.Fatalf("GET of the invoice just validated, while the replica lags: %v", got)
	}
	admin.JSON(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", second),
		`{"amount": "120.00", "date": "2026-11-21", "method": "card"}`)
	if l, r, e := seen(); l != 1 || r != 1 || e != 1 {
		t.Fatalf("paused replica: %d listed, %d reported, %d exported, want still 1 each: lists and reports must read the replica", l, r, e)
	}

	pair.Resume(t)
	if l, r, e := seen(); l != 2 || r != 2 || e != 2 {
		t.Fatalf("resumed replica: %d listed, %d reported, %d exported, want 2 each", l, r, e)
	}
	if paid := admin.JSON(t, http.StatusOK, "GET", "/api/v1/invoices?status=paid", ""); len(paid["items"].([]any)) != 1 {
		t.Fatalf("paid invoices after the replica caught up: %v", paid)
	}
}
