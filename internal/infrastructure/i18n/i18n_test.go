package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
)

func catalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmbeddedLanguages(t *testing.T) {
	got := strings.Join(catalog(t).Tags(), ",")
	for _, want := range []string{"en", "pt-BR", "fr", "es", "de"} {
		if !strings.Contains(","+got+",", ","+want+",") {
			t.Errorf("embedded languages %s lack %s", got, want)
		}
	}
	if !strings.HasPrefix(got, "en,") {
		t.Errorf("the fallback must come first, got %s", got)
	}
}

// Every language must translate every label English has: a missing one would
// silently print English in the middle of a French invoice.
func TestEveryLanguageHasEveryLabel(t *testing.T) {
	c := catalog(t)
	en := c.Locale("en")
	for _, tag := range c.Tags()[1:] {
		l := c.Locale(tag)
		have := map[string]bool{}
		for _, k := range l.Keys() {
			have[k] = true
		}
		for _, k := range en.Keys() {
			if !have[k] {
				t.Errorf("%s lacks label %q", tag, k)
			}
		}
		for k := range have {
			if en.T(k) == k {
				t.Errorf("%s has label %q that en lacks", tag, k)
			}
		}
	}
}

func TestNegotiation(t *testing.T) {
	c := catalog(t)
	for in, want := range map[string]string{
		"":                          "en",
		"en":                        "en",
		"en-GB":                     "en",
		"pt":                        "pt-BR",
		"pt-BR":                     "pt-BR",
		"pt_BR":                     "pt-BR",
		"pt-PT":                     "pt-BR",
		"fr":                        "fr",
		"fr-CA":                     "fr",
		"FR":                        "fr",
		"es-MX":                     "es",
		"es-419":                    "es",
		"de":                        "de",
		"de-AT":                     "de",
		"it":                        "en",
		"zh-Hant":                   "en",
		"not a language!":           "en",
		"it-CH, fr;q=0.9, en;q=0.8": "fr",
		"de-CH, fr;q=0.9, en;q=0.8": "de",
	} {
		if got := c.Locale(in).Tag; got != want {
			t.Errorf("Locale(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestNumbers(t *testing.T) {
	c := catalog(t)
	d := decimal.RequireFromString
	for _, tc := range []struct {
		lang, in string
		places   int32
		want     string
	}{
		{"en", "1234.5", 2, "1,234.50"},
		{"pt-BR", "1234.5", 2, "1.234,50"},
		{"fr", "1234.5", 2, "1\u202f234,50"},
		{"de", "1234.5", 2, "1.234,50"},
		{"es", "1234.5", 2, "1234,50"}, // Spanish groups from five digits on
		{"es", "12345.678", 2, "12.345,68"},
		{"en", "1234567.891", 2, "1,234,567.89"},
		{"en", "999.995", 2, "1,000.00"},
		{"en", "-1234.5", 2, "-1,234.50"},
		{"pt-BR", "-0.5", 2, "-0,50"},
		{"en", "0", 2, "0.00"},
		{"en", "123", 0, "123"},
		{"pt-BR", "100000", 2, "100.000,00"},
	} {
		if got := c.Locale(tc.lang).Number(d(tc.in), tc.places); got != tc.want {
			t.Errorf("%s Number(%s, %d) = %q, want %q", tc.lang, tc.in, tc.places, got, tc.want)
		}
	}
	if got := c.Locale("fr").Decimal(d("1.500")); got != "1,5" {
		t.Errorf("fr Decimal(1.500) = %q", got)
	}
	if got := c.Locale("en").Decimal(d("2.000")); got != "2" {
		t.Errorf("en Decimal(2.000) = %q", got)
	}
	if got := c.Locale("fr").Percent(d("5.5")); got != "5,5\u00a0%" {
		t.Errorf("fr Percent(5.5) = %q", got)
	}
	if got := c.Locale("en").Percent(d("20.00")); got != "20%" {
		t.Errorf("en Percent(20.00) = %q", got)
	}
	if got := c.Locale("pt-BR").Money(d("1234.5"), "BRL"); got != "BRL 1.234,50" {
		t.Errorf("pt-BR Money = %q", got)
	}
	if got := c.Locale("en").Money(d("1234.5"), "EUR"); got != "1,234.50 EUR" {
		t.Errorf("en Money = %q", got)
	}
}

func TestDates(t *testing.T) {
	c := catalog(t)
	day := time.Date(2026, time.March, 7, 15, 4, 5, 0, time.UTC)
	for lang, want := range map[string]string{"en": "7 Mar 2026", "pt-BR": "07/03/2026", "fr": "07/03/2026", "es": "07/03/2026"} {
		if got := c.Locale(lang).Date(day); got != want {
			t.Errorf("%s Date = %q, want %q", lang, got, want)
		}
	}
}

func TestLabelFallback(t *testing.T) {
	c, err := Load(fstest.MapFS{
		"en.json": {Data: []byte(`{"number":{"decimal":".","group":","},"date":"2006-01-02","money":"{amount} {currency}","percent":"{value}%","labels":{"a":"A","b":"B"}}`)},
		"fr.json": {Data: []byte(`{"number":{"decimal":",","group":" "},"date":"02/01/2006","money":"{amount} {currency}","percent":"{value} %","labels":{"a":"Â"}}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	fr := c.Locale("fr")
	if fr.T("a") != "Â" || fr.T("b") != "B" || fr.T("zz") != "zz" {
		t.Errorf("fallback: a=%q b=%q zz=%q", fr.T("a"), fr.T("b"), fr.T("zz"))
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	valid := `{"number":{"decimal":".","group":","},"date":"2006","money":"{amount} {currency}","percent":"{value}%","labels":{}}`
	for name, files := range map[string]fstest.MapFS{
		"no fallback":    {"fr.json": {Data: []byte(valid)}},
		"bad json":       {"en.json": {Data: []byte(`{`)}},
		"unknown field":  {"en.json": {Data: []byte(`{"colour":1}`)}},
		"bad tag":        {"en.json": {Data: []byte(valid)}, "english.json": {Data: []byte(valid)}},
		"same separator": {"en.json": {Data: []byte(strings.Replace(valid, `"group":","`, `"group":"."`, 1))}},
		"no currency":    {"en.json": {Data: []byte(strings.Replace(valid, " {currency}", "", 1))}},
	} {
		if _, err := Load(files); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
}
