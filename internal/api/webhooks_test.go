package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/webhook"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newWebhookAPI is the webhooks area and third parties (to emit an event)
// on one dialect's fresh database, with the real target guard: private
// addresses refused.
func newWebhookAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	client := webhook.New(webhook.Options{Timeout: 5 * time.Second, MaxBody: domain.MaxWebhookResponseBody})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)),
		api.NewWebhookRoutes(usecase.NewWebhookService(uow, client, time.Now)))
	return &stockAPI{e: e, db: db}
}

func TestWebhooksAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newWebhookAPI(t, d)
			created := a.ok(t, http.StatusCreated, "POST", "/api/v1/webhooks",
				`{"url":"https://93.184.215.14/hooks/doligo","events":["thirdparty.created","invoice.paid","thirdparty.created"]}`)
			secret, _ := created["secret"].(string)
			if !strings.HasPrefix(secret, "whsec_") || created["active"] != true ||
				fmt.Sprint(created["events"]) != "[invoice.paid thirdparty.created]" {
				t.Fatalf("created = %v", created)
			}
			id := idOf(created)
			path := fmt.Sprintf("/api/v1/webhooks/%d", id)

			// The secret is shown once: never by GET, the list or PATCH.
			got := a.ok(t, http.StatusOK, "GET", path, "")
			list := a.ok(t, http.StatusOK, "GET", "/api/v1/webhooks?sort=-id", "")
			patched := a.ok(t, http.StatusOK, "PATCH", path, `{"events":["thirdparty.created"]}`)
			for what, m := range map[string]map[string]any{"get": got, "list": list["items"].([]any)[0].(map[string]any), "patch": patched} {
				if _, ok := m["secret"]; ok {
					t.Fatalf("%s shows the secret: %v", what, m)
				}
			}
			if list["total"] != float64(1) || fmt.Sprint(patched["events"]) != "[thirdparty.created]" {
				t.Fatalf("list %v, patched %v", list, patched)
			}

			// Bad input: 422 naming the field; private targets refused.
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/webhooks", `{"events":["invoice.paid"]}`, "url")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/webhooks", `{"url":"ftp://93.184.215.14/","events":["invoice.paid"]}`, "url")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/webhooks", `{"url":"https://93.184.215.14/","events":[]}`, "events")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/webhooks", `{"url":"https://93.184.215.14/","events":["invoice.burnt"]}`, "events[0]")
			for _, private := range []string{"http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data", "http://192.168.0.10/", "http://[::1]/", "http://localhost/hook"} {
				a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/webhooks",
					fmt.Sprintf(`{"url":%q,"events":["invoice.paid"]}`, private), "url")
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"url":"http://10.1.1.1/"}`, "url")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/webhooks", `{"url":"https://93.184.215.14/","events":["invoice.paid"],"secret":"mine"}`, "secret")
			a.problem(t, http.StatusNotFound, "not-found", "GET", "/api/v1/webhooks/999999", "")

			// A change emits: its delivery is in the log; redelivery waits
			// for the pending one.
			a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Hooked"}`)
			deliveries := a.ok(t, http.StatusOK, "GET", path+"/deliveries", "")
			items := deliveries["items"].([]any)
			if deliveries["total"] != float64(1) || len(items) != 1 {
				t.Fatalf("deliveries = %v", deliveries)
			}
			dl := items[0].(map[string]any)
			if dl["event_type"] != "thirdparty.created" || dl["status"] != "pending" || dl["attempts"] != float64(0) || dl["response_code"] != nil {
				t.Fatalf("delivery = %v", dl)
			}
			a.problem(t, http.StatusConflict, "delivery-in-progress", "POST", fmt.Sprintf("%s/deliveries/%d/redeliver", path, idOf(dl)), "")
			a.problem(t, http.StatusNotFound, "not-found", "POST", fmt.Sprintf("%s/deliveries/%d/redeliver", path, idOf(dl)+99), "")
			if _, err := a.db.SQL.Exec(`UPDATE webhook_deliveries SET status = 'dead'`); err != nil {
				t.Fatal(err)
			}
			again := a.ok(t, http.StatusAccepted, "POST", fmt.Sprintf("%s/deliveries/%d/redeliver", path, idOf(dl)), "")
			if again["status"] != "pending" {
				t.Fatalf("redelivered = %v", again)
			}

			// Permissions.
			if rec := a.send("webhooks:read", "POST", "/api/v1/webhooks", `{"url":"https://93.184.215.14/","events":["invoice.paid"]}`); rec.Code != http.StatusForbidden {
				t.Fatalf("create with webhooks:read: %d", rec.Code)
			}
			if rec := a.send("thirdparties:read", "GET", "/api/v1/webhooks", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("list without webhooks:read: %d", rec.Code)
			}
			if rec := a.send("webhooks:read", "GET", path+"/deliveries", ""); rec.Code != http.StatusOK {
				t.Fatalf("deliveries with webhooks:read: %d", rec.Code)
			}

			// Delete: gone, with its log.
			a.ok(t, http.StatusNoContent, "DELETE", path, "")
			a.problem(t, http.StatusNotFound, "not-found", "GET", path+"/deliveries", "")
			var left int64
			if err := a.db.Gorm.Table("webhook_deliveries").Count(&left).Error; err != nil || left != 0 {
				t.Fatalf("%d deliveries left (%v)", left, err)
			}
		})
	}
}

// A subscription's deliveries answer CSV (streamed from the database) with
// the JSON's rows, order and values, paging and sort included.
func TestWebhookDeliveriesCSVMatchesJSON(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newWebhookAPI(t, d)
			path := fmt.Sprintf("/api/v1/webhooks/%d/deliveries", idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/webhooks",
				`{"url":"https://93.184.215.14/hooks/doligo","events":["thirdparty.created"]}`)))
			for i := range 4 {
				a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", fmt.Sprintf(`{"name":"Hooked %d"}`, i))
			}
			for _, q := range []string{"", "?sort=id", "?sort=-updated_at&limit=2&offset=1", "?offset=3"} {
				recs := a.csv(t, path+q)
				js := a.ok(t, http.StatusOK, "GET", path+q, "")
				if want := len(js["items"].([]any)) + 1; len(recs) != want || want == 1 {
					t.Fatalf("deliveries%s: %d CSV records, want the header and %d rows", q, len(recs), want-1)
				}
				for _, col := range []string{"id", "webhook_id", "event_id", "event_type", "status", "attempts", "response_code"} {
					if got, want := column(t, recs, col), jsonColumn(t, js, col); strings.Join(got, "|") != strings.Join(want, "|") {
						t.Errorf("deliveries%s: column %s is %q, JSON %q", q, col, got, want)
					}
				}
			}
		})
	}
}
