package domain

// Origin types of the stock movements that commercial documents cause: the
// document type itself, so a movement names the document that moved it.
const (
	OriginOrder      = string(DocOrder)
	OriginInvoice    = string(DocInvoice)
	OriginCreditNote = string(DocCreditNote)
)

// StockTrigger is the validation that takes sold goods out of stock
// (DOLIGO_STOCK_TRIGGER).
type StockTrigger string

const (
	// StockOnInvoice debits when an invoice is validated.
	StockOnInvoice StockTrigger = "invoice"
	// StockOnOrder debits when an order is validated; invoices made from an
	// order that debited do not debit again.
	StockOnOrder StockTrigger = "order"
	// StockNever makes validations move no stock.
	StockNever StockTrigger = "none"
	// StockOnShipment debits when goods of an order are shipped (from the
	// shipment's warehouse); no validation debits, invoices included.
	StockOnShipment StockTrigger = "shipment"
)

// StockTriggers lists the triggers, the default first.
func StockTriggers() []StockTrigger {
	return []StockTrigger{StockOnInvoice, StockOnOrder, StockNever, StockOnShipment}
}

// Valid reports whether t is one of StockTriggers.
func (t StockTrigger) Valid() bool {
	switch t {
	case StockOnInvoice, StockOnOrder, StockNever, StockOnShipment:
		return true
	}
	return false
}
