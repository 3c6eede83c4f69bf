package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// documentPDFs loads a document with its customer and renders it in the
// request's context (usecase.ArchiveService.PDF).
type documentPDFs interface {
	PDF(ctx context.Context, types []domain.DocType, id int64, lang, readerLang string) (*domain.ArchivedFile, error)
}

// DocumentPDFRoutes is GET /api/v1/{proposals,orders,invoices}/{id}/pdf: the
// document rendered in the request, with the request's context, so a client
// that hangs up stops the rendering, and through the API's one RenderSlots,
// so parallel renders cannot exhaust its memory.
type DocumentPDFRoutes struct {
	pdfs  documentPDFs
	slots *RenderSlots
}

// NewDocumentPDFRoutes returns the PDF area of the commercial documents;
// slots is shared with every other route that renders in the request.
func NewDocumentPDFRoutes(pdfs documentPDFs, slots *RenderSlots) *DocumentPDFRoutes {
	return &DocumentPDFRoutes{pdfs: pdfs, slots: slots}
}

// Routes implements Routes.
func (h *DocumentPDFRoutes) Routes(r *Router) {
	for _, res := range []docResource{proposalsResource, ordersResource, invoicesResource, purchaseOrdersResource} {
		r.GET(res.path+"/:id/pdf", res.read, h.pdf(res))
	}
}

// StatusClientClosedRequest is what the access log records for a request
// whose client went away before the answer (nginx's 499): nothing is sent.
const StatusClientClosedRequest = 499

// langTag is a language tag as ?lang= may give it: "pt-BR", "fr", "en_US".
var langTag = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$`)

func (h *DocumentPDFRoutes) pdf(res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		return servePDF(c, h.slots, res.entity, func(ctx context.Context, id int64, lang, readerLang string) (*domain.ArchivedFile, error) {
			return h.pdfs.PDF(ctx, res.types, id, lang, readerLang)
		})
	}
}

// servePDF answers GET …/{id}/pdf of an entity: ?lang= checked, a render
// slot taken, the file rendered by render under the request's context.
func servePDF(c echo.Context, slots *RenderSlots, entity string, render func(ctx context.Context, id int64, lang, readerLang string) (*domain.ArchivedFile, error)) error {
	id, err := idParam(c, entity)
	if err != nil {
		return err
	}
	lang := strings.TrimSpace(c.QueryParam("lang"))
	if lang != "" && !langTag.MatchString(lang) {
		return domain.Invalid("lang", "must be a language tag such as en, fr or pt-BR")
	}
	ctx := c.Request().Context()
	rctx, release, err := slots.acquire(c)
	var f *domain.ArchivedFile
	if err == nil {
		f, err = render(rctx, id, lang, c.Request().Header.Get("Accept-Language"))
		release()
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			// The client hung up: the rendering (or the read or the wait
			// for a slot before it) stopped and there is no one to answer.
			// Not a server failure, so no error line and nothing written.
			c.Response().Status = StatusClientClosedRequest
			zerolog.Ctx(ctx).Info().Err(err).Str("entity", entity).Int64("id", id).Msg("client closed the connection: PDF not rendered")
			return nil
		}
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+f.Filename+`"`)
	return c.Blob(http.StatusOK, f.ContentType, f.Content)
}
