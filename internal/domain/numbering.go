package domain

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reset says when a numbering sequence starts again from 1. It is derived
// from the mask: a counter that restarts each month must be told apart by the
// month in the number, or numbers would repeat.
type Reset string

const (
	ResetNever   Reset = "never"
	ResetYearly  Reset = "yearly"
	ResetMonthly Reset = "monthly"
)

// MaxMaskLen bounds a mask so that every number it produces fits the ref
// columns (64 characters) with room for a long counter.
const MaxMaskLen = 40

// NumberMask is a parsed numbering mask such as "FA{yy}{mm}-{0000}": literal
// text, the date tokens {yyyy}, {yy} and {mm}, and exactly one counter {0…0}
// whose zeros give its minimum width (a counter that outgrows it just gets
// longer, it never wraps).
type NumberMask struct {
	raw   string
	parts []maskPart
	reset Reset
}

type maskPart struct {
	literal string
	token   string // "yyyy", "yy", "mm" or "counter"; "" for a literal
	width   int    // counter width
}

// ParseNumberMask checks and parses a mask. Literal text may hold letters,
// digits and . _ / - only, so numbers stay safe in file names and URLs.
func ParseNumberMask(s string) (NumberMask, error) {
	m := NumberMask{raw: s}
	if s == "" {
		return m, fmt.Errorf("mask is empty")
	}
	if len(s) > MaxMaskLen {
		return m, fmt.Errorf("mask %q is longer than %d characters", s, MaxMaskLen)
	}
	counters, year, month := 0, false, false
	for rest := s; rest != ""; {
		open := strings.IndexByte(rest, '{')
		if open != 0 {
			lit := rest
			if open > 0 {
				lit = rest[:open]
			}
			for _, r := range lit {
				if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._/-", r)) {
					return m, fmt.Errorf("mask %q: character %q is not allowed (letters, digits, . _ / - and {tokens})", s, r)
				}
			}
			m.parts = append(m.parts, maskPart{literal: lit})
			rest = rest[len(lit):]
			continue
		}
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return m, fmt.Errorf("mask %q: unclosed {", s)
		}
		tok := rest[1:end]
		rest = rest[end+1:]
		switch {
		case tok == "yyyy" || tok == "yy":
			year = true
			m.parts = append(m.parts, maskPart{token: tok})
		case tok == "mm":
			month = true
			m.parts = append(m.parts, maskPart{token: tok})
		case tok != "" && strings.Trim(tok, "0") == "":
			counters++
			m.parts = append(m.parts, maskPart{token: "counter", width: len(tok)})
		default:
			return m, fmt.Errorf("mask %q: unknown token {%s} (want {yyyy}, {yy}, {mm} or a counter such as {0000})", s, tok)
		}
	}
	switch {
	case counters != 1:
		return m, fmt.Errorf("mask %q must hold exactly one counter such as {0000}, found %d", s, counters)
	case month && !year:
		return m, fmt.Errorf("mask %q has {mm} without {yy} or {yyyy}: a monthly counter would repeat numbers every year", s)
	case month:
		m.reset = ResetMonthly
	case year:
		m.reset = ResetYearly
	default:
		m.reset = ResetNever
	}
	return m, nil
}

// MustNumberMask parses a mask known to be valid (defaults, tests).
func MustNumberMask(s string) NumberMask {
	m, err := ParseNumberMask(s)
	if err != nil {
		panic(err)
	}
	return m
}

func (m NumberMask) String() string { return m.raw }

// Reset reports when the mask's counter restarts.
func (m NumberMask) Reset() Reset { return m.reset }

// Period is the key of the sequence that numbers a document dated t:
// "2026-11" for a monthly reset, "2026" for a yearly one, "" for never.
func (m NumberMask) Period(t time.Time) string {
	switch m.reset {
	case ResetMonthly:
		return t.Format("2006-01")
	case ResetYearly:
		return t.Format("2006")
	}
	return ""
}

// Format writes the number with counter n for a document dated t.
func (m NumberMask) Format(t time.Time, n int64) string {
	var b strings.Builder
	for _, p := range m.parts {
		b.WriteString(p.format(t, n))
	}
	return b.String()
}

// format is the part of a number dated t with counter n.
func (p maskPart) format(t time.Time, n int64) string {
	switch p.token {
	case "yyyy":
		return t.Format("2006")
	case "yy":
		return t.Format("06")
	case "mm":
		return t.Format("01")
	case "counter":
		c := strconv.FormatInt(n, 10)
		if pad := p.width - len(c); pad > 0 {
			c = strings.Repeat("0", pad) + c
		}
		return c
	}
	return p.literal
}

// Layout splits the number of a document dated t around its counter:
// Format(t, n) is prefix, then n padded with zeros to width digits (longer
// when n needs more), then suffix — so that a database can format the number
// it hands out in the statement that takes it.
func (m NumberMask) Layout(t time.Time) (prefix string, width int, suffix string) {
	var b strings.Builder
	for _, p := range m.parts {
		if p.token == "counter" {
			prefix, width = b.String(), p.width
			b.Reset()
			continue
		}
		b.WriteString(p.format(t, 0))
	}
	return prefix, width, b.String()
}

// NumberingRepository hands out the values of numbering sequences.
type NumberingRepository interface {
	// Next returns the next value (from 1) of the sequence (key, period) and
	// keeps the sequence locked until the unit of work ends, so numbers are
	// unique, and gapless because a rolled-back unit of work gives its value
	// back.
	Next(ctx context.Context, key, period string) (int64, error)
	// Reserve takes the next n (at least 1) values of the sequence in one
	// go and returns the first: first..first+n-1 are the caller's, under
	// the lock Next takes, and gapless as long as its unit of work uses
	// them all (a booking transfer numbers a journal's year at once).
	Reserve(ctx context.Context, key, period string, n int) (first int64, err error)
}
