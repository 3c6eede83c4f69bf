package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/infrastructure/webhook"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// hookReceiver is a webhook endpoint on this machine: it checks each
// request's signature as a receiver would and keeps the event types it got.
type hookReceiver struct {
	mu     sync.Mutex
	types  []string
	forged []string
}

func (h *hookReceiver) handler(secret func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ts, v1 string
		for _, part := range strings.Split(r.Header.Get("Doligo-Signature"), ",") {
			if k, v, ok := strings.Cut(part, "="); ok && k == "t" {
				ts = v
			} else if ok && k == "v1" {
				v1 = v
			}
		}
		mac := hmac.New(sha256.New, []byte(secret()))
		mac.Write([]byte(ts + "." + string(body)))
		var ev struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(body, &ev)
		h.mu.Lock()
		defer h.mu.Unlock()
		if !hmac.Equal([]byte(v1), []byte(hex.EncodeToString(mac.Sum(nil)))) {
			h.forged = append(h.forged, string(body))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.types = append(h.types, ev.Type)
		w.WriteHeader(http.StatusNoContent)
	})
}

func (h *hookReceiver) got() ([]string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(slices.Values(h.types)), slices.Clone(h.forged)
}

// A receiver on the same machine (DOLIGO_WEBHOOK_ALLOW_PRIVATE=true) gets a
// signed event for each kind of change the test makes, from a real worker,
// and none for the changes that failed.
func TestWebhookEventsReachAReceiver(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			uow := gormdb.NewUnitOfWork(db.DB)
			defaults := config.Defaults()
			stock := usecase.NewStockService(uow, usecase.StockOptions{})
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: defaults.DocumentMasks(), DefaultCurrency: defaults.DefaultCurrency})
			tps := usecase.NewThirdPartyService(uow, defaults.ThirdPartyMask(), time.Now)
			catalog := usecase.NewCatalogService(uow, time.Now)
			purchase := usecase.NewPurchaseService(uow, stock, usecase.PurchaseOptions{ReceptionMask: defaults.ReceptionMask()})
			hooks := usecase.NewWebhookService(uow, webhook.New(webhook.Options{Timeout: 5 * time.Second, AllowPrivate: true, MaxBody: 64}), time.Now)
			actor := domain.Principal{UserID: 1, Login: "ann"}

			rcv := &hookReceiver{}
			var secret string
			srv := httptest.NewServer(rcv.handler(func() string { return secret }))
			t.Cleanup(srv.Close)
			sub := &domain.WebhookSubscription{URL: srv.URL + "/doligo", Events: domain.WebhookEventTypes(), Active: true}
			if err := hooks.Create(ctx, sub); err != nil {
				t.Fatal(err)
			}
			secret = sub.Secret

			var want []string
			must := func(err error, event ...string) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, event...)
			}
			refused := func(err error) {
				t.Helper()
				if err == nil {
					t.Fatal("the change must fail")
				}
			}
			customer, err := tps.Create(ctx, domain.ThirdParty{Name: "Customer", Code: "C-1", IsCustomer: true})
			must(err, domain.EventThirdPartyCreated)
			_, err = tps.Create(ctx, domain.ThirdParty{Name: "Twin", Code: "C-1", IsCustomer: true})
			refused(err)
			supplier, err := tps.Create(ctx, domain.ThirdParty{Name: "Supplier", IsSupplier: true})
			must(err, domain.EventThirdPartyCreated)
			p := &domain.Product{Ref: "P-1", Label: "Widget", Type: domain.ProductTypeProduct, TrackStock: true, Active: true}
			must(catalog.CreateProduct(ctx, p), domain.EventProductCreated)
			refused(catalog.CreateProduct(ctx, &domain.Product{Ref: "P-1", Label: "Twin", Type: domain.ProductTypeProduct}))
			w := &domain.Warehouse{Ref: "W-1", Label: "Main"}
			must(catalog.CreateWarehouse(ctx, w))
			debit, _ := domain.NewStockMovement(p.ID, w.ID, decimalOf(t, "-5"), decimal.NullDecimal{}, "short")
			_, err = stock.Apply(ctx, actor, debit)
			refused(err)

			one, price, rate := decimalOf(t, "1"), decimalOf(t, "100"), decimalOf(t, "20")
			line := domain.LineInput{Description: "Service", Qty: one, UnitPrice: &price, VATRate: &rate}
			validate := func(typ domain.DocType, tp int64, supplierRef string, lines ...domain.LineInput) *domain.Document {
				t.Helper()
				dr, err := docs.Create(ctx, actor, typ, domain.DraftInput{ThirdPartyID: tp, SupplierRef: supplierRef,
					Date: time.Now().UTC().Truncate(24 * time.Hour), Lines: lines})
				if err != nil {
					t.Fatal(err)
				}
				v, err := docs.Validate(ctx, actor, []domain.DocType{typ}, dr.ID, 0)
				must(err, domain.ValidatedEvent(typ))
				_, err = docs.Validate(ctx, actor, []domain.DocType{typ}, dr.ID, 0)
				refused(err)
				return v
			}
			validate(domain.DocProposal, customer.ID, "", line)
			validate(domain.DocOrder, customer.ID, "", line)
			inv := validate(domain.DocInvoice, customer.ID, "", line)
			validate(domain.DocSupplierInvoice, supplier.ID, "SUP-1", line)
			po := validate(domain.DocPurchaseOrder, supplier.ID, "", domain.LineInput{ProductID: p.ID, Description: "Widgets", Qty: decimalOf(t, "3"), UnitPrice: &price, VATRate: &rate})

			invoices := []domain.DocType{domain.DocInvoice}
			_, err = docs.AddPayment(ctx, actor, invoices, inv.ID, domain.Payment{Amount: decimalOf(t, "500"), Method: domain.PayCash})
			refused(err)
			_, err = docs.AddPayment(ctx, actor, invoices, inv.ID, domain.Payment{Amount: inv.TotalGross, Method: domain.PayCash})
			must(err, domain.EventPaymentCreated, domain.EventInvoicePaid)

			po, err = docs.Get(ctx, []domain.DocType{domain.DocPurchaseOrder}, po.ID)
			if err != nil {
				t.Fatal(err)
			}
			rec := domain.ReceptionInput{WarehouseID: w.ID, Date: time.Now().UTC().Truncate(24 * time.Hour),
				Lines: []domain.ReceptionLineInput{{OrderLineID: po.Lines[0].ID, Qty: decimalOf(t, "3")}}}
			_, err = purchase.Receive(ctx, actor, po.ID, rec)
			must(err, domain.EventReceptionCreated, domain.EventStockMoved)
			_, err = purchase.Receive(ctx, actor, po.ID, rec) // received in full already
			refused(err)

			// A job that fails for good: job.dead.
			_, err = queue.Enqueue(ctx, db.SQL, db.Dialect, domain.NewJob{Kind: domain.JobKindEmailSend, Payload: "not an e-mail"})
			must(err, domain.EventJobDead)

			slices.Sort(want)
			covered := slices.Compact(slices.Clone(want))
			for _, e := range []string{domain.EventThirdPartyCreated, domain.EventProductCreated, domain.EventStockMoved,
				domain.EventProposalValidated, domain.EventOrderValidated, domain.EventInvoiceValidated, domain.EventInvoicePaid,
				domain.EventPaymentCreated, domain.EventPurchaseOrderValidated, domain.EventReceptionCreated,
				domain.EventSupplierInvoiceValidated, domain.EventJobDead} {
				if !slices.Contains(covered, e) {
					t.Fatalf("test set-up: the contract's %s is not exercised", e)
				}
			}

			startWorker(t, settings(db, sink, map[string]string{"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_TIMEOUT": "5s"}))
			eventually(t, "every event received, signed", func() bool {
				got, forged := rcv.got()
				if len(forged) > 0 {
					t.Fatalf("signatures that do not verify: %v", forged)
				}
				return len(got) >= len(want)
			})
			got, _ := rcv.got()
			if !slices.Equal(got, want) {
				t.Fatalf("received %v\nwant     %v", got, want)
			}
			eventually(t, "every delivery recorded as delivered", func() bool {
				var open int64
				if err := db.Gorm.Table("webhook_deliveries").Where("status <> ?", domain.DeliveryDelivered).Count(&open).Error; err != nil {
					t.Fatal(err)
				}
				return open == 0
			})
			var dead int64
			if err := db.Gorm.Table("jobs").Where("kind = ? AND state = ?", domain.JobKindWebhookDeliver, domain.JobDead).Count(&dead).Error; err != nil || dead != 0 {
				t.Fatalf("%d dead delivery jobs (%v)", dead, err)
			}
			t.Logf("%s: %d events received: %s", d, len(got), fmt.Sprint(covered))
		})
	}
}
