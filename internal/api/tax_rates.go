package api

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// TaxRateRoutes is /api/v1/tax-rates: the VAT rates of a country, from the
// domain's tables (domain/vat_rates.go). Anyone who may read products may
// read them (products:read): they are what a product's vat_rate is chosen
// from.
type TaxRateRoutes struct{}

// NewTaxRateRoutes returns the tax rates area.
func NewTaxRateRoutes() *TaxRateRoutes { return &TaxRateRoutes{} }

// Routes implements Routes.
func (h *TaxRateRoutes) Routes(r *Router) {
	r.GET("/tax-rates", domain.PermProductsRead, h.list)
}

type taxRateItem struct {
	Country string `json:"country"`
	Rate    string `json:"rate"`
	Kind    string `json:"kind"`
	Label   string `json:"label"` // "" when nothing to say
}

// list answers ?country= (required, ISO 3166-1 alpha-2, any case): the
// country's rates, highest first, the zero rate last. A country that is no
// ISO code is a 422; a real country without a table answers no items and
// known: false, so a client can tell "no rates known" from "no VAT" (Brazil
// and the United States list the zero rate alone, with a note).
func (h *TaxRateRoutes) list(c echo.Context) error {
	country := strings.ToUpper(strings.TrimSpace(c.QueryParam("country")))
	switch {
	case country == "":
		return domain.Invalid("country", "is required: an ISO 3166-1 alpha-2 code such as FR; tables exist for %s",
			strings.Join(domain.VATCountries(), ", "))
	case !domain.ValidCountry(country):
		return domain.Invalid("country", "must be an ISO 3166-1 alpha-2 country code, such as FR or DE")
	}
	rates, known := domain.VATRatesOf(country)
	items := make([]taxRateItem, len(rates))
	for i, r := range rates {
		items[i] = taxRateItem{Country: r.Country, Rate: Qty(r.Rate), Kind: string(r.Kind), Label: r.Label}
	}
	return respondItems(c, items, map[string]any{"items": items, "country": country, "known": known, "eu_member": domain.InEU(country)})
}

// vatRegimeOf is the regime and English legal mention of a document's JSON.
func vatRegimeOf(d *domain.Document) (regime, mention string) {
	g := d.VATRegime
	if g == "" {
		g = domain.VATDomestic
	}
	return string(g), g.VATMention()
}
