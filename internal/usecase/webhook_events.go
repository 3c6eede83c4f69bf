package usecase

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// The data of webhook events: the fields a client knows from the API's
// answers (same names; decimals as strings; a document's and a payment's
// amounts with its currency's decimals, prices and costs with at least two;
// times in RFC 3339 UTC). They are part of the webhooks' contract
// (docs/integrations.md, "Event catalogue").

// eventMoney writes a price or a cost as the API does: at least two
// decimals.
func eventMoney(d decimal.Decimal) string {
	s := d.String()
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 >= 2 {
		return s
	}
	return d.StringFixed(2)
}

type thirdPartyEvent struct {
	ID         int64     `json:"id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	IsCustomer bool      `json:"is_customer"`
	IsProspect bool      `json:"is_prospect"`
	IsSupplier bool      `json:"is_supplier"`
	Email      string    `json:"email"`
	Country    string    `json:"country"`
	VATID      string    `json:"vat_id"`
	CreatedAt  time.Time `json:"created_at"`
}

func thirdPartyEventOf(t *domain.ThirdParty) thirdPartyEvent {
	return thirdPartyEvent{ID: t.ID, Code: t.Code, Name: t.Name, IsCustomer: t.IsCustomer, IsProspect: t.IsProspect,
		IsSupplier: t.IsSupplier, Email: t.Email, Country: t.Country, VATID: t.VATID, CreatedAt: t.CreatedAt}
}

type productEvent struct {
	ID         int64     `json:"id"`
	Ref        string    `json:"ref"`
	Label      string    `json:"label"`
	Type       string    `json:"type"`
	UnitPrice  string    `json:"unit_price"`
	VATRate    string    `json:"vat_rate"`
	TrackStock bool      `json:"track_stock"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
}

func productEventOf(p *domain.Product) productEvent {
	return productEvent{ID: p.ID, Ref: p.Ref, Label: p.Label, Type: string(p.Type), UnitPrice: eventMoney(p.UnitPrice),
		VATRate: p.VATRate.String(), TrackStock: p.TrackStock, Active: p.Active, CreatedAt: p.CreatedAt}
}

// stockMovedEvent is one stock operation: its movements, in its lines' order.
type stockMovedEvent struct {
	Movements []movementEvent `json:"movements"`
}

type movementEvent struct {
	ID           int64     `json:"id"`
	ProductID    int64     `json:"product_id"`
	WarehouseID  int64     `json:"warehouse_id"`
	Qty          string    `json:"qty"`
	BalanceAfter string    `json:"balance_after"`
	UnitCost     *string   `json:"unit_cost"`
	Label        string    `json:"label"`
	OriginType   string    `json:"origin_type"`
	OriginID     *int64    `json:"origin_id"`
	UserID       *int64    `json:"user_id"`
	CreatedAt    time.Time `json:"created_at"`
}

func stockMovedEventOf(moves []*domain.Movement) stockMovedEvent {
	out := stockMovedEvent{Movements: make([]movementEvent, len(moves))}
	for i, m := range moves {
		e := movementEvent{ID: m.ID, ProductID: m.ProductID, WarehouseID: m.WarehouseID, Qty: m.Qty.String(),
			BalanceAfter: m.BalanceAfter.String(), Label: m.Label, OriginType: m.Origin.Type, CreatedAt: m.CreatedAt}
		if m.UnitCost.Valid {
			c := eventMoney(m.UnitCost.Decimal)
			e.UnitCost = &c
		}
		if m.Origin.ID != 0 {
			e.OriginID = &m.Origin.ID
		}
		if m.UserID != 0 {
			e.UserID = &m.UserID
		}
		out.Movements[i] = e
	}
	return out
}

// documentEvent is a document without its lines (GET the document for them).
type documentEvent struct {
	ID           int64   `json:"id"`
	Type         string  `json:"type"`
	Ref          string  `json:"ref"`
	Status       string  `json:"status"`
	ThirdPartyID int64   `json:"thirdparty_id"`
	SupplierRef  string  `json:"supplier_ref,omitempty"`
	CustomerRef  string  `json:"customer_ref,omitempty"`
	Date         string  `json:"date"`
	DueDate      *string `json:"due_date"`
	Currency     string  `json:"currency"`
	SourceID     *int64  `json:"source_id"`
	TotalNet     string  `json:"total_net"`
	TotalVAT     string  `json:"total_vat"`
	TotalGross   string  `json:"total_gross"`
	// The exchange to the company currency, as GET shows it: null while
	// the rate is not known and on documents older than exchange rates.
	CompanyCurrency   *string    `json:"company_currency"`
	CurrencyRate      *string    `json:"currency_rate"`
	TotalNetCompany   *string    `json:"total_net_company"`
	TotalVATCompany   *string    `json:"total_vat_company"`
	TotalGrossCompany *string    `json:"total_gross_company"`
	AmountPaid        string     `json:"amount_paid"`
	AmountDue         string     `json:"amount_due"`
	ValidatedAt       *time.Time `json:"validated_at"`
}

