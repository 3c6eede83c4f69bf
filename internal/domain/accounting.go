package domain

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Double-entry accounting (docs/accounting.md): a chart of accounts, four
// journals, and the bookings that turn validated documents and payments into
// balanced entries, once each.

// AccountType classes an account for the balance sheet and the income
// statement.
type AccountType string

const (
	AccountAsset     AccountType = "asset"
	AccountLiability AccountType = "liability"
	AccountEquity    AccountType = "equity"
	AccountIncome    AccountType = "income"
	AccountExpense   AccountType = "expense"
)

// AccountTypes lists the account types, balance sheet first.
func AccountTypes() []AccountType {
	return []AccountType{AccountAsset, AccountLiability, AccountEquity, AccountIncome, AccountExpense}
}

// BalanceSheet reports whether accounts of the type appear on the balance
// sheet (the others make the income statement).
func (t AccountType) BalanceSheet() bool {
	return t == AccountAsset || t == AccountLiability || t == AccountEquity
}

// Account is an account of the chart. Its code is what entries carry; it
// does not change once created.
type Account struct {
	ID    int64
	Code  string
	Label string
	Type  AccountType
}

// MaxAccountCodeLen and MaxAccountLabelLen bound an account's fields.
const (
	MaxAccountCodeLen  = 32
	MaxAccountLabelLen = 255
)

var accountCode = regexp.MustCompile(`^[0-9A-Z]+$`)

// AccountSortFields are the columns a list of accounts sorts on.
var AccountSortFields = []string{"id", "code", "label", "type"}

// Check validates the account's fields.
func (a *Account) Check() error {
	v := &ValidationError{}
	switch {
	case a.Code == "":
		v.Add("code", "is required")
	case len(a.Code) > MaxAccountCodeLen || !accountCode.MatchString(a.Code):
		v.Add("code", "must be 1 to %d digits or capital letters", MaxAccountCodeLen)
	}
	if a.Label == "" {
		v.Add("label", "is required")
	}
	checkLen(v, "label", a.Label, MaxAccountLabelLen)
	if !slices.Contains(AccountTypes(), a.Type) {
		v.Add("type", "must be one of asset, liability, equity, income, expense")
	}
	return v.OrNil()
}

// AccountPatch changes an account's label or type; nil fields stay.
type AccountPatch struct {
	Label *string
	Type  *AccountType
}

// Apply changes the account and checks it.
func (a *Account) Apply(p AccountPatch) error {
	if p.Label != nil {
		a.Label = *p.Label
	}
	if p.Type != nil {
		a.Type = *p.Type
	}
	return a.Check()
}

// CheckAccountCode validates an optional account code field ("" is none).
func CheckAccountCode(v *ValidationError, field, code string) {
	if code != "" && (len(code) > MaxAccountCodeLen || !accountCode.MatchString(code)) {
		v.Add(field, "must be 1 to %d digits or capital letters", MaxAccountCodeLen)
	}
}

// ProductAccounts are the accounts a product's lines book on: Sell on the
// sales side, Buy on the purchases side; "" for the default (706/707,
// 606/607 by product type).
type ProductAccounts struct {
	ProductID int64
	Sell, Buy string
}

// ThirdPartyAccount is a third party's auxiliary account, the FEC's
// CompAuxNum of its 411/401 lines; "" for its code.
type ThirdPartyAccount struct {
	ThirdPartyID int64
	Code         string
}

// VATAccount is the pair of accounts of one VAT rate.
type VATAccount struct {
	Rate      decimal.Decimal
	Sales     string
	Purchases string
}

// Check validates the rate and requires both accounts.
func (a VATAccount) Check() error {
	v := &ValidationError{}
	CheckRate(v, "rate", a.Rate)
	if a.Rate.IsNegative() {
		v.Add("rate", "must not be negative")
	}
	for _, f := range [...]struct{ field, code string }{{"sales_account", a.Sales}, {"purchases_account", a.Purchases}} {
		if f.code == "" {
			v.Add(f.field, "is required")
		}
		CheckAccountCode(v, f.field, f.code)
	}
	return v.OrNil()
}

// Journal is one of the four journals entries are booked into.
type Journal string

