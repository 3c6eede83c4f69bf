package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// archivedFileResponse is one archived file without its bytes; url serves them.
type archivedFileResponse struct {
	ID          int64     `json:"id"`
	OwnerType   string    `json:"owner_type"`
	OwnerID     int64     `json:"owner_id"`
	Lang        string    `json:"lang"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	JobID       *int64    `json:"job_id"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

func toArchivedFileResponse(f *domain.ArchivedFile) archivedFileResponse {
	return archivedFileResponse{
		ID: f.ID, OwnerType: string(f.OwnerType), OwnerID: f.OwnerID, Lang: f.Lang, Filename: f.Filename,
		ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, JobID: optPositive(f.JobID), CreatedAt: f.CreatedAt,
		URL: "/api/v1/documents/" + strconv.FormatInt(f.ID, 10),
	}
}

// sendRequest is the optional body of POST …/{id}/send.
type sendRequest struct {
	To   []string `json:"to" validate:"max=50,dive,email,max=255"`
	Cc   []string `json:"cc" validate:"max=50,dive,email,max=255"`
	Lang string   `json:"lang"`
}

func (r *sendRequest) check(v *domain.ValidationError) {
	if r.Lang = strings.TrimSpace(r.Lang); r.Lang != "" && (len(r.Lang) > domain.MaxLocaleLen || !langTag.MatchString(r.Lang)) {
		v.Add("lang", "must be a language tag such as en, fr or pt-BR")
	}
}

type sendResponse struct {
	JobID int64 `json:"job_id"`
}

type archiveService interface {
	Files(ctx context.Context, types []domain.DocType, id int64, q domain.ListQuery) (domain.Page[*domain.ArchivedFile], error)
	File(ctx context.Context, id int64) (*domain.ArchivedFile, error)
	Send(ctx context.Context, types []domain.DocType, id int64, in domain.SendDocument) (int64, error)
}

// ArchiveRoutes is what the worker made of the documents: the archived PDFs
// (GET /api/v1/{proposals,orders,invoices}/{id}/documents, GET
// /api/v1/documents/{id}) and the sending of a document by e-mail (POST
// /api/v1/{proposals,orders,invoices,purchase-orders}/{id}/send, answered
// 202 with the job to follow).
type ArchiveRoutes struct{ svc archiveService }

// NewArchiveRoutes returns the archive area.
func NewArchiveRoutes(svc archiveService) *ArchiveRoutes { return &ArchiveRoutes{svc: svc} }

// Routes implements Routes.
func (h *ArchiveRoutes) Routes(r *Router) {
	for _, res := range []docResource{proposalsResource, ordersResource, invoicesResource, purchaseOrdersResource} {
		r.GET(res.path+"/:id/documents", domain.PermDocumentsRead, h.files(res))
	}
	r.GET("/documents/:id", domain.PermDocumentsRead, h.file)
	r.POST("/proposals/:id/send", domain.PermProposalsSend, h.send(proposalsResource))
	r.POST("/orders/:id/send", domain.PermOrdersSend, h.send(ordersResource))
	r.POST("/invoices/:id/send", domain.PermInvoicesSend, h.send(invoicesResource))
	r.POST("/purchase-orders/:id/send", domain.PermPurchaseOrdersSend, h.send(purchaseOrdersResource))
}

// archiveSortFields are the fields a file list may be sorted by.
var archiveSortFields = []string{"id", "created_at"}

func (h *ArchiveRoutes) files(res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		q, err := ParseList(c, archiveSortFields...)
		if err != nil {
			return err
		}
		page, err := h.svc.Files(c.Request().Context(), res.types, id, q)
		if err != nil {
			return err
		}
		return respondList(c, page, q, toArchivedFileResponse)
	}
}

func (h *ArchiveRoutes) file(c echo.Context) error {
	id, err := idParam(c, "document")
	if err != nil {
		return err
	}
	f, err := h.svc.File(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+f.Filename+`"`)
	return c.Blob(http.StatusOK, f.ContentType, f.Content)
}

// send e-mails a document of the resource to its third party (a proposal,
// order or invoice to its customer, a purchase order to its supplier) with
// its PDF attached.
func (h *ArchiveRoutes) send(res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		var req sendRequest
		if err := BindChecked(c, &req, req.check); err != nil {
			return err
		}
		jobID, err := h.svc.Send(c.Request().Context(), res.types, id, domain.SendDocument{To: req.To, Cc: req.Cc, Lang: req.Lang})
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/jobs/"+strconv.FormatInt(jobID, 10))
		return c.JSON(http.StatusAccepted, sendResponse{JobID: jobID})
	}
}
