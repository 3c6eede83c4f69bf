package usecase

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// DocumentStockOptions configure a DocumentStock.
type DocumentStockOptions struct {
	// Trigger is the validation that debits sold goods; StockOnInvoice when "".
	Trigger domain.StockTrigger
	// DefaultWarehouseID is debited when a validation names no warehouse;
	// 0 means none: the client must then name one.
	DefaultWarehouseID int64
}

// DocumentStock is the DocumentStockMover of the commercial chain: it turns the
// validation of an order, invoice or credit note into a stock operation
// applied by the StockService inside the validation's unit of work, so the
// ledger's locking order and checks are the same as every other movement's.
//
//   - trigger invoice: validating an invoice debits its stocked product lines;
//   - trigger order: validating an order debits them; an invoice debits only
//     when no order debited for it (a direct sale still leaves stock once);
//   - either way, an invoice made from an order that debited does not debit
//     again (the trigger may have changed in between);
//   - a credit note returns, into the warehouse the invoice was debited from,
//     its own quantities of what the invoice debited, less what earlier credit
//     notes of the invoice returned — whatever the trigger, since it undoes a
//     debit that happened;
//   - trigger shipment: no validation debits, invoices included; the
//     order's shipments do (ShipmentService.Ship), and an invoice made from
//     an order whose shipments debited does not debit again whatever the
//     trigger;
//   - trigger none: validations debit nothing.
//
// Services and products with track_stock=false are skipped.
type DocumentStock struct {
	stock            *StockService
	trigger          domain.StockTrigger
	defaultWarehouse int64
}

var _ DocumentStockMover = (*DocumentStock)(nil)

// NewDocumentStock returns the DocumentStockMover that moves stock through stock.
func NewDocumentStock(stock *StockService, opt DocumentStockOptions) *DocumentStock {
	if opt.Trigger == "" {
		opt.Trigger = domain.StockOnInvoice
	}
	return &DocumentStock{stock: stock, trigger: opt.Trigger, defaultWarehouse: opt.DefaultWarehouseID}
}

// MoveOnValidation implements DocumentStockMover for d, the document being
// validated: an order or an invoice debits (as the trigger says), a credit
// note credits back.
func (s *DocumentStock) MoveOnValidation(ctx context.Context, r domain.Repositories, actor domain.Principal, d *domain.Document, warehouseID int64) error {
	switch d.Type {
	case domain.DocOrder:
		if s.trigger != domain.StockOnOrder {
			return nil
		}
	case domain.DocInvoice:
		// With the shipment trigger the goods leave with the order's
		// shipments, never at invoicing (a direct invoice included: stock
		// leaves only when something is shipped).
		if s.trigger == domain.StockNever || s.trigger == domain.StockOnShipment {
			return nil
		}
		if debited, err := s.orderDebited(ctx, r, d); err != nil || debited {
			return err
		}
	case domain.DocCreditNote:
		return s.creditBack(ctx, r, actor, d)
	default:
		return nil
	}
	return s.debit(ctx, r, actor, d, warehouseID)
}

// orderDebited reports whether the invoice was made from an order whose
// validation, or whose shipments (DOLIGO_STOCK_TRIGGER=shipment then), took
// the goods out of stock.
func (s *DocumentStock) orderDebited(ctx context.Context, r domain.Repositories, inv *domain.Document) (bool, error) {
	if inv.SourceID == 0 {
		return false, nil
	}
	moves, err := r.Movements.List(ctx, domain.MovementFilter{
		ListQuery: domain.ListQuery{Limit: 1}, OriginType: domain.OriginOrder, OriginID: inv.SourceID,
	})
	if err != nil || moves.Total > 0 {
		return moves.Total > 0, err
	}
	return r.Shipments.OrderStockMoved(ctx, inv.SourceID)
}

// stockedQty sums the quantities of d's lines per product, keeping only the
// products that carry stock.
func stockedQty(ctx context.Context, r domain.Repositories, d *domain.Document) (map[int64]decimal.Decimal, error) {
	qty := map[int64]decimal.Decimal{}
	for _, l := range d.Lines {
		if l.ProductID > 0 {
			qty[l.ProductID] = qty[l.ProductID].Add(l.Qty)
		}
	}
	if len(qty) == 0 {
		return qty, nil
	}
	products, err := r.Products.GetMany(ctx, slices.Sorted(maps.Keys(qty)))
	if err != nil {
		return nil, err
	}
	for id := range qty {
		if p, ok := products[id]; !ok || !p.Stocked() {
			delete(qty, id)
		}
	}
	return qty, nil
}

// movementLabel names the document on its ledger rows: "Invoice FA2611-0001".
func movementLabel(d *domain.Document) string {
	names := map[domain.DocType]string{
		domain.DocOrder: "Order", domain.DocInvoice: "Invoice", domain.DocCreditNote: "Credit note",
	}
	return names[d.Type] + " " + d.Ref
}

