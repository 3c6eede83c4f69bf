package bankstatement

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/doligo/doligo/internal/domain"
)

// csvColumns are the columns of a CSV statement; date and amount are
// required, label and reference may be left out of the header.
var csvColumns = []string{"date", "amount", "label", "reference"}

// ParseCSV reads a CSV statement: a header naming its columns (date,amount,
// label,reference, in any order; label and reference optional), then one
// line per movement: the date as YYYY-MM-DD, the signed amount with a dot
// before the decimals (-12.30 is money out). Empty lines are skipped. Every
// error found is reported with its line (the header being line 1) and
// column. The statement's identity is the SHA-256 of its lines once read
// (so "12.3" and "12.30", or other line endings, are the same statement).
func ParseCSV(data []byte) (*domain.BankStatement, error) {
	cr := csv.NewReader(bytes.NewReader(trimBOM(data)))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, domain.Invalid("file", "is empty: send the header date,amount,label,reference, then one line per movement")
	}
	if err != nil {
		return nil, domain.CSVSyntaxError(err)
	}
	e := &domain.ImportErrors{}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(csvColumns, name):
			e.Add(1, h, "is not a column of a statement: the columns are date, amount, label, reference")
		case col[name] != 0:
			e.Add(1, name, "is named twice in the header")
		default:
			col[name] = i + 1 // 0: absent
		}
	}
	for _, name := range csvColumns[:2] {
		if col[name] == 0 && e.Empty() {
			e.Add(1, name, "missing from the header: a statement line needs its date and amount")
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	cell := func(record []string, name string) string {
		if i := col[name]; i > 0 && i <= len(record) {
			return strings.TrimSpace(record[i-1])
		}
		return ""
	}
	s := &domain.BankStatement{Format: domain.StatementCSV}
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, domain.CSVSyntaxError(err)
		}
		if domain.BlankCSVRecord(record) {
			continue
		}
		if len(s.Lines) == domain.MaxStatementLines {
			return nil, domain.Invalid("file", "has more than %d lines: split it", domain.MaxStatementLines)
		}
		line, _ := cr.FieldPos(0)
		if len(record) != len(header) {
			e.Add(line, "file", "has %d cells where the header has %d", len(record), len(header))
			continue
		}
		l := domain.StatementLine{Position: line,
			Label: domain.CleanStatementText(cell(record, "label")), Reference: domain.CleanStatementText(cell(record, "reference"))}
		if l.Date, err = parseDate(cell(record, "date")); err != nil || len(cell(record, "date")) != len("2006-01-02") {
			e.Add(line, "date", "%q is not a date (YYYY-MM-DD)", cell(record, "date"))
		}
		if l.Amount, err = parseAmount(cell(record, "amount")); err != nil {
			e.Add(line, "amount", "%v", err)
		}
		s.Lines = append(s.Lines, l)
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	if len(s.Lines) == 0 {
		return nil, domain.Invalid("file", "holds a header and no line")
	}
	s.Identity = "csv:sha256:" + domain.ContentDigest(s.Lines)
	s.AssignLineIdentities()
	return s, nil
}
