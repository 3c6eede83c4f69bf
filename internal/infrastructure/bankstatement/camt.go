package bankstatement

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// camtNS is the namespace of a CAMT.053 document: version 001.02 (the
// SEPA-era one most banks still send) to 001.13.
var camtNS = regexp.MustCompile(`^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(0[2-9]|1[0-3])$`)

// The subset of camt.053 read. Elements are matched by local name; the
// namespace of the document element is checked, and the statement elements
// must carry the same one.
type camtDocument struct {
	Stmt camtGroup `xml:"BkToCstmrStmt"`
}

type camtGroup struct {
	XMLName xml.Name
	Stmts   []camtStmt `xml:"Stmt"`
}

type camtStmt struct {
	XMLName xml.Name
	ID      string      `xml:"Id"`
	Acct    camtAcct    `xml:"Acct"`
	Bal     []camtBal   `xml:"Bal"`
	Ntry    []camtEntry `xml:"Ntry"`
}

type camtAcct struct {
	IBAN string `xml:"Id>IBAN"`
	Ccy  string `xml:"Ccy"`
}

type camtBal struct {
	Amt camtAmount `xml:"Amt"`
}

type camtAmount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// camtDate is a date element: <Dt> or <DtTm>.
type camtDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

// camtStatus is <Sts>BOOK</Sts> (001.02 to 001.05) or <Sts><Cd>BOOK</Cd></Sts>
// (001.06 on).
type camtStatus struct {
	Text string `xml:",chardata"`
	Cd   string `xml:"Cd"`
}

type camtEntry struct {
	Amt          *camtAmount  `xml:"Amt"`
	CdtDbtInd    string       `xml:"CdtDbtInd"`
	Sts          *camtStatus  `xml:"Sts"`
	BookgDt      *camtDate    `xml:"BookgDt"`
	ValDt        *camtDate    `xml:"ValDt"`
	AcctSvcrRef  string       `xml:"AcctSvcrRef"`
	TxDtls       []camtTxDtls `xml:"NtryDtls>TxDtls"`
	AddtlNtryInf string       `xml:"AddtlNtryInf"`
}

type camtTxDtls struct {
	EndToEndID  string   `xml:"Refs>EndToEndId"`
	AcctSvcrRef string   `xml:"Refs>AcctSvcrRef"`
	Ustrd       []string `xml:"RmtInf>Ustrd"`
	StrdRefs    []string `xml:"RmtInf>Strd>CdtrRefInf>Ref"`
}

