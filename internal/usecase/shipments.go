package usecase

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// orderTypes is the resource of customer orders: one type.
var orderTypes = []domain.DocType{domain.DocOrder}

// RenderShipmentPDF writes the delivery note of a shipment of order, addressed
// to customer, as a PDF in a language (negotiated by the renderer as for
// RenderPDF). Once ctx is done it must return ctx's error and no bytes. The
// API passes infrastructure/pdf.Renderer's RenderShipment.
type RenderShipmentPDF func(ctx context.Context, sh *domain.Shipment, order *domain.Document, customer *domain.ThirdParty, company domain.Company, lang string) ([]byte, error)

// ShipmentOptions configure a ShipmentService.
type ShipmentOptions struct {
	// Render makes the delivery notes (GET /shipments/{id}/pdf); nil in a
	// process that renders none.
	Render RenderShipmentPDF
	// Company is the configuration's company (config.CompanyDefaults), under
	// what PUT /company stored, as for ArchiveService.
	Company domain.Company
	// Mask numbers shipments (DOLIGO_NUMBER_MASK_SHIPMENT).
	Mask domain.NumberMask
	// Trigger is DOLIGO_STOCK_TRIGGER: shipments move stock only when it is
	// StockOnShipment.
	Trigger domain.StockTrigger
	// Now is the clock; time.Now when nil. Dates ("today") are in UTC.
	Now func() time.Time
}

// ShipmentService records the shipments of customer orders (the delivery
// notes), the mirror of PurchaseService's receptions on the sales side, and
// reads them.
type ShipmentService struct {
	uow     domain.UnitOfWork
	stock   *StockService
	mask    domain.NumberMask
	trigger domain.StockTrigger
	render  RenderShipmentPDF
	company domain.Company
	now     func() time.Time
}

