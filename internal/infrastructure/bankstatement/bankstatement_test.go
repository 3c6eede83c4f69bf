package bankstatement

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type wantLine struct {
	date, value, amount, label, reference string
}

func checkLines(t *testing.T, s *domain.BankStatement, want []wantLine) {
	t.Helper()
	if len(s.Lines) != len(want) {
		t.Fatalf("%d lines, want %d: %+v", len(s.Lines), len(want), s.Lines)
	}
	ids := map[string]bool{}
	for i, w := range want {
		l := s.Lines[i]
		value := ""
		if l.ValueDate != nil {
			value = l.ValueDate.Format(time.DateOnly)
		}
		got := wantLine{l.Date.Format(time.DateOnly), value, l.Amount.String(), l.Label, l.Reference}
		if got != w {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, got, w)
		}
		if l.Identity == "" || ids[l.Identity] {
			t.Errorf("line %d: identity %q empty or repeated", i, l.Identity)
		}
		ids[l.Identity] = true
	}
}

func TestCAMT053GermanBank(t *testing.T) {
	s, err := Parse(bytes.NewReader(fixture(t, "camt053_de_001_08.xml")), MediaCAMT, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != domain.StatementCAMT053 || s.IBAN != "DE02120300000000202051" || s.Currency != "EUR" ||
		s.ExternalID != "2026-11-04-0000000216" || s.Identity != "camt:DE02120300000000202051:2026-11-04-0000000216" {
		t.Fatalf("statement %+v", s)
	}
	checkLines(t, s, []wantLine{
		{"2026-11-04", "2026-11-04", "1320", "SEPA Sammel-Gutschrift", "FA2611-0007 FA2611-0009"},
		{"2026-11-04", "2026-11-04", "249.9", "SEPA Gutschrift Einzelbuchung / Rechnung FA2611-0012 Kd-Nr. 10442", "2026110411024500002"},
		// Booked at 23:45 in Germany: the 4th, as the bank wrote it, not the 4th at 22:45 UTC by luck.
		{"2026-11-04", "2026-11-05", "-450.75", "SEPA Überweisung / Lieferantenrechnung 2026-4471", "PO2610-0031"},
		// The pending card payment is not booked: left out.
	})
	if s.Lines[0].Identity != "ref:2026110409310200001" || s.Lines[2].Position != 3 {
		t.Fatalf("identity %q position %d", s.Lines[0].Identity, s.Lines[2].Position)
	}
}

func TestCAMT053FrenchBank(t *testing.T) {
	data := fixture(t, "camt053_fr_001_02.xml")
	if !bytes.Contains(data, []byte("L\xc9A")) {
		t.Fatal("the fixture is meant to be ISO-8859-1")
	}
	s, err := ParseCAMT053(data)
	if err != nil {
		t.Fatal(err)
	}
	if s.IBAN != "FR7630006000011234567890189" || s.Currency != "EUR" || s.ExternalID != "00412-20261109" {
		t.Fatalf("statement %+v", s)
	}
	checkLines(t, s, []wantLine{
		{"2026-11-09", "2026-11-09", "600", "VIR SEPA RECU /DE SARL LES JARDINS DE LÉA / REGLEMENT FACTURE FA2611-0003", ""},
		// Two card payments of the same amount the same day: two lines.
		{"2026-11-09", "2026-11-08", "-42.3", "PAIEMENT PAR CARTE / CB STATION TOTAL 07/11", ""},
		{"2026-11-09", "2026-11-08", "-42.3", "PAIEMENT PAR CARTE / CB STATION TOTAL 07/11", ""},
		{"2026-11-09", "2026-11-09", "-12", "FRAIS TENUE DE COMPTE", ""},
	})
	again, err := ParseCAMT053(data)
	if err != nil || again.Identity != s.Identity || again.Lines[2].Identity != s.Lines[2].Identity {
		t.Fatalf("the same file must have the same identities: %v", err)
	}
}

// A namespace prefix (<ns2:Document xmlns:ns2="…">), as some banks' Java
// exports write, is the same document.
func TestCAMT053NamespacePrefix(t *testing.T) {
	de := string(fixture(t, "camt053_de_001_08.xml"))
	prefixed := strings.NewReplacer("<?", "<?", "<!--", "<!--", "</", "</ns2:", "<", "<ns2:").Replace(de)
	prefixed = strings.Replace(prefixed, `xmlns="urn:`, `xmlns:ns2="urn:`, 1)
	s, err := ParseCAMT053([]byte(prefixed))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Lines) != 3 || s.IBAN != "DE02120300000000202051" {
		t.Fatalf("%+v", s)
	}
}

