package usecase_test

// Webhooks on every dialect: each change of the event catalogue emits its
// event in its own unit of work (one delivery and one webhook.deliver job per
// active subscription to the type, nothing for the others), a change that
// fails or rolls back emits nothing, and the webhook.deliver handler signs,
// posts, records and ends dead after its last attempt. Each test has a
// database of its own: subscriptions are global, and would make the other
// tests of the package emit.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/webhook"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// devClient is the real client with private addresses allowed: the
// receivers of these tests listen on loopback.
func devClient() *webhook.Client {
	return webhook.New(webhook.Options{Timeout: 5 * time.Second, AllowPrivate: true, MaxBody: domain.MaxWebhookResponseBody})
}

// subscribe creates an active subscription to events.
func subscribe(t *testing.T, hooks *usecase.WebhookService, url string, events ...string) *domain.WebhookSubscription {
	t.Helper()
	s := &domain.WebhookSubscription{URL: url, Events: events, Active: true}
	if err := hooks.Create(context.Background(), s); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if !strings.HasPrefix(s.Secret, "whsec_") || len(s.Secret) != 70 {
		t.Fatalf("secret = %q", s.Secret)
	}
	return s
}

// delivered counts a subscription's deliveries by event type.
func delivered(t *testing.T, db *testdb.DB, subID int64) map[string]int {
	t.Helper()
	rows, err := db.Gorm.Raw(`SELECT e.type, COUNT(*) FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
		WHERE d.subscription_id = ? GROUP BY e.type`, subID).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var typ string
		var n int
		if err := rows.Scan(&typ, &n); err != nil {
			t.Fatal(err)
		}
		out[typ] = n
	}
	return out
}

// lastEventData is the data of the newest event of a type.
func lastEventData(t *testing.T, db *testdb.DB, typ string) map[string]any {
	t.Helper()
	var data string
	if err := db.Gorm.Raw(`SELECT data FROM webhook_events WHERE type = ? ORDER BY id DESC LIMIT 1`, typ).Scan(&data).Error; err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		t.Fatalf("%s data %q: %v", typ, data, err)
	}
	return out
}

