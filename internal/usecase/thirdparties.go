package usecase

import (
	"context"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// thirdPartyCodeKey is the numbering sequence of generated third-party codes.
const thirdPartyCodeKey = "thirdparty"

// maxCodeSkips bounds the search for a free generated code: a code typed by
// hand may already hold the next number, which is then skipped (third-party
// codes need to be unique, not gapless).
const maxCodeSkips = 1000

// ThirdPartyService manages third parties and their contacts.
type ThirdPartyService struct {
	uow      domain.UnitOfWork
	codeMask domain.NumberMask
	now      func() time.Time
}

// NewThirdPartyService returns the service; codes left empty are generated
// from codeMask; now is its clock.
func NewThirdPartyService(uow domain.UnitOfWork, codeMask domain.NumberMask, now func() time.Time) *ThirdPartyService {
	return &ThirdPartyService{uow: uow, codeMask: codeMask, now: now}
}

// Create adds a third party, generating its code when it has none.
func (s *ThirdPartyService) Create(ctx context.Context, in domain.ThirdParty) (*domain.ThirdParty, error) {
	in.Normalize()
	if err := in.Check().OrNil(); err != nil {
		return nil, err
	}
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ThirdParty, error) {
		t := in // a fresh copy on every attempt
		t.CreatedAt, t.UpdatedAt = now, now
		if err := r.Events.Prefetch(ctx); err != nil { // before the code sequence's lock
			return nil, err
		}
		if t.Code == "" {
			code, err := s.freeCode(ctx, r, now)
			if err != nil {
				return nil, err
			}
			t.Code = code
		} else if taken, err := r.ThirdParties.CodeExists(ctx, t.Code); err != nil {
			return nil, err
		} else if taken {
			return nil, domain.ErrDuplicateCode(t.Code)
		}
		if err := r.ThirdParties.Create(ctx, &t); err != nil {
			return nil, err
		}
		if err := audited(ctx, r, "thirdparty.create", "thirdparty", t.ID, nil, &t); err != nil {
			return nil, err
		}
		return &t, r.Events.Emit(ctx, domain.EventThirdPartyCreated, thirdPartyEventOf(&t))
	})
}

// freeCode takes numbers from the code sequence until one is not taken.
func (s *ThirdPartyService) freeCode(ctx context.Context, r domain.Repositories, now time.Time) (string, error) {
	for range maxCodeSkips {
		n, err := r.Numbering.Next(ctx, thirdPartyCodeKey, s.codeMask.Period(now))
		if err != nil {
			return "", err
		}
		code := s.codeMask.Format(now, n)
		taken, err := r.ThirdParties.CodeExists(ctx, code)
		if err != nil || !taken {
			return code, err
		}
	}
	return "", domain.Conflictf("code-exhausted", "no free third-party code found with mask %s: give a code", s.codeMask)
}

// Get returns a third party.
func (s *ThirdPartyService) Get(ctx context.Context, id int64) (*domain.ThirdParty, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.ThirdParty, error) {
		return r.ThirdParties.Get(ctx, id)
	})
}

// List returns a page of third parties.
func (s *ThirdPartyService) List(ctx context.Context, f domain.ThirdPartyFilter, q domain.ListQuery) (domain.Page[*domain.ThirdParty], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.ThirdParty], error) {
		return r.ThirdParties.List(ctx, f, q)
	})
}

// Update applies a patch under the row lock, so two patches never lose each
// other's fields.
func (s *ThirdPartyService) Update(ctx context.Context, id int64, p domain.ThirdPartyPatch) (*domain.ThirdParty, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.ThirdParty, error) {
		t, err := r.ThirdParties.Lock(ctx, id)
		if err != nil {
			return nil, err
		}
		old, before := t.Code, *t
		if err := t.Apply(p).OrNil(); err != nil {
			return nil, err
		}
		if t.Code != old {
			if taken, err := r.ThirdParties.CodeExists(ctx, t.Code); err != nil {
				return nil, err
			} else if taken {
				return nil, domain.ErrDuplicateCode(t.Code)
			}
		}
		t.UpdatedAt = now
		if err := r.ThirdParties.Update(ctx, t); err != nil {
			return nil, err
		}
		return t, audited(ctx, r, "thirdparty.update", "thirdparty", t.ID, &before, t)
	})
}

// Delete removes a third party and its contacts; one that documents name is
// a conflict.
func (s *ThirdPartyService) Delete(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		t, err := r.ThirdParties.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := r.ThirdParties.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "thirdparty.delete", "thirdparty", id, t, nil)
	})
}

// CreateContact adds a contact to a third party (404 when it does not exist).
func (s *ThirdPartyService) CreateContact(ctx context.Context, in domain.Contact) (*domain.Contact, error) {
	in.Normalize()
	if err := in.Check().OrNil(); err != nil {
		return nil, err
	}
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Contact, error) {
		// Locked, so the third party cannot be deleted before the contact is in.
		if _, err := r.ThirdParties.Lock(ctx, in.ThirdPartyID); err != nil {
			return nil, err
		}
		c := in
		c.CreatedAt, c.UpdatedAt = now, now
		if err := r.Contacts.Create(ctx, &c); err != nil {
			return nil, err
		}
		return &c, audited(ctx, r, "contact.create", "contact", c.ID, nil, &c)
	})
}

// Contact returns one contact of a third party.
func (s *ThirdPartyService) Contact(ctx context.Context, thirdPartyID, id int64) (*domain.Contact, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Contact, error) {
		return r.Contacts.Get(ctx, thirdPartyID, id)
	})
}

// Contacts lists the contacts of a third party (404 when it does not exist).
func (s *ThirdPartyService) Contacts(ctx context.Context, thirdPartyID int64, q domain.ListQuery) (domain.Page[*domain.Contact], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Contact], error) {
		if _, err := r.ThirdParties.Get(ctx, thirdPartyID); err != nil {
			return domain.Page[*domain.Contact]{}, err
		}
		return r.Contacts.List(ctx, thirdPartyID, q)
	})
}

// UpdateContact applies a patch to a contact.
func (s *ThirdPartyService) UpdateContact(ctx context.Context, thirdPartyID, id int64, p domain.ContactPatch) (*domain.Contact, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Contact, error) {
		if _, err := r.ThirdParties.Lock(ctx, thirdPartyID); err != nil {
			return nil, err
		}
		c, err := r.Contacts.Get(ctx, thirdPartyID, id)
		if err != nil {
			return nil, err
		}
		before := *c
		if err := c.Apply(p).OrNil(); err != nil {
			return nil, err
		}
		c.UpdatedAt = now
		if err := r.Contacts.Update(ctx, c); err != nil {
			return nil, err
		}
		return c, audited(ctx, r, "contact.update", "contact", c.ID, &before, c)
	})
}

// DeleteContact removes a contact.
func (s *ThirdPartyService) DeleteContact(ctx context.Context, thirdPartyID, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		c, err := r.Contacts.Get(ctx, thirdPartyID, id)
		if err != nil {
			return err
		}
		if err := r.Contacts.Delete(ctx, thirdPartyID, id); err != nil {
			return err
		}
		return audited(ctx, r, "contact.delete", "contact", id, c, nil)
	})
}
