package usecase

import (
	"context"
	"errors"
	"strconv"

	"github.com/doligo/doligo/internal/domain"
)

// audited records, in r's unit of work, that the actor of ctx did action on
// an object, with the fields that changed between before and after (nil
// before for a creation, nil after for a deletion). Every write use case
// calls it once per object it changes on behalf of the API.
func audited(ctx context.Context, r domain.Repositories, action, objectType string, id int64, before, after any) error {
	return r.Audit.Record(ctx, domain.NewAuditEntry(ctx, action, objectType, id, domain.Diff(before, after)))
}

// auditedField records an action that changes one known field (a status).
func auditedField(ctx context.Context, r domain.Repositories, action, objectType string, id int64, field string, before, after any) error {
	return r.Audit.Record(ctx, domain.NewAuditEntry(ctx, action, objectType, id, domain.FieldChange(field, before, after)))
}

// chainDocument appends a validated fiscal document to the fiscal chain
// (customer invoices, credit notes, down payments, supplier invoices and
// supplier credit notes; other types are not fiscal records).
func chainDocument(ctx context.Context, r domain.Repositories, d *domain.Document) error {
	if !d.Type.Fiscal() {
		return nil
	}
	return r.Audit.Chain(ctx, domain.ChainDocument, d.ID, domain.FiscalDocument(d))
}

// AuditService reads the audit trail and checks the fiscal chain.
type AuditService struct{ uow domain.UnitOfWork }

// NewAuditService returns an AuditService.
func NewAuditService(uow domain.UnitOfWork) *AuditService { return &AuditService{uow: uow} }

// List is one page of the audit trail.
func (s *AuditService) List(ctx context.Context, f domain.AuditFilter) (domain.Page[*domain.AuditEntry], error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.AuditEntry], error) {
		return r.Audit.List(ctx, f)
	})
}

// verifyBatch is how many links Verify reads at a time.
const verifyBatch = 500

// Verify walks the fiscal chain in order up to its head as it was when the
// walk began: each link must follow the previous one (prev_hash), hash to
// what it says (hash = SHA-256(prev_hash ‖ content)), and its content must
// be what the current rows of its document or payment give; the last link
// must be the head. The first link that fails is the verdict's
// FirstBrokenID.
func (s *AuditService) Verify(ctx context.Context) (domain.ChainVerdict, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.ChainVerdict, error) {
		headSeq, headHash, err := r.Audit.ChainHead(ctx)
		if err != nil {
			return domain.ChainVerdict{}, err
		}
		var v domain.ChainVerdict
		broken := func(seq int64, reason string) (domain.ChainVerdict, error) {
			v.FirstBrokenID, v.Reason = seq, reason
			return v, nil
		}
		prevSeq, prev := int64(0), domain.ChainGenesis
		for prevSeq < headSeq {
			links, err := r.Audit.ChainAfter(ctx, prevSeq, headSeq, verifyBatch)
			if err != nil {
				return v, err
			}
			if len(links) == 0 {
				return broken(prevSeq+1, "link missing")
			}
			for _, l := range links {
				v.Checked++
				switch {
				case l.Seq != prevSeq+1:
					return broken(prevSeq+1, "link missing")
				case l.PrevHash != prev:
					return broken(l.Seq, "previous hash does not match the previous link")
				case domain.ChainHash(l.PrevHash, l.Content) != l.Hash:
					return broken(l.Seq, "hash does not match the link's content")
				}
				current, err := currentContent(ctx, r, l)
				if err != nil {
					return v, err
				}
				if current != l.Content {
					return broken(l.Seq, l.ObjectType+" "+strconv.FormatInt(l.ObjectID, 10)+" differs from what was chained")
				}
				prevSeq, prev = l.Seq, l.Hash
			}
		}
		if prev != headHash {
			return broken(headSeq, "the head does not match the last link")
		}
		v.OK = true
		return v, nil
	})
}

// currentContent is the canonical content of the link's object as its rows
// are now ("" when they are gone). A deleted payment gives its content back
// when the chain holds its deletion.
func currentContent(ctx context.Context, r domain.Readers, l domain.ChainLink) (string, error) {
	switch l.ObjectType {
	case domain.ChainDocument:
		d, err := r.Documents.Get(ctx, l.ObjectID)
		if errors.Is(err, domain.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return domain.FiscalDocument(d), nil
	case domain.ChainPayment, domain.ChainPaymentDeletion:
		docID, _ := strconv.ParseInt(domain.ChainField(l.Content, "document_id"), 10, 64)
		p, err := r.Payments.Get(ctx, docID, l.ObjectID)
		if errors.Is(err, domain.ErrNotFound) {
			deleted, err := r.Audit.Chained(ctx, domain.ChainPaymentDeletion, l.ObjectID)
			if err != nil || !deleted {
				return "", err
			}
			return l.Content, nil // the payment's deletion is on record
		}
		if err != nil {
			return "", err
		}
		if l.ObjectType == domain.ChainPaymentDeletion {
			return "", nil // said deleted, yet there
		}
		return domain.FiscalPayment(p), nil
	}
	return "", nil
}