// debit takes d's stocked lines out of the named warehouse, or the default
// one. A document without stocked lines needs no warehouse.
func (s *DocumentStock) debit(ctx context.Context, r domain.Repositories, actor domain.Principal, d *domain.Document, warehouseID int64) error {
	qty, err := stockedQty(ctx, r, d)
	if err != nil || len(qty) == 0 {
		return err
	}
	wh, err := s.warehouse(ctx, r, warehouseID)
	if err != nil {
		return err
	}
	op := domain.StockOperation{Label: movementLabel(d), Origin: domain.Origin{Type: string(d.Type), ID: d.ID}}
	for _, id := range slices.Sorted(maps.Keys(qty)) {
		op.Lines = append(op.Lines, domain.StockLine{ProductID: id, WarehouseID: wh, Qty: qty[id].Neg()})
	}
	_, err = s.stock.ApplyIn(ctx, r, actor, op)
	return err
}

// warehouse resolves the warehouse to debit. It comes from the body (or the
// configuration), not the path, so an unknown one is a 422 on warehouse_id
// rather than a 404.
func (s *DocumentStock) warehouse(ctx context.Context, r domain.Repositories, requested int64) (int64, error) {
	wh, source := requested, ""
	if wh == 0 {
		wh, source = s.defaultWarehouse, " (DOLIGO_DEFAULT_WAREHOUSE_ID)"
	}
	if wh == 0 {
		return 0, domain.Invalid("warehouse_id", "is required: the document has lines of stocked products and no default warehouse is configured")
	}
	exist, err := r.Warehouses.Existing(ctx, []int64{wh})
	if err != nil {
		return 0, err
	}
	if !exist[wh] {
		return 0, domain.Invalid("warehouse_id", "warehouse %d%s does not exist", wh, source)
	}
	return wh, nil
}

// creditBack returns into stock what the credit note takes back of its
// invoice's debit.
func (s *DocumentStock) creditBack(ctx context.Context, r domain.Repositories, actor domain.Principal, cn *domain.Document) error {
	if cn.SourceID == 0 {
		return nil
	}
	// What the invoice took out, per (product, warehouse), positive.
	left, err := originQty(ctx, r, domain.OriginInvoice, cn.SourceID, true)
	if err != nil || len(left) == 0 {
		return err
	}
	// Less what the invoice's other credit notes returned. The invoice row is
	// locked (checkCreditNote), so no other credit note of it is validated
	// meanwhile.
	others, err := r.Documents.List(ctx, domain.DocumentFilter{
		Types: []domain.DocType{domain.DocCreditNote}, SourceID: cn.SourceID,
	}, domain.ListQuery{})
	if err != nil {
		return err
	}
	for _, o := range others.Items {
		if o.ID == cn.ID || o.Status == domain.StatusDraft {
			continue
		}
		back, err := originQty(ctx, r, domain.OriginCreditNote, o.ID, false)
		if err != nil {
			return err
		}
		for k, q := range back {
			left[k] = left[k].Sub(q)
		}
	}
	want, err := stockedQty(ctx, r, cn)
	if err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(left), domain.CompareStockKeys)
	op := domain.StockOperation{Label: movementLabel(cn), Origin: domain.Origin{Type: domain.OriginCreditNote, ID: cn.ID}}
	for _, k := range keys {
		q := decimal.Min(want[k.ProductID], left[k])
		if !q.IsPositive() {
			continue
		}
		want[k.ProductID] = want[k.ProductID].Sub(q)
		op.Lines = append(op.Lines, domain.StockLine{ProductID: k.ProductID, WarehouseID: k.WarehouseID, Qty: q})
	}
	if len(op.Lines) == 0 {
		return nil
	}
	_, err = s.stock.ApplyIn(ctx, r, actor, op)
	return err
}

// originQty sums the movements a document caused per level; negate turns
// debits into positive quantities.
func originQty(ctx context.Context, r domain.Repositories, originType string, originID int64, negate bool) (map[domain.StockKey]decimal.Decimal, error) {
	page, err := r.Movements.List(ctx, domain.MovementFilter{OriginType: originType, OriginID: originID})
	if err != nil {
		return nil, fmt.Errorf("read the stock movements of %s %d: %w", originType, originID, err)
	}
	out := map[domain.StockKey]decimal.Decimal{}
	for _, m := range page.Items {
		q := m.Qty
		if negate {
			q = q.Neg()
		}
		k := domain.StockKey{ProductID: m.ProductID, WarehouseID: m.WarehouseID}
		out[k] = out[k].Add(q)
	}
	return out, nil
}
