package domain

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Field limits of third parties and contacts, shared with the columns.
const (
	MaxNameLen    = 255
	MaxCodeLen    = 64
	MaxPhoneLen   = 64
	MaxTaxIDLen   = 64
	MaxAddressLen = 1000
	MaxLocaleLen  = 16
)

// ThirdParty is a customer, prospect and/or supplier: any company or person
// the business deals with. The flags are independent, as in Dolibarr.
type ThirdParty struct {
	ID         int64
	Name       string
	Code       string // unique; generated from the configured mask when left empty at creation
	IsCustomer bool
	IsProspect bool
	IsSupplier bool
	Email      string
	Phone      string
	TaxID      string
	Address    string
	Locale     string // preferred language of documents and mail, e.g. "pt-BR"; "" for the default
	// Country is where the third party is established (ISO 3166-1 alpha-2),
	// "" when unknown; with VATID it decides the VAT regime of a sale.
	Country string
	// VATID is the intra-EU (or UK) VAT number, compact and upper case
	// (vat_id.go); TaxID stays for any other national number.
	VATID string
	// PaymentTermsDays is the time this third party has to pay an invoice
	// (or is given, as a supplier); nil: the company's default terms.
	PaymentTermsDays *int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

var (
	codePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
	localePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$`)
)

// Normalize trims the free-text fields, so "  ACME " and "ACME" are one name.
func (t *ThirdParty) Normalize() {
	for _, s := range []*string{&t.Name, &t.Code, &t.Email, &t.Phone, &t.TaxID, &t.Address, &t.Locale} {
		*s = strings.TrimSpace(*s)
	}
	t.Country = strings.ToUpper(strings.TrimSpace(t.Country))
	t.VATID = NormalizeVATID(t.VATID)
	if t.Country == "" {
		t.Country = VATIDCountry(t.VATID) // a VAT number says its country
	}
}

// Check validates the fields; an empty code is valid (it is generated). The
// result is never nil.
func (t *ThirdParty) Check() *ValidationError {
	v := &ValidationError{}
	switch {
	case t.Name == "":
		v.Add("name", "is required")
	case utf8.RuneCountInString(t.Name) > MaxNameLen:
		v.Add("name", "must be at most %d characters", MaxNameLen)
	}
	if t.Code != "" {
		checkCode(v, "code", t.Code)
	}
	checkEmail(v, t.Email)
	checkLen(v, "phone", t.Phone, MaxPhoneLen)
	checkLen(v, "tax_id", t.TaxID, MaxTaxIDLen)
	checkLen(v, "address", t.Address, MaxAddressLen)
	if t.Locale != "" && (len(t.Locale) > MaxLocaleLen || !localePattern.MatchString(t.Locale)) {
		v.Add("locale", "must be a language tag such as fr, en-US or pt-BR")
	}
	if t.PaymentTermsDays != nil {
		checkPaymentTermsDays(v, "payment_terms_days", *t.PaymentTermsDays)
	}
	checkCountry(v, "country", t.Country)
	CheckVATID(v, "vat_id", t.VATID, t.Country)
	return v
}

func checkCode(v *ValidationError, field, code string) {
	switch {
	case len(code) > MaxCodeLen:
		v.Add(field, "must be at most %d characters", MaxCodeLen)
	case !codePattern.MatchString(code):
		v.Add(field, "may hold only letters, digits and . _ / -, starting with a letter or digit")
	}
}

func checkLen(v *ValidationError, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(field, "must be at most %d characters", max)
	}
}

// ErrDuplicateCode reports a third-party code that another third party has.
func ErrDuplicateCode(code string) error {
	return Conflictf("duplicate-code", "third-party code %q is already taken", code)
}

// ThirdPartyPatch is a partial update; nil fields stay as they are.
type ThirdPartyPatch struct {
	Name, Code, Email, Phone, TaxID, Address, Locale *string
	Country, VATID                                   *string
	IsCustomer, IsProspect, IsSupplier               *bool
	// PaymentTermsDays: nil stays; a nil *int inside clears (company default).
	PaymentTermsDays **int
}

// Apply changes t by p and validates the result. A code cannot be cleared:
// it identifies the third party on documents already sent.
func (t *ThirdParty) Apply(p ThirdPartyPatch) *ValidationError {
	for dst, src := range map[*string]*string{
		&t.Name: p.Name, &t.Code: p.Code, &t.Email: p.Email, &t.Phone: p.Phone,
		&t.TaxID: p.TaxID, &t.Address: p.Address, &t.Locale: p.Locale,
		&t.Country: p.Country, &t.VATID: p.VATID,
	} {
		patchField(dst, src)
	}
	patchField(&t.IsCustomer, p.IsCustomer)
	patchField(&t.IsProspect, p.IsProspect)
	patchField(&t.IsSupplier, p.IsSupplier)
	patchField(&t.PaymentTermsDays, p.PaymentTermsDays)
	t.Normalize()
	v := t.Check()
	if p.Code != nil && t.Code == "" {
		v.Add("code", "cannot be cleared")
	}
	return v
}

// ThirdPartyFilter narrows a list of third parties; nil flags do not filter.
// Search matches name, code and e-mail.
type ThirdPartyFilter struct {
	IsCustomer, IsProspect, IsSupplier *bool
}

// Contact is a person at a third party.
type Contact struct {
	ID           int64
	ThirdPartyID int64
	FirstName    string
	LastName     string
	Email        string
	Phone        string
	Position     string // job title
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Normalize trims the free-text fields.
func (c *Contact) Normalize() {
	for _, s := range []*string{&c.FirstName, &c.LastName, &c.Email, &c.Phone, &c.Position} {
		*s = strings.TrimSpace(*s)
	}
}

// Check validates the fields; a contact needs at least one of its names.
// Never nil.
func (c *Contact) Check() *ValidationError {
	v := &ValidationError{}
	if c.FirstName == "" && c.LastName == "" {
		v.Add("last_name", "is required when first_name is empty")
	}
	checkLen(v, "first_name", c.FirstName, MaxNameLen)
	checkLen(v, "last_name", c.LastName, MaxNameLen)
	checkEmail(v, c.Email)
	checkLen(v, "phone", c.Phone, MaxPhoneLen)
	checkLen(v, "position", c.Position, MaxNameLen)
	return v
}

// ContactPatch is a partial update; nil fields stay as they are.
type ContactPatch struct {
	FirstName, LastName, Email, Phone, Position *string
}

// Apply changes c by p and validates the result.
func (c *Contact) Apply(p ContactPatch) *ValidationError {
	for dst, src := range map[*string]*string{
		&c.FirstName: p.FirstName, &c.LastName: p.LastName, &c.Email: p.Email, &c.Phone: p.Phone, &c.Position: p.Position,
	} {
		patchField(dst, src)
	}
	c.Normalize()
	return c.Check()
}

// ThirdPartyReader is the read side of ThirdPartyRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type ThirdPartyReader interface {
	// Get returns the third party, or a NotFound problem.
	Get(ctx context.Context, id int64) (*ThirdParty, error)
	// CodeExists reports whether a third party already has the code.
	CodeExists(ctx context.Context, code string) (bool, error)
	List(ctx context.Context, f ThirdPartyFilter, q ListQuery) (Page[*ThirdParty], error)
	// ByCodes returns the third parties that exist among codes, by code.
	ByCodes(ctx context.Context, codes []string) (map[string]*ThirdParty, error)
}

// ThirdPartyRepository stores third parties.
type ThirdPartyRepository interface {
	ThirdPartyReader
	// Create inserts t and sets its ID and times; a code already used is an
	// ErrConflict with code "duplicate-code".
	Create(ctx context.Context, t *ThirdParty) error
	// Lock is Get holding the row against concurrent changes until the unit
	// of work ends.
	Lock(ctx context.Context, id int64) (*ThirdParty, error)
	// Update stores every field of t; a duplicate code is an ErrConflict.
	Update(ctx context.Context, t *ThirdParty) error
	// Delete removes the third party and its contacts; one that documents
	// still name is an ErrConflict.
	Delete(ctx context.Context, id int64) error
	// LockByCodes is ByCodes that also locks the rows until the unit of work ends.
	LockByCodes(ctx context.Context, codes []string) (map[string]*ThirdParty, error)
	// CreateMany inserts ts in a few statements and sets their IDs; a code
	// already used is an ErrConflict with code "duplicate-code".
	CreateMany(ctx context.Context, ts []*ThirdParty) error
	// UpdateMany stores every field of existing third parties in a few statements.
	UpdateMany(ctx context.Context, ts []*ThirdParty) error
}

// ContactReader is the read side of ContactRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type ContactReader interface {
	Get(ctx context.Context, thirdPartyID, id int64) (*Contact, error)
	List(ctx context.Context, thirdPartyID int64, q ListQuery) (Page[*Contact], error)
}

// ContactRepository stores the contacts of third parties. Every method is
// scoped to one third party: a contact id of another one is not found.
type ContactRepository interface {
	ContactReader
	Create(ctx context.Context, c *Contact) error
	Update(ctx context.Context, c *Contact) error
	Delete(ctx context.Context, thirdPartyID, id int64) error
}
