package gormdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

// thirdPartyModel is a row of thirdparties.
type thirdPartyModel struct {
	ID         int64 `gorm:"primaryKey"`
	Name       string
	Code       string
	IsCustomer bool
	IsProspect bool
	IsSupplier bool
	Email      string
	Phone      string
	TaxID      string `gorm:"column:tax_id"`
	Address    string
	Locale     string
	Country    string
	VATID      string `gorm:"column:vat_id"`
	// PaymentTermsDays is NULL when the company's default terms apply.
	PaymentTermsDays *int
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (thirdPartyModel) TableName() string { return "thirdparties" }

func toThirdPartyModel(t *domain.ThirdParty) thirdPartyModel {
	return thirdPartyModel{
		ID: t.ID, Name: t.Name, Code: t.Code, IsCustomer: t.IsCustomer, IsProspect: t.IsProspect, IsSupplier: t.IsSupplier,
		Email: t.Email, Phone: t.Phone, TaxID: t.TaxID, Address: t.Address, Locale: t.Locale,
		Country: t.Country, VATID: t.VATID,
		PaymentTermsDays: t.PaymentTermsDays, CreatedAt: dbTime(t.CreatedAt), UpdatedAt: dbTime(t.UpdatedAt),
	}
}

func (m thirdPartyModel) thirdParty() *domain.ThirdParty {
	return &domain.ThirdParty{
		ID: m.ID, Name: m.Name, Code: m.Code, IsCustomer: m.IsCustomer, IsProspect: m.IsProspect, IsSupplier: m.IsSupplier,
		Email: m.Email, Phone: m.Phone, TaxID: m.TaxID, Address: m.Address, Locale: m.Locale,
		Country: m.Country, VATID: m.VATID,
		PaymentTermsDays: m.PaymentTermsDays, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

type thirdPartyRepo struct{ db *gorm.DB }

// takeOne reads the one row q selects into dst: NotFound when there is none.
func takeOne(q *gorm.DB, dst any, entity string, id int64) error {
	err := q.Take(dst).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.NotFound(entity, id)
	}
	if err != nil {
		return fmt.Errorf("read %s %d: %w", entity, id, err)
	}
	return nil
}

func (r *thirdPartyRepo) Create(ctx context.Context, t *domain.ThirdParty) error {
	m := toThirdPartyModel(t)
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateCode(t.Code)
		}
		return fmt.Errorf("create third party: %w", err)
	}
	t.ID = m.ID
	return nil
}

func (r *thirdPartyRepo) Get(ctx context.Context, id int64) (*domain.ThirdParty, error) {
	return r.take(r.db.WithContext(ctx), id)
}

func (r *thirdPartyRepo) Lock(ctx context.Context, id int64) (*domain.ThirdParty, error) {
	return r.take(r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *thirdPartyRepo) take(db *gorm.DB, id int64) (*domain.ThirdParty, error) {
	var m thirdPartyModel
	if err := takeOne(db.Where("id = ?", id), &m, "third party", id); err != nil {
		return nil, err
	}
	return m.thirdParty(), nil
}

func (r *thirdPartyRepo) Update(ctx context.Context, t *domain.ThirdParty) error {
	m := toThirdPartyModel(t)
	err := r.db.WithContext(ctx).Model(&thirdPartyModel{}).Where("id = ?", t.ID).Updates(map[string]any{
		"name": m.Name, "code": m.Code, "is_customer": m.IsCustomer, "is_prospect": m.IsProspect,
		"is_supplier": m.IsSupplier, "email": m.Email, "phone": m.Phone, "tax_id": m.TaxID,
		"address": m.Address, "locale": m.Locale, "payment_terms_days": m.PaymentTermsDays, "updated_at": m.UpdatedAt,
		"country": m.Country, "vat_id": m.VATID,
	}).Error
	if err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateCode(t.Code)
		}
		return fmt.Errorf("update third party %d: %w", t.ID, err)
	}
	return nil
}

func (r *thirdPartyRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &thirdPartyModel{}, "third party", id)
}

func (r *thirdPartyRepo) CodeExists(ctx context.Context, code string) (bool, error) {
	var n int64
	if err := r.db.WithContext(ctx).Model(&thirdPartyModel{}).Where("code = ?", code).Count(&n).Error; err != nil {
		return false, fmt.Errorf("look up third-party code: %w", err)
	}
	return n > 0, nil
}

