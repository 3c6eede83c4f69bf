package domain

// checkCustomerRef checks the customer's own reference and the contact: a
// reference the customer gave (its purchase order number…) is printed on the
// sales documents so that its accounts payable can match them.
func (d *Document) checkCustomerRef(v *ValidationError) {
	if d.CustomerRef != "" && d.Type.IsSupplier() {
		v.Add("customer_ref", "is only for proposals, orders, invoices and credit notes")
	}
	checkLen(v, "customer_ref", d.CustomerRef, MaxCustomerRefLen)
	if d.ContactID < 0 {
		v.Add("contact_id", "must be greater than 0")
	}
}

// DocumentLinks is what a printed document names besides its own content:
// the document it was made from (the order an invoice bills, the invoice a
// credit note corrects) and the contact it is addressed to.
type DocumentLinks struct {
	Source  *Document // header only (type and number); nil: none
	Contact *Contact  // nil: none
}
