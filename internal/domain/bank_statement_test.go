package domain

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func stLine(date, amount, label, ref string) StatementLine {
	return StatementLine{Date: onDay(date), Amount: dec(amount), Label: label, Reference: ref}
}

func cand(id int64, date, amount string, refs ...string) MatchCandidate {
	return MatchCandidate{ID: id, Date: onDay(date), Amount: dec(amount), DocumentRefs: refs}
}

func TestMatchStatementLines(t *testing.T) {
	tests := []struct {
		name  string
		lines []StatementLine
		cands []MatchCandidate
		want  map[int]int64
	}{
		{
			name:  "same amount same day",
			lines: []StatementLine{stLine("2026-11-10", "120.00", "VIR CLIENT", "")},
			cands: []MatchCandidate{cand(7, "2026-11-10", "120")},
			want:  map[int]int64{0: 7},
		},
		{
			name:  "3 days is in, 4 days is out, either way",
			lines: []StatementLine{stLine("2026-11-10", "50", "", ""), stLine("2026-11-10", "60", "", "")},
			cands: []MatchCandidate{cand(1, "2026-11-13", "50"), cand(2, "2026-11-06", "60"), cand(3, "2026-11-14", "60")},
			want:  map[int]int64{0: 1},
		},
		{
			name:  "4 days with the reference is still out",
			lines: []StatementLine{stLine("2026-11-10", "50", "FA2611-0007", "")},
			cands: []MatchCandidate{cand(1, "2026-11-14", "50", "FA2611-0007")},
			want:  map[int]int64{},
		},
		{
			name:  "amount must be equal, sign included",
			lines: []StatementLine{stLine("2026-11-10", "-80.00", "", ""), stLine("2026-11-10", "80.01", "", "")},
			cands: []MatchCandidate{cand(1, "2026-11-10", "80")},
			want:  map[int]int64{},
		},
		{
			name:  "two equal amounts: closest date, then lowest id",
			lines: []StatementLine{stLine("2026-11-10", "100", "", "")},
			cands: []MatchCandidate{cand(9, "2026-11-12", "100"), cand(5, "2026-11-08", "100"), cand(4, "2026-11-11", "100"), cand(3, "2026-11-09", "100")},
			want:  map[int]int64{0: 3},
		},
		{
			name:  "reference wins over date proximity",
			lines: []StatementLine{stLine("2026-11-10", "100", "Paiement facture", "RF FA2611-0007 merci")},
			cands: []MatchCandidate{cand(1, "2026-11-10", "100", "FA2611-0003"), cand(2, "2026-11-13", "100", "FA2611-0007")},
			want:  map[int]int64{0: 2},
		},
		{
			name:  "reference in the label, another case, separators dropped",
			lines: []StatementLine{stLine("2026-11-10", "100", "VIR SEPA fa26110007 ACME", "")},
			cands: []MatchCandidate{cand(1, "2026-11-10", "100"), cand(2, "2026-11-12", "100", "FA2611-0007")},
			want:  map[int]int64{0: 2},
		},
		{
			name:  "a longer number is not the reference",
			lines: []StatementLine{stLine("2026-11-10", "100", "FA2611-00071", "")},
			cands: []MatchCandidate{cand(1, "2026-11-10", "100"), cand(2, "2026-11-12", "100", "FA2611-0007")},
			want:  map[int]int64{0: 1},
		},
		{
			name: "one bank line wanted by two statement lines: the closer one takes it, the other its next",
			lines: []StatementLine{
				stLine("2026-11-12", "75", "", ""),
				stLine("2026-11-10", "75", "", ""),
			},
			cands: []MatchCandidate{cand(1, "2026-11-10", "75"), cand(2, "2026-11-13", "75")},
			want:  map[int]int64{1: 1, 0: 2},
		},
		{
			name: "one bank line, two identical statement lines: the earlier line of the file",
			lines: []StatementLine{
				stLine("2026-11-10", "75", "", ""),
				stLine("2026-11-10", "75", "", ""),
			},
			cands: []MatchCandidate{cand(1, "2026-11-10", "75")},
			want:  map[int]int64{0: 1},
		},
		{
			name: "the line naming the reference takes the bank line even when the other is closer",
			lines: []StatementLine{
				stLine("2026-11-10", "75", "", ""),
				stLine("2026-11-12", "75", "", "FA2611-0001"),
			},
			cands: []MatchCandidate{cand(1, "2026-11-10", "75", "FA2611-0001")},
			want:  map[int]int64{1: 1},
		},
		{
			name: "already matched lines and zero amounts are left alone",
			lines: []StatementLine{
				{Date: onDay("2026-11-10"), Amount: decimal.NewFromInt(20), MatchedBankLineID: 99},
				stLine("2026-11-10", "0", "", ""),
			},
			cands: []MatchCandidate{cand(1, "2026-11-10", "20"), cand(2, "2026-11-10", "0")},
			want:  map[int]int64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MatchStatementLines(tt.lines, tt.cands)
			if !maps.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			// Deterministic whatever the order of the candidates.
			rev := append([]MatchCandidate(nil), tt.cands...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			if got := MatchStatementLines(tt.lines, rev); !maps.Equal(got, tt.want) {
				t.Fatalf("candidates reversed: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMentionsRef(t *testing.T) {
	for _, tt := range []struct {
		text, ref string
		want      bool
	}{
		{"FA2611-0007", "FA2611-0007", true},
		{"payment fa2611-0007.", "FA2611-0007", true},
		{"/INV/FA2611-0007/", "FA2611-0007", true},
		{"FA26110007", "FA2611-0007", true},
		{"XFA2611-0007", "FA2611-0007", false},
		{"FA2611-00070", "FA2611-0007", false},
		{"FA2611-0008", "FA2611-0007", false},
		{"anything", "", false},
	} {
		if got := MentionsRef(tt.text, tt.ref); got != tt.want {
			t.Errorf("MentionsRef(%q, %q) = %v, want %v", tt.text, tt.ref, got, tt.want)
		}
	}
}

func TestDaysApart(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	a := time.Date(2026, 3, 28, 23, 30, 0, 0, paris) // 28 March as written
	b := time.Date(2026, 3, 31, 0, 15, 0, 0, time.UTC)
	if got := DaysApart(a, b); got != 3 {
		t.Fatalf("DaysApart = %d, want 3 (calendar days as written)", got)
	}
	if got := DaysApart(b, a); got != 3 {
		t.Fatalf("DaysApart reversed = %d, want 3", got)
	}
}

func TestStatementLineIdentities(t *testing.T) {
	s := &BankStatement{Lines: []StatementLine{
		stLine("2026-11-04", "-3.50", "CAFE", ""),
		stLine("2026-11-04", "-3.5", "CAFE", ""), // the same content, written otherwise: the 2nd of the day
		{Date: onDay("2026-11-04"), Amount: decimal.NewFromInt(10), BankRef: "B1"},
		{Date: onDay("2026-11-04"), Amount: decimal.NewFromInt(11), BankRef: "DUP"},
		{Date: onDay("2026-11-04"), Amount: decimal.NewFromInt(12), BankRef: "DUP"},
	}}
	s.AssignLineIdentities()
	ids := make(map[string]bool)
	for _, l := range s.Lines {
		if ids[l.Identity] {
			t.Fatalf("identity %s given twice", l.Identity)
		}
		ids[l.Identity] = true
	}
	if s.Lines[2].Identity != "ref:B1" {
		t.Fatalf("bank ref identity = %q", s.Lines[2].Identity)
	}
	if !strings.HasPrefix(s.Lines[3].Identity, "hash:") {
		t.Fatalf("a bank ref given twice in the file is not an identity: %q", s.Lines[3].Identity)
	}
	// An overlapping file holding the first coffee only gives it the same identity.
	o := &BankStatement{Lines: []StatementLine{stLine("2026-11-04", "-3.500", "CAFE", "")}}
	o.AssignLineIdentities()
	if o.Lines[0].Identity != s.Lines[0].Identity {
		t.Fatalf("overlapping statement: %q, want %q", o.Lines[0].Identity, s.Lines[0].Identity)
	}
	if ContentDigest(o.Lines) == ContentDigest(s.Lines) || ContentDigest(o.Lines) != ContentDigest(o.Lines[:1]) {
		t.Fatal("content digest")
	}
}

func TestCheckStatementAmounts(t *testing.T) {
	s := &BankStatement{Format: StatementCSV, Lines: []StatementLine{
		{Position: 2, Amount: dec("1.25")},
		{Position: 3, Amount: dec("1.255")},
	}}
	err := s.CheckAmounts("EUR")
	if err == nil || !strings.Contains(err.Error(), "amount: 1.255 has more than the 2 decimals of EUR") {
		t.Fatalf("err = %v", err)
	}
	if f := err.(*ValidationError).Fields[0]; f.Line != 3 {
		t.Fatalf("line = %d, want 3", f.Line)
	}
	if err := s.CheckAmounts("TND"); err != nil {
		t.Fatalf("TND has 3 decimals: %v", err)
	}
	c := &BankStatement{Format: StatementCAMT053, Currency: "EUR", Lines: []StatementLine{{Position: 4, Amount: dec("0.5")}}}
	if err := c.CheckAmounts("JPY"); err == nil || !strings.Contains(err.Error(), "currency") {
		t.Fatalf("currency mismatch: %v", err)
	}
	c.Currency = "JPY"
	if err := c.CheckAmounts("JPY"); err == nil || !strings.Contains(err.Error(), "Ntry[4]/Amt") {
		t.Fatalf("CAMT field: %v", err)
	}
}

func TestCleanStatementText(t *testing.T) {
	if got := CleanStatementText("  VIR\tSEPA\n\x00 ACME  "); got != "VIR SEPA ACME" {
		t.Fatalf("got %q", got)
	}
	if got := CleanStatementText(strings.Repeat("é", 300)); len([]rune(got)) != MaxStatementTextLen {
		t.Fatalf("len %d", len([]rune(got)))
	}
}
