package usecase

import (
	"context"
	"errors"

	"github.com/doligo/doligo/internal/domain"
)

// checkLineCount refuses a document of more lines than configured before
// anything is read for them (products of 5,001 lines looked up for nothing).
func (s *DocumentService) checkLineCount(n int) error {
	if n > s.maxLines {
		return domain.Invalid("lines", "must hold at most %d lines", s.maxLines)
	}
	return nil
}

// checkContact turns a contact that is not one of the document's third
// party (or does not exist) into a 422 on contact_id: the id is in the body.
func checkContact(ctx context.Context, r domain.Repositories, d *domain.Document) error {
	if d.ContactID == 0 {
		return nil
	}
	_, err := r.Contacts.Get(ctx, d.ThirdPartyID, d.ContactID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Invalid("contact_id", "contact %d is not a contact of third party %d", d.ContactID, d.ThirdPartyID)
	}
	return err
}

// linksOf reads what d's PDF names besides d: the header of its source
// document and its contact. A contact deleted since prints nothing.
func linksOf(ctx context.Context, r domain.Readers, d *domain.Document) (domain.DocumentLinks, error) {
	var l domain.DocumentLinks
	var err error
	if d.SourceID != 0 {
		if l.Source, err = r.Documents.GetHeader(ctx, d.SourceID); err != nil {
			return l, err
		}
	}
	if d.ContactID != 0 {
		l.Contact, err = r.Contacts.Get(ctx, d.ThirdPartyID, d.ContactID)
		if errors.Is(err, domain.ErrNotFound) {
			l.Contact, err = nil, nil
		}
	}
	return l, err
}