// TestCAMT053MultipleStatements: one file of several days of one account is
// one import; its identity names every statement.
func TestCAMT053MultipleStatements(t *testing.T) {
	data := string(fixture(t, "camt053_fr_001_02.xml"))
	start, end := strings.Index(data, "<Stmt>"), strings.Index(data, "</Stmt>")+len("</Stmt>")
	second := strings.Replace(data[start:end], "<Id>00412-20261109</Id>", "<Id>00413-20261110</Id>", 1)
	s, err := ParseCAMT053([]byte(data[:end] + second + data[end:]))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Lines) != 8 || s.ExternalID != "00412-20261109, 00413-20261110" || s.Lines[7].Position != 8 ||
		s.Identity != "camt:FR7630006000011234567890189:00412-20261109+00413-20261110" {
		t.Fatalf("%d lines, %q %q", len(s.Lines), s.ExternalID, s.Identity)
	}
	other := strings.Replace(second, "FR7630006000011234567890189", "FR7610107001011234567890129", 1)
	_, err = ParseCAMT053([]byte(data[:end] + other + data[end:]))
	wantErr(t, err, "Stmt[2]/Acct/Id/IBAN: FR7610107001011234567890129 is not the account of the first statement")
	dup := strings.Replace(second, "00413-20261110", "00412-20261109", 1)
	_, err = ParseCAMT053([]byte(data[:end] + dup + data[end:]))
	wantErr(t, err, `Stmt[2]/Id: "00412-20261109" is given to two statements`)
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v, want a validation error holding %q", err, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant it to hold %q", err, want)
	}
}