func documentEventOf(d *domain.Document) documentEvent {
	// Amounts in the document's currency, with its minor unit, as GET
	// (not eventMoney's at least two: a yen total has none).
	money := func(x decimal.Decimal) string { return domain.FormatMoney(x, d.Currency) }
	e := documentEvent{ID: d.ID, Type: string(d.Type), Ref: d.Ref, Status: string(d.Status), ThirdPartyID: d.ThirdPartyID,
		SupplierRef: d.SupplierRef, CustomerRef: d.CustomerRef, Date: d.Date.Format(time.DateOnly), Currency: d.Currency,
		TotalNet: money(d.TotalNet), TotalVAT: money(d.TotalVAT), TotalGross: money(d.TotalGross),
		AmountPaid: money(d.AmountPaid), AmountDue: money(d.AmountDue()), ValidatedAt: d.ValidatedAt,
		CurrencyRate:      domain.FormatNullRate(d.FX.Rate),
		TotalNetCompany:   domain.FormatNullMoney(d.FX.TotalNet, d.FX.CompanyCurrency),
		TotalVATCompany:   domain.FormatNullMoney(d.FX.TotalVAT, d.FX.CompanyCurrency),
		TotalGrossCompany: domain.FormatNullMoney(d.FX.TotalGross, d.FX.CompanyCurrency)}
	if d.FX.CompanyCurrency != "" {
		c := d.FX.CompanyCurrency
		e.CompanyCurrency = &c
	}
	if d.DueDate != nil {
		s := d.DueDate.Format(time.DateOnly)
		e.DueDate = &s
	}
	if d.SourceID != 0 {
		e.SourceID = &d.SourceID
	}
	return e
}

type paymentEvent struct {
	ID           int64  `json:"id"`
	DocumentID   int64  `json:"document_id"`
	DocumentType string `json:"document_type"`
	DocumentRef  string `json:"document_ref"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	Date         string `json:"date"`
	Method       string `json:"method"`
	Reference    string `json:"reference"`
	// CurrencyRate is the rate of the payment's date, ExchangeDifference
	// the realized gain (positive) or loss in the company currency; null on
	// payments older than exchange rates.
	CurrencyRate       *string   `json:"currency_rate"`
	ExchangeDifference *string   `json:"exchange_difference"`
	CreatedAt          time.Time `json:"created_at"`
	// BankAccountID is the account the money landed on; null when there
	// was no bank account.
	BankAccountID *int64 `json:"bank_account_id"`
}

func paymentEventOf(p *domain.Payment, d *domain.Document) paymentEvent {
	e := paymentEvent{ID: p.ID, DocumentID: d.ID, DocumentType: string(d.Type), DocumentRef: d.Ref,
		Amount: domain.FormatMoney(p.Amount, d.Currency), Currency: d.Currency, Date: p.Date.Format(time.DateOnly), Method: string(p.Method),
		Reference: p.Reference, CurrencyRate: domain.FormatNullRate(p.FX.Rate),
		ExchangeDifference: domain.FormatNullMoney(p.FX.Difference, p.FX.CompanyCurrency), CreatedAt: p.CreatedAt}
	if p.BankAccountID != 0 {
		id := p.BankAccountID
		e.BankAccountID = &id
	}
	return e
}

type receptionEvent struct {
	ID              int64                `json:"id"`
	Ref             string               `json:"ref"`
	PurchaseOrderID int64                `json:"purchase_order_id"`
	WarehouseID     int64                `json:"warehouse_id"`
	Date            string               `json:"date"`
	Lines           []receptionLineEvent `json:"lines"`
	CreatedAt       time.Time            `json:"created_at"`
}

type receptionLineEvent struct {
	OrderLineID int64  `json:"order_line_id"`
	ProductID   *int64 `json:"product_id"`
	Qty         string `json:"qty"`
	UnitCost    string `json:"unit_cost"`
}

func receptionEventOf(r *domain.Reception) receptionEvent {
	e := receptionEvent{ID: r.ID, Ref: r.Ref, PurchaseOrderID: r.PurchaseOrderID, WarehouseID: r.WarehouseID,
		Date: r.Date.Format(time.DateOnly), Lines: make([]receptionLineEvent, len(r.Lines)), CreatedAt: r.CreatedAt}
	for i, l := range r.Lines {
		le := receptionLineEvent{OrderLineID: l.OrderLineID, Qty: l.Qty.String(), UnitCost: eventMoney(l.UnitCost)}
		if l.ProductID != 0 {
			id := l.ProductID
			le.ProductID = &id
		}
		e.Lines[i] = le
	}
	return e
}
