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

// RenderPDF writes a document as a PDF in a language (a tag or an
// Accept-Language value). It must stop and return ctx's error, writing
// nothing, once ctx is done. cmd/api maps it to the pdf package.
type RenderPDF func(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, lang string) ([]byte, error)

type pdfDocuments interface {
	Get(ctx context.Context, types []domain.DocType, id int64) (*domain.Document, error)
}

type pdfCustomers interface {
	Get(ctx context.Context, id int64) (*domain.ThirdParty, error)
}

// DocumentPDFRoutes is GET /api/v1/{proposals,orders,invoices}/{id}/pdf: the
// document rendered in the request, with the request's context, so a client
// that hangs up stops the rendering.
type DocumentPDFRoutes struct {
	docs      pdfDocuments
	customers pdfCustomers
	render    RenderPDF
}

// NewDocumentPDFRoutes returns the PDF area of the commercial documents.
func NewDocumentPDFRoutes(docs pdfDocuments, customers pdfCustomers, render RenderPDF) *DocumentPDFRoutes {
	return &DocumentPDFRoutes{docs: docs, customers: customers, render: render}
}

// Routes implements Routes.
func (h *DocumentPDFRoutes) Routes(r *Router) {
	for _, res := range []docResource{proposalsResource, ordersResource, invoicesResource} {
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
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		lang := strings.TrimSpace(c.QueryParam("lang"))
		if lang != "" && !langTag.MatchString(lang) {
			return domain.Invalid("lang", "must be a language tag such as en, fr or pt-BR")
		}
		ctx := c.Request().Context()
		d, out, err := h.renderDocument(ctx, res, id, lang, c.Request().Header.Get("Accept-Language"))
		if err != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				// The client hung up: the rendering (or the read before it)
				// stopped and there is no one to answer. Not a server
				// failure, so no error line and nothing written.
				c.Response().Status = StatusClientClosedRequest
				zerolog.Ctx(ctx).Info().Err(err).Int64("document_id", id).Msg("client closed the connection: PDF not rendered")
				return nil
			}
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+d.PDFFileName()+`"`)
		return c.Blob(http.StatusOK, "application/pdf", out)
	}
}

func (h *DocumentPDFRoutes) renderDocument(ctx context.Context, res docResource, id int64, lang, acceptLanguage string) (*domain.Document, []byte, error) {
	d, err := h.docs.Get(ctx, res.types, id)
	if err != nil {
		return nil, nil, err
	}
	customer, err := h.customers.Get(ctx, d.ThirdPartyID)
	if err != nil {
		return nil, nil, err
	}
	out, err := h.render(ctx, d, customer, pdfLanguage(lang, customer.Locale, acceptLanguage))
	return d, out, err
}

// pdfLanguage picks the language of a document: the one asked for, else the
// customer's, else the browser's, else English (the catalog negotiates each
// to the closest language it has).
func pdfLanguage(asked, customerLocale, acceptLanguage string) string {
	for _, l := range []string{asked, customerLocale, strings.TrimSpace(acceptLanguage)} {
		if l != "" {
			return l
		}
	}
	return "en"
}