const (
	JournalSales     Journal = "sales"
	JournalPurchases Journal = "purchases"
	JournalBank      Journal = "bank"
	JournalMisc      Journal = "misc" // exchange differences and other adjustments
)

// Journals lists the journals.
func Journals() []Journal { return []Journal{JournalSales, JournalPurchases, JournalBank, JournalMisc} }

// Code is the journal's code in the FEC (JournalCode).
func (j Journal) Code() string {
	return map[Journal]string{JournalSales: "VT", JournalPurchases: "HA", JournalBank: "BQ", JournalMisc: "OD"}[j]
}

// Label is the journal's name in the FEC (JournalLib).
func (j Journal) Label() string {
	return map[Journal]string{JournalSales: "Ventes", JournalPurchases: "Achats", JournalBank: "Banque", JournalMisc: "Opérations diverses"}[j]
}

// The accounts booking uses when a product, third party or payment names
// none (the default chart, embed/migrations/*/000023_accounting, holds them).
const (
	AcctCustomers         = "411"
	AcctSuppliers         = "401"
	AcctVATCollected      = "44571"
	AcctVATDeductible     = "44566"
	AcctBank              = "512"
	AcctCash              = "531"
	AcctSalesGoods        = "707"
	AcctSalesServices     = "706"
	AcctPurchasesGoods    = "607"
	AcctPurchasesServices = "606"
	AcctRoundingLoss      = "658"
	AcctRoundingGain      = "758"
	AcctExchangeLoss      = "666"
	AcctExchangeGain      = "766"
)

// AccountPlan is what booking reads of the chart: the codes that exist and
// the VAT account of each rate, per side.
type AccountPlan struct {
	Codes map[string]bool
	// VATSales and VATPurchases map a rate ("20", "5.5": decimal.String) to
	// its account; other rates book on AcctVATCollected / AcctVATDeductible.
	VATSales     map[string]string
	VATPurchases map[string]string
}

func (p *AccountPlan) vatAccount(purchase bool, rate decimal.Decimal) string {
	m, def := p.VATSales, AcctVATCollected
	if purchase {
		m, def = p.VATPurchases, AcctVATDeductible
	}
	if a, ok := m[rate.String()]; ok {
		return a
	}
	return def
}

// SourceKind is what a booking books. Each kind is booked by one function of
// usecase.AccountingService (bookingSources); a new kind (bank transfers,
// exchange differences) is one more.
type SourceKind string

const (
	SourceDocument SourceKind = "document" // invoice, credit note, down payment, supplier invoice or credit note
	SourcePayment  SourceKind = "payment"  // customer or supplier payment, or refund
	SourceExchange SourceKind = "exchange" // a payment's realized exchange difference (misc journal)
	// SourceBankTransfer is a transfer between two bank accounts, booked
	// once under the id of its leg added first (the sending one).
	SourceBankTransfer SourceKind = "bank_transfer"
)

// BookingBankTransfer is what booking reads of a transfer between two bank
// accounts: ID is the sending leg's bank line, From and To its sending and
// receiving legs.
type BookingBankTransfer struct {
	ID       int64
	Date     time.Time
	Label    string
	From, To BookingBankLeg
}

// BookingBankLeg is one leg of a transfer: the bank account's accounting
// code ("" for AcctBank), the amount it sent or received (positive, in its
// currency) and, for an account in another currency than the company's, its
// currency and the rate of the transfer's date (FX; the usecase reads it).
type BookingBankLeg struct {
	Account string
	Amount  decimal.Decimal
	FX      BookingFX
}

// Ref is the document reference of the transfer's entries.
func (t BookingBankTransfer) Ref() string { return fmt.Sprintf("TRF%d", t.ID) }

// ErrNoBookingRate refuses to book a transfer of a bank account in another
// currency than the company's when no rate of its currency is known on or
// before its date: 409, nothing booked.
func ErrNoBookingRate(ref, currency string, date time.Time) error {
	return Conflictf("no-currency-rate", "cannot book %s: %s", ref, noRate(currency, date))
}

