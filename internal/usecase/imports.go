package usecase

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// ImportService writes CSV imports of products and third parties: every line
// creates or updates one entity, matched by its natural key, checked by the
// rules of the entity's POST and PATCH, and the whole file is written in one
// unit of work or nothing is.
type ImportService struct {
	uow domain.UnitOfWork
	now func() time.Time
}

// NewImportService returns the service; now is its clock.
func NewImportService(uow domain.UnitOfWork, now func() time.Time) *ImportService {
	return &ImportService{uow: uow, now: now}
}

// ImportProducts creates the products of rows whose ref is new and updates
// the others; with dryRun it checks everything, the database included, and
// writes nothing. Any invalid line refuses the whole file with a
// *domain.ValidationError listing every line's errors.
func (s *ImportService) ImportProducts(ctx context.Context, rows []domain.ProductImportRow, dryRun bool) (domain.ImportResult, error) {
	now := stamp(s.now())
	kind := importKind[domain.Product, domain.ProductPatch]{
		keyField: "ref", entity: "product", auditType: "product",
		key: func(p *domain.Product) string { return p.Ref },
		create: func(p *domain.Product) []domain.FieldError {
			p.CreatedAt, p.UpdatedAt = now, now
			return p.Check().Fields
		},
		update: func(p *domain.Product, patch domain.ProductPatch) []domain.FieldError {
			p.UpdatedAt = now
			return fieldsOf(p.Apply(patch))
		},
		id: func(p *domain.Product) int64 { return p.ID },
		created: func(ctx context.Context, r domain.Repositories, p *domain.Product) error {
			return r.Events.Emit(ctx, domain.EventProductCreated, productEventOf(p))
		},
	}
	return kind.run(ctx, s.uow, rows, dryRun,
		func(r domain.Readers) importLookup[domain.Product] { return r.Products.ByRefs },
		func(r domain.Repositories) importStore[domain.Product] {
			return importStore[domain.Product]{lock: r.Products.LockByRefs, update: r.Products.SaveMany, create: r.Products.CreateMany}
		})
}

// ImportThirdParties creates the third parties of rows whose code is new and
// updates the others, as ImportProducts does. Every line needs a code: it is
// what a second import of the same file matches, so none is generated.
func (s *ImportService) ImportThirdParties(ctx context.Context, rows []domain.ThirdPartyImportRow, dryRun bool) (domain.ImportResult, error) {
	now := stamp(s.now())
	kind := importKind[domain.ThirdParty, domain.ThirdPartyPatch]{
		keyField: "code", entity: "third party", auditType: "thirdparty",
		key: func(t *domain.ThirdParty) string { return strings.TrimSpace(t.Code) },
		create: func(t *domain.ThirdParty) []domain.FieldError {
			t.Normalize()
			t.CreatedAt, t.UpdatedAt = now, now
			return t.Check().Fields
		},
		update: func(t *domain.ThirdParty, patch domain.ThirdPartyPatch) []domain.FieldError {
			t.UpdatedAt = now
			return t.Apply(patch).Fields
		},
		id: func(t *domain.ThirdParty) int64 { return t.ID },
		created: func(ctx context.Context, r domain.Repositories, t *domain.ThirdParty) error {
			return r.Events.Emit(ctx, domain.EventThirdPartyCreated, thirdPartyEventOf(t))
		},
	}
	return kind.run(ctx, s.uow, rows, dryRun,
		func(r domain.Readers) importLookup[domain.ThirdParty] { return r.ThirdParties.ByCodes },
		func(r domain.Repositories) importStore[domain.ThirdParty] {
			return importStore[domain.ThirdParty]{lock: r.ThirdParties.LockByCodes, update: r.ThirdParties.UpdateMany, create: r.ThirdParties.CreateMany}
		})
}

// fieldsOf returns the fields of a *domain.ValidationError, none for nil.
func fieldsOf(err error) []domain.FieldError {
	var v *domain.ValidationError
	if errors.As(err, &v) {
		return v.Fields
	}
	return nil
}

// importKind says how the lines of one entity's import are matched and
// checked.
type importKind[E any, P any] struct {
	keyField string // the column of the natural key
	entity   string
	key      func(*E) string
	// create prepares a line as a new entity and returns what is wrong with it.
	create func(*E) []domain.FieldError
	// update applies a line to the existing entity and returns what is wrong.
	update func(*E, P) []domain.FieldError
	id     func(*E) int64
	// created follows each creation in its transaction (its event).
	created func(ctx context.Context, r domain.Repositories, e *E) error
	// auditType names the entity in the audit trail (product.create, …).
	auditType string
}

