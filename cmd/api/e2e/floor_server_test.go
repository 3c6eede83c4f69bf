package e2e

// The floor of BenchmarkNearFloor: the least a server can do to answer the
// same two requests correctly, written as anyone would with net/http and pgx
// and nothing else — the same JWT check (jwtauth: golang-jwt v5, HS256, the
// same key, issuer and claims) and the same revocation check (the user's
// stamp read at most once per DOLIGO_AUTH_REVOCATION_LAG), the same reads and
// rows, the same JSON shapes. No router, no middleware, no access log, no
// metrics, no ORM.
//
// It runs as a process of its own (the test binary started again with
// FLOOR_SERVE set, see TestMain), so that its CPU is measured apart from the
// API's and from the benchmark's clients.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/jwtauth"
)

// floorMain serves the floor on FLOOR_ADDR until killed.
func floorMain() int {
	if err := serveFloor(); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		return 1
	}
	return 0
}

type floor struct {
	pool   *pgxpool.Pool
	tokens *jwtauth.Tokens
	lag    time.Duration

	mu     sync.Mutex
	stamps map[int64]floorStamp
}

type floorStamp struct {
	stamp, active, found bool
	value                int64
	at                   time.Time
}

func serveFloor() error {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("FLOOR_DSN"))
	if err != nil {
		return err
	}
	conns, err := strconv.Atoi(os.Getenv("FLOOR_CONNS"))
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	lag, err := time.ParseDuration(os.Getenv("FLOOR_LAG"))
	if err != nil {
		return err
	}
	tokens, err := jwtauth.New([]byte(os.Getenv("FLOOR_SECRET")), os.Getenv("FLOOR_ISSUER"), time.Hour, time.Now)
	if err != nil {
		return err
	}
	f := &floor{pool: pool, tokens: tokens, lag: lag, stamps: map[int64]floorStamp{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /api/v1/products/{id}", f.getProduct)
	mux.HandleFunc("POST /api/v1/invoices", f.createInvoice)
	srv := &http.Server{Addr: os.Getenv("FLOOR_ADDR"), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// principal checks the bearer token and the user's stamp, and the
// permission; false means the answer is written.
func (f *floor) principal(w http.ResponseWriter, r *http.Request, perm string) (domain.Principal, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		http.Error(w, "missing bearer token", http.StatusUnauthorized)
		return domain.Principal{}, false
	}
	p, err := f.tokens.Authenticate(r.Context(), token)
	if err != nil {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return domain.Principal{}, false
	}
	s, err := f.stamp(r.Context(), p.UserID)
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return domain.Principal{}, false
	case !s.found || !s.active || s.value != p.Stamp:
		http.Error(w, "revoked", http.StatusUnauthorized)
		return domain.Principal{}, false
	case !p.Can(perm):
		http.Error(w, "forbidden", http.StatusForbidden)
		return domain.Principal{}, false
	}
	return p, true
}

func (f *floor) stamp(ctx context.Context, userID int64) (floorStamp, error) {
	now := time.Now()
	f.mu.Lock()
	s, ok := f.stamps[userID]
	f.mu.Unlock()
	if ok && now.Sub(s.at) < f.lag {
		return s, nil
	}
	s = floorStamp{at: now, found: true}
	err := f.pool.QueryRow(ctx, "SELECT security_stamp, active FROM users WHERE id = $1", userID).Scan(&s.value, &s.active)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		s.found = false
	case err != nil:
		return s, err
	}
	f.mu.Lock()
	f.stamps[userID] = s
	f.mu.Unlock()
	return s, nil
}