// BookBankTransfer makes the bank-journal booking of a transfer between two
// bank accounts: the receiving account's code debited, the sending one's
// credited, each leg in the company currency (a leg of an account in
// another currency converted at the rate of the transfer's date, its own
// amount kept as the entry's foreign amount). Two accounts without a code
// of their own both book on AcctBank: the two lines stay, one on each side.
// When the converted legs differ (a transfer between two currencies), the
// difference books on AcctExchangeGain (more received than sent) or
// AcctExchangeLoss, so the booking balances to the cent.
func BookBankTransfer(t BookingBankTransfer, plan *AccountPlan) (*Booking, error) {
	ref := t.Ref()
	b := &Booking{Source: SourceBankTransfer, SourceID: t.ID, Journal: JournalBank, Date: t.Date, DocumentRef: ref, DocumentDate: t.Date}
	label := entryLabel(ref, t.Label)
	in, out := t.To.FX.Convert(t.To.Amount), t.From.FX.Convert(t.From.Amount)
	gainOrLoss, diff := AcctExchangeGain, in.Sub(out)
	if diff.IsNegative() {
		gainOrLoss = AcctExchangeLoss
	}
	for _, side := range [...]struct {
		account       string
		debit, credit decimal.Decimal
		leg           *BookingBankLeg
	}{{t.To.Account, in, decimal.Zero, &t.To}, {t.From.Account, decimal.Zero, out, &t.From}, {gainOrLoss, diff.Neg(), diff, nil}} {
		if side.leg == nil && diff.IsZero() {
			continue
		}
		acct := side.account
		if acct == "" {
			acct = AcctBank
		}
		if !plan.Codes[acct] {
			return nil, Conflictf("unknown-account", "cannot book %s: account %s is not in the chart of accounts", ref, acct)
		}
		e := Entry{Journal: b.Journal, Date: b.Date, DocumentRef: ref, Account: acct, Label: label,
			Debit: decimal.Max(side.debit, decimal.Zero), Credit: decimal.Max(side.credit, decimal.Zero)}
		if side.leg != nil && side.leg.FX.Foreign() {
			e.Currency, e.AmountCurrency = side.leg.FX.Currency, side.leg.Amount
		}
		b.Entries = append(b.Entries, e)
	}
	return b, nil
}

// BookingFX is the exchange of a source in another currency than the
// company's: Rate units of Currency per unit of CompanyCurrency (the
// document's rate fixed at its validation, or the payment's of its date).
// The zero value, and a source in the company currency, convert nothing.
type BookingFX struct {
	Currency        string
	CompanyCurrency string
	Rate            decimal.Decimal
}

// Foreign reports whether amounts are converted.
func (x BookingFX) Foreign() bool {
	return x.CompanyCurrency != "" && x.Currency != x.CompanyCurrency && x.Rate.IsPositive()
}

// Convert turns an amount of the source's currency into the company's,
// rounded as the documents round their company totals (DivMoney).
func (x BookingFX) Convert(a decimal.Decimal) decimal.Decimal {
	if !x.Foreign() {
		return a
	}
	return DivMoney(a, x.Rate, x.CompanyCurrency)
}

// BookingDocument is what booking reads of a validated fiscal document.
type BookingDocument struct {
	ID             int64
	Type           DocType
	Ref            string
	Date           time.Time
	ThirdPartyID   int64
	ThirdPartyName string
	Lines          []BookingLine
	FX             BookingFX // the document's rate: its lines book converted
}

// BookingLine is a document line as booking sees it.
type BookingLine struct {
	ProductID int64
	Service   bool   // the product is a service (free-text lines count as services)
	Account   string // the product's own account for the document's side; "" for the default
	Net, VAT  decimal.Decimal
	VATRate   decimal.Decimal
}

// BookingPayment is what booking reads of a payment.
type BookingPayment struct {
	ID             int64
	DocumentType   DocType
	DocumentRef    string
	Date           time.Time
	ThirdPartyID   int64
	ThirdPartyName string
	Amount         decimal.Decimal
	Method         PaymentMethod
	Account        string // the bank account's code; "" for the default by method
	// FX converts the amount at the payment's own rate; Difference is the
	// realized exchange difference in the company currency (positive: a
	// gain), booked apart in the misc journal (BookExchange).
	FX         BookingFX
	Difference decimal.Decimal
}

