package pdf

import (
	"strings"

	"github.com/doligo/doligo/internal/domain"
)

// fromLinks fills what the customer matches the document with: its own
// reference, the note, the contact, the source document, and whether it is
// settled.
func fromLinks(out *Document, d *domain.Document, links domain.DocumentLinks) {
	out.Note = d.Note
	out.CustomerRef = d.CustomerRef
	out.Paid = d.Status == domain.StatusPaid && d.TotalGross.IsPositive()
	if c := links.Contact; c != nil {
		out.Contact = Contact{
			Name:     strings.TrimSpace(c.FirstName + " " + c.LastName),
			Position: c.Position, Email: c.Email, Phone: c.Phone,
		}
	}
	if s := links.Source; s != nil {
		out.Source = Source{Kind: Kind(s.Type), Ref: s.DisplayRef()}
	}
}
