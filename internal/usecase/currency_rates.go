package usecase

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// CurrencyRateService manages the exchange rates entered through the API
// (nothing is fetched from outside): units of a currency per one unit of the
// company currency, one per currency and day.
type CurrencyRateService struct {
	uow     domain.UnitOfWork
	company string
	now     func() time.Time
}

// NewCurrencyRateService returns a CurrencyRateService; company is the
// company currency (DOLIGO_DEFAULT_CURRENCY), now its clock.
func NewCurrencyRateService(uow domain.UnitOfWork, company string, now func() time.Time) *CurrencyRateService {
	return &CurrencyRateService{uow: uow, company: company, now: now}
}

// Create validates and stores a rate, setting its ID; a second rate of the
// currency for the same day is 409 (delete the first to correct it).
func (s *CurrencyRateService) Create(ctx context.Context, actor domain.Principal, c *domain.CurrencyRate) error {
	if err := c.Check(s.company).OrNil(); err != nil {
		return err
	}
	c.CreatedBy, c.CreatedAt = actor.UserID, stamp(s.now())
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.CurrencyRates.Create(ctx, c); err != nil {
			return err
		}
		return audited(ctx, r, "currency_rate.create", "currency_rate", c.ID, nil, c)
	})
}

// Get returns one rate.
func (s *CurrencyRateService) Get(ctx context.Context, id int64) (*domain.CurrencyRate, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.CurrencyRate, error) {
		return r.CurrencyRates.Get(ctx, id)
	})
}

// List lists rates, filtered by currency and dates.
func (s *CurrencyRateService) List(ctx context.Context, f domain.CurrencyRateFilter) (domain.Page[*domain.CurrencyRate], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.CurrencyRate], error) {
		return r.CurrencyRates.List(ctx, f)
	})
}

// Delete removes a rate. Documents and payments keep the rate they took.
func (s *CurrencyRateService) Delete(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		c, err := r.CurrencyRates.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := r.CurrencyRates.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "currency_rate.delete", "currency_rate", id, c, nil)
	})
}

// rateOn is the rate of currency on date (the latest on or before it), or
// ok false when none is known.
func rateOn(ctx context.Context, r domain.Repositories, currency string, date time.Time) (decimal.Decimal, bool, error) {
	c, err := r.CurrencyRates.On(ctx, currency, date)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return decimal.Decimal{}, false, nil
	case err != nil:
		return decimal.Decimal{}, false, err
	}
	return c.Rate, true, nil
}

// fixRate gives a document being validated its rate: the draft's when it
// gave one, 1 in the company currency, else the rate of its date (409 when
// none is known), and converts its totals.
func (s *DocumentService) fixRate(ctx context.Context, r domain.Repositories, d *domain.Document) error {
	rate := decimal.NewFromInt(1)
	if d.NeedsRate(s.currency) {
		var ok bool
		var err error
		if rate, ok, err = rateOn(ctx, r, d.Currency, d.Date); err != nil {
			return err
		} else if !ok {
			return domain.ErrNoDocumentRate(d)
		}
	}
	return d.FixRate(s.currency, rate)
}

// setExchange records the rate of the payment's date and the realized
// exchange difference on a payment of d (422 on date when no rate is known).
// A document validated before rates existed has no rate to compare with: its
// payments carry none.
func setExchange(ctx context.Context, r domain.Repositories, d *domain.Document, p *domain.Payment) error {
	if !d.HasRate() {
		return nil
	}
	rate := decimal.NewFromInt(1)
	if d.Foreign() {
		var ok bool
		var err error
		if rate, ok, err = rateOn(ctx, r, d.Currency, p.Date); err != nil {
			return err
		} else if !ok {
			return domain.ErrNoPaymentRate(d.Currency, p.Date)
		}
	}
	d.SetExchange(p, rate)
	return nil
}
