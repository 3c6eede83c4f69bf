package domain

import (
	"context"
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the company settings, shared with the columns.
const (
	MaxRegistrationIDs      = 5
	MaxRegistrationIDLen    = 100
	MaxLegalNoticeLen       = 1000
	MaxIBANLen              = 34
	MaxPaymentTermsDays     = 3650 // ten years: beyond that a typo, and dates stay far inside every dialect's range
	DefaultPaymentTermsDays = 30   // when the configuration gives none
)

// Company is the issuer of every document and e-mail, as printed: the
// settings stored in the database, each field that is not stored taken from
// the configuration (CompanySettings.Resolve).
type Company struct {
	Name            string
	Address         string // one line per "\n"
	Country         string // ISO 3166-1 alpha-2, or ""
	VATID           string
	RegistrationIDs []string // e.g. "SIRET 123 456 789 00012", "RCS Paris B 123 456 789"
	Email           string
	Phone           string
	IBAN            string // compact, upper case
	BIC             string
	LegalNotice     string
	// DefaultPaymentTermsDays is the time customers have to pay an invoice
	// when their third party has no terms of its own.
	DefaultPaymentTermsDays int
	// Logo is a PNG, nil when none is stored (the documents print the
	// embedded default) or when it was not read (HasLogo tells).
	Logo    []byte
	HasLogo bool
	// FromEnvironment names the fields (their JSON names) not stored in the
	// database, whose value is the configuration's.
	FromEnvironment []string
	UpdatedAt       time.Time // zero while nothing is stored
}

// CompanySettings is what the database stores of the company: each nil
// field is not set and falls back to the configuration. The row is a
// singleton; Logo is stored apart from the fields (PUT /company/logo), and
// replacing the fields keeps it.
type CompanySettings struct {
	Name, Address, Country, VATID, Email, Phone, IBAN, BIC, LegalNotice *string
	RegistrationIDs                                                     *[]string
	DefaultPaymentTermsDays                                             *int
	Logo                                                                []byte // read by CompanyReader.Logo only
	HasLogo                                                             bool   // a logo is stored
	UpdatedAt                                                           time.Time
}

var (
	// BIC (ISO 9362): bank code, country, location, optional branch.
	bicPattern  = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	ibanPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)
)

