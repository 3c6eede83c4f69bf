package usecase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// invoiceTypes is the resource generated invoices belong to.
var invoiceTypes = []domain.DocType{domain.DocInvoice}

// dueBatch is how many due templates the scheduler reads per transaction.
const dueBatch = 200

// InvoiceSender enqueues the e-mail of a validated invoice inside the
// caller's unit of work (ArchiveService.SendIn).
type InvoiceSender interface {
	SendIn(ctx context.Context, r domain.Repositories, types []domain.DocType, id int64, in domain.SendDocument) (int64, error)
}

// InvoiceTemplateService manages recurring invoice templates and generates
// their invoices.
//
// Exactly once: a period's invoice is generated in one unit of work that
// locks the template's row, checks the period is still due, creates the
// invoice, records (template, period) in invoice_template_periods — whose
// primary key refuses a second record — and advances the template's next
// date, then (auto_validate) validates and (auto_send) enqueues its e-mail.
// Either all of it commits or none of it, so however many workers run the
// same template at once, and whenever one dies, each period has one invoice.
type InvoiceTemplateService struct {
	uow      domain.UnitOfWork
	docs     *DocumentService
	send     InvoiceSender
	currency string
	now      func() time.Time
}

// NewInvoiceTemplateService returns the service; docs creates and validates
// the invoices (with its masks and stock rules), send enqueues their e-mails
// (nil: a template with auto_send fails its generation), now is the clock.
func NewInvoiceTemplateService(uow domain.UnitOfWork, docs *DocumentService, send InvoiceSender, now func() time.Time) *InvoiceTemplateService {
	if now == nil {
		now = time.Now
	}
	return &InvoiceTemplateService{uow: uow, docs: docs, send: send, currency: docs.currency, now: now}
}

func (s *InvoiceTemplateService) today() time.Time { return s.now().UTC().Truncate(24 * time.Hour) }

// mayAutomate refuses a template that would validate or send invoices on
// behalf of a user who may not do so by hand.
func mayAutomate(actor domain.Principal, t *domain.InvoiceTemplate) error {
	if t.AutoValidate && !actor.Can(domain.PermInvoicesValidate) {
		return domain.NewProblem(domain.ErrForbidden, "forbidden", "auto_validate needs the permission %s", domain.PermInvoicesValidate)
	}
	if t.AutoSend && !actor.Can(domain.PermInvoicesSend) {
		return domain.NewProblem(domain.ErrForbidden, "forbidden", "auto_send needs the permission %s", domain.PermInvoicesSend)
	}
	return nil
}

// checkTemplateRefs checks the third party and the products of t against
// the stores: unknown ones are field errors.
func checkTemplateRefs(ctx context.Context, r domain.Repositories, t *domain.InvoiceTemplate) error {
	v := &domain.ValidationError{}
	if _, err := r.ThirdParties.Get(ctx, t.ThirdPartyID); errors.Is(err, domain.ErrNotFound) {
		v.Add("thirdparty_id", "third party %d does not exist", t.ThirdPartyID)
	} else if err != nil {
		return err
	}
	if err := fillProductLines(ctx, r, "lines", slices.Clone(t.Lines), v); err != nil {
		return err
	}
	return v.OrNil()
}

// Create stores a new template; its first period falls on t.NextDate.
func (s *InvoiceTemplateService) Create(ctx context.Context, actor domain.Principal, in domain.InvoiceTemplate) (*domain.InvoiceTemplate, error) {
	if in.Currency == "" {
		in.Currency = s.currency
	}
	in.CreatedBy = actor.UserID
	in.CreatedAt = stamp(s.now())
	in.UpdatedAt = in.CreatedAt
	t, err := domain.NewInvoiceTemplate(in)
	if err != nil {
		return nil, err
	}
	if err := mayAutomate(actor, t); err != nil {
		return nil, err
	}
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.InvoiceTemplate, error) {
		if err := checkTemplateRefs(ctx, r, t); err != nil {
			return nil, err
		}
		if err := r.InvoiceTemplates.Create(ctx, t); err != nil {
			return nil, err
		}
		return t, audited(ctx, r, "invoice_template.create", "invoice_template", t.ID, nil, t)
	})
}

// Get returns one template.
func (s *InvoiceTemplateService) Get(ctx context.Context, id int64) (*domain.InvoiceTemplate, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.InvoiceTemplate, error) {
		return r.InvoiceTemplates.Get(ctx, id)
	})
}

// List returns a page of templates.
func (s *InvoiceTemplateService) List(ctx context.Context, f domain.InvoiceTemplateFilter) (domain.Page[*domain.InvoiceTemplate], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.InvoiceTemplate], error) {
		return r.InvoiceTemplates.List(ctx, f)
	})
}

// Update changes a template under its row lock, so a change and a
// generation of it happen one after the other.
func (s *InvoiceTemplateService) Update(ctx context.Context, actor domain.Principal, id int64, p domain.InvoiceTemplatePatch) (*domain.InvoiceTemplate, error) {
	now := stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.InvoiceTemplate, error) {
		t, err := r.InvoiceTemplates.Lock(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *t
		if err := t.Apply(p, now); err != nil {
			return nil, err
		}
		if (p.AutoValidate != nil && *p.AutoValidate) || (p.AutoSend != nil && *p.AutoSend) {
			if err := mayAutomate(actor, t); err != nil {
				return nil, err
			}
		}
		if p.ThirdPartyID != nil || p.Lines != nil {
			if err := checkTemplateRefs(ctx, r, t); err != nil {
				return nil, err
			}
		}
		if err := r.InvoiceTemplates.Save(ctx, t); err != nil {
			return nil, err
		}
		return t, audited(ctx, r, "invoice_template.update", "invoice_template", t.ID, &before, t)
	})
}

