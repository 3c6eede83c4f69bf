package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func invalidOn(err error) []string {
	var v *ValidationError
	if !errors.As(err, &v) {
		return nil
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestCustomerRefAndContactAreChecked(t *testing.T) {
	for _, tc := range []struct {
		typ  DocType
		in   DraftInput
		want []string
	}{
		{DocInvoice, DraftInput{CustomerRef: strings.Repeat("é", 128), ContactID: 3}, nil},
		{DocInvoice, DraftInput{CustomerRef: strings.Repeat("é", 129)}, []string{"customer_ref"}},
		{DocPurchaseOrder, DraftInput{CustomerRef: "PO-1"}, []string{"customer_ref"}},
		{DocOrder, DraftInput{ContactID: -1}, []string{"contact_id"}},
	} {
		tc.in.ThirdPartyID, tc.in.Lines = 1, []LineInput{line("1", "10", "0", "20")}
		_, err := NewDraft(tc.typ, tc.in, day, "EUR", 7)
		if got := invalidOn(err); !slices.Equal(got, tc.want) {
			t.Errorf("%s %+v: invalid on %v, want %v", tc.typ, tc.in, got, tc.want)
		}
	}
}

func TestCustomerRefAndContactFollowTheChain(t *testing.T) {
	p, err := NewDraft(DocProposal, DraftInput{ThirdPartyID: 1, CustomerRef: "PO-7781", ContactID: 3, Lines: []LineInput{line("1", "10", "0", "20")}}, day, "EUR", 7)
	if err != nil {
		t.Fatal(err)
	}
	p.ID, p.Status = 5, StatusAccepted
	o, err := p.Convert(ActOrder, day, 7)
	if err != nil || o.CustomerRef != "PO-7781" || o.ContactID != 3 {
		t.Fatalf("order: %+v, %v", o, err)
	}
	ref := "PO-7782"
	if err := o.Edit(DraftPatch{CustomerRef: &ref, ClearContact: true}); err != nil || o.CustomerRef != ref || o.ContactID != 0 {
		t.Fatalf("edit: %+v, %v", o, err)
	}
}

// The line limit is the configured one, DefaultMaxLines when none is given.
func TestLineLimit(t *testing.T) {
	lines := slices.Repeat([]LineInput{line("1", "1", "0", "0")}, 4)
	if _, err := NewDraft(DocInvoice, DraftInput{ThirdPartyID: 1, Lines: lines, MaxLines: 3}, day, "EUR", 7); !slices.Equal(invalidOn(err), []string{"lines"}) {
		t.Errorf("4 lines over a limit of 3: %v", err)
	}
	d, err := NewDraft(DocInvoice, DraftInput{ThirdPartyID: 1, Lines: lines, MaxLines: 4}, day, "EUR", 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Edit(DraftPatch{Lines: &lines, MaxLines: 3}); !slices.Equal(invalidOn(err), []string{"lines"}) {
		t.Errorf("edit to 4 lines over a limit of 3: %v", err)
	}
	many := slices.Repeat([]LineInput{line("1", "1", "0", "0")}, DefaultMaxLines+1)
	if _, err := NewDraft(DocInvoice, DraftInput{ThirdPartyID: 1, Lines: many}, day, "EUR", 7); !slices.Equal(invalidOn(err), []string{"lines"}) {
		t.Errorf("%d lines with no limit given: %v", len(many), err)
	}
	if _, err := NewDraft(DocInvoice, DraftInput{ThirdPartyID: 1, Lines: many[1:]}, day, "EUR", 7); err != nil {
		t.Errorf("%d lines: %v", DefaultMaxLines, err)
	}
}