// Booking is one balanced set of entries made from one source, numbered in
// its journal (Num, the FEC's EcritureNum).
type Booking struct {
	ID           int64
	Source       SourceKind
	SourceID     int64
	Journal      Journal
	Num          string
	Date         time.Time
	DocumentRef  string
	DocumentDate time.Time
	BookedAt     time.Time
	Entries      []Entry
}

// Entry is one line of a journal: an amount on the debit or the credit of an
// account.
type Entry struct {
	ID           int64
	BookingID    int64
	Journal      Journal
	Date         time.Time
	DocumentRef  string
	Account      string
	Label        string
	Debit        decimal.Decimal
	Credit       decimal.Decimal
	ThirdPartyID int64 // 0: none
	// Currency and AmountCurrency are the foreign currency the entry comes
	// from (a document, payment or bank account in another currency than
	// the company's) and its amount in it before conversion, unsigned on
	// the entry's side: the FEC's Idevise and Montantdevise. Currency ""
	// (and AmountCurrency zero) for an entry in the company currency.
	Currency       string
	AmountCurrency decimal.Decimal
}

// Foreign reports whether the entry carries an amount in a foreign currency.
func (e *Entry) Foreign() bool { return e.Currency != "" }

// Totals returns the sums of the debits and the credits.
func (b *Booking) Totals() (debit, credit decimal.Decimal) {
	for _, e := range b.Entries {
		debit, credit = debit.Add(e.Debit), credit.Add(e.Credit)
	}
	return debit, credit
}

// ledger collects the signed amounts (debit positive) per account and third
// party, in the order accounts first appear; once converted (convert), the
// amounts in the source's currency are kept in foreign, and the entries
// carry them.
type ledger struct {
	keys    []ledgerKey
	amount  map[ledgerKey]decimal.Decimal
	fx      BookingFX
	foreign map[ledgerKey]decimal.Decimal
}

type ledgerKey struct {
	account string
	tp      int64
}

func (l *ledger) add(account string, tp int64, debit decimal.Decimal) {
	k := ledgerKey{account, tp}
	if l.amount == nil {
		l.amount = map[ledgerKey]decimal.Decimal{}
	}
	if _, ok := l.amount[k]; !ok {
		l.keys = append(l.keys, k)
	}
	l.amount[k] = l.amount[k].Add(debit)
}

// addForeign adds an amount of the company currency whose amount in the
// currency of l.fx is foreign.
func (l *ledger) addForeign(account string, tp int64, debit, foreign decimal.Decimal) {
	l.add(account, tp, debit)
	if l.fx.Foreign() {
		k := ledgerKey{account, tp}
		l.foreign[k] = l.foreign[k].Add(foreign)
	}
}

// convert turns every amount into the company currency at x, keeping the
// amounts before conversion when x converts.
func (l *ledger) convert(x BookingFX) {
	l.fx = x
	if x.Foreign() {
		l.foreign = make(map[ledgerKey]decimal.Decimal, len(l.amount))
	}
	for k, a := range l.amount {
		if x.Foreign() {
			l.foreign[k] = a
		}
		l.amount[k] = x.Convert(a)
	}
}

// maxRounding is the largest imbalance a rounding line may absorb per
// entry line: more means the source is inconsistent.
var maxRounding = decimal.New(1, -2)

// entries turns the ledger into entries of b, adding a rounding line on
// AcctRoundingLoss / AcctRoundingGain when the amounts do not balance to
// the cent.
func (l *ledger) entries(b *Booking, label string, plan *AccountPlan) error {
	sum := decimal.Zero
	for _, k := range l.keys {
		sum = sum.Add(l.amount[k])
	}
	if !sum.IsZero() {
		if sum.Abs().GreaterThan(maxRounding.Mul(decimal.NewFromInt(int64(len(l.keys))))) {
			return fmt.Errorf("booking %s %d does not balance by %s", b.Source, b.SourceID, sum)
		}
		acct := AcctRoundingGain // debits exceed credits: credit a gain
		if sum.IsNegative() {
			acct = AcctRoundingLoss
		}
		l.add(acct, 0, sum.Neg())
	}
	for _, k := range l.keys {
		a := l.amount[k]
		if a.IsZero() {
			continue
		}
		if !plan.Codes[k.account] {
			return Conflictf("unknown-account", "cannot book %s: account %s is not in the chart of accounts", b.DocumentRef, k.account)
		}
		e := Entry{Journal: b.Journal, Date: b.Date, DocumentRef: b.DocumentRef, Account: k.account, Label: label,
			ThirdPartyID: k.tp, Debit: decimal.Zero, Credit: decimal.Zero}
		if f, ok := l.foreign[k]; ok { // not the rounding line: it exists in the company currency only
			e.Currency, e.AmountCurrency = l.fx.Currency, f.Abs()
		}
		if a.IsPositive() {
			e.Debit = a
		} else {
			e.Credit = a.Neg()
		}
		b.Entries = append(b.Entries, e)
	}
	return nil
}

