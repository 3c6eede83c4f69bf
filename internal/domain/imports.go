package domain

import (
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CSV imports (POST /api/v1/imports/{products,thirdparties}): every line of a
// file creates or updates one entity, matched by its natural key (a product's
// ref, a third party's code), and the whole file is written or none of it.

const (
	// MaxImportRows bounds the lines of one import, so that the largest one
	// is written well inside the HTTP write timeout (docs/benchmarks.md,
	// "CSV import").
	MaxImportRows = 50000
	// MaxImportErrors bounds the errors a refused import lists; past it the
	// last entry says that more were found.
	MaxImportErrors = 1000
)

// ImportRow is one line of an import, read by the same rules as a JSON body
// of the entity's POST and PATCH: New is the line as a new entity (what it
// leaves empty takes the creation's defaults), Patch the line as a change of
// the existing entity with its key (what it leaves empty stays). Errors are
// those found reading the cells (a decimal that is not a number), by field.
type ImportRow[E any, P any] struct {
	Line   int
	New    E
	Patch  P
	Errors []FieldError
}

// ProductImportRow is a line of a products import.
type ProductImportRow = ImportRow[Product, ProductPatch]

// ThirdPartyImportRow is a line of a third-parties import.
type ThirdPartyImportRow = ImportRow[ThirdParty, ThirdPartyPatch]

// ImportResult counts what an import wrote, or would write on a dry run.
type ImportResult struct {
	Created, Updated int
	DryRun           bool
	// CreatedIDs and UpdatedIDs are the entities written (none on a dry
	// run), in the order of the file.
	CreatedIDs, UpdatedIDs []int64
}

// ImportErrors collects the errors of an import line by line, keeping the
// first MaxImportErrors. Its error is a *ValidationError whose fields carry
// their line.
type ImportErrors struct {
	v       ValidationError
	dropped int
	next    int // the line of the first error not kept
}

// Add records an error of field on line.
func (e *ImportErrors) Add(line int, field, format string, args ...any) {
	e.AddFields(line, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// AddFields records errors found on line.
func (e *ImportErrors) AddFields(line int, fields ...FieldError) {
	for _, f := range fields {
		if len(e.v.Fields) >= MaxImportErrors {
			if e.dropped == 0 {
				e.next = line
			}
			e.dropped++
			continue
		}
		f.Line = line
		e.v.Fields = append(e.v.Fields, f)
	}
}

// Empty reports that no error was recorded.
func (e *ImportErrors) Empty() bool { return len(e.v.Fields) == 0 }

// Err returns nil when no error was recorded, else the 422 that lists them.
func (e *ImportErrors) Err() error {
	if e.Empty() {
		return nil
	}
	v := ValidationError{Fields: append([]FieldError(nil), e.v.Fields...)}
	if e.dropped > 0 {
		v.Fields = append(v.Fields, FieldError{Line: e.next, Field: "file",
			Message: fmt.Sprintf("%d more errors from this line on are not listed (at most %d are)", e.dropped, MaxImportErrors)})
	}
	return &v
}

// MergeFieldErrors returns first followed by the errors of more whose field
// is not named yet: a value that could not be read is reported as such, not
// also as the zero value the entity then holds.
func MergeFieldErrors(first, more []FieldError) []FieldError {
	out := slices.Clone(first)
	for _, f := range more {
		if !slices.ContainsFunc(out, func(g FieldError) bool { return g.Field == f.Field }) {
			out = append(out, f)
		}
	}
	return out
}

// CSVSyntaxError is the 422 of a file that is not CSV (an import, a bank
// statement), at its first error: after a stray quote nothing that follows
// can be read with confidence.
func CSVSyntaxError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ValidationError{Fields: []FieldError{{
			Line: pe.StartLine, Field: "file", Message: "is not valid CSV: " + pe.Err.Error(),
		}}}
	}
	return Invalid("file", "could not be read as CSV")
}

// BlankCSVRecord reports that every cell of a CSV line is blank: such lines
// are skipped.
func BlankCSVRecord(record []string) bool {
	for _, c := range record {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
