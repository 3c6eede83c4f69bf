package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

type movementRequest struct {
	ProductID   int64   `json:"product_id" validate:"required,gt=0"`
	WarehouseID int64   `json:"warehouse_id" validate:"required,gt=0"`
	Qty         Decimal `json:"qty"`       // signed, not zero
	UnitCost    Decimal `json:"unit_cost"` // receipts only: updates the weighted average cost
	Label       string  `json:"label"`
}

func (r *movementRequest) check(v *domain.ValidationError) {
	r.Qty.Check(v, "qty", true)
	r.UnitCost.Check(v, "unit_cost", false)
}

type transferRequest struct {
	ProductID       int64   `json:"product_id" validate:"required,gt=0"`
	FromWarehouseID int64   `json:"from_warehouse_id" validate:"required,gt=0"`
	ToWarehouseID   int64   `json:"to_warehouse_id" validate:"required,gt=0"`
	Qty             Decimal `json:"qty"` // positive
	Label           string  `json:"label"`
}

func (r *transferRequest) check(v *domain.ValidationError) { r.Qty.Check(v, "qty", true) }

type inventoryRequest struct {
	WarehouseID int64  `json:"warehouse_id" validate:"required,gt=0"`
	Label       string `json:"label"`
	Lines       []struct {
		ProductID  int64   `json:"product_id" validate:"required,gt=0"`
		CountedQty Decimal `json:"counted_qty"`
	} `json:"lines" validate:"required,dive"` // how many: the domain's rule
}

func (r *inventoryRequest) check(v *domain.ValidationError) {
	for i := range r.Lines {
		r.Lines[i].CountedQty.Check(v, fmt.Sprintf("lines[%d].counted_qty", i), true)
	}
}

func (r *inventoryRequest) toDomain() domain.InventoryCount {
	c := domain.InventoryCount{WarehouseID: r.WarehouseID, Label: r.Label}
	for _, l := range r.Lines {
		c.Lines = append(c.Lines, domain.CountedLine{ProductID: l.ProductID, CountedQty: l.CountedQty.Value})
	}
	return c
}

type movementResponse struct {
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
	RequestID    string    `json:"request_id"`
	CreatedAt    time.Time `json:"created_at"`
}

func toMovementResponse(m *domain.Movement) movementResponse {
	r := movementResponse{
		ID: m.ID, ProductID: m.ProductID, WarehouseID: m.WarehouseID,
		Qty: Qty(m.Qty), BalanceAfter: Qty(m.BalanceAfter), Label: m.Label,
		OriginType: m.Origin.Type, RequestID: m.RequestID, CreatedAt: m.CreatedAt,
	}
	if m.UnitCost.Valid {
		s := Money(m.UnitCost.Decimal)
		r.UnitCost = &s
	}
	if m.Origin.ID != 0 {
		r.OriginID = &m.Origin.ID
	}
	if m.UserID != 0 {
		r.UserID = &m.UserID
	}
	return r
}

// movementsResponse answers the operations that write several movements.
type movementsResponse struct {
	Movements []movementResponse `json:"movements"`
}

func toMovementsResponse(ms []*domain.Movement) movementsResponse {
	out := movementsResponse{Movements: make([]movementResponse, len(ms))}
	for i, m := range ms {
		out.Movements[i] = toMovementResponse(m)
	}
	return out
}

type stockLedger interface {
	Apply(ctx context.Context, actor domain.Principal, op domain.StockOperation) ([]*domain.Movement, error)
	Movement(ctx context.Context, id int64) (*domain.Movement, error)
	Movements(ctx context.Context, f domain.MovementFilter) (domain.Page[*domain.Movement], error)
}

// StockRoutes is /api/v1/stock: the ledger and the operations that write it.
type StockRoutes struct{ stock stockLedger }

// NewStockRoutes returns the stock area.
func NewStockRoutes(stock stockLedger) *StockRoutes { return &StockRoutes{stock: stock} }