func TestEveryChangeEmitsItsEventInItsTransaction(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Migrated(t, dialect)
			e := newBuyEnv(t, db)
			hooks := usecase.NewWebhookService(e.uow, devClient(), time.Now)
			all := subscribe(t, hooks, "https://receiver.example/all", domain.WebhookEventTypes()...)
			paidOnly := subscribe(t, hooks, "https://receiver.example/paid", domain.EventInvoicePaid)
			off := subscribe(t, hooks, "https://receiver.example/off", domain.WebhookEventTypes()...)
			if _, err := hooks.Update(ctx, off.ID, domain.WebhookSubscriptionPatch{Active: new(bool)}); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			check := func(step string) {
				t.Helper()
				if got := delivered(t, db, all.ID); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%s: deliveries %v, want %v", step, got, want)
				}
				var jobs int64
				if err := db.Gorm.Table("jobs").Where("kind = ?", domain.JobKindWebhookDeliver).Count(&jobs).Error; err != nil {
					t.Fatal(err)
				}
				total := want[domain.EventInvoicePaid] // paidOnly's
				for _, n := range want {
					total += n
				}
				if jobs != int64(total) {
					t.Fatalf("%s: %d webhook.deliver jobs, want one per delivery (%d)", step, jobs, total)
				}
				if got := delivered(t, db, off.ID); len(got) != 0 {
					t.Fatalf("%s: the inactive subscription got %v", step, got)
				}
			}
			boom := errors.New("boom")

			// thirdparty.created
			tp, err := e.docs.tps.Create(ctx, domain.ThirdParty{Name: "Hooked", Code: "HOOK-1", IsCustomer: true, Country: "FR", VATID: "FR40303265045"})
			if err != nil {
				t.Fatal(err)
			}
			want[domain.EventThirdPartyCreated]++
			if _, err := e.docs.tps.Create(ctx, domain.ThirdParty{Name: "Twin", Code: "HOOK-1", IsCustomer: true}); err == nil {
				t.Fatal("a duplicate code must fail")
			}
			check("third parties")
			if d := lastEventData(t, db, domain.EventThirdPartyCreated); d["id"] != float64(tp.ID) || d["code"] != "HOOK-1" ||
				d["country"] != "FR" || d["vat_id"] != "FR40303265045" {
				t.Fatalf("thirdparty.created data = %v", d)
			}

			// product.created
			p := e.product(t, "HOOK-P")
			want[domain.EventProductCreated]++
			if err := e.catalog.CreateProduct(ctx, &domain.Product{Ref: "HOOK-P", Label: "again", Type: domain.ProductTypeProduct}); err == nil {
				t.Fatal("a duplicate ref must fail")
			}
			check("products")
			if d := lastEventData(t, db, domain.EventProductCreated); d["ref"] != "HOOK-P" || d["unit_price"] != "10.00" {
				t.Fatalf("product.created data = %v", d)
			}

			// stock.moved
			w := e.warehouse(t, "HOOK-W")
			in, err := domain.NewStockMovement(p.ID, w.ID, num("5"), decimal.NullDecimal{}, "in")
			if err != nil {
				t.Fatal(err)
			}
			e.apply(t, in)
			want[domain.EventStockMoved]++
			out, _ := domain.NewStockMovement(p.ID, w.ID, num("-50"), decimal.NullDecimal{}, "too much")
			if _, err := e.stock.Apply(ctx, clerk, out); err == nil {
				t.Fatal("a debit below zero must fail")
			}
			err = e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				if _, err := e.stock.ApplyIn(ctx, r, clerk, in); err != nil {
					return err
				}
				return boom // the caller's unit of work fails after the move: its event goes with it
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			check("stock")
			if d := lastEventData(t, db, domain.EventStockMoved); fmt.Sprint(d["movements"]) == "[]" ||
				d["movements"].([]any)[0].(map[string]any)["qty"] != "5" {
				t.Fatalf("stock.moved data = %v", d)
			}

			// <type>.validated, rolled back with a failing caller, then committed.
			for _, c := range []struct {
				typ   domain.DocType
				event string
				draft func() *domain.Document
			}{
				{domain.DocProposal, domain.EventProposalValidated, func() *domain.Document { return e.docs.draft(t, domain.DocProposal, "2026-11-02", "1", "10") }},
				{domain.DocOrder, domain.EventOrderValidated, func() *domain.Document { return e.docs.draft(t, domain.DocOrder, "2026-11-02", "1", "10") }},
				{domain.DocInvoice, domain.EventInvoiceValidated, func() *domain.Document { return e.docs.draft(t, domain.DocInvoice, "2026-11-02", "2", "50") }},
				{domain.DocPurchaseOrder, domain.EventPurchaseOrderValidated, func() *domain.Document { return e.order(t, poLine(p, "4", "3", "0")) }},
				{domain.DocSupplierInvoice, domain.EventSupplierInvoiceValidated, func() *domain.Document {
					return e.docs.supplierDraft(t, e.supplier, "SUP-HOOK-1", "2026-11-02", "1", "30")
				}},
			} {
				d := c.draft()
				types := []domain.DocType{c.typ}
				err := e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
					if _, err := e.docs.docs.ValidateIn(ctx, r, e.docs.actor, types, d.ID, 0); err != nil {
						return err
					}
					return boom
				})
				if !errors.Is(err, boom) {
					t.Fatalf("%s: %v", c.typ, err)
				}
				check(string(c.typ) + " rolled back")
				v := e.docs.validated(t, types, d)
				want[c.event]++
				if _, err := e.docs.docs.Validate(ctx, e.docs.actor, types, d.ID, 0); err == nil {
					t.Fatalf("%s: validating twice must fail", c.typ)
				}
				check(string(c.typ))
				if data := lastEventData(t, db, c.event); data["id"] != float64(v.ID) || data["ref"] != v.Ref || data["status"] != "validated" {
					t.Fatalf("%s data = %v", c.event, data)
				}
			}

			// payment.created, and invoice.paid by the payment that settles it.
			invoices := []domain.DocType{domain.DocInvoice, domain.DocCreditNote}
			inv := lastEventData(t, db, domain.EventInvoiceValidated)
			invID := inv["id"].(float64)
			// In the company currency: rate 1, the company totals the totals.
			if inv["company_currency"] != inv["currency"] || inv["currency_rate"] != "1" || inv["total_net_company"] != inv["total_net"] ||
				inv["total_vat_company"] != inv["total_vat"] || inv["total_gross_company"] != inv["total_gross"] {
				t.Fatalf("invoice.validated data = %v", inv)
			}
			pay := func(amount string) error {
				_, err := e.docs.docs.AddPayment(ctx, e.docs.actor, invoices, int64(invID), domain.Payment{Amount: num(amount), Method: domain.PayBankTransfer})
				return err
			}
			if err := pay("100"); err != nil {
				t.Fatal(err)
			}
			want[domain.EventPaymentCreated]++
			check("first payment")
			if err := pay("1000"); err == nil {
				t.Fatal("an overpayment must fail")
			}
			if err := pay("20"); err != nil { // 2 × 50 + 20 % VAT = 120
				t.Fatal(err)
			}
			want[domain.EventPaymentCreated]++
			want[domain.EventInvoicePaid]++
			check("settling payment")
			if d := lastEventData(t, db, domain.EventPaymentCreated); d["amount"] != "20.00" || d["document_id"] != invID ||
				d["currency_rate"] != "1" || d["exchange_difference"] != "0.00" {
				t.Fatalf("payment.created data = %v", d)
			}
			if d := lastEventData(t, db, domain.EventInvoicePaid); d["status"] != "paid" || d["amount_due"] != "0.00" {
				t.Fatalf("invoice.paid data = %v", d)
			}
			if got := delivered(t, db, paidOnly.ID); fmt.Sprint(got) != "map[invoice.paid:1]" {
				t.Fatalf("the invoice.paid subscriber got %v", got)
			}

			// reception.created (and the stock it moves)
			poID := lastEventData(t, db, domain.EventPurchaseOrderValidated)["id"].(float64)
			po := e.getOrder(t, int64(poID))
			if _, err := e.purchase.Receive(ctx, e.docs.actor, po.ID, receive(w, "2026-11-21", po.Lines[0].ID, "9")); err == nil {
				t.Fatal("receiving more than ordered must fail")
			}
			check("refused reception")
			rec, err := e.purchase.Receive(ctx, e.docs.actor, po.ID, receive(w, "2026-11-21", po.Lines[0].ID, "4"))
			if err != nil {
				t.Fatal(err)
			}
			want[domain.EventReceptionCreated]++
			want[domain.EventStockMoved]++
			check("reception")
			if d := lastEventData(t, db, domain.EventReceptionCreated); d["ref"] != rec.Ref || d["purchase_order_id"] != poID {
				t.Fatalf("reception.created data = %v", d)
			}
			// Its ledger row, written with the reception (Receptions.Create):
			// the event names it by its id, with the reception's label and id.
			moves, err := e.stock.Movements(ctx, domain.MovementFilter{OriginType: domain.OriginReception, OriginID: rec.ID})
			if err != nil || moves.Total != 1 {
				t.Fatalf("ledger rows of the reception: %v %+v", err, moves)
			}
			m := lastEventData(t, db, domain.EventStockMoved)["movements"].([]any)[0].(map[string]any)
			if m["id"] != float64(moves.Items[0].ID) || m["origin_id"] != float64(rec.ID) || m["label"] != domain.ReceptionLabel(rec, po) ||
				m["qty"] != "4" {
				t.Fatalf("stock.moved of the reception = %v; want ledger row %d of reception %d", m, moves.Items[0].ID, rec.ID)
			}
		})
	}
}

