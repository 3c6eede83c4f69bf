package domain

import "time"

// DueByTerms tells whether a new document of the type is due after the
// payment terms of its third party (invoices, supplier invoices). Credit
// notes stay due on their date: they are money owed back at once.
func (t DocType) DueByTerms() bool { return t == DocInvoice || t == DocSupplierInvoice }

// DueAfter is the due date of a document dated date under terms of days.
func DueAfter(date time.Time, days int) time.Time { return date.AddDate(0, 0, days) }

// SetDueByTerms sets the due date of a document whose client gave none to
// its date plus days, for the types DueByTerms; others are left as they are.
func (d *Document) SetDueByTerms(days int) {
	if !d.Type.DueByTerms() {
		return
	}
	due := DueAfter(d.Date, days)
	d.DueDate = &due
}

// TermsDays is the number of days between the date and the due date, as
// printed in the payment terms; -1 when the document has no due date.
func (d *Document) TermsDays() int {
	if d.DueDate == nil {
		return -1
	}
	return int(d.DueDate.Sub(d.Date).Round(24*time.Hour) / (24 * time.Hour))
}