// floorProduct is GET /products/{id}'s JSON, field for field.
type floorProduct struct {
	ID           int64             `json:"id"`
	Ref          string            `json:"ref"`
	Label        string            `json:"label"`
	Type         string            `json:"type"`
	UnitPrice    string            `json:"unit_price"`
	VATRate      string            `json:"vat_rate"`
	CostPrice    string            `json:"cost_price"`
	TrackStock   bool              `json:"track_stock"`
	Active       bool              `json:"active"`
	MinStock     *string           `json:"min_stock"`
	DesiredStock *string           `json:"desired_stock"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	Stock        []floorStockEntry `json:"stock"`
	StockTotal   string            `json:"stock_total"`
}

type floorStockEntry struct {
	WarehouseID int64  `json:"warehouse_id"`
	Qty         string `json:"qty"`
}

// getProduct reads the product and its non-zero levels in one statement.
func (f *floor) getProduct(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.principal(w, r, domain.PermProductsRead); !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusNotFound)
		return
	}
	rows, err := f.pool.Query(r.Context(), `SELECT p.id, p.ref, p.label, p.type, p.unit_price, p.vat_rate, p.cost_price,
		p.track_stock, p.active, p.min_stock, p.desired_stock, p.created_at, p.updated_at, l.warehouse_id, l.qty
		FROM products p LEFT JOIN stock_levels l ON l.product_id = p.id AND l.qty <> 0
		WHERE p.id = $1 ORDER BY l.warehouse_id`, id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var (
		out           floorProduct
		up, vat, cost decimal.Decimal
		minS, desired decimal.NullDecimal
		warehouse     *int64
		qty           decimal.NullDecimal
		total         = decimal.Zero
		found         bool
	)
	for rows.Next() {
		if err := rows.Scan(&out.ID, &out.Ref, &out.Label, &out.Type, &up, &vat, &cost, &out.TrackStock, &out.Active,
			&minS, &desired, &out.CreatedAt, &out.UpdatedAt, &warehouse, &qty); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		found = true
		if warehouse != nil {
			out.Stock = append(out.Stock, floorStockEntry{WarehouseID: *warehouse, Qty: api.Qty(qty.Decimal)})
			total = total.Add(qty.Decimal)
		}
	}
	if rows.Err() != nil || !found {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	out.UnitPrice, out.VATRate, out.CostPrice = api.Money(up), api.Qty(vat), api.Money(cost)
	out.MinStock, out.DesiredStock = floorOpt(minS), floorOpt(desired)
	out.CreatedAt, out.UpdatedAt = out.CreatedAt.UTC(), out.UpdatedAt.UTC()
	if out.Stock == nil {
		out.Stock = []floorStockEntry{}
	}
	out.StockTotal = api.Qty(total)
	floorJSON(w, http.StatusOK, out)
}

func floorOpt(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := api.Qty(d.Decimal)
	return &s
}

func floorJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// floorInvoiceRequest is the part of POST /invoices' body the benchmark
// sends: a customer, a date and free-text lines.
type floorInvoiceRequest struct {
	ThirdPartyID int64  `json:"thirdparty_id"`
	Date         string `json:"date"`
	Lines        []struct {
		Description     string          `json:"description"`
		Qty             decimal.Decimal `json:"qty"`
		UnitPrice       decimal.Decimal `json:"unit_price"`
		DiscountPercent decimal.Decimal `json:"discount_percent"`
		VATRate         decimal.Decimal `json:"vat_rate"`
	} `json:"lines"`
}

// floorDocument is the answer: the draft with its lines and totals, as the
// API's invoice resource names them.
type floorDocument struct {
	ID           int64       `json:"id"`
	Type         string      `json:"type"`
	Ref          *string     `json:"ref"`
	Status       string      `json:"status"`
	ThirdPartyID int64       `json:"thirdparty_id"`
	Date         string      `json:"date"`
	DueDate      string      `json:"due_date"`
	Currency     string      `json:"currency"`
	TotalNet     string      `json:"total_net"`
	TotalVAT     string      `json:"total_vat"`
	TotalGross   string      `json:"total_gross"`
	AmountPaid   string      `json:"amount_paid"`
	AmountDue    string      `json:"amount_due"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	Lines        []floorLine `json:"lines"`
}

type floorLine struct {
	ID              int64  `json:"id"`
	Description     string `json:"description"`
	Qty             string `json:"qty"`
	UnitPrice       string `json:"unit_price"`
	DiscountPercent string `json:"discount_percent"`
	VATRate         string `json:"vat_rate"`
	TotalNet        string `json:"total_net"`
	TotalVAT        string `json:"total_vat"`
	TotalGross      string `json:"total_gross"`
}