// receiver is an HTTP endpoint on loopback that answers as told and keeps
// what it was sent.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	bodies [][]byte
	sigs   []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{status: http.StatusNoContent}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.bodies, r.sigs = append(r.bodies, b), append(r.sigs, req.Header.Get("Doligo-Signature"))
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, strings.Repeat("no!", 1000)) // longer than a delivery keeps
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) answer(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// verify checks the last request's signature as a receiver would: HMAC-SHA256
// of "<t>.<body>" with the secret.
func (r *receiver) verify(t *testing.T, secret string) map[string]any {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	body, sig := r.bodies[len(r.bodies)-1], r.sigs[len(r.sigs)-1]
	var ts, v1 string
	for _, part := range strings.Split(sig, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	if want := hex.EncodeToString(mac.Sum(nil)); ts == "" || !hmac.Equal([]byte(v1), []byte(want)) {
		t.Fatalf("signature %q does not verify over %s", sig, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func TestDeliverJobSignsRetriesAndEndsDead(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Migrated(t, dialect)
			e := newDocEnv(t, db)
			hooks := usecase.NewWebhookService(e.uow, devClient(), time.Now)
			rcv := newReceiver(t)
			sub := subscribe(t, hooks, rcv.URL+"/hook", domain.EventThirdPartyCreated)
			tp, err := e.tps.Create(ctx, domain.ThirdParty{Name: "Delivered Ltd", IsCustomer: true})
			if err != nil {
				t.Fatal(err)
			}
			page, err := hooks.Deliveries(ctx, sub.ID, domain.ListQuery{Limit: 10})
			if err != nil || page.Total != 1 || page.Items[0].Status != domain.DeliveryPending {
				t.Fatalf("deliveries = %+v %v", page, err)
			}
			d := page.Items[0]
			payload, _ := json.Marshal(domain.WebhookDeliverPayload{EventID: d.EventID, SubscriptionID: sub.ID})
			job := func(attempt, max int) domain.Job {
				return domain.Job{ID: 1, Kind: domain.JobKindWebhookDeliver, Payload: payload, Attempt: attempt, MaxAttempts: max}
			}
			state := func() *domain.WebhookDelivery {
				t.Helper()
				p, err := hooks.Deliveries(ctx, sub.ID, domain.ListQuery{Limit: 10})
				if err != nil || len(p.Items) != 1 {
					t.Fatalf("deliveries = %+v %v", p, err)
				}
				return p.Items[0]
			}

			// A failing receiver: retried, then dead after the last attempt.
			rcv.answer(http.StatusInternalServerError)
			if err := hooks.DeliverJob(ctx, job(1, 2)); err == nil || errors.Is(err, domain.ErrJobPermanent) {
				t.Fatalf("a 500 must fail the run, to be retried: %v", err)
			}
			got := state()
			if got.Status != domain.DeliveryRetrying || got.Attempts != 1 || got.ResponseCode != 500 ||
				len(got.ResponseBody) != domain.MaxWebhookResponseBody || !strings.Contains(got.Error, "500") {
				t.Fatalf("after a failed attempt: %+v", got)
			}
			if err := hooks.DeliverJob(ctx, job(2, 2)); err == nil {
				t.Fatal("the last attempt fails too")
			}
			if got := state(); got.Status != domain.DeliveryDead || got.Attempts != 2 {
				t.Fatalf("after the last attempt: %+v", got)
			}

			// Redelivery: pending again with a new job; not twice at once.
			jobsBefore := e.count(t, "jobs")
			if r, err := hooks.Redeliver(ctx, sub.ID, d.ID); err != nil || r.Status != domain.DeliveryPending {
				t.Fatalf("redeliver: %+v %v", r, err)
			}
			if n := e.count(t, "jobs"); n != jobsBefore+1 {
				t.Fatalf("jobs %d → %d, want one more", jobsBefore, n)
			}
			if _, err := hooks.Redeliver(ctx, sub.ID, d.ID); conflictCode(err) != "delivery-in-progress" {
				t.Fatalf("second redelivery: %v", err)
			}
			if _, err := hooks.Redeliver(ctx, sub.ID+1000, d.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("redelivery of another subscription: %v", err)
			}

			// A receiver that answers 2xx: delivered, signed with the secret.
			rcv.answer(http.StatusNoContent)
			if err := hooks.DeliverJob(ctx, job(1, 8)); err != nil {
				t.Fatal(err)
			}
			got = state()
			if got.Status != domain.DeliveryDelivered || got.Attempts != 3 || got.ResponseCode != 204 || got.Error != "" || got.DeliveredAt == nil {
				t.Fatalf("delivered: %+v", got)
			}
			body := rcv.verify(t, sub.Secret)
			data, _ := body["data"].(map[string]any)
			if body["id"] != float64(d.EventID) || body["type"] != domain.EventThirdPartyCreated || body["created_at"] == nil ||
				data["id"] != float64(tp.ID) || data["name"] != "Delivered Ltd" {
				t.Fatalf("delivered body = %v", body)
			}
			if got, err := hooks.Get(ctx, sub.ID); err != nil || got.Secret != "" {
				t.Fatalf("get shows the secret: %+v %v", got, err)
			}

			// An inactive subscription: the job ends at once, nothing sent.
			if _, err := hooks.Redeliver(ctx, sub.ID, d.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := hooks.Update(ctx, sub.ID, domain.WebhookSubscriptionPatch{Active: new(bool)}); err != nil {
				t.Fatal(err)
			}
			sent := rcv.count()
			if err := hooks.DeliverJob(ctx, job(1, 8)); !errors.Is(err, domain.ErrJobPermanent) || rcv.count() != sent {
				t.Fatalf("inactive: %v (sent %d → %d)", err, sent, rcv.count())
			}
			if got := state(); got.Status != domain.DeliveryDead {
				t.Fatalf("inactive: %+v", got)
			}

			// A deleted subscription: its deliveries go with it, its jobs end.
			if err := hooks.Delete(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
			if err := hooks.DeliverJob(ctx, job(1, 8)); !errors.Is(err, domain.ErrJobPermanent) {
				t.Fatalf("deleted: %v", err)
			}
			if n := e.count(t, "webhook_deliveries"); n != 0 {
				t.Fatalf("%d deliveries left after the deletion", n)
			}
		})
	}
}

// A target that is not a public address is refused when subscribing (422
// naming url), unless private addresses are allowed.
func TestSubscriptionRefusesPrivateTargets(t *testing.T) {
	db := testdb.Migrated(t, testdb.Dialects()[0])
	e := newDocEnv(t, db)
	strict := usecase.NewWebhookService(e.uow, webhook.New(webhook.Options{Timeout: 5 * time.Second, MaxBody: 16}), time.Now)
	for _, url := range []string{"http://127.0.0.1:9000/hook", "http://169.254.169.254/latest", "http://10.0.0.1/", "http://localhost/hook"} {
		err := strict.Create(context.Background(), &domain.WebhookSubscription{URL: url, Events: []string{domain.EventJobDead}, Active: true})
		var v *domain.ValidationError
		if !errors.As(err, &v) || v.Fields[0].Field != "url" {
			t.Errorf("%s: %v, want 422 naming url", url, err)
		}
	}
	if n := e.count(t, "webhook_subscriptions"); n != 0 {
		t.Fatalf("%d subscriptions stored", n)
	}
	s := &domain.WebhookSubscription{URL: "https://93.184.215.14/hook", Events: []string{domain.EventJobDead}, Active: true}
	if err := strict.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	url := "http://127.0.0.1/again"
	if _, err := strict.Update(context.Background(), s.ID, domain.WebhookSubscriptionPatch{URL: &url}); err == nil {
		t.Fatal("a private URL must be refused on update too")
	}
}
