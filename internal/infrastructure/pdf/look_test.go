package pdf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLookAtEveryKind writes every kind of document in every language as
// PDF and PNG pages (pdftoppm -png -r 60) into $DOC_PNG, to look at them;
// skipped without it.
func TestLookAtEveryKind(t *testing.T) {
	dir := os.Getenv("DOC_PNG")
	if dir == "" {
		t.Skip("DOC_PNG=dir writes the pages to look at")
	}
	for _, kind := range []Kind{Proposal, Order, Invoice, CreditNote, PurchaseOrder} {
		for _, lang := range []string{"en", "fr", "de", "pt-BR", "es"} {
			doc := lookDoc(kind)
			out, err := Render(context.Background(), doc, lang)
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(dir, string(kind)+"-"+lang)
			if err := os.WriteFile(f+".pdf", out, 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command("pdftoppm", "-png", "-r", "60", f+".pdf", f).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, b)
			}
		}
	}
}

// lookDoc is a document of the kind with everything a customer may see.
func lookDoc(kind Kind) Document {
	doc := sampleDoc(kind, threeLines())
	return doc
}
