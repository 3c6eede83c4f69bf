package gormdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

type userRow struct {
	ID            int64 `gorm:"primaryKey"`
	Login         string
	Email         string
	PasswordHash  string
	Active        bool
	SecurityStamp int64
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

type userRoleRow struct {
	UserID int64 `gorm:"primaryKey;autoIncrement:false"`
	RoleID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (userRoleRow) TableName() string { return "user_roles" }

func toUserRow(u *domain.User) userRow {
	return userRow{
		ID: u.ID, Login: u.Login, Email: u.Email, PasswordHash: u.PasswordHash, Active: u.Active,
		SecurityStamp: u.SecurityStamp, CreatedAt: dbTime(u.CreatedAt), UpdatedAt: dbTime(u.UpdatedAt),
	}
}

func (m userRow) user(roles []string) *domain.User {
	if roles == nil {
		roles = []string{}
	}
	return &domain.User{
		ID: m.ID, Login: m.Login, Email: m.Email, PasswordHash: m.PasswordHash, Active: m.Active,
		Roles: roles, SecurityStamp: m.SecurityStamp, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

// userRepo implements domain.UserRepository on the transaction (or, for
// reads, the pool) its unit of work binds it to.
type userRepo struct{ db *gorm.DB }

// Create inserts the user and its roles; the unit of work commits them
// together. The unique login index, not a prior read, decides between two
// concurrent creations of one login.
func (r *userRepo) Create(ctx context.Context, u *domain.User) error {
	tx := r.db.WithContext(ctx)
	row := toUserRow(u)
	row.ID = 0
	if err := tx.Create(&row).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateLogin(u.Login)
		}
		return fmt.Errorf("insert user %q: %w", u.Login, err)
	}
	if err := setUserRoles(tx, row.ID, u.Roles); err != nil {
		return err
	}
	u.ID = row.ID
	return nil
}

// Get returns the user with its roles, or a not-found problem.
func (r *userRepo) Get(ctx context.Context, id int64) (*domain.User, error) {
	return r.first(ctx, id, "id = ?")
}

// GetByLogin returns the user with the exact login, or a not-found problem.
func (r *userRepo) GetByLogin(ctx context.Context, login string) (*domain.User, error) {
	return r.first(ctx, login, "login = ?")
}

func (r *userRepo) first(ctx context.Context, key any, where string) (*domain.User, error) {
	var row userRow
	err := r.db.WithContext(ctx).Where(where, key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("user", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read user %v: %w", key, err)
	}
	roles, err := r.rolesOf(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	return row.user(roles[row.ID]), nil
}

// userSortColumns whitelists the list's sort fields (the API checks them too).
var userSortColumns = map[string]string{"login": "login", "id": "id", "created_at": "created_at"}

// List returns one page; Search matches login and e-mail, case-insensitively
// on every dialect.
func (r *userRepo) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.User], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&userRow{})
		if q.Search != "" {
			p := "%" + likeEscape(strings.ToLower(q.Search)) + "%"
			db = db.Where("LOWER(login) LIKE ? ESCAPE '!' OR LOWER(email) LIKE ? ESCAPE '!'", p, p)
		}
		return db
	}
	page, err := listPage(filtered, q, userSortColumns, false, func(m userRow) (*domain.User, error) { return m.user(nil), nil })
	if err != nil {
		return page, fmt.Errorf("list users: %w", err)
	}
	if len(page.Items) == 0 {
		return page, nil // none, or streamed: a streamed item carries its own row only
	}
	ids := make([]int64, len(page.Items))
	for i, u := range page.Items {
		ids[i] = u.ID
	}
	roles, err := r.rolesOf(ctx, ids...)
	if err != nil {
		return domain.Page[*domain.User]{}, err
	}
	for _, u := range page.Items {
		u.Roles = append(u.Roles, roles[u.ID]...)
	}
	return page, nil
}

// Save writes the mutable fields and replaces the role set.
func (r *userRepo) Save(ctx context.Context, u *domain.User) error {
	tx := r.db.WithContext(ctx)
	err := tx.Model(&userRow{}).Where("id = ?", u.ID).Updates(map[string]any{
		"email": u.Email, "password_hash": u.PasswordHash, "active": u.Active,
		"security_stamp": u.SecurityStamp, "updated_at": dbTime(u.UpdatedAt),
	}).Error
	if err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	if err := tx.Where("user_id = ?", u.ID).Delete(&userRoleRow{}).Error; err != nil {
		return fmt.Errorf("clear roles of user %d: %w", u.ID, err)
	}
	return setUserRoles(tx, u.ID, u.Roles)
}

