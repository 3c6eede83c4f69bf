package config

import (
	"strings"

	"github.com/doligo/doligo/internal/domain"
)

// numberMasks pairs each numbering-mask variable (without the prefix) with
// its value and the document type it numbers ("" for third-party codes and
// receptions and shipments); printed says whether its numbers appear on paper, where two
// kinds may not share a mask.
func (c *Config) numberMasks() []struct {
	name, mask string
	doc        domain.DocType
	printed    bool
} {
	return []struct {
		name, mask string
		doc        domain.DocType
		printed    bool
	}{
		{"NUMBER_MASK_PROPOSAL", c.NumberMaskProposal, domain.DocProposal, true},
		{"NUMBER_MASK_ORDER", c.NumberMaskOrder, domain.DocOrder, true},
		{"NUMBER_MASK_INVOICE", c.NumberMaskInvoice, domain.DocInvoice, true},
		{"NUMBER_MASK_CREDIT_NOTE", c.NumberMaskCreditNote, domain.DocCreditNote, true},
		{"NUMBER_MASK_PURCHASE_ORDER", c.NumberMaskPurchaseOrder, domain.DocPurchaseOrder, true},
		{"NUMBER_MASK_RECEPTION", c.NumberMaskReception, "", true},
		{"NUMBER_MASK_SHIPMENT", c.NumberMaskShipment, "", true},
		{"NUMBER_MASK_SUPPLIER_INVOICE", c.NumberMaskSupplierInvoice, domain.DocSupplierInvoice, true},
		{"NUMBER_MASK_SUPPLIER_CREDIT_NOTE", c.NumberMaskSupplierCreditNote, domain.DocSupplierCreditNote, true},
		{"NUMBER_MASK_DOWN_PAYMENT", c.NumberMaskDownPayment, domain.DocDownPayment, true},
		{"THIRDPARTY_CODE_MASK", c.ThirdPartyCodeMask, "", false},
	}
}

// validateCommercial checks the currency and every numbering mask. Two
// document types may not share a mask: their numbers would be
// indistinguishable on paper.
func (c *Config) validateCommercial(bad func(name, format string, args ...any)) {
	c.DefaultCurrency = strings.ToUpper(c.DefaultCurrency)
	if !domain.ValidCurrency(c.DefaultCurrency) {
		bad("DEFAULT_CURRENCY", "%q is not an active ISO 4217 currency code such as EUR", c.DefaultCurrency)
	}
	seen := map[string]string{}
	for _, m := range c.numberMasks() {
		if _, err := domain.ParseNumberMask(m.mask); err != nil {
			bad(m.name, "%v", err)
			continue
		}
		if other, dup := seen[m.mask]; dup && m.printed {
			bad(m.name, "%q is also %s_%s: each document type needs its own mask", m.mask, Prefix, other)
		}
		seen[m.mask] = m.name
	}
}

// DocumentMasks returns the numbering mask of each document type; Load has
// checked them.
func (c Config) DocumentMasks() map[domain.DocType]domain.NumberMask {
	out := map[domain.DocType]domain.NumberMask{}
	for _, m := range c.numberMasks() {
		if m.doc != "" {
			out[m.doc] = domain.MustNumberMask(m.mask)
		}
	}
	return out
}

// ReceptionMask returns the mask of reception numbers; Load has checked it.
func (c Config) ReceptionMask() domain.NumberMask {
	return domain.MustNumberMask(c.NumberMaskReception)
}

// ShipmentMask returns the mask of shipment numbers; Load has checked it.
func (c Config) ShipmentMask() domain.NumberMask {
	return domain.MustNumberMask(c.NumberMaskShipment)
}

// ThirdPartyMask returns the mask of generated third-party codes; Load has
// checked it.
func (c Config) ThirdPartyMask() domain.NumberMask {
	return domain.MustNumberMask(c.ThirdPartyCodeMask)
}
