package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

type auditEntryResponse struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	UserID     *int64          `json:"user_id"` // null: the system (a job)
	RequestID  string          `json:"request_id"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   int64           `json:"object_id"`
	Changes    json.RawMessage `json:"changes"`
}

func toAuditEntryResponse(e *domain.AuditEntry) auditEntryResponse {
	out := auditEntryResponse{
		ID: e.ID, At: e.At, RequestID: e.RequestID, Action: e.Action,
		ObjectType: e.ObjectType, ObjectID: e.ObjectID, Changes: e.Changes,
	}
	if e.UserID != 0 {
		out.UserID = &e.UserID
	}
	return out
}

type chainVerdictResponse struct {
	OK            bool   `json:"ok"`
	Checked       int64  `json:"checked"`
	FirstBrokenID *int64 `json:"first_broken_id"`
	Reason        string `json:"reason,omitempty"`
}

// auditTrail is the audit use case as the routes see it.
type auditTrail interface {
	List(ctx context.Context, f domain.AuditFilter) (domain.Page[*domain.AuditEntry], error)
	Verify(ctx context.Context) (domain.ChainVerdict, error)
}

// AuditRoutes is /api/v1/audit: who changed what and when, and the check of
// the fiscal chain.
type AuditRoutes struct{ audit auditTrail }

// NewAuditRoutes returns the audit area.
func NewAuditRoutes(audit auditTrail) *AuditRoutes { return &AuditRoutes{audit: audit} }

// Routes implements Routes.
func (h *AuditRoutes) Routes(r *Router) {
	r.GET("/audit", domain.PermAuditRead, h.list)
	r.GET("/audit/verify", domain.PermAuditRead, h.verify)
}

// auditName is the shape of object types and actions (product,
// invoice.validate).
var auditName = regexp.MustCompile(`^[a-z_]{1,32}(\.[a-z_]{1,32})?$`)

// auditFilter reads ?object_type=&object_id=&user_id=&action=&from=&to= and
// the paging; bad values are one 422 naming each parameter.
func auditFilter(c echo.Context) (domain.AuditFilter, error) {
	q, err := ParseList(c, domain.AuditSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return domain.AuditFilter{}, err
	}
	f := domain.AuditFilter{ListQuery: q}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"object_type", &f.ObjectType}, {"action", &f.Action}} {
		if v := c.QueryParam(p.name); v != "" {
			if !auditName.MatchString(v) {
				verr.Add(p.name, "must be lower-case letters and underscores, such as invoice or invoice.validate")
			}
			*p.dst = v
		}
	}
	f.ObjectID = idQuery(c, "object_id", verr)
	f.UserID = idQuery(c, "user_id", verr)
	f.From = timeQuery(c, "from", false, verr)
	f.To = timeQuery(c, "to", true, verr)
	return f, verr.OrNil()
}

// list is GET /audit, newest first unless sorted.
func (h *AuditRoutes) list(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	page, err := h.audit.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, f.ListQuery, toAuditEntryResponse)
}

// verify is GET /audit/verify.
func (h *AuditRoutes) verify(c echo.Context) error {
	v, err := h.audit.Verify(c.Request().Context())
	if err != nil {
		return err
	}
	out := chainVerdictResponse{OK: v.OK, Checked: v.Checked, Reason: v.Reason}
	if !v.OK {
		out.FirstBrokenID = &v.FirstBrokenID
	}
	return c.JSON(http.StatusOK, out)
}
