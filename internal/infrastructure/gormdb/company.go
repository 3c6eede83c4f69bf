package gormdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
)

// companyID is the one row of company_settings, inserted by its migration.
const companyID = 1

// companyModel is the row of company_settings; a NULL column is a setting
// left to the configuration.
type companyModel struct {
	ID                      int64 `gorm:"primaryKey"`
	Name                    *string
	Address                 *string
	Country                 *string
	VATID                   *string `gorm:"column:vat_id"`
	RegistrationIDs         *string `gorm:"column:registration_ids"`
	Email                   *string
	Phone                   *string
	IBAN                    *string `gorm:"column:iban"`
	BIC                     *string `gorm:"column:bic"`
	LegalNotice             *string
	DefaultPaymentTermsDays *int
	Logo                    []byte
	UpdatedAt               *time.Time `gorm:"autoUpdateTime:false"`
	HasLogo                 int        `gorm:"->;column:has_logo"` // computed by Get, which leaves the blob out
}

// companyColumns is what Get reads: every setting, and whether there is a logo.
const companyColumns = "id, name, address, country, vat_id, registration_ids, email, phone, iban, bic, " +
	"legal_notice, default_payment_terms_days, updated_at, CASE WHEN logo IS NULL THEN 0 ELSE 1 END AS has_logo"

func (companyModel) TableName() string { return "company_settings" }

type companyRepo struct{ db *gorm.DB }

func (r *companyRepo) Get(ctx context.Context) (*domain.CompanySettings, error) {
	var m companyModel
	err := r.db.WithContext(ctx).Select(companyColumns).Where("id = ?", companyID).Limit(1).Find(&m).Error
	if err != nil {
		return nil, fmt.Errorf("read company settings: %w", err)
	}
	s := &domain.CompanySettings{
		Name: m.Name, Address: m.Address, Country: m.Country, VATID: m.VATID, Email: m.Email, Phone: m.Phone,
		IBAN: m.IBAN, BIC: m.BIC, LegalNotice: m.LegalNotice, DefaultPaymentTermsDays: m.DefaultPaymentTermsDays,
		HasLogo: m.HasLogo == 1,
	}
	if m.RegistrationIDs != nil {
		// One identifier a line; the text rule keeps line breaks out of each.
		ids := []string{}
		if *m.RegistrationIDs != "" {
			ids = strings.Split(*m.RegistrationIDs, "\n")
		}
		s.RegistrationIDs = &ids
	}
	if m.UpdatedAt != nil {
		s.UpdatedAt = m.UpdatedAt.UTC()
	}
	return s, nil
}

func (r *companyRepo) Logo(ctx context.Context) ([]byte, error) {
	var logos [][]byte
	err := r.db.WithContext(ctx).Model(&companyModel{}).Where("id = ?", companyID).Limit(1).Pluck("logo", &logos).Error
	if err != nil || len(logos) == 0 {
		return nil, fmt.Errorf("read company logo: %w", err)
	}
	return logos[0], nil
}

func (r *companyRepo) Save(ctx context.Context, s *domain.CompanySettings) error {
	var ids *string
	if s.RegistrationIDs != nil {
		joined := strings.Join(*s.RegistrationIDs, "\n")
		ids = &joined
	}
	at := dbTime(s.UpdatedAt)
	return r.update(ctx, map[string]any{
		"name": s.Name, "address": s.Address, "country": s.Country, "vat_id": s.VATID, "registration_ids": ids,
		"email": s.Email, "phone": s.Phone, "iban": s.IBAN, "bic": s.BIC, "legal_notice": s.LegalNotice,
		"default_payment_terms_days": s.DefaultPaymentTermsDays, "updated_at": &at,
	})
}

func (r *companyRepo) SaveLogo(ctx context.Context, png []byte, at time.Time) error {
	t := dbTime(at)
	return r.update(ctx, map[string]any{"logo": png, "updated_at": &t})
}

// update writes the singleton row, which the migration created.
func (r *companyRepo) update(ctx context.Context, cols map[string]any) error {
	res := r.db.WithContext(ctx).Model(&companyModel{}).Where("id = ?", companyID).Updates(cols)
	if res.Error != nil {
		return fmt.Errorf("update company settings: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		// MySQL counts changed rows only, so this is also a write of the
		// same values there: check the row is really there.
		var n int64
		if err := r.db.WithContext(ctx).Model(&companyModel{}).Where("id = ?", companyID).Count(&n).Error; err != nil {
			return fmt.Errorf("update company settings: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("update company settings: the row of migration 000012 is missing")
		}
	}
	return nil
}