// Normalize trims the text fields and writes the IBAN and BIC compact and in
// upper case ("fr76 3000 …" → "FR763000…"), the way they are checked and printed.
func (s *CompanySettings) Normalize() {
	for _, p := range []*string{s.Name, s.Address, s.Country, s.VATID, s.Email, s.Phone, s.LegalNotice} {
		if p != nil {
			*p = strings.TrimSpace(*p)
		}
	}
	for _, p := range []*string{s.IBAN, s.BIC} {
		if p != nil {
			*p = strings.ToUpper(strings.Join(strings.Fields(*p), ""))
		}
	}
	if s.RegistrationIDs != nil {
		ids := make([]string, 0, len(*s.RegistrationIDs))
		for _, id := range *s.RegistrationIDs {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
		s.RegistrationIDs = &ids
	}
}

// Check validates the stored fields (an empty string is a value: it prints
// nothing instead of the configuration's). The result is never nil.
func (s *CompanySettings) Check() *ValidationError {
	v := &ValidationError{}
	if s.Name != nil {
		switch {
		case *s.Name == "":
			v.Add("name", "must not be empty: it heads every document (null falls back to the configuration)")
		case utf8.RuneCountInString(*s.Name) > MaxNameLen:
			v.Add("name", "must be at most %d characters", MaxNameLen)
		}
	}
	if s.Address != nil {
		checkLen(v, "address", *s.Address, MaxAddressLen)
	}
	if s.Country != nil {
		checkCountry(v, "country", *s.Country) // the real list (country.go): "XX" is no country
	}
	if s.VATID != nil {
		checkLen(v, "vat_id", *s.VATID, MaxTaxIDLen)
	}
	if s.RegistrationIDs != nil {
		if len(*s.RegistrationIDs) > MaxRegistrationIDs {
			v.Add("registration_ids", "must hold at most %d identifiers", MaxRegistrationIDs)
		}
		for _, id := range *s.RegistrationIDs {
			if utf8.RuneCountInString(id) > MaxRegistrationIDLen {
				v.Add("registration_ids", "each must be at most %d characters", MaxRegistrationIDLen)
				break
			}
		}
	}
	if s.Email != nil {
		checkEmail(v, *s.Email)
	}
	if s.Phone != nil {
		checkLen(v, "phone", *s.Phone, MaxPhoneLen)
	}
	if s.IBAN != nil && *s.IBAN != "" && !ValidIBAN(*s.IBAN) {
		v.Add("iban", "must be an IBAN (country, check digits and account, mod-97 checked)")
	}
	if s.BIC != nil && *s.BIC != "" && !bicPattern.MatchString(*s.BIC) {
		v.Add("bic", "must be a BIC of 8 or 11 letters and digits, such as BNPAFRPPXXX")
	}
	if s.LegalNotice != nil {
		checkLen(v, "legal_notice", *s.LegalNotice, MaxLegalNoticeLen)
	}
	if s.DefaultPaymentTermsDays != nil {
		checkPaymentTermsDays(v, "default_payment_terms_days", *s.DefaultPaymentTermsDays)
	}
	return v
}

func checkPaymentTermsDays(v *ValidationError, field string, days int) {
	if days < 0 || days > MaxPaymentTermsDays {
		v.Add(field, "must be between 0 and %d days", MaxPaymentTermsDays)
	}
}

// ValidIBAN checks a compact, upper-case IBAN: its shape and its ISO 13616
// check digits (the number, country and check digits moved to the end,
// letters as 10–35, is 1 modulo 97).
func ValidIBAN(iban string) bool {
	if len(iban) > MaxIBANLen || !ibanPattern.MatchString(iban) {
		return false
	}
	var digits strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(big.NewInt(int64(r-'A') + 10).String())
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// Resolve is the company as printed: each field of s that is set, else the
// configuration's (defaults).
func (s *CompanySettings) Resolve(defaults Company) Company {
	c := defaults
	c.FromEnvironment = nil
	str := func(dst *string, src *string, field string) {
		if src != nil {
			*dst = *src
		} else {
			c.FromEnvironment = append(c.FromEnvironment, field)
		}
	}
	str(&c.Name, s.Name, "name")
	str(&c.Address, s.Address, "address")
	str(&c.Country, s.Country, "country")
	str(&c.VATID, s.VATID, "vat_id")
	if s.RegistrationIDs != nil {
		c.RegistrationIDs = *s.RegistrationIDs
	} else {
		c.FromEnvironment = append(c.FromEnvironment, "registration_ids")
	}
	str(&c.Email, s.Email, "email")
	str(&c.Phone, s.Phone, "phone")
	str(&c.IBAN, s.IBAN, "iban")
	str(&c.BIC, s.BIC, "bic")
	str(&c.LegalNotice, s.LegalNotice, "legal_notice")
	if s.DefaultPaymentTermsDays != nil {
		c.DefaultPaymentTermsDays = *s.DefaultPaymentTermsDays
	} else {
		c.FromEnvironment = append(c.FromEnvironment, "default_payment_terms_days")
	}
	c.Logo, c.HasLogo = s.Logo, s.HasLogo
	c.UpdatedAt = s.UpdatedAt
	return c
}

// PaymentTermsDays is the time a customer (or the company, for a supplier)
// has to pay: the third party's own terms, else the company's default.
func (c Company) PaymentTermsDays(t *ThirdParty) int {
	if t != nil && t.PaymentTermsDays != nil {
		return *t.PaymentTermsDays
	}
	return c.DefaultPaymentTermsDays
}

// CompanyReader reads the stored company settings.
type CompanyReader interface {
	// Get returns what is stored but the logo; a database where nothing was
	// ever stored answers empty settings (every field nil), not an error.
	Get(ctx context.Context) (*CompanySettings, error)
	// Logo returns the stored logo, nil when there is none: read apart, as
	// only the documents print it.
	Logo(ctx context.Context) ([]byte, error)
}

// CompanyRepository stores the company settings, one row.
type CompanyRepository interface {
	CompanyReader
	// Save stores every field of s but the logo, which stays as it is.
	Save(ctx context.Context, s *CompanySettings) error
	// SaveLogo replaces the logo (a PNG) and sets the row's updated_at.
	SaveLogo(ctx context.Context, png []byte, at time.Time) error
}