// BookDocument makes the booking of a validated invoice, down payment or
// credit note (sales journal: customer on 411, revenue per product account,
// VAT per rate) or supplier invoice or credit note (purchases journal:
// supplier on 401, expense per product account, deductible VAT per rate).
// A credit note books the same accounts the other way round.
func BookDocument(d BookingDocument, plan *AccountPlan) (*Booking, error) {
	purchase := d.Type == DocSupplierInvoice || d.Type == DocSupplierCreditNote
	b := &Booking{Source: SourceDocument, SourceID: d.ID, Journal: JournalSales, Date: d.Date, DocumentRef: d.Ref, DocumentDate: d.Date}
	party, goods, services := AcctCustomers, AcctSalesGoods, AcctSalesServices
	sign := decimal.NewFromInt(-1) // sales: revenue and VAT on the credit side
	if purchase {
		b.Journal, party, goods, services = JournalPurchases, AcctSuppliers, AcctPurchasesGoods, AcctPurchasesServices
		sign = decimal.NewFromInt(1)
	}
	if d.Type == DocCreditNote || d.Type == DocSupplierCreditNote {
		sign = sign.Neg()
	}
	var l ledger
	net, vat := decimal.Zero, decimal.Zero
	l.add(party, d.ThirdPartyID, decimal.Zero) // the third party's line first
	for _, line := range d.Lines {
		acct := line.Account
		if acct == "" {
			acct = goods
			if line.Service || line.ProductID == 0 {
				acct = services
			}
		}
		l.add(acct, 0, line.Net.Mul(sign))
		net, vat = net.Add(line.Net), vat.Add(line.VAT)
	}
	for _, line := range d.Lines {
		if !line.VAT.IsZero() {
			l.add(plan.vatAccount(purchase, line.VATRate), 0, line.VAT.Mul(sign))
		}
	}
	// In another currency each account's sum is converted at the
	// document's rate, and the third party's line is the gross converted
	// whole — what its payments' exchange differences are computed against
	// (Document.SetExchange), so a document paid in full clears it — and
	// the rounding line takes the cent the separate conversions of net and
	// VAT may leave.
	l.convert(d.FX)
	gross := d.FX.Convert(net.Add(vat))
	l.addForeign(party, d.ThirdPartyID, gross.Mul(sign).Neg(), net.Add(vat).Mul(sign).Neg())
	return b, l.entries(b, entryLabel(d.Ref, d.ThirdPartyName), plan)
}

// BookPayment makes the booking of a payment (bank journal): money received
// from a customer debits the bank and credits 411; paid to a supplier it
// credits the bank and debits 401; a refund (on a credit note) is the other
// way round. Cash goes to AcctCash, other methods to AcctBank, unless the
// payment names its bank account's code.
func BookPayment(p BookingPayment, plan *AccountPlan) (*Booking, error) {
	b := &Booking{Source: SourcePayment, SourceID: p.ID, Journal: JournalBank, Date: p.Date, DocumentRef: p.DocumentRef, DocumentDate: p.Date}
	bank := p.Account
	if bank == "" {
		bank = AcctBank
		if p.Method == PayCash {
			bank = AcctCash
		}
	}
	party, in := AcctCustomers, true // money comes in
	switch p.DocumentType {
	case DocCreditNote:
		in = false
	case DocSupplierInvoice:
		party, in = AcctSuppliers, false
	case DocSupplierCreditNote:
		party = AcctSuppliers
	}
	amount := p.Amount
	if !in {
		amount = amount.Neg()
	}
	var l ledger
	l.add(bank, 0, amount)
	l.add(party, p.ThirdPartyID, amount.Neg())
	l.convert(p.FX) // at the payment's own rate
	return b, l.entries(b, entryLabel("Payment "+p.DocumentRef, p.ThirdPartyName), plan)
}

