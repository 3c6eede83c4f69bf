// Package bankstatement reads the statement files banks send into
// domain.BankStatement: CAMT.053 (ISO 20022 BankToCustomerStatement, any
// version from 001.02 on) and a simple CSV layout (date,amount,label,reference).
//
// It is an adapter of a foreign file format, as pdf and mailer are of theirs:
// it knows the formats and nothing of the database or of HTTP. A file is read
// whole or refused: any error names where it is (the element and the entry
// number in a CAMT file, Ntry[n] counting the entries of the file from 1; the
// line and the column in a CSV file) and no partial statement is returned.
package bankstatement

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// Media types of the two formats.
const (
	MediaCAMT = "application/xml"
	MediaCSV  = "text/csv"
)

// Parse reads a statement in the format of mediaType from r, which may hold
// at most maxBytes bytes (a larger file is refused without being read
// further).
func Parse(r io.Reader, mediaType string, maxBytes int64) (*domain.BankStatement, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, domain.Invalid("file", "could not be read: %v", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, domain.NewProblem(domain.ErrInvalid, "body-too-large", "the statement is larger than %d bytes", maxBytes)
	}
	switch mediaType {
	case MediaCAMT:
		return ParseCAMT053(data)
	case MediaCSV:
		return ParseCSV(data)
	}
	return nil, domain.Invalid("file", "unknown statement format %q: send %s (CAMT.053) or %s", mediaType, MediaCAMT, MediaCSV)
}

var utf8BOM = []byte("\xef\xbb\xbf")

func trimBOM(data []byte) []byte { return bytes.TrimPrefix(data, utf8BOM) }

// amountRE is an amount as both formats write it: digits, a dot before the
// decimals (CAMT has no sign; the CSV layout may have one).
var amountRE = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// parseAmount reads s as an amount that fits a money column.
func parseAmount(s string) (decimal.Decimal, error) {
	if !amountRE.MatchString(s) || len(s) > 40 {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount (digits and a dot before the decimals, e.g. 1234.50)", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount", s)
	}
	if v := (&domain.ValidationError{}); !domain.CheckMoney(v, "amount", d.Abs()) {
		return decimal.Decimal{}, fmt.Errorf("%q %s", s, v.Fields[0].Message)
	}
	return d, nil
}

// parseDate reads an ISO date, with or without a zone ("2026-11-03",
// "2026-11-03+01:00"), or a date and time ("2026-11-03T10:15:00+01:00",
// with or without fractions and zone), keeping the calendar date as written.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, "2006-01-02Z07:00", time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1000 { // what MySQL's DATE holds, as the JSON API accepts
				return time.Time{}, fmt.Errorf("%q is not a date between 1000-01-01 and 9999-12-31", s)
			}
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
}