func (r *thirdPartyRepo) List(ctx context.Context, f domain.ThirdPartyFilter, q domain.ListQuery) (domain.Page[*domain.ThirdParty], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&thirdPartyModel{})
		if q.Search != "" {
			p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
			db = db.Where("LOWER(name) LIKE ? ESCAPE '!' OR LOWER(code) LIKE ? ESCAPE '!' OR LOWER(email) LIKE ? ESCAPE '!'", p, p, p)
		}
		for col, want := range map[string]*bool{"is_customer": f.IsCustomer, "is_prospect": f.IsProspect, "is_supplier": f.IsSupplier} {
			if want != nil {
				db = db.Where(col+" = ?", *want)
			}
		}
		return db
	}
	cols := map[string]string{"id": "id", "name": "name", "code": "code", "created_at": "created_at", "updated_at": "updated_at"}
	page, err := listPage(filtered, q, cols, false, infallible(thirdPartyModel.thirdParty))
	if err != nil {
		return page, fmt.Errorf("list third parties: %w", err)
	}
	return page, nil
}

// contactModel is a row of contacts.
type contactModel struct {
	ID           int64 `gorm:"primaryKey"`
	ThirdPartyID int64 `gorm:"column:thirdparty_id"`
	FirstName    string
	LastName     string
	Email        string
	Phone        string
	Position     string    `gorm:"column:job_title"`
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (contactModel) TableName() string { return "contacts" }

func (m contactModel) contact() *domain.Contact {
	return &domain.Contact{
		ID: m.ID, ThirdPartyID: m.ThirdPartyID, FirstName: m.FirstName, LastName: m.LastName,
		Email: m.Email, Phone: m.Phone, Position: m.Position, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

type contactRepo struct{ db *gorm.DB }

func (r *contactRepo) Create(ctx context.Context, c *domain.Contact) error {
	m := contactModel{
		ThirdPartyID: c.ThirdPartyID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email,
		Phone: c.Phone, Position: c.Position, CreatedAt: dbTime(c.CreatedAt), UpdatedAt: dbTime(c.UpdatedAt),
	}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		if foreignKeyViolated(err) {
			return domain.NotFound("third party", c.ThirdPartyID)
		}
		return fmt.Errorf("create contact: %w", err)
	}
	c.ID = m.ID
	return nil
}

func (r *contactRepo) Get(ctx context.Context, thirdPartyID, id int64) (*domain.Contact, error) {
	var m contactModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ? AND thirdparty_id = ?", id, thirdPartyID), &m, "contact", id); err != nil {
		return nil, err
	}
	return m.contact(), nil
}

func (r *contactRepo) Update(ctx context.Context, c *domain.Contact) error {
	err := r.db.WithContext(ctx).Model(&contactModel{}).Where("id = ? AND thirdparty_id = ?", c.ID, c.ThirdPartyID).Updates(map[string]any{
		"first_name": c.FirstName, "last_name": c.LastName, "email": c.Email, "phone": c.Phone,
		"job_title": c.Position, "updated_at": dbTime(c.UpdatedAt),
	}).Error
	if err != nil {
		return fmt.Errorf("update contact %d: %w", c.ID, err)
	}
	return nil
}

func (r *contactRepo) Delete(ctx context.Context, thirdPartyID, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ? AND thirdparty_id = ?", id, thirdPartyID), &contactModel{}, "contact", id)
}

func (r *contactRepo) List(ctx context.Context, thirdPartyID int64, q domain.ListQuery) (domain.Page[*domain.Contact], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&contactModel{}).Where("thirdparty_id = ?", thirdPartyID)
		if q.Search != "" {
			p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
			db = db.Where("LOWER(first_name) LIKE ? ESCAPE '!' OR LOWER(last_name) LIKE ? ESCAPE '!' OR LOWER(email) LIKE ? ESCAPE '!'", p, p, p)
		}
		return db
	}
	cols := map[string]string{"id": "id", "first_name": "first_name", "last_name": "last_name", "created_at": "created_at"}
	page, err := listPage(filtered, q, cols, false, infallible(contactModel.contact))
	if err != nil {
		return page, fmt.Errorf("list contacts: %w", err)
	}
	return page, nil
}