// paymentParty is the third-party account a payment of the type settles.
func paymentParty(t DocType) string {
	if t.IsSupplier() {
		return AcctSuppliers
	}
	return AcctCustomers
}

// BookExchange makes the misc-journal booking of a payment's realized
// exchange difference, linked to the payment: the payment's bank entry
// moved the third-party account at the payment's rate, this one completes it
// to the document's rate, so the account is cleared. Whichever the side, the
// third-party account is debited by the difference and a gain credited to
// AcctExchangeGain (a loss: credited, and AcctExchangeLoss debited).
func BookExchange(p BookingPayment, plan *AccountPlan) (*Booking, error) {
	b := &Booking{Source: SourceExchange, SourceID: p.ID, Journal: JournalMisc, Date: p.Date, DocumentRef: p.DocumentRef, DocumentDate: p.Date}
	gainOrLoss := AcctExchangeGain
	if p.Difference.IsNegative() {
		gainOrLoss = AcctExchangeLoss
	}
	var l ledger
	l.add(paymentParty(p.DocumentType), p.ThirdPartyID, p.Difference)
	l.add(gainOrLoss, 0, p.Difference.Neg())
	return b, l.entries(b, entryLabel("Exchange difference "+p.DocumentRef, p.ThirdPartyName), plan)
}

func entryLabel(ref, party string) string {
	s := ref
	if party != "" {
		s += " " + party
	}
	if r := []rune(s); len(r) > 255 {
		s = string(r[:255])
	}
	return s
}

// EntryFilter narrows a list of entries; zero fields select anything.
type EntryFilter struct {
	Journal Journal
	Account string
	From    time.Time
	To      time.Time // included; zero: no bound
}

// EntrySortFields are the columns a list of entries sorts on.
var EntrySortFields = []string{"id", "date", "account", "journal"}

// Period is a month of accounting, "2026-11".
type Period string

// ParsePeriod reads "YYYY-MM".
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Format("2006-01") != s {
		return "", Invalid("period", "must be a month as YYYY-MM")
	}
	return Period(s), nil
}

// PeriodOf is the month of a date.
func PeriodOf(t time.Time) Period { return Period(t.UTC().Format("2006-01")) }

// ClosedPeriod is a closed month: nothing dated in it is validated, paid,
// changed or booked any more.
type ClosedPeriod struct {
	Period   Period
	ClosedAt time.Time
	ClosedBy int64
}

// ErrPeriodClosed is the conflict of a change dated in a closed month.
func ErrPeriodClosed(p Period) error {
	return Conflictf("period-closed", "the accounting period %s is closed", p)
}

// PeriodReader is the period guard: the use cases ask it, inside their unit
// of work, whether the month of what they write is closed.
type PeriodReader interface {
	IsClosed(ctx context.Context, p Period) (bool, error)
	List(ctx context.Context) ([]ClosedPeriod, error)
}

// PeriodRepository closes and reopens months.
type PeriodRepository interface {
	PeriodReader
	// Guard is IsClosed for a change dated in the month: it also holds a
	// shared lock on the month until the transaction ends, so a close of
	// the month (Lock) waits for the change to commit, and the change, once
	// a close holds the month, waits for it and sees it closed.
	Guard(ctx context.Context, p Period) (bool, error)
	// Lock takes the month exclusively until the transaction ends: a close
	// takes it before it checks what is left to book.
	Lock(ctx context.Context, p Period) error
	Close(ctx context.Context, p ClosedPeriod) error
	Reopen(ctx context.Context, p Period) error
}

