package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Proposals and orders are sent as invoices are: validated only, to the third
// party's e-mail by default, 202 with the email.send job carrying the
// template of their kind and their PDF; each under its own permission.
func TestSendProposalsAndOrders(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newOutboxAPI(t, d)
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties",
				`{"name": "ACME", "is_customer": true, "email": "buyer@acme.test", "locale": "de"}`))
			for _, c := range []struct{ path, typ string }{{"/api/v1/proposals", "proposal"}, {"/api/v1/orders", "order"}} {
				doc := id(a.json(t, http.StatusCreated, "POST", c.path, fmt.Sprintf(invoiceBody, tp)))
				send := c.path + "/" + doc + "/send"
				jobsBefore := a.jobs(t)
				wantProblem(t, a.call("POST", send, ""), http.StatusConflict, "illegal-transition")
				if n := a.jobs(t); n != jobsBefore {
					t.Fatalf("%s: a refused sending wrote %d jobs", c.typ, n-jobsBefore)
				}
				a.json(t, http.StatusOK, "POST", c.path+"/"+doc+"/validate", "")
				wantProblem(t, a.call("POST", send, "", "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")
				wantProblem(t, a.call("POST", send, "", "Authorization", "Bearer warehouse"), http.StatusForbidden, "forbidden")
				wantProblem(t, a.call("POST", c.path+"/999999/send", `{"to": ["a@example.org"]}`), http.StatusNotFound, "not-found")
				if fields := wantProblem(t, a.call("POST", send, `{"cc": ["nope"]}`), http.StatusUnprocessableEntity, "validation"); len(fields) != 1 || fields[0] != "cc[0]" {
					t.Fatalf("%s: bad cc: fields %v", c.typ, fields)
				}

				rec := a.call("POST", send, "", "Authorization", "Bearer sales")
				sent := decodeJSON[sendResponse](t, rec, http.StatusAccepted)
				if rec.Header().Get("Location") != fmt.Sprintf("/api/v1/jobs/%d", sent.JobID) {
					t.Fatalf("%s: location %q", c.typ, rec.Header().Get("Location"))
				}
				var raw string
				if err := a.db.Gorm.Table("jobs").Select("payload").Where("id = ? AND kind = ?", sent.JobID, domain.JobKindEmailSend).Take(&raw).Error; err != nil {
					t.Fatal(err)
				}
				var p domain.EmailPayload
				if err := json.Unmarshal([]byte(raw), &p); err != nil {
					t.Fatal(err)
				}
				if p.Template != c.typ || p.Lang != "de" || len(p.To) != 1 || p.To[0] != "buyer@acme.test" ||
					len(p.Attachments) != 1 || p.Attachments[0].Document != c.typ || fmt.Sprint(p.Attachments[0].ID) != doc {
					t.Errorf("%s: payload %+v", c.typ, p)
				}
			}
		})
	}
}

func (a *outboxAPI) jobs(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := a.db.Gorm.Table("jobs").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