// NewShipmentService returns a ShipmentService writing through uow; stock is
// the one writer of stock, called inside each shipment's unit of work when
// the trigger is StockOnShipment.
func NewShipmentService(uow domain.UnitOfWork, stock *StockService, opt ShipmentOptions) *ShipmentService {
	if stock == nil {
		panic("usecase: a ShipmentService needs the StockService")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Trigger == "" {
		opt.Trigger = domain.StockOnInvoice
	}
	return &ShipmentService{uow: uow, stock: stock, mask: opt.Mask, trigger: opt.Trigger, render: opt.Render, company: opt.Company, now: opt.Now}
}

// Ship records a shipment of goods of order orderID, in one unit of work:
// lock the order's row (so shipments of one order run one after the other
// and each sees what the previous shipped) → check the transition and the
// quantities in the domain (409 illegal-transition, 409 over-shipment, 422
// on a field) → check the warehouse (read before the lock) → store the
// shipment, not yet numbered → with the shipment trigger, StockService
// debits the stocked lines from the shipment's warehouse (levels locked in
// the global (product_id, warehouse_id) order; 409 insufficient-stock) →
// take the shipment's number last (the sequence row, shared by every
// shipment, stays locked until commit: gapless) → one final write: the ref,
// the labels of its ledger rows, the lines' qty_shipped.
// Any error rolls everything back, the number included.
//
// Under the other triggers a shipment moves no stock: the validation the
// trigger names (order or invoice) takes the goods out, and debiting again
// here would take them out twice; with none, nothing ever does.
func (s *ShipmentService) Ship(ctx context.Context, actor domain.Principal, orderID int64, in domain.ShipmentInput) (*domain.Shipment, error) {
	now := stamp(s.now())
	if in.Date.IsZero() {
		in.Date = now.Truncate(24 * time.Hour)
	}
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Shipment, error) {
		// Read before the order's row lock, as receptions do: no lock
		// protects these answers (a warehouse deleted since is caught by the
		// foreign key; a line's product never changes), and every round
		// trip under the lock is time the next shipment of the order waits.
		exist, err := r.Warehouses.Existing(ctx, []int64{in.WarehouseID})
		if err != nil {
			return nil, err
		}
		var products map[int64]*domain.Product
		if s.trigger == domain.StockOnShipment {
			lineIDs := make([]int64, len(in.Lines))
			for i, l := range in.Lines {
				lineIDs[i] = l.OrderLineID
			}
			if products, err = r.Products.OfDocumentLines(ctx, lineIDs); err != nil {
				return nil, err
			}
		}
		d, err := lockOf(ctx, r, orderTypes, orderID)
		if err != nil {
			return nil, err
		}
		before := make(map[int64]decimal.Decimal, len(d.Lines))
		for _, l := range d.Lines {
			before[l.ID] = l.QtyShipped
		}
		lines, err := d.Ship(in)
		if err != nil {
			return nil, err
		}
		if !exist[in.WarehouseID] {
			return nil, domain.Invalid("warehouse_id", "warehouse %d does not exist", in.WarehouseID)
		}
		sh := &domain.Shipment{
			OrderID: d.ID, ThirdPartyID: d.ThirdPartyID, WarehouseID: in.WarehouseID, Date: in.Date,
			Lines: lines, CreatedBy: actor.UserID, CreatedAt: now,
		}
		if err := r.Shipments.Create(ctx, sh); err != nil { // no ref yet
			return nil, err
		}
		var moves []*domain.Movement
		if s.trigger == domain.StockOnShipment {
			if moves, err = s.stockOut(ctx, r, actor, d, sh, products); err != nil {
				return nil, err
			}
		}
		// The number last: the sequence row is shared by every shipment, and
		// stays locked from here to the commit (gapless; a rollback gives the
		// number back). One final write then stores it with the ledger rows'
		// labels, which name it, and the order lines' qty_shipped.
		n, err := r.Numbering.Next(ctx, domain.ShipmentSequence, s.mask.Period(in.Date))
		if err != nil {
			return nil, err
		}
		sh.Ref = s.mask.Format(in.Date, n)
		ids := make([]int64, len(moves))
		for i, m := range moves {
			ids[i] = m.ID
		}
		var changed []domain.Line
		for _, l := range d.Lines {
			if !l.QtyShipped.Equal(before[l.ID]) {
				changed = append(changed, l)
			}
		}
		d.UpdatedAt = now
		if err := r.Shipments.Number(ctx, sh, d, changed, domain.ShipmentLabel(sh, d), ids); err != nil {
			return nil, err
		}
		return sh, audited(ctx, r, "shipment.create", "shipment", sh.ID, nil, sh)
	})
}

// stockOut debits the shipment's lines of stocked products from its
// warehouse; free-text lines, services and untracked products move no stock
// (their qty_shipped is recorded all the same). An order whose validation,
// or an invoice made from it, already took its goods out (the trigger was
// order or invoice then) is not debited again.
//
// products holds those read before the lock; the others are read here.
func (s *ShipmentService) stockOut(ctx context.Context, r domain.Repositories, actor domain.Principal, d *domain.Document, sh *domain.Shipment, products map[int64]*domain.Product) ([]*domain.Movement, error) {
	missing := map[int64]bool{}
	for _, l := range sh.Lines {
		if _, ok := products[l.ProductID]; l.ProductID > 0 && !ok {
			missing[l.ProductID] = true
		}
	}
	if len(missing) > 0 {
		more, err := r.Products.GetMany(ctx, slices.Sorted(maps.Keys(missing)))
		if err != nil {
			return nil, err
		}
		products = maps.Clone(products)
		if products == nil {
			products = map[int64]*domain.Product{}
		}
		maps.Copy(products, more)
	}
	op := domain.StockOperation{Label: domain.ShipmentLabel(sh, d), Origin: domain.Origin{Type: domain.OriginShipment, ID: sh.ID}}
	for _, l := range sh.Lines {
		if p, ok := products[l.ProductID]; ok && p.Stocked() {
			op.Lines = append(op.Lines, domain.StockLine{ProductID: l.ProductID, WarehouseID: sh.WarehouseID, Qty: l.Qty.Neg()})
		}
	}
	if len(op.Lines) == 0 {
		return nil, nil
	}
	if done, err := soldStockMoved(ctx, r, d); err != nil || done {
		return nil, err
	}
	if err := op.Check(); err != nil {
		return nil, err
	}
	// The products were read in this unit of work: every line of op names a
	// stocked one, which is all ApplyIn would read them again for.
	return s.stock.applyChecked(ctx, r, actor, op)
}

