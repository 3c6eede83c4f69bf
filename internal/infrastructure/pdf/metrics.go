package pdf

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// We wrap every text ourselves instead of letting maroto do it: knowing each
// row's exact height is what lets us paginate (repeat the table header, keep
// the totals together) before maroto lays the pages out.

// ptToMM converts a font size in points to millimetres, the document's unit.
const ptToMM = 25.4 / 72

// tableRunes is how many code points get a precomputed width; it covers
// Latin, Greek, Cyrillic, punctuation, currency signs and arrows. Anything
// beyond counts as the widest glyph, so a wrap may come early but never late.
const tableRunes = 0x2500

// metrics holds the advance widths of one font in thousandths of an em,
// rounded as gofpdf rounds them, so our widths equal the ones it draws with.
type metrics struct {
	width [tableRunes]uint16
	max   uint16
}

func newMetrics(ttf []byte) (*metrics, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	upem := float64(f.UnitsPerEm())
	ppem := fixed.Int26_6(f.UnitsPerEm()) << 6 // one pixel per font unit
	var buf sfnt.Buffer
	m := &metrics{}
	for r := range rune(tableRunes) {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			continue
		}
		adv, err := f.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil {
			continue
		}
		w := uint16(math.Round(float64(adv) / 64 * 1000 / upem))
		m.width[r] = w
		m.max = max(m.max, w)
	}
	return m, nil
}

// textWidth is the width in mm of s at size points.
func (m *metrics) textWidth(s string, size float64) float64 {
	total := 0
	for _, r := range s {
		if r >= 0 && r < tableRunes && m.width[r] > 0 {
			total += int(m.width[r])
		} else {
			total += int(m.max)
		}
	}
	return float64(total) / 1000 * size * ptToMM
}

// wrap splits text into lines no wider than width mm: at "\n", then between
// words, and inside a word only when it is wider than the line by itself.
func (m *metrics) wrap(text string, size, width float64) []string {
	// A hair narrower than the cell: maroto measures with the same widths, but
	// a rounding difference must never make it wrap a line again.
	width -= 0.2
	var lines []string
	for para := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		line := ""
		for _, w := range words {
			switch {
			case line == "" && m.textWidth(w, size) <= width:
				line = w
			case line != "" && m.textWidth(line+" "+w, size) <= width:
				line += " " + w
			default:
				if line != "" {
					lines = append(lines, line)
				}
				// w alone may still be too wide: cut it where it overflows.
				for m.textWidth(w, size) > width {
					cut := m.fit(w, size, width)
					lines = append(lines, w[:cut])
					w = w[cut:]
				}
				line = w
			}
		}
		lines = append(lines, line)
	}
	// Trailing blank lines would only add height.
	for len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// fit returns how many bytes of s fit in width mm, at least one rune's worth.
func (m *metrics) fit(s string, size, width float64) int {
	best := 0
	for i := range s {
		if i == 0 {
			continue
		}
		if m.textWidth(s[:i], size) > width {
			break
		}
		best = i
	}
	if best == 0 {
		_, best = utf8.DecodeRuneInString(s)
	}
	return best
}
