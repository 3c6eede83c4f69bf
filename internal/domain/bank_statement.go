package domain

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Bank statements: what the bank says happened on an account, imported from
// a CAMT.053 file (ISO 20022 BankToCustomerStatement) or a simple CSV file,
// and matched line by line to the bank lines the program wrote itself.
//
// Identity. A statement is known by its Identity within its account: a
// CAMT.053 file by the bank's statement ids (Stmt/Id) and the IBAN, a CSV file
// by the SHA-256 of its normalised lines; importing it again imports nothing.
// A statement line is known by its own Identity within the account, so that a
// line already imported from an overlapping statement (a monthly file after
// the daily ones, two CSV exports of overlapping periods) is not imported
// twice: the bank's own entry reference (CAMT AcctSvcrRef) when the file gives
// one, else the booking date, amount, label and reference together with the
// rank of that combination in its file ("the 2nd 3.50 coffee of the 4th"), so
// that two identical lines of one file are two lines, and an overlapping file
// holding the same two adds neither.

// Statement formats.
const (
	StatementCAMT053 = "camt.053"
	StatementCSV     = "csv"
)

// Bounds of a statement.
const (
	// MaxStatementLines bounds the lines of one imported statement.
	MaxStatementLines = 20000
	// MaxStatementTextLen bounds a statement line's label and reference:
	// longer bank texts are cut, not refused (they are the bank's, not the
	// user's, to fix).
	MaxStatementTextLen = 255
	// MatchWindowDays is how far apart, in calendar days, a statement line
	// and the bank line it matches automatically may be dated.
	MatchWindowDays = 3
)

// BankStatement is one imported statement file of a bank account.
type BankStatement struct {
	ID            int64
	BankAccountID int64
	Format        string // StatementCAMT053 or StatementCSV
	Identity      string // unique per account; see above
	ExternalID    string // the bank's statement id(s) (CAMT Stmt/Id), empty for CSV
	IBAN          string // the account the file is about (CAMT), empty for CSV
	Currency      string // the file's (CAMT), empty for CSV: the account's
	Lines         []StatementLine
	CreatedBy     int64
	CreatedAt     time.Time
}

// StatementLine is one booked entry of a statement: money in (positive) or
// out (negative) of the account.
type StatementLine struct {
	ID            int64
	StatementID   int64
	BankAccountID int64
	// Position is where the line is in its file: the entry number (Ntry[n],
	// from 1) in a CAMT file, the line number (the header being 1) in a CSV
	// file. It names the line in errors.
	Position          int
	Identity          string // unique per account; see above
	Date              time.Time
	ValueDate         *time.Time
	Amount            decimal.Decimal
	Label             string
	Reference         string
	BankRef           string // the bank's reference of the entry (AcctSvcrRef), if any
	MatchedBankLineID int64  // 0: not matched
}

// CleanStatementText folds runs of white space and control characters into
// one space and cuts the text to MaxStatementTextLen characters.
func CleanStatementText(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}), " ")
	if utf8.RuneCountInString(s) <= MaxStatementTextLen {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:MaxStatementTextLen]))
}

// Field names a field of line i of the statement in an error: "Ntry[3]/Amt"
// style for CAMT (camtPath is the element under the entry), the CSV column
// with its line otherwise.
func (s *BankStatement) Field(i int, camtPath, csvColumn string) FieldError {
	l := s.Lines[i]
	if s.Format == StatementCSV {
		return FieldError{Line: l.Position, Field: csvColumn}
	}
	return FieldError{Field: fmt.Sprintf("Ntry[%d]/%s", l.Position, camtPath)}
}

// CheckAmounts checks the lines' amounts against currency, the account's:
// at most its decimals, within the money columns. A statement in another
// currency than its account's is refused.
func (s *BankStatement) CheckAmounts(currency string) error {
	if s.Currency != "" && s.Currency != currency {
		return Invalid("currency", "the statement is in %s, the account in %s", s.Currency, currency)
	}
	errs := &ImportErrors{}
	prec := CurrencyPrecision(currency)
	for i, l := range s.Lines {
		f := s.Field(i, "Amt", "amount")
		switch {
		case !l.Amount.Equal(l.Amount.Round(prec)):
			f.Message = fmt.Sprintf("%s has more than the %d decimals of %s", l.Amount, prec, currency)
		case !l.Amount.Abs().LessThan(moneyLimit):
			f.Message = fmt.Sprintf("%s is too large", l.Amount)
		default:
			continue
		}
		errs.AddFields(f.Line, f)
	}
	return errs.Err()
}

