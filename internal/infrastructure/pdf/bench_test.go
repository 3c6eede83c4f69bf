package pdf

import (
	"context"
	"testing"
)

func BenchmarkRender3Lines(b *testing.B) {
	doc := sampleDoc(Invoice, threeLines())
	for b.Loop() {
		if _, err := Render(context.Background(), doc, "fr"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender50Pages(b *testing.B) {
	doc := sampleDoc(Invoice, linesForPages(b, 50, "fr"))
	for b.Loop() {
		if _, err := Render(context.Background(), doc, "fr"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender5000Lines is the largest invoice DOLIGO_MAX_DOCUMENT_LINES
// allows by default (docs/benchmarks.md, "Large documents").
func BenchmarkRender5000Lines(b *testing.B) {
	doc := sampleDoc(Invoice, manyLines(5000))
	for b.Loop() {
		if _, err := Render(context.Background(), doc, "fr"); err != nil {
			b.Fatal(err)
		}
	}
}