func TestCAMT053Refused(t *testing.T) {
	de := string(fixture(t, "camt053_de_001_08.xml"))
	ntry3 := strings.Index(de, "<Amt Ccy=\"EUR\">450.75</Amt>")
	edit := func(old, new string) string { return strings.Replace(de, old, new, 1) }
	edit3 := func(old, new string) string { // in the third entry only
		return de[:ntry3] + strings.Replace(de[ntry3:], old, new, 1)
	}
	for _, tt := range []struct{ name, doc, want string }{
		{"camt.052 namespace", edit("camt.053.001.08\"", "camt.052.001.08\""), `Document: the document element is <Document> in the namespace "urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"`},
		{"no namespace", edit(` xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"`, ""), `Document: the document element is <Document> in the namespace ""`},
		{"unknown version", edit("camt.053.001.08\"", "camt.053.001.01\""), "camt.053.001.01"},
		{"a payment order", `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>`, "pain.001"},
		{"another root", `<Statement xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>`, "<Statement>"},
		{"not XML", "date,amount\n2026-11-01,12\n", "file: is not XML"},
		{"empty", "", "file: is not XML"},
		{"truncated", de[:len(de)/2], "file: is not well-formed XML"},
		{"comma decimals", edit3("450.75", "12,3"), `Ntry[3]/Amt: "12,3" is not an amount`},
		{"negative amount", edit3("450.75", "-450.75"), `Ntry[3]/Amt: "-450.75" is not an amount`},
		{"three decimals", edit3("450.75", "450.755"), `Ntry[3]/Amt: "450.755" has more than the 2 decimals of EUR`},
		{"huge amount", edit3("450.75", "123456789012345678901234"), `Ntry[3]/Amt: "123456789012345678901234" must be smaller than`},
		{"entry currency", edit3(`<Amt Ccy="EUR">450.75`, `<Amt Ccy="USD">450.75`), `Ntry[3]/Amt/@Ccy: "USD" is not the statement's currency EUR`},
		{"missing amount", edit3(`<Amt Ccy="EUR">450.75</Amt>`, ""), "Ntry[3]/Amt: missing"},
		{"credit or debit", edit3("<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DEBIT</CdtDbtInd>"), `Ntry[3]/CdtDbtInd: "DEBIT" is neither CRDT nor DBIT`},
		{"bad booking date", edit3("2026-11-04T23:45:00.0+01:00", "04.11.2026 23:45"), `Ntry[3]/BookgDt: "04.11.2026 23:45" is not a date`},
		{"empty booking date", edit3("<DtTm>2026-11-04T23:45:00.0+01:00</DtTm>", ""), "Ntry[3]/BookgDt: holds neither Dt nor DtTm"},
		{"no account", edit("<IBAN>DE02120300000000202051</IBAN>", "<Othr><Id>0000202051</Id></Othr>"), "Stmt/Acct/Id/IBAN: missing"},
		{"not an IBAN", edit("<IBAN>DE02120300000000202051</IBAN>", "<IBAN>DE02-1203-0000</IBAN>"), `Stmt/Acct/Id/IBAN: "DE02-1203-0000" is not an IBAN`},
		{"year 0001", edit3("2026-11-04T23:45:00.0+01:00", "0001-11-04T23:45:00.0+01:00"), `Ntry[3]/BookgDt: "0001-11-04T23:45:00.0+01:00" is not a date between 1000-01-01 and 9999-12-31`},
		{"no statement id", edit("<Id>2026-11-04-0000000216</Id>", ""), "Stmt/Id: missing"},
		{"bad currency", edit("<Ccy>EUR</Ccy>", "<Ccy>EURO</Ccy>"), `Stmt/Acct/Ccy: "EURO" is not an ISO 4217`},
		{"no statement", edit(de[strings.Index(de, "<Stmt>"):strings.Index(de, "</Stmt>")+7], ""), "BkToCstmrStmt/Stmt: missing"},
		{"statement in another namespace", edit("<Stmt>", `<Stmt xmlns="urn:example">`), `Stmt: is in the namespace "urn:example"`},
		{"DOCTYPE", edit(`<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x "xxxxxxxx">]>`), "file: holds a DOCTYPE"},
		{"undeclared entity", edit("SEPA Sammel-Gutschrift", "&x;"), "file: is not well-formed XML"},
		{"trailing element", de + "<Document/>", "file: holds something after the Document element"},
		{"other encoding", edit(`encoding="UTF-8"`, `encoding="EBCDIC"`), `the encoding "EBCDIC" is not supported`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseCAMT053([]byte(tt.doc))
			if s != nil {
				t.Fatalf("a refused file returned a statement: %+v", s)
			}
			wantErr(t, err, tt.want)
		})
	}
}

func TestCAMT053ListsEveryBadEntry(t *testing.T) {
	de := string(fixture(t, "camt053_de_001_08.xml"))
	de = strings.Replace(de, "1320.00", "1.320,00", 1)
	de = strings.Replace(de, "249.90", "", 1)
	_, err := ParseCAMT053([]byte(de))
	wantErr(t, err, `Ntry[1]/Amt: "1.320,00" is not an amount`)
	wantErr(t, err, `Ntry[2]/Amt: "" is not an amount`)
}

func TestParseSizeLimit(t *testing.T) {
	data := fixture(t, "camt053_de_001_08.xml")
	if _, err := Parse(bytes.NewReader(data), MediaCAMT, int64(len(data))); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	_, err := Parse(bytes.NewReader(data), MediaCAMT, int64(len(data)-1))
	var p *domain.Problem
	if !errors.As(err, &p) || p.Code != "body-too-large" {
		t.Fatalf("over the limit: %v", err)
	}
	_, err = Parse(bytes.NewReader(data), "application/json", 1<<20)
	wantErr(t, err, `unknown statement format "application/json"`)
}