// AssignLineIdentities sets the Identity of every line: "ref:" and the
// bank's entry reference when there is one (unique in the file, else it is
// not one), else "hash:" and the SHA-256 of the date, amount, label and
// reference and the rank of that combination in the file.
func (s *BankStatement) AssignLineIdentities() {
	refs := make(map[string]int, len(s.Lines))
	for _, l := range s.Lines {
		if l.BankRef != "" {
			refs[l.BankRef]++
		}
	}
	rank := make(map[string]int, len(s.Lines))
	for i := range s.Lines {
		l := &s.Lines[i]
		if l.BankRef != "" && refs[l.BankRef] == 1 {
			l.Identity = "ref:" + l.BankRef
			continue
		}
		key := l.contentKey()
		rank[key]++
		sum := sha256.Sum256(fmt.Appendf(nil, "%s\x1f%d", key, rank[key]))
		l.Identity = "hash:" + hex.EncodeToString(sum[:])
	}
}

// contentKey is what a line says, in a form that does not depend on how the
// file wrote it (trailing zeros, spacing).
func (l StatementLine) contentKey() string {
	return strings.Join([]string{l.Date.Format(time.DateOnly), l.Amount.String(), l.Label, l.Reference}, "\x1f")
}

// ContentDigest is the hex SHA-256 of the lines' contents in file order: the
// identity of a statement that carries none of its own (CSV).
func ContentDigest(lines []StatementLine) string {
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintf(h, "%s\x1e", l.contentKey())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MatchCandidate is an unreconciled bank line as the automatic matching sees
// it: its date, signed amount and the numbers of the documents its payment
// settles ("FA2611-0007").
type MatchCandidate struct {
	ID           int64
	Date         time.Time
	Amount       decimal.Decimal
	DocumentRefs []string
}

// MatchStatementLines pairs statement lines with bank lines, and returns
// for each paired line (by index in lines) the id of its bank line. The rule:
//
//   - a line matches a bank line of exactly the same signed amount dated at
//     most MatchWindowDays calendar days away, never more;
//   - a bank line whose document number appears in the line's reference or
//     label (as a whole word, ignoring case and separators: FA2611-0007,
//     fa2611-0007, FA26110007) is preferred to any other, however close;
//   - then the closest date, then the lowest bank line id;
//   - a bank line goes to one statement line only: when two want it, the
//     better pair by the order above wins (then the earlier line of the
//     file), and the other line takes its next candidate, if any;
//   - lines already matched (MatchedBankLineID set) are left alone.
//
// The pairing is greedy over every possible pair in that order, so it is
// deterministic: the same inputs give the same pairs, whatever their order.
func MatchStatementLines(lines []StatementLine, candidates []MatchCandidate) map[int]int64 {
	type pair struct {
		line int
		bank int64
		ref  bool
		dist int
	}
	var pairs []pair
	for i, l := range lines {
		if l.MatchedBankLineID != 0 || l.Amount.IsZero() {
			continue
		}
		text := l.Reference + " " + l.Label
		for _, c := range candidates {
			if !c.Amount.Equal(l.Amount) {
				continue
			}
			d := DaysApart(l.Date, c.Date)
			if d > MatchWindowDays {
				continue
			}
			ref := slices.ContainsFunc(c.DocumentRefs, func(r string) bool { return MentionsRef(text, r) })
			pairs = append(pairs, pair{line: i, bank: c.ID, ref: ref, dist: d})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if a.ref != b.ref {
			if a.ref {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.bank, b.bank), cmp.Compare(a.line, b.line))
	})
	out := map[int]int64{}
	taken := map[int64]bool{}
	for _, p := range pairs {
		if _, done := out[p.line]; done || taken[p.bank] {
			continue
		}
		out[p.line], taken[p.bank] = p.bank, true
	}
	return out
}

// DaysApart is the number of calendar days between the dates of a and b
// (their year, month and day as written, whatever the time or zone).
func DaysApart(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	d := int(da.Sub(db).Hours() / 24)
	if d < 0 {
		return -d
	}
	return d
}

// MentionsRef reports whether text names the document number ref as a whole
// word: ignoring case, and also when the bank dropped its separators
// ("FA26110007" for FA2611-0007). "FA2611-00071" does not name FA2611-0007.
func MentionsRef(text, ref string) bool {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return false
	}
	if containsWord(text, ref) {
		return true
	}
	compact := strings.Map(func(r rune) rune {
		if isWordRune(r) {
			return r
		}
		return -1
	}, ref)
	return compact != ref && len(compact) >= 4 && containsWord(text, compact)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// containsWord reports whether word occurs in text, ignoring case, with no
// letter or digit right before or after it.
func containsWord(text, word string) bool {
	t, w := []rune(strings.ToUpper(text)), []rune(strings.ToUpper(word))
	for i := 0; i+len(w) <= len(t); i++ {
		if !slices.Equal(t[i:i+len(w)], w) {
			continue
		}
		if (i == 0 || !isWordRune(t[i-1])) && (i+len(w) == len(t) || !isWordRune(t[i+len(w)])) {
			return true
		}
	}
	return false
}

// StatementImport is the outcome of importing a statement file.
type StatementImport struct {
	// Statement is the statement recorded now with its new lines, or, when
	// the same statement had been imported before, that one with its lines.
	Statement *BankStatement
	// Created is true when the statement was recorded now.
	Created bool
	// Known counts the lines of the file imported before (by this statement
	// or an overlapping one), which were not imported again.
	Known int
}

// New reports whether the import added anything: a line not seen before.
func (i StatementImport) New() bool { return i.Created && len(i.Statement.Lines) > 0 }

// CheckAccount refuses a statement that is not about bank account a (its
// IBAN, for a CAMT statement) or whose amounts do not fit a's currency.
func (s *BankStatement) CheckAccount(a *BankAccount) error {
	if s.IBAN != "" {
		own := strings.ToUpper(strings.Join(strings.Fields(a.IBAN), ""))
		switch {
		case own == "":
			return Invalid("Stmt/Acct/Id/IBAN", "the statement is about %s, and bank account %d has no IBAN to compare it with: set the account's IBAN", s.IBAN, a.ID)
		case own != s.IBAN:
			return Invalid("Stmt/Acct/Id/IBAN", "the statement is about %s, not about bank account %d (%s)", s.IBAN, a.ID, own)
		}
	}
	return s.CheckAmounts(a.Currency)
}

// CheckMatch refuses to match statement line l with bank line b: 422 when
// they can never go together (another account, another amount), 409 when
// either is matched already.
func CheckMatch(l *StatementLine, b *BankLine) error {
	switch {
	case b.AccountID != l.BankAccountID:
		return Invalid("bank_line_id", "bank line %d is on bank account %d, the statement line on %d", b.ID, b.AccountID, l.BankAccountID)
	case !b.Amount.Equal(l.Amount):
		return Invalid("bank_line_id", "bank line %d is of %s, the statement line of %s", b.ID, b.Amount, l.Amount)
	case l.MatchedBankLineID != 0:
		return Conflictf("already-matched", "statement line %d is matched with bank line %d already: unmatch it first", l.ID, l.MatchedBankLineID)
	case b.Reconciled:
		return Conflictf("already-reconciled", "bank line %d is reconciled already", b.ID)
	}
	return nil
}

// BankStatementReader reads imported statements.
type BankStatementReader interface {
	// Get returns a statement with its lines.
	Get(ctx context.Context, id int64) (*BankStatement, error)
	// GetLine returns one statement line.
	GetLine(ctx context.Context, id int64) (*StatementLine, error)
}

// BankStatementRepository records statements and their lines' matches. The
// bank lines' side of a match is BankLineRepository's.
type BankStatementRepository interface {
	BankStatementReader
	// ByIdentity returns the account's statement of that identity, with its
	// lines (ErrNotFound when there is none).
	ByIdentity(ctx context.Context, accountID int64, identity string) (*BankStatement, error)
	// KnownLines returns which of the line identities the account has.
	KnownLines(ctx context.Context, accountID int64, identities []string) (map[string]bool, error)
	// Create records the statement and its lines, setting their ids.
	Create(ctx context.Context, s *BankStatement) error
	// LockLine locks one statement line.
	LockLine(ctx context.Context, id int64) (*StatementLine, error)
	// SetLineMatch records the bank line a statement line is matched with
	// (0: none); a bank line matched with another statement line is a 409.
	SetLineMatch(ctx context.Context, lineID, bankLineID int64) error
	// DocumentRefs returns, by payment id, the numbers of the document each
	// payment settles (its own and, for a supplier invoice, the supplier's).
	DocumentRefs(ctx context.Context, paymentIDs []int64) (map[int64][]string, error)
}
