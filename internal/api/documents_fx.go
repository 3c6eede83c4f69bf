package api

import (
	"github.com/doligo/doligo/internal/domain"
)

// fxResponse is a document's exchange to the company currency: its rate
// (units of the document's currency per one unit of the company's) and its
// totals converted. Null while the rate is not known (a draft in a foreign
// currency that gave none: it is fixed at validation), and on documents
// older than exchange rates.
type fxResponse struct {
	CompanyCurrency   *string `json:"company_currency"`
	CurrencyRate      *string `json:"currency_rate"`
	TotalNetCompany   *string `json:"total_net_company"`
	TotalVATCompany   *string `json:"total_vat_company"`
	TotalGrossCompany *string `json:"total_gross_company"`
}

func toFXResponse(d *domain.Document) fxResponse {
	fx := d.FX
	var r fxResponse
	if fx.CompanyCurrency != "" {
		c := fx.CompanyCurrency
		r.CompanyCurrency = &c
	}
	r.CurrencyRate = domain.FormatNullRate(fx.Rate)
	r.TotalNetCompany = domain.FormatNullMoney(fx.TotalNet, fx.CompanyCurrency)
	r.TotalVATCompany = domain.FormatNullMoney(fx.TotalVAT, fx.CompanyCurrency)
	r.TotalGrossCompany = domain.FormatNullMoney(fx.TotalGross, fx.CompanyCurrency)
	return r
}

// paymentFXResponse is a payment's exchange: the rate of its date and the
// realized exchange difference in the company currency (positive: a gain).
type paymentFXResponse struct {
	CurrencyRate       *string `json:"currency_rate"`
	ExchangeDifference *string `json:"exchange_difference"`
}

func toPaymentFXResponse(p *domain.Payment) paymentFXResponse {
	return paymentFXResponse{
		CurrencyRate:       domain.FormatNullRate(p.FX.Rate),
		ExchangeDifference: domain.FormatNullMoney(p.FX.Difference, p.FX.CompanyCurrency),
	}
}