// ParseCAMT053 reads a CAMT.053 document: one or more statements (Stmt) of
// one account, in one currency. Only booked entries are kept (Sts BOOK, or no
// status): pending and information-only ones come back booked in a later
// statement. A debit (DBIT) is a negative amount.
func ParseCAMT053(data []byte) (*domain.BankStatement, error) {
	var doc camtDocument
	if err := decodeCAMT(trimBOM(data), &doc); err != nil {
		return nil, err
	}
	stmts := doc.Stmt.Stmts
	if len(stmts) == 0 {
		return nil, domain.Invalid("BkToCstmrStmt/Stmt", "missing: the document holds no statement")
	}
	e := &domain.ImportErrors{}
	s := &domain.BankStatement{Format: domain.StatementCAMT053}
	ids := make([]string, 0, len(stmts))
	n := 0 // entries of the file so far
	for k, st := range stmts {
		at := "Stmt"
		if len(stmts) > 1 {
			at = fmt.Sprintf("Stmt[%d]", k+1)
		}
		if st.XMLName.Space != doc.Stmt.XMLName.Space {
			e.Add(0, at, "is in the namespace %q, not the document's", st.XMLName.Space)
		}
		id := strings.TrimSpace(st.ID)
		switch {
		case id == "":
			e.Add(0, at+"/Id", "missing: a statement must have an id")
		case slices.Contains(ids, id):
			e.Add(0, at+"/Id", "%q is given to two statements of the file", id)
		}
		ids = append(ids, id)
		iban := normalizeIBAN(st.Acct.IBAN)
		switch {
		case iban == "":
			e.Add(0, at+"/Acct/Id/IBAN", "missing: the account must be named by its IBAN")
		case !ibanRE.MatchString(iban):
			e.Add(0, at+"/Acct/Id/IBAN", "%q is not an IBAN", st.Acct.IBAN)
		case s.IBAN == "":
			s.IBAN = iban
		case iban != s.IBAN:
			e.Add(0, at+"/Acct/Id/IBAN", "%s is not the account of the first statement (%s): send one account per file", iban, s.IBAN)
		}
		ccy := stmtCurrency(st)
		switch {
		case !domain.ValidCurrency(ccy):
			e.Add(0, at+"/Acct/Ccy", "%q is not an ISO 4217 currency code", ccy)
		case s.Currency == "":
			s.Currency = ccy
		case ccy != s.Currency:
			e.Add(0, at+"/Acct/Ccy", "%s is not the currency of the first statement (%s)", ccy, s.Currency)
		}
		for _, ent := range st.Ntry {
			n++
			if n > domain.MaxStatementLines {
				return nil, domain.Invalid("Ntry", "the file holds more than %d entries: split it", domain.MaxStatementLines)
			}
			if l, ok := readEntry(e, n, ent, ccy); ok {
				s.Lines = append(s.Lines, l)
			}
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	s.ExternalID = strings.Join(ids, ", ")
	s.Identity = "camt:" + s.IBAN + ":" + strings.Join(ids, "+")
	if len(s.Identity) > 200 || len(s.ExternalID) > 200 {
		sum := sha256.Sum256([]byte(s.Identity))
		s.Identity = "camt:" + s.IBAN + ":sha256:" + hex.EncodeToString(sum[:])
		s.ExternalID = domain.CleanStatementText(s.ExternalID)
	}
	s.AssignLineIdentities()
	return s, nil
}

// readEntry reads entry n into a line; false for an entry that is not
// booked, or whose errors it added to e.
func readEntry(e *domain.ImportErrors, n int, ent camtEntry, ccy string) (domain.StatementLine, bool) {
	at := fmt.Sprintf("Ntry[%d]/", n)
	bad := false
	fail := func(field, format string, args ...any) {
		e.Add(0, at+field, format, args...)
		bad = true
	}
	if ent.Sts != nil {
		sts := strings.TrimSpace(ent.Sts.Cd + ent.Sts.Text)
		if sts != "BOOK" {
			return domain.StatementLine{}, false
		}
	}
	l := domain.StatementLine{Position: n}
	switch {
	case ent.Amt == nil:
		fail("Amt", "missing")
	default:
		amt, err := parseAmount(strings.TrimSpace(ent.Amt.Value))
		switch {
		case err != nil || amt.IsNegative():
			if err == nil {
				err = fmt.Errorf("%q is not an amount: the sign is CdtDbtInd's", ent.Amt.Value)
			}
			fail("Amt", "%v", err)
		case ent.Amt.Ccy != ccy:
			fail("Amt/@Ccy", "%q is not the statement's currency %s", ent.Amt.Ccy, ccy)
		case !amt.Equal(domain.RoundMoney(amt, ccy)):
			fail("Amt", "%q has more than the %d decimals of %s", ent.Amt.Value, domain.CurrencyPrecision(ccy), ccy)
		}
		l.Amount = amt
	}
	switch strings.TrimSpace(ent.CdtDbtInd) {
	case "CRDT":
	case "DBIT":
		l.Amount = l.Amount.Neg()
	default:
		fail("CdtDbtInd", "%q is neither CRDT nor DBIT", ent.CdtDbtInd)
	}
	if ent.BookgDt == nil && ent.ValDt == nil {
		fail("BookgDt", "missing: an entry needs its booking date (or its value date)")
	}
	if ent.ValDt != nil {
		if d, err := readCAMTDate(*ent.ValDt); err != nil {
			fail("ValDt", "%v", err)
		} else {
			l.ValueDate, l.Date = &d, d
		}
	}
	if ent.BookgDt != nil {
		if d, err := readCAMTDate(*ent.BookgDt); err != nil {
			fail("BookgDt", "%v", err)
		} else {
			l.Date = d
		}
	}
	l.Label, l.Reference = entryTexts(ent)
	l.BankRef = strings.TrimSpace(ent.AcctSvcrRef)
	if len(l.BankRef) > 100 {
		l.BankRef = "" // not an identity the database keeps; the content is
	}
	return l, !bad
}

func readCAMTDate(d camtDate) (time.Time, error) {
	switch {
	case d.Dt != "":
		return parseDate(d.Dt)
	case d.DtTm != "":
		return parseDate(d.DtTm)
	}
	return time.Time{}, errors.New("holds neither Dt nor DtTm")
}

// entryTexts is the label and the reference of an entry. The label is the
// entry's additional information followed by the unstructured remittance
// texts it does not already hold; the reference is, per transaction, the
// creditor's structured reference, else the end-to-end id, else the bank's
// reference (distinct ones joined by a space).
func entryTexts(ent camtEntry) (label, reference string) {
	parts := []string{domain.CleanStatementText(ent.AddtlNtryInf)}
	var refs []string
	for _, tx := range ent.TxDtls {
		for _, u := range tx.Ustrd {
			u = domain.CleanStatementText(u)
			if u != "" && !strings.Contains(strings.Join(parts, " "), u) {
				parts = append(parts, u)
			}
		}
		ref := ""
		for _, r := range append(slices.Clone(tx.StrdRefs), tx.EndToEndID, tx.AcctSvcrRef) {
			if r = strings.TrimSpace(r); r != "" && r != "NOTPROVIDED" {
				ref = r
				break
			}
		}
		if ref != "" && !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	if len(refs) == 0 && ent.AcctSvcrRef != "" {
		refs = append(refs, strings.TrimSpace(ent.AcctSvcrRef))
	}
	return domain.CleanStatementText(strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " / ")),
		domain.CleanStatementText(strings.Join(refs, " "))
}

// stmtCurrency is the account's currency, else that of the first balance,
// else that of the first entry.
func stmtCurrency(st camtStmt) string {
	if c := strings.TrimSpace(st.Acct.Ccy); c != "" {
		return c
	}
	for _, b := range st.Bal {
		if b.Amt.Ccy != "" {
			return b.Amt.Ccy
		}
	}
	for _, n := range st.Ntry {
		if n.Amt != nil && n.Amt.Ccy != "" {
			return n.Amt.Ccy
		}
	}
	return ""
}

// ibanRE is the shape of an IBAN (ISO 13616), compact.
var ibanRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$`)

func normalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// decodeCAMT checks that data is one XML document whose root is a camt.053
// Document (no DTD, nothing after it), and decodes it into doc.
func decodeCAMT(data []byte, doc *camtDocument) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	var root xml.StartElement
	for {
		tok, err := dec.Token()
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return domain.Invalid("file", "holds a DOCTYPE declaration, which a CAMT.053 file has no use for")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return domain.Invalid("file", "is not XML: text before the document element")
			}
			continue
		case xml.StartElement:
			root = t
		default: // the XML declaration, comments, processing instructions
			continue
		}
		break
	}
	if root.Name.Local != "Document" || !camtNS.MatchString(root.Name.Space) {
		return domain.Invalid("Document", "the document element is <%s> in the namespace %q: a CAMT.053 statement is a <Document> in urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN (NN from 02)",
			root.Name.Local, root.Name.Space)
	}
	if err := dec.DecodeElement(doc, &root); err != nil {
		return xmlError(err)
	}
	if doc.Stmt.XMLName.Local == "" {
		return domain.Invalid("Document/BkToCstmrStmt", "missing: a camt.053 Document holds a BkToCstmrStmt")
	}
	if doc.Stmt.XMLName.Space != root.Name.Space {
		return domain.Invalid("Document/BkToCstmrStmt", "is in the namespace %q, not the document's", doc.Stmt.XMLName.Space)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		if cd, ok := tok.(xml.CharData); (ok && len(bytes.TrimSpace(cd)) > 0) || isElement(tok) {
			return domain.Invalid("file", "holds something after the Document element")
		}
	}
}

func isElement(tok xml.Token) bool {
	_, ok := tok.(xml.StartElement)
	return ok
}

func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return domain.Invalid("file", "is not well-formed XML: line %d: %s", se.Line, se.Msg)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return domain.Invalid("file", "is not XML: it ends before its document element does")
	}
	return domain.Invalid("file", "is not XML: %v", err)
}

// charsetReader reads the ISO-8859-1 some banks still declare; UTF-8 and
// US-ASCII need none.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return strings.NewReader(string(r)), nil
	}
	return nil, fmt.Errorf("the encoding %q is not supported: send UTF-8", charset)
}
