package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestImportErrorsKeepTheFirstThousand(t *testing.T) {
	var e ImportErrors
	if e.Err() != nil || !e.Empty() {
		t.Fatal("no error recorded")
	}
	for line := 2; line < 2+MaxImportErrors+5; line++ {
		e.Add(line, "ref", "is required")
	}
	var v *ValidationError
	if !errors.As(e.Err(), &v) || !errors.Is(e.Err(), ErrInvalid) || len(v.Fields) != MaxImportErrors+1 {
		t.Fatalf("%d errors", len(v.Fields))
	}
	if first := v.Fields[0]; first.Line != 2 || first.Field != "ref" {
		t.Errorf("first: %+v", first)
	}
	last := v.Fields[MaxImportErrors]
	if last.Line != 2+MaxImportErrors || last.Field != "file" || !strings.HasPrefix(last.Message, "5 more errors") {
		t.Errorf("last: %+v", last)
	}
}

func TestMergeFieldErrors(t *testing.T) {
	got := MergeFieldErrors(
		[]FieldError{{Field: "unit_price", Message: "must be a decimal number"}},
		[]FieldError{{Field: "label", Message: "is required"}, {Field: "unit_price", Message: "must not be negative"}, {Field: "label", Message: "again"}})
	if len(got) != 2 || got[0].Field != "unit_price" || got[0].Message != "must be a decimal number" || got[1].Field != "label" || got[1].Message != "is required" {
		t.Fatalf("%+v", got)
	}
}
