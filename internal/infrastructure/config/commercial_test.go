package config

import (
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/domain"
)

func TestCommercialSettings(t *testing.T) {
	t.Setenv("DOLIGO_DEFAULT_CURRENCY", "brl")
	t.Setenv("DOLIGO_NUMBER_MASK_INVOICE", "INV/{yyyy}/{000000}")
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	masks := c.DocumentMasks()
	if c.DefaultCurrency != "BRL" || masks[domain.DocInvoice].String() != "INV/{yyyy}/{000000}" ||
		masks[domain.DocInvoice].Reset() != domain.ResetYearly || masks[domain.DocCreditNote].String() != "AV{yy}{mm}-{0000}" ||
		c.ThirdPartyMask().String() != "CU{yy}{mm}-{0000}" {
		t.Fatalf("settings %+v", c)
	}
}

// A bad currency or mask stops start-up with a message naming the variable.
func TestCommercialSettingsAreChecked(t *testing.T) {
	for name, value := range map[string]string{
		"DOLIGO_DEFAULT_CURRENCY":        "EURO",
		"DOLIGO_NUMBER_MASK_PROPOSAL":    "PR{mm}-{0000}", // a monthly counter without the year repeats
		"DOLIGO_NUMBER_MASK_ORDER":       "CO-{yy}",       // no counter
		"DOLIGO_THIRDPARTY_CODE_MASK":    "C U{0}",
		"DOLIGO_NUMBER_MASK_CREDIT_NOTE": "FA{yy}{mm}-{0000}", // the invoices' mask
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			if _, err := load(nil); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: error %v does not name the variable", name, value, err)
			}
		})
	}
}

// Supplier invoices and supplier credit notes have masks of their own, which
// may not be another type's.
func TestSupplierInvoiceMasks(t *testing.T) {
	masks := Defaults().DocumentMasks()
	if masks[domain.DocSupplierInvoice].String() != "SI{yy}{mm}-{0000}" || masks[domain.DocSupplierCreditNote].String() != "SA{yy}{mm}-{0000}" {
		t.Fatalf("masks %v", masks)
	}
	t.Setenv("DOLIGO_NUMBER_MASK_SUPPLIER_CREDIT_NOTE", "SI{yy}{mm}-{0000}")
	if _, err := load(nil); err == nil || !strings.Contains(err.Error(), "DOLIGO_NUMBER_MASK_SUPPLIER_CREDIT_NOTE") {
		t.Fatalf("a supplier credit note mask shared with supplier invoices: %v", err)
	}
}