// Delete removes the user; its role assignments go with it (ON DELETE CASCADE).
func (r *userRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &userRow{}, "user", id)
}

// Count returns the number of users.
func (r *userRepo) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := r.db.WithContext(ctx).Model(&userRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// Stamp reads the two columns the revocation check needs, by primary key.
func (r *userRepo) Stamp(ctx context.Context, id int64) (domain.UserStamp, error) {
	var row struct {
		SecurityStamp int64
		Active        bool
	}
	res := r.db.WithContext(ctx).Table("users").Select("security_stamp, active").Where("id = ?", id).Limit(1).Scan(&row)
	if res.Error != nil {
		return domain.UserStamp{}, fmt.Errorf("read security stamp of user %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.UserStamp{}, domain.NotFound("user", id)
	}
	return domain.UserStamp{Stamp: row.SecurityStamp, Active: row.Active}, nil
}

// BumpStampsOfRole implements domain.UserRepository in one UPDATE.
func (r *userRepo) BumpStampsOfRole(ctx context.Context, roleID int64) error {
	err := r.db.WithContext(ctx).Exec(`UPDATE users SET security_stamp = security_stamp + 1
		WHERE id IN (SELECT user_id FROM user_roles WHERE role_id = ?)`, roleID).Error
	if err != nil {
		return fmt.Errorf("bump the security stamps of role %d's holders: %w", roleID, err)
	}
	return nil
}

// LockActiveAdmins locks the admin role's row: every writer that could remove
// the last administrator takes that one lock first, so two of them queue
// instead of each seeing the other's administrator still there. The ids are
// then read with FOR UPDATE, which on InnoDB reads the latest committed rows
// rather than the transaction's older snapshot. SQLite drops FOR UPDATE; its
// IMMEDIATE transactions serialise writers anyway.
func (r *userRepo) LockActiveAdmins(ctx context.Context) ([]int64, error) {
	db := r.db.WithContext(ctx)
	var role roleRow
	err := db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("name = ?", domain.RoleAdmin).Take(&role).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil // roles not synced yet: there is no administrator to protect
	}
	if err != nil {
		return nil, fmt.Errorf("lock the admin role: %w", err)
	}
	var ids []int64
	err = db.Table("users").Select("users.id").
		Joins("JOIN user_roles ON user_roles.user_id = users.id").
		Where("user_roles.role_id = ? AND users.active = ?", role.ID, true).
		Order("users.id").
		Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Pluck("users.id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("read active administrators: %w", err)
	}
	return ids, nil
}

// rolesOf returns the sorted role names of each user.
func (r *userRepo) rolesOf(ctx context.Context, userIDs ...int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID int64
		Name   string
	}
	err := r.db.WithContext(ctx).Table("user_roles").
		Select("user_roles.user_id, roles.name").
		Joins("JOIN roles ON roles.id = user_roles.role_id").
		Where("user_roles.user_id IN ?", userIDs).
		Order("roles.name").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read roles of users: %w", err)
	}
	for _, row := range rows {
		out[row.UserID] = append(out[row.UserID], row.Name)
	}
	return out, nil
}

// setUserRoles assigns the named roles; a name missing from roles is ErrInvalid.
func setUserRoles(tx *gorm.DB, userID int64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	var roles []roleRow
	if err := tx.Where("name IN ?", names).Find(&roles).Error; err != nil {
		return fmt.Errorf("read roles: %w", err)
	}
	if len(roles) != len(slices.Compact(slices.Sorted(slices.Values(names)))) {
		return domain.Invalid("roles", "names a role that does not exist")
	}
	rows := make([]userRoleRow, len(roles))
	for i, role := range roles {
		rows[i] = userRoleRow{UserID: userID, RoleID: role.ID}
	}
	if err := tx.Create(&rows).Error; err != nil {
		if foreignKeyViolated(err) { // a role deleted since it was read above
			return domain.Invalid("roles", "names a role that does not exist")
		}
		return fmt.Errorf("assign roles to user %d: %w", userID, err)
	}
	return nil
}