func TestCSVStatement(t *testing.T) {
	data := fixture(t, "statement.csv")
	s, err := Parse(bytes.NewReader(data), MediaCSV, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != domain.StatementCSV || !strings.HasPrefix(s.Identity, "csv:sha256:") || s.IBAN != "" || s.Currency != "" {
		t.Fatalf("statement %+v", s)
	}
	checkLines(t, s, []wantLine{
		{"2026-11-09", "", "600", "VIR SEPA RECU SARL LES JARDINS", "FA2611-0003"},
		{"2026-11-09", "", "-42.3", "CB STATION TOTAL 07/11", ""},
		{"2026-11-09", "", "-42.3", "CB STATION TOTAL 07/11", ""},
		{"2026-11-10", "", "1250.5", `VIR "URGENT" ACME, SA`, "FA2611-0011"},
	})
	if s.Lines[3].Position != 6 {
		t.Fatalf("position %d, want the file's line 6", s.Lines[3].Position)
	}
	// The same statement written otherwise (LF, other column order, trailing
	// zeros, a BOM) is the same statement, and its lines the same lines.
	other := "\xef\xbb\xbfreference,label,date,amount\n" +
		"FA2611-0003,VIR SEPA RECU SARL LES JARDINS,2026-11-09,600\n" +
		",CB STATION TOTAL 07/11,2026-11-09,-42.300\n" +
		",CB   STATION TOTAL 07/11,2026-11-09,-42.30\n" +
		"FA2611-0011,\"VIR \"\"URGENT\"\" ACME, SA\",2026-11-10,+1250.50\n"
	o, err := ParseCSV([]byte(other))
	if err != nil {
		t.Fatal(err)
	}
	if o.Identity != s.Identity || o.Lines[2].Identity != s.Lines[2].Identity {
		t.Fatalf("identity %s != %s", o.Identity, s.Identity)
	}
	// An overlapping export: its first lines are the same lines, the new one is new.
	overlap, err := ParseCSV([]byte("date,amount\n2026-11-09,-42.30\n2026-11-11,5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if overlap.Identity == s.Identity {
		t.Fatal("another file, another statement")
	}
	if short, _ := ParseCSV([]byte("date,amount,label\n2026-11-09,-42.30,CB STATION TOTAL 07/11\n")); short.Lines[0].Identity != s.Lines[1].Identity {
		t.Fatal("a line already imported from an overlapping statement must keep its identity")
	}
}

func TestCSVStatementRefused(t *testing.T) {
	for _, tt := range []struct{ name, file, want string }{
		{"empty", "", "file: is empty"},
		{"header only", "date,amount,label,reference\n", "file: holds a header and no line"},
		{"no header", "2026-11-09,600.00,VIR,FA2611-0003\n", `2026-11-09: is not a column of a statement`},
		{"missing amount column", "date,label\n2026-11-09,x\n", "amount: missing from the header"},
		{"repeated column", "date,amount,amount\n", "amount: is named twice"},
		{"comma decimals", "date,amount,label,reference\n2026-11-09,1.00,a,\n2026-11-09,\"12,3\",b,\n", `amount: "12,3" is not an amount`},
		{"bad date", "date,amount\n09/11/2026,1\n", `date: "09/11/2026" is not a date (YYYY-MM-DD)`},
		{"date and time", "date,amount\n2026-11-09T10:00:00Z,1\n", `date: "2026-11-09T10:00:00Z" is not a date`},
		{"year 0999", "date,amount\n0999-12-31,1\n", `date: "0999-12-31" is not a date`},
		{"wrong cell count", "date,amount,label\n2026-11-09,1\n", "file: has 2 cells where the header has 3"},
		{"stray quote", "date,amount\n2026-11-09,\"1\n", "file: is not valid CSV"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseCSV([]byte(tt.file))
			if s != nil {
				t.Fatalf("a refused file returned a statement: %+v", s)
			}
			wantErr(t, err, tt.want)
		})
	}
	// Every bad cell is listed with its line.
	_, err := ParseCSV([]byte("date,amount\n2026-11-09,1\n2026-13-01,2\n2026-11-09,x\n"))
	var v *domain.ValidationError
	if !errors.As(err, &v) || len(v.Fields) != 2 || v.Fields[0] != (domain.FieldError{Line: 3, Field: "date", Message: `"2026-13-01" is not a date (YYYY-MM-DD)`}) ||
		v.Fields[1].Line != 4 || v.Fields[1].Field != "amount" {
		t.Fatalf("err = %#v", err)
	}
}