// soldStockMoved reports whether the order's own validation, or the
// validation of an invoice made from it, moved stock: the goods then left
// already, under an earlier trigger.
func soldStockMoved(ctx context.Context, r domain.Repositories, order *domain.Document) (bool, error) {
	page, err := r.Movements.List(ctx, domain.MovementFilter{
		ListQuery: domain.ListQuery{Limit: 1}, OriginType: domain.OriginOrder, OriginID: order.ID,
	})
	if err != nil || page.Total > 0 {
		return page.Total > 0, err
	}
	invoices, err := r.Documents.List(ctx, domain.DocumentFilter{
		Types: []domain.DocType{domain.DocInvoice}, SourceID: order.ID,
	}, domain.ListQuery{})
	if err != nil {
		return false, err
	}
	for _, inv := range invoices.Items {
		if inv.Status == domain.StatusDraft {
			continue
		}
		page, err := r.Movements.List(ctx, domain.MovementFilter{
			ListQuery: domain.ListQuery{Limit: 1}, OriginType: domain.OriginInvoice, OriginID: inv.ID,
		})
		if err != nil || page.Total > 0 {
			return page.Total > 0, err
		}
	}
	return false, nil
}

// Shipment returns one shipment with its lines.
func (s *ShipmentService) Shipment(ctx context.Context, id int64) (*domain.Shipment, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Shipment, error) {
		return r.Shipments.Get(ctx, id)
	})
}

// Shipments returns a page of shipments with their lines.
func (s *ShipmentService) Shipments(ctx context.Context, f domain.ShipmentFilter) (domain.Page[*domain.Shipment], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Shipment], error) {
		return r.Shipments.List(ctx, f)
	})
}

// PDF renders the delivery note of shipment id under ctx, outside any
// transaction: the shipment, its order (for the ordered quantities, the
// descriptions and the order's number) and the customer are read first, in
// documentLang(lang, customer, readerLang). The file is not archived: a
// shipment never changes, so it renders the same whenever asked.
func (s *ShipmentService) PDF(ctx context.Context, id int64, lang, readerLang string) (*domain.ArchivedFile, error) {
	if s.render == nil {
		return nil, errors.New("this process renders no delivery notes")
	}
	var sh *domain.Shipment
	var order *domain.Document
	var customer *domain.ThirdParty
	var company domain.Company
	err := s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		if sh, err = r.Shipments.Get(ctx, id); err != nil {
			return err
		}
		if order, err = r.Documents.Get(ctx, sh.OrderID); err != nil {
			return err
		}
		if customer, err = r.ThirdParties.Get(ctx, sh.ThirdPartyID); err != nil {
			return err
		}
		company, err = companyWithLogo(ctx, r, s.company)
		return err
	})
	if err != nil {
		return nil, err
	}
	lang = documentLang(lang, customer, readerLang)
	out, err := s.render(ctx, sh, order, customer, company, lang)
	if err != nil {
		return nil, fmt.Errorf("render shipment %d: %w", sh.ID, err)
	}
	sum := sha256.Sum256(out)
	return &domain.ArchivedFile{
		OwnerID: sh.ID, Lang: lang, Filename: sh.PDFFileName(), ContentType: domain.ContentTypePDF,
		Size: int64(len(out)), SHA256: hex.EncodeToString(sum[:]), Content: out, CreatedAt: stamp(s.now()),
	}, nil
}