// AccountingReader reads the chart, the entries and what is left to book.
type AccountingReader interface {
	Account(ctx context.Context, id int64) (*Account, error)
	Accounts(ctx context.Context, q ListQuery) (Page[*Account], error)
	Plan(ctx context.Context) (*AccountPlan, error)
	Entries(ctx context.Context, f EntryFilter, q ListQuery) (Page[*Entry], error)
	ProductAccounts(ctx context.Context, productID int64) (*ProductAccounts, error)
	ThirdPartyAccount(ctx context.Context, thirdPartyID int64) (*ThirdPartyAccount, error)
	VATAccounts(ctx context.Context) ([]VATAccount, error)
	// AccountUsed reports whether entries carry the code.
	AccountUsed(ctx context.Context, code string) (bool, error)
	// IsBooked reports whether the source was booked.
	IsBooked(ctx context.Context, kind SourceKind, id int64) (bool, error)
	// UnbookedDocuments and UnbookedPayments are the validated fiscal
	// documents and the payments dated from..to (included) with no booking
	// yet, by date then id.
	UnbookedDocuments(ctx context.Context, from, to time.Time) ([]BookingDocument, error)
	UnbookedPayments(ctx context.Context, from, to time.Time) ([]BookingPayment, error)
	// UnbookedExchanges are the payments dated from..to whose exchange
	// difference is not zero and not booked yet, by date then id.
	UnbookedExchanges(ctx context.Context, from, to time.Time) ([]BookingPayment, error)
	// UnbookedBankTransfers are the transfers between bank accounts dated
	// from..to with no booking yet, by date then id.
	UnbookedBankTransfers(ctx context.Context, from, to time.Time) ([]BookingBankTransfer, error)
	// CountUnbooked is how many sources of the kind the Unbooked… reading
	// of that kind would list from..to, counted in the database: what a
	// close needs to know, without building a booking (nor the rates and
	// accounts one needs).
	CountUnbooked(ctx context.Context, kind SourceKind, from, to time.Time) (int64, error)
}

// AccountingRepository changes the chart and writes bookings.
type AccountingRepository interface {
	AccountingReader
	CreateAccount(ctx context.Context, a *Account) error
	SaveAccount(ctx context.Context, a *Account) error
	DeleteAccount(ctx context.Context, id int64) error
	// SetProductAccounts, SetThirdPartyAccount and SetVATAccount store the
	// accounting codes of a product, a third party (404 when unknown) and a
	// VAT rate; DeleteVATAccount drops a rate's pair (404 when none).
	SetProductAccounts(ctx context.Context, a ProductAccounts) error
	SetThirdPartyAccount(ctx context.Context, a ThirdPartyAccount) error
	SetVATAccount(ctx context.Context, a VATAccount) error
	DeleteVATAccount(ctx context.Context, rate decimal.Decimal) error
	// AddBookings stores the bookings and their entries, in that order (a
	// few statements for thousands of them), and fills the bookings' IDs
	// and their entries' BookingID. A source
	// booked already is a conflict (the unique index on the source decides,
	// whatever runs at the same time).
	AddBookings(ctx context.Context, bs []*Booking) error
}

// TrialBalanceRow is one account of a trial balance.
type TrialBalanceRow struct {
	Account string
	Label   string
	Type    AccountType
	Debit   decimal.Decimal
	Credit  decimal.Decimal
}

// Balance is debit minus credit.
func (r TrialBalanceRow) Balance() decimal.Decimal { return r.Debit.Sub(r.Credit) }

// Add merges another part of the same account.
func (r *TrialBalanceRow) Add(o TrialBalanceRow) {
	r.Debit, r.Credit = r.Debit.Add(o.Debit), r.Credit.Add(o.Credit)
}

// LedgerRow is an entry of the general ledger with the account's balance
// after it.
type LedgerRow struct {
	Entry
	Balance decimal.Decimal
}

// FECRow is an entry as the FEC export needs it.
type FECRow struct {
	Entry
	Num          string
	AccountLabel string
	AuxCode      string // the third party's accounting code (or code) on 411/401 lines
	AuxLabel     string
	DocumentDate time.Time
	BookedAt     time.Time
}

// AccountingQuery bounds a report or an export.
type AccountingQuery struct {
	From    time.Time
	To      time.Time
	Account string        // ledger: the account; "" every account
	Types   []AccountType // trial balance: only these types; nil: all
}