// Routes implements Routes.
func (h *StockRoutes) Routes(r *Router) {
	r.POST("/stock/movements", domain.PermStockWrite, h.move)
	r.GET("/stock/movements", domain.PermStockRead, h.list)
	r.GET("/stock/movements/:id", domain.PermStockRead, jsonByID("stock movement", func(ctx context.Context, id int64) (*domain.Movement, error) {
		return h.stock.Movement(ctx, id)
	}, toMovementResponse))
	r.POST("/stock/transfers", domain.PermStockWrite, h.transfer)
	r.POST("/stock/inventories", domain.PermStockWrite, h.inventory)
}

func (h *StockRoutes) move(c echo.Context) error {
	var req movementRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	op, err := domain.NewStockMovement(req.ProductID, req.WarehouseID, req.Qty.Value, req.UnitCost.Null(), req.Label)
	if err != nil {
		return err
	}
	ms, err := h.stock.Apply(c.Request().Context(), PrincipalOf(c), op)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/stock/movements/"+strconv.FormatInt(ms[0].ID, 10))
	return c.JSON(http.StatusCreated, toMovementResponse(ms[0]))
}

func (h *StockRoutes) transfer(c echo.Context) error {
	var req transferRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	return h.applied(c)(domain.Transfer{
		ProductID: req.ProductID, FromWarehouseID: req.FromWarehouseID, ToWarehouseID: req.ToWarehouseID,
		Qty: req.Qty.Value, Label: req.Label,
	}.Operation())
}

func (h *StockRoutes) inventory(c echo.Context) error {
	var req inventoryRequest
	err := BindChecked(c, &req, req.check)
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	op, err := req.toDomain().Operation()
	if verr != nil { // list what the domain refuses too (an empty lines array, a bad label)
		var more *domain.ValidationError
		if !errors.As(err, &more) {
			return verr
		}
		return withFieldsOf(verr, more)
	}
	return h.applied(c)(op, err)
}

// applied returns what applies an operation built from the request (unless
// building it failed) and answers 201 with the movements written.
func (h *StockRoutes) applied(c echo.Context) func(op domain.StockOperation, err error) error {
	return func(op domain.StockOperation, err error) error {
		if err != nil {
			return err
		}
		ms, err := h.stock.Apply(c.Request().Context(), PrincipalOf(c), op)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, toMovementsResponse(ms))
	}
}

// list is GET /stock/movements?product_id=&warehouse_id=&origin_type=&origin_id=&from=&to=,
// newest first unless sorted. from and to are RFC 3339 times or dates; a date
// as to includes that whole day (UTC).
func (h *StockRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.MovementSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.MovementFilter{ListQuery: q, OriginType: enumQuery(c, "origin_type", domain.OriginTypes(), verr)}
	f.ProductID = idQuery(c, "product_id", verr)
	f.WarehouseID = idQuery(c, "warehouse_id", verr)
	f.OriginID = idQuery(c, "origin_id", verr)
	f.From = timeQuery(c, "from", false, verr)
	f.To = timeQuery(c, "to", true, verr)
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.stock.Movements(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toMovementResponse)
}

// timeQuery reads an optional RFC 3339 time or YYYY-MM-DD date (midnight UTC;
// the next midnight when endOfDay, so that a date bound includes its day).
func timeQuery(c echo.Context, name string, endOfDay bool, verr *domain.ValidationError) time.Time {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			verr.Add(name, "must be a date (2026-11-28) or an RFC 3339 time (2026-11-28T15:04:05Z)")
			return time.Time{}
		}
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
	}
	// The midnight after 9999-12-31 bounds nothing (and MySQL refuses it).
	if endOfDay && t.Equal(endDate) {
		return time.Time{}
	}
	if !dateInRange(t) {
		verr.Add(name, dateRangeMessage+" (UTC)")
		return time.Time{}
	}
	return t
}
