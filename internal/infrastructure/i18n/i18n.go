// Package i18n holds the translations and formats of the documents the
// system writes for people (PDF documents, e-mails): one JSON file per
// language, embedded in the binaries, chosen by language negotiation.
package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"golang.org/x/text/language"

	"github.com/doligo/doligo/embed"
)

// Fallback is the language used when a request names none we have.
const Fallback = "en"

// Locale is one language: its labels and how it writes numbers, amounts and dates.
type Locale struct {
	Tag  string // BCP 47 tag, the file name: "pt-BR"
	Name string // the language's own name: "Português (Brasil)"

	decimalSep  string
	groupSep    string
	minGrouping int // Spanish writes 1234,56 but 12.345,67: group only from this many leading digits beyond 3
	dateLayout  string
	money       string // "{amount} {currency}"
	percent     string // "{value} %"
	labels      map[string]string
	fallback    *Locale // labels missing here come from the fallback language
}

type localeFile struct {
	Name   string `json:"name"`
	Number struct {
		Decimal     string `json:"decimal"`
		Group       string `json:"group"`
		MinGrouping int    `json:"min_grouping"`
	} `json:"number"`
	Date    string            `json:"date"`
	Money   string            `json:"money"`
	Percent string            `json:"percent"`
	Labels  map[string]string `json:"labels"`
}

// Catalog is every language we can write, with the negotiation between them.
type Catalog struct {
	locales []*Locale // locales[0] is the fallback
	matcher *Matcher
}

// Matcher is the one language negotiation of what the system writes for
// people (PDF documents, e-mail templates): a request — a tag ("pt",
// "fr-CA", "en_US") or an Accept-Language value ("fr-CH, fr;q=0.9") — gets
// the closest of a set of languages ("pt" → pt-BR, "es-MX" → es), and
// anything unknown or empty gets the first of the set, the fallback.
type Matcher struct {
	tags    []string
	matcher language.Matcher
}

// NewMatcher returns the negotiation among tags; tags[0] is the fallback.
func NewMatcher(tags []string) (*Matcher, error) {
	if len(tags) == 0 {
		return nil, fmt.Errorf("i18n: no language to negotiate")
	}
	parsed := make([]language.Tag, len(tags))
	for i, tag := range tags {
		t, err := language.Parse(tag)
		if err != nil {
			return nil, fmt.Errorf("i18n: %q is not a language tag: %w", tag, err)
		}
		parsed[i] = t
	}
	// The matcher answers its first tag when nothing matches: the fallback.
	return &Matcher{tags: slices.Clone(tags), matcher: language.NewMatcher(parsed)}, nil
}

// Index is the position in the matcher's tags of the language closest to lang.
func (m *Matcher) Index(lang string) int {
	_, i := language.MatchStrings(m.matcher, strings.ReplaceAll(lang, "_", "-"))
	return i
}

// Match is the tag closest to lang.
func (m *Matcher) Match(lang string) string { return m.tags[m.Index(lang)] }

// Load reads every <tag>.json at the root of fsys. The Fallback language
// must be among them.
func Load(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	c := &Catalog{}
	for _, name := range names {
		l, err := loadLocale(fsys, name)
		if err != nil {
			return nil, err
		}
		c.locales = append(c.locales, l)
	}
	i := slices.IndexFunc(c.locales, func(l *Locale) bool { return l.Tag == Fallback })
	if i < 0 {
		return nil, fmt.Errorf("i18n: %s.json is missing: it is the fallback language", Fallback)
	}
	// The matcher answers its first tag when nothing matches: put the fallback there.
	c.locales[0], c.locales[i] = c.locales[i], c.locales[0]
	for _, l := range c.locales[1:] {
		l.fallback = c.locales[0]
	}
	if c.matcher, err = NewMatcher(c.Tags()); err != nil {
		return nil, err
	}
	return c, nil
}