// importLookup reads the entities of some keys, by key.
type importLookup[E any] func(ctx context.Context, keys []string) (map[string]*E, error)

// importStore is how a unit of work reads, locking, and writes one entity's
// lines.
type importStore[E any] struct {
	lock           importLookup[E]
	update, create func(ctx context.Context, es []*E) error
}

// run checks rows against the database and, unless dryRun, writes them in
// one unit of work: updates, then creations.
func (k importKind[E, P]) run(ctx context.Context, uow domain.UnitOfWork, rows []domain.ImportRow[E, P], dryRun bool,
	reader func(domain.Readers) importLookup[E], store func(domain.Repositories) importStore[E]) (domain.ImportResult, error) {
	if dryRun {
		return unitRead(ctx, uow, func(ctx context.Context, r domain.Readers) (domain.ImportResult, error) {
			plan, err := k.plan(ctx, rows, reader(r))
			return k.result(plan, true), err
		})
	}
	return unitDo(ctx, uow, func(ctx context.Context, r domain.Repositories) (domain.ImportResult, error) {
		st := store(r)
		if err := r.Events.Prefetch(ctx); err != nil {
			return domain.ImportResult{}, err
		}
		plan, err := k.plan(ctx, rows, st.lock)
		if err != nil {
			return domain.ImportResult{}, err
		}
		if err := st.update(ctx, plan.updates); err != nil {
			return domain.ImportResult{}, err
		}
		if err := st.create(ctx, plan.creates); err != nil {
			return domain.ImportResult{}, err
		}
		// plan.updates and plan.creates now hold the written entities, with
		// their IDs: whatever must follow each change in its transaction
		// goes here.
		for i, e := range plan.updates {
			if err := audited(ctx, r, k.auditType+".update", k.auditType, k.id(e), &plan.before[i], e); err != nil {
				return domain.ImportResult{}, err
			}
		}
		for _, e := range plan.creates {
			if err := k.created(ctx, r, e); err != nil {
				return domain.ImportResult{}, err
			}
			if err := audited(ctx, r, k.auditType+".create", k.auditType, k.id(e), nil, e); err != nil {
				return domain.ImportResult{}, err
			}
		}
		return k.result(plan, false), nil
	})
}

// importPlan is what a valid file writes.
type importPlan[E any] struct {
	creates, updates []*E
	before           []E // of each update, for its audit row
}

// plan reads the entities the lines name (through lookup, which locks them in
// a write) and checks every line against them: all errors of the file are
// found, up to domain.MaxImportErrors, before anything is written.
func (k importKind[E, P]) plan(ctx context.Context, rows []domain.ImportRow[E, P], lookup importLookup[E]) (importPlan[E], error) {
	keys := make([]string, 0, len(rows))
	for i := range rows {
		if key := k.key(&rows[i].New); key != "" {
			keys = append(keys, key)
		}
	}
	existing, err := lookup(ctx, keys)
	if err != nil {
		return importPlan[E]{}, err
	}
	var (
		plan importPlan[E]
		errs domain.ImportErrors
	)
	seen := make(map[string]int, len(rows))
	for _, row := range rows {
		e := row.New // a fresh copy on every attempt of the unit of work
		key := k.key(&e)
		switch first, repeated := seen[key]; {
		case key == "":
			errs.AddFields(row.Line, domain.MergeFieldErrors(row.Errors, []domain.FieldError{{
				Field: k.keyField, Message: "is required: it is how a line finds the " + k.entity + " it updates",
			}})...)
			continue
		case repeated:
			errs.Add(row.Line, k.keyField, "repeats line %d: a file may name each %s once", first, k.entity)
			continue
		}
		seen[key] = row.Line
		var fields []domain.FieldError
		if old, ok := existing[key]; ok {
			plan.before = append(plan.before, *old)
			fields = k.update(old, row.Patch)
			plan.updates = append(plan.updates, old)
		} else {
			fields = k.create(&e)
			plan.creates = append(plan.creates, &e)
		}
		errs.AddFields(row.Line, domain.MergeFieldErrors(row.Errors, fields)...)
	}
	return plan, errs.Err()
}

// result counts a plan, with the IDs of what it wrote unless dryRun.
func (k importKind[E, P]) result(p importPlan[E], dryRun bool) domain.ImportResult {
	res := domain.ImportResult{Created: len(p.creates), Updated: len(p.updates), DryRun: dryRun}
	if dryRun {
		return res
	}
	for _, e := range p.creates {
		res.CreatedIDs = append(res.CreatedIDs, k.id(e))
	}
	for _, e := range p.updates {
		res.UpdatedIDs = append(res.UpdatedIDs, k.id(e))
	}
	return res
}