// Delete removes a template and the record of its periods; the invoices it
// generated stay.
func (s *InvoiceTemplateService) Delete(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		t, err := r.InvoiceTemplates.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := r.InvoiceTemplates.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "invoice_template.delete", "invoice_template", id, t, nil)
	})
}

// GenerateNext generates the invoice of template id's next period if it is
// due today, and returns it (nil when nothing was due: the template is not
// due, paused, finished or deleted). See InvoiceTemplateService for why each
// period gets one invoice.
func (s *InvoiceTemplateService) GenerateNext(ctx context.Context, id int64) (*domain.Document, error) {
	today, now := s.today(), stamp(s.now())
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Document, error) {
		t, err := r.InvoiceTemplates.Lock(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			return nil, nil // deleted since the job was enqueued
		}
		if err != nil {
			return nil, err
		}
		if !t.Due(today) {
			return nil, nil
		}
		period := t.NextDate
		fail := func(err error) error {
			return fmt.Errorf("invoice template %d, period %s: %w", t.ID, period.Format(time.DateOnly), err)
		}
		actor := domain.Principal{UserID: t.CreatedBy}
		d, err := s.docs.CreateIn(ctx, r, actor, domain.DocInvoice, t.Draft())
		if err != nil {
			return nil, fail(err)
		}
		if err := r.InvoiceTemplates.RecordPeriod(ctx, t.ID, period, d.ID, now); err != nil {
			return nil, fail(err)
		}
		t.Advance(now)
		if err := r.InvoiceTemplates.Save(ctx, t); err != nil {
			return nil, err
		}
		if t.AutoValidate {
			// A period in a closed month keeps its draft and the template
			// goes on: validating there is refused, and a job failing on
			// it at every retry would stop every later period too. The
			// draft waits for someone to re-date it or reopen the month; a
			// draft is not sent. (A month closed between this read and the
			// validation fails the attempt; the retry drafts.)
			closed, err := r.Periods.IsClosed(ctx, domain.PeriodOf(d.Date))
			if err != nil {
				return nil, fail(err)
			}
			if closed {
				zerolog.Ctx(ctx).Warn().Int64("template_id", t.ID).Int64("document_id", d.ID).
					Str("period", period.Format(time.DateOnly)).
					Msg("recurring invoice left as a draft: its month is closed, so it cannot be validated")
				return d, nil
			}
			if d, err = s.docs.ValidateIn(ctx, r, actor, invoiceTypes, d.ID, 0); err != nil {
				return nil, fail(err)
			}
		}
		if t.AutoSend {
			if s.send == nil {
				return nil, fail(errors.New("this process cannot send e-mails"))
			}
			if _, err := s.send.SendIn(ctx, r, invoiceTypes, d.ID, domain.SendDocument{}); err != nil {
				return nil, fail(err)
			}
		}
		return d, nil
	})
}

// GenerateDue generates every due period of template id, oldest first, one
// unit of work each (periods missed while no worker ran are each generated,
// dated as their period), and returns how many it generated. It stops at the
// first failure: the periods before it are kept, the failed one is tried
// again by the job's retry.
func (s *InvoiceTemplateService) GenerateDue(ctx context.Context, id int64) (int, error) {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		d, err := s.GenerateNext(ctx, id)
		if err != nil || d == nil {
			return n, err
		}
		n++
	}
}

// RecurringJob is the handler of invoice.recurring jobs: GenerateDue of the
// payload's template. A failure is the job's (retried with backoff, then
// dead), never skipped; a payload that does not decode is permanent.
func (s *InvoiceTemplateService) RecurringJob(ctx context.Context, j domain.Job) error {
	var p domain.InvoiceRecurringPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.TemplateID <= 0 {
		return fmt.Errorf("%w: invoice.recurring payload %s", domain.ErrJobPermanent, j.Payload)
	}
	_, err := s.GenerateDue(ctx, p.TemplateID)
	return err
}

// EnqueueDue is the scheduler's tick: it enqueues an invoice.recurring job
// for every template due today, each under its idempotency key
// (domain.InvoiceRecurringKey), so that every worker may tick and one job
// per template state results. It returns how many templates were due. The
// due templates are read outside any transaction (on SQLite a tick that
// finds nothing takes no write lock); a state read stale only names a key
// already used, and the next tick sees the new one.
func (s *InvoiceTemplateService) EnqueueDue(ctx context.Context) (int, error) {
	today := s.today()
	var after int64
	total := 0
	for {
		due, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]*domain.InvoiceTemplate, error) {
			return r.InvoiceTemplates.Due(ctx, today, after, dueBatch)
		})
		if err != nil || len(due) == 0 {
			return total, err
		}
		err = s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			for _, t := range due {
				if _, err := r.Outbox.Enqueue(ctx, domain.NewJob{
					Kind: domain.JobKindInvoiceRecurring, Payload: domain.InvoiceRecurringPayload{TemplateID: t.ID},
					IdempotencyKey: domain.InvoiceRecurringKey(t.ID, t.Version),
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(due)
		if len(due) < dueBatch {
			return total, nil
		}
		after = due[len(due)-1].ID
	}
}