func loadLocale(fsys fs.FS, name string) (*Locale, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var f localeFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("i18n: %s: %w", name, err)
	}
	tag := strings.TrimSuffix(path.Base(name), ".json")
	if t, err := language.Parse(tag); err != nil || t.String() != tag {
		return nil, fmt.Errorf("i18n: %s: file name is not a canonical language tag", name)
	}
	switch {
	case f.Number.Decimal == "" || f.Number.Decimal == f.Number.Group:
		return nil, fmt.Errorf("i18n: %s: number.decimal must be set and differ from number.group", name)
	case f.Date == "":
		return nil, fmt.Errorf("i18n: %s: date layout is empty", name)
	case !strings.Contains(f.Money, "{amount}") || !strings.Contains(f.Money, "{currency}"):
		return nil, fmt.Errorf("i18n: %s: money must contain {amount} and {currency}", name)
	case !strings.Contains(f.Percent, "{value}"):
		return nil, fmt.Errorf("i18n: %s: percent must contain {value}", name)
	}
	return &Locale{
		Tag: tag, Name: f.Name,
		decimalSep: f.Number.Decimal, groupSep: f.Number.Group, minGrouping: max(f.Number.MinGrouping, 1),
		dateLayout: f.Date, money: f.Money, percent: f.Percent, labels: f.Labels,
	}, nil
}

var embedded = sync.OnceValues(func() (*Catalog, error) {
	sub, err := fs.Sub(embed.I18n, "i18n")
	if err != nil {
		return nil, err
	}
	return Load(sub)
})

// Embedded is the catalog compiled into the binaries (embed/i18n), loaded once.
func Embedded() (*Catalog, error) { return embedded() }

// Tags lists the languages of the catalog, the fallback first.
func (c *Catalog) Tags() []string {
	out := make([]string, len(c.locales))
	for i, l := range c.locales {
		out[i] = l.Tag
	}
	return out
}

// Locale negotiates: lang is a tag ("pt", "fr-CA") or an Accept-Language
// value ("fr-CH, fr;q=0.9, en;q=0.8"); the closest language we have wins
// ("pt" → pt-BR, "es-MX" → es), and anything unknown or empty gets the fallback.
func (c *Catalog) Locale(lang string) *Locale {
	return c.locales[c.matcher.Index(lang)]
}

// T returns the label for key, from the fallback language when this one
// lacks it, or the key itself so that a gap shows instead of a blank.
func (l *Locale) T(key string) string {
	for loc := l; loc != nil; loc = loc.fallback {
		if s, ok := loc.labels[key]; ok {
			return s
		}
	}
	return key
}

// Keys lists the label keys this language defines itself.
func (l *Locale) Keys() []string { return slices.Sorted(maps.Keys(l.labels)) }

// Number writes d rounded half away from zero to places decimals, with the
// language's separators: 1234.5 → "1,234.50" (en) or "1.234,50" (pt-BR).
func (l *Locale) Number(d decimal.Decimal, places int32) string {
	return l.format(d.StringFixed(places))
}

// Decimal writes d with no trailing zeros: a quantity of 2.000 → "2", 1.5 → "1,5" (fr).
func (l *Locale) Decimal(d decimal.Decimal) string {
	return l.format(d.String())
}

// Money writes an amount with its currency's decimals (JPY 0, EUR 2, BHD 3)
// and its ISO 4217 currency code.
func (l *Locale) Money(d decimal.Decimal, currency string) string {
	return strings.NewReplacer("{amount}", l.Amount(d, currency), "{currency}", currency).Replace(l.money)
}

// Amount writes an amount with its currency's decimals, without the code.
func (l *Locale) Amount(d decimal.Decimal, currency string) string {
	return l.Number(d, domain.CurrencyPrecision(currency))
}

// Percent writes a rate such as a VAT rate: 20 → "20%" (en), 5.5 → "5,5 %" (fr).
func (l *Locale) Percent(d decimal.Decimal) string {
	return strings.ReplaceAll(l.percent, "{value}", l.Decimal(d))
}

// Date writes the calendar date of t in the language's layout.
func (l *Locale) Date(t time.Time) string {
	return t.Format(l.dateLayout)
}

// format regroups a plain decimal string ("-1234.50") in the language's style.
func (l *Locale) format(plain string) string {
	sign := ""
	if strings.HasPrefix(plain, "-") {
		sign, plain = "-", plain[1:]
	}
	intPart, frac, hasFrac := strings.Cut(plain, ".")
	var b strings.Builder
	b.WriteString(sign)
	if len(intPart) > 3+l.minGrouping-1 {
		first := len(intPart) % 3
		if first == 0 {
			first = 3
		}
		b.WriteString(intPart[:first])
		for i := first; i < len(intPart); i += 3 {
			b.WriteString(l.groupSep)
			b.WriteString(intPart[i : i+3])
		}
	} else {
		b.WriteString(intPart)
	}
	if hasFrac {
		b.WriteString(l.decimalSep)
		b.WriteString(frac)
	}
	return b.String()
}
