package gormdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// currencyRateModel is a row of currency_rates.
type currencyRateModel struct {
	ID        int64 `gorm:"primaryKey"`
	Currency  string
	RateDate  time.Time
	Rate      decimal.Decimal
	CreatedBy int64
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (currencyRateModel) TableName() string { return "currency_rates" }

func (m currencyRateModel) rate() *domain.CurrencyRate {
	return &domain.CurrencyRate{
		ID: m.ID, Currency: m.Currency, Date: dateOnly(m.RateDate), Rate: m.Rate,
		CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt.UTC(),
	}
}

type currencyRateRepo struct {
	db      *gorm.DB
	dialect string
}

func (r *currencyRateRepo) Create(ctx context.Context, c *domain.CurrencyRate) error {
	m := currencyRateModel{
		Currency: c.Currency, RateDate: dateOnly(c.Date), Rate: c.Rate, CreatedBy: c.CreatedBy, CreatedAt: dbTime(c.CreatedAt),
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateCurrencyRate(c.Currency, c.Date)
		}
		return fmt.Errorf("create currency rate: %w", err)
	}
	c.ID = m.ID
	return nil
}

func (r *currencyRateRepo) Get(ctx context.Context, id int64) (*domain.CurrencyRate, error) {
	var m currencyRateModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "currency rate", id); err != nil {
		return nil, err
	}
	return m.rate(), nil
}

// On reads the latest row on or before the day through the unique index
// (currency, rate_date), backwards.
func (r *currencyRateRepo) On(ctx context.Context, currency string, date time.Time) (*domain.CurrencyRate, error) {
	var m currencyRateModel
	err := r.db.WithContext(ctx).Where("currency = ? AND rate_date <= ?", currency, dateOnly(date)).
		Order("rate_date DESC").Limit(1).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("rate of "+currency+" on or before", date.Format(time.DateOnly))
	}
	if err != nil {
		return nil, fmt.Errorf("read rate of %s on %s: %w", currency, date.Format(time.DateOnly), err)
	}
	return m.rate(), nil
}

func (r *currencyRateRepo) List(ctx context.Context, f domain.CurrencyRateFilter) (domain.Page[*domain.CurrencyRate], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&currencyRateModel{})
		if f.Currency != "" {
			db = db.Where("currency = ?", f.Currency)
		}
		if f.From != nil {
			db = db.Where("rate_date >= ?", dateOnly(*f.From))
		}
		if f.To != nil {
			db = db.Where("rate_date <= ?", dateOnly(*f.To))
		}
		return db
	}
	cols := map[string]string{"id": "id", "currency": "currency", "date": "rate_date", "rate": "rate", "created_at": "created_at"}
	if r.dialect == sqldialect.SQLite {
		cols["rate"] = "CAST(rate AS REAL)" // exact TEXT sorts "10" before "9"
	}
	page, err := listPage(filtered, f.ListQuery, cols, false, infallible(currencyRateModel.rate))
	if err != nil {
		return page, fmt.Errorf("list currency rates: %w", err)
	}
	return page, nil
}

func (r *currencyRateRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &currencyRateModel{}, "currency rate", id)
}