// createInvoice computes the draft as the domain does (domain.NewDraft: the
// same lines, totals and rounding) and writes the same rows as the API —
// the header, its lines, the audit row with the same changes — in one
// transaction: BEGIN, the header's INSERT … RETURNING id, the lines' one
// multi-row INSERT and the audit INSERT sent together (a pgx batch), COMMIT.
func (f *floor) createInvoice(w http.ResponseWriter, r *http.Request) {
	p, ok := f.principal(w, r, domain.PermInvoicesWrite)
	if !ok {
		return
	}
	var req floorInvoiceRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	date, err := time.Parse(time.DateOnly, req.Date)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	in := domain.DraftInput{ThirdPartyID: req.ThirdPartyID, Date: date}
	for _, l := range req.Lines {
		in.Lines = append(in.Lines, domain.LineInput{Description: l.Description, Qty: l.Qty,
			UnitPrice: &l.UnitPrice, DiscountPercent: l.DiscountPercent, VATRate: &l.VATRate})
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	d, err := domain.NewDraft(domain.DocInvoice, in, now, "EUR", p.UserID)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	d.CreatedAt, d.UpdatedAt = now, now
	if err := f.insertDraft(r.Context(), d, p.UserID); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out := floorDocument{
		ID: d.ID, Type: string(d.Type), Status: string(d.Status), ThirdPartyID: d.ThirdPartyID,
		Date: d.Date.Format(time.DateOnly), DueDate: d.DueDate.Format(time.DateOnly), Currency: d.Currency,
		TotalNet: api.Money(d.TotalNet), TotalVAT: api.Money(d.TotalVAT), TotalGross: api.Money(d.TotalGross),
		AmountPaid: api.Money(d.AmountPaid), AmountDue: api.Money(d.TotalGross.Sub(d.AmountPaid)),
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	for _, l := range d.Lines {
		out.Lines = append(out.Lines, floorLine{ID: l.ID, Description: l.Description, Qty: api.Qty(l.Qty),
			UnitPrice: api.Money(l.UnitPrice), DiscountPercent: api.Qty(l.DiscountPercent), VATRate: api.Qty(l.VATRate),
			TotalNet: api.Money(l.TotalNet), TotalVAT: api.Money(l.TotalVAT), TotalGross: api.Money(l.TotalGross)})
	}
	w.Header().Set("Location", "/api/v1/invoices/"+strconv.FormatInt(d.ID, 10))
	floorJSON(w, http.StatusCreated, out)
}

func (f *floor) insertDraft(ctx context.Context, d *domain.Document, userID int64) error {
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	err = tx.QueryRow(ctx, `INSERT INTO commercial_documents (doc_type, status, thirdparty_id, supplier_ref, customer_ref,
		doc_date, due_date, currency, note, total_net, total_vat, total_gross, amount_paid, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, '', '', $4, $5, $6, '', $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		string(d.Type), string(d.Status), d.ThirdPartyID, d.Date, *d.DueDate, d.Currency,
		d.TotalNet, d.TotalVAT, d.TotalGross, d.AmountPaid, d.CreatedBy, d.CreatedAt).Scan(&d.ID)
	if err != nil {
		return err
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO commercial_document_lines (document_id, line_no, description, qty, unit_price, discount_percent,
		vat_rate, total_net, total_vat, total_gross, qty_received, qty_shipped) VALUES `)
	args := []any{d.ID}
	for i, l := range d.Lines {
		if i > 0 {
			q.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&q, "($1, %d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, 0, 0)", i+1, n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8)
		args = append(args, l.Description, l.Qty, l.UnitPrice, l.DiscountPercent, l.VATRate, l.TotalNet, l.TotalVAT, l.TotalGross)
	}
	q.WriteString(" RETURNING id")
	b := &pgx.Batch{}
	b.Queue(q.String(), args...).Query(func(rows pgx.Rows) error {
		for i := 0; rows.Next() && i < len(d.Lines); i++ {
			if err := rows.Scan(&d.Lines[i].ID); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	b.Queue(`INSERT INTO audit_log (at, user_id, request_id, action, object_type, object_id, changes) VALUES ($1, $2, '', $3, $4, $5, $6)`,
		d.CreatedAt, userID, "invoice.create", "invoice", d.ID, string(domain.Diff(nil, d)))
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
