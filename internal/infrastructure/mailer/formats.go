package mailer

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/infrastructure/i18n"
)

// formatFuncs are the template functions of one language: the i18n
// locale's formatters, the PDF's, over the machine-form values of a payload
// (amounts "1989.01", dates "2027-01-01"). A value that does not parse is
// written as it is (an amount followed by its currency), so a payload
// enqueued with already formatted values still reads; an absent one is empty.
func formatFuncs(l *i18n.Locale) map[string]any {
	return map[string]any{
		// money writes an amount with its currency: {{money .total .currency}}.
		"money": func(amount, currency any) string {
			s := text(amount)
			d, err := decimal.NewFromString(s)
			if err != nil {
				return strings.TrimSpace(s + " " + text(currency))
			}
			return l.Money(d, text(currency))
		},
		// date writes a YYYY-MM-DD date in the language's layout.
		"date": func(v any) string {
			s := text(v)
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return s
			}
			return l.Date(t)
		},
	}
}

// text is a payload value as a string ("" when absent).
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}
