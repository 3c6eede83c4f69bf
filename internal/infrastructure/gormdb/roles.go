package gormdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

type roleRow struct {
	ID          int64 `gorm:"primaryKey"`
	Name        string
	Description string
	Builtin     bool
}

func (roleRow) TableName() string { return "roles" }

type rolePermissionRow struct {
	RoleID     int64  `gorm:"primaryKey;autoIncrement:false"`
	Permission string `gorm:"primaryKey"`
}

func (rolePermissionRow) TableName() string { return "role_permissions" }

// roleRepo implements domain.RoleRepository.
type roleRepo struct{ db *gorm.DB }

// SyncBuiltin writes only the differences between the database and roles, in
// the caller's unit of work, so a start against an up-to-date database writes
// nothing. Two replicas starting together may deadlock on InnoDB's gap locks;
// the unit of work runs the loser again.
func (r *roleRepo) SyncBuiltin(ctx context.Context, roles []domain.Role) error {
	tx := r.db.WithContext(ctx)
	for _, role := range roles {
		if err := syncRole(tx, role); err != nil {
			return fmt.Errorf("sync role %s: %w", role.Name, err)
		}
	}
	return nil
}

func syncRole(tx *gorm.DB, role domain.Role) error {
	var have roleRow
	err := tx.Where("name = ?", role.Name).Take(&have).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		// Another process may insert it first: then this insert does nothing,
		// and the row is read with a locking read, which on InnoDB sees the
		// other process's committed row where this transaction's snapshot,
		// taken by the read above, would not.
		row := roleRow{Name: role.Name, Description: role.Description, Builtin: true}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("name = ?", role.Name).Take(&have).Error
		if err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if have.Description != role.Description || !have.Builtin {
		err := tx.Model(&roleRow{}).Where("id = ?", have.ID).
			Updates(map[string]any{"description": role.Description, "builtin": true}).Error
		if err != nil {
			return err
		}
	}
	return setRolePermissions(tx, have.ID, role.Permissions)
}

// setRolePermissions makes role id grant exactly want, writing only the
// differences.
func setRolePermissions(tx *gorm.DB, id int64, want []string) error {
	var perms []string
	if err := tx.Model(&rolePermissionRow{}).Where("role_id = ?", id).Pluck("permission", &perms).Error; err != nil {
		return err
	}
	var missing []rolePermissionRow
	for _, p := range want {
		if !slices.Contains(perms, p) {
			missing = append(missing, rolePermissionRow{RoleID: id, Permission: p})
		}
	}
	if len(missing) > 0 {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&missing).Error; err != nil {
			return err
		}
	}
	var extra []string
	for _, p := range perms {
		if !slices.Contains(want, p) {
			extra = append(extra, p)
		}
	}
	if len(extra) > 0 {
		return tx.Where("role_id = ? AND permission IN ?", id, extra).Delete(&rolePermissionRow{}).Error
	}
	return nil
}

// Names lists every role in the database, sorted.
func (r *roleRepo) Names(ctx context.Context) ([]string, error) {
	var names []string
	if err := r.db.WithContext(ctx).Model(&roleRow{}).Order("name").Pluck("name", &names).Error; err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return names, nil
}

// Permissions returns the union of the roles' permissions, sorted.
func (r *roleRepo) Permissions(ctx context.Context, roles []string) ([]string, error) {
	perms := []string{}
	if len(roles) == 0 {
		return perms, nil
	}
	err := r.db.WithContext(ctx).Table("role_permissions").
		Distinct("role_permissions.permission").
		Joins("JOIN roles ON roles.id = role_permissions.role_id").
		Where("roles.name IN ?", roles).
		Order("role_permissions.permission").
		Pluck("role_permissions.permission", &perms).Error
	if err != nil {
		return nil, fmt.Errorf("read permissions of roles: %w", err)
	}
	return perms, nil
}

func (m roleRow) role(perms []string) *domain.Role {
	if perms == nil {
		perms = []string{}
	}
	return &domain.Role{ID: m.ID, Name: m.Name, Description: m.Description, Permissions: perms, Builtin: m.Builtin}
}

// Get returns the role with its permissions, or a not-found problem.
func (r *roleRepo) Get(ctx context.Context, id int64) (*domain.Role, error) {
	return r.take(ctx, r.db.WithContext(ctx), id)
}

// Lock is Get with the role's row locked FOR UPDATE: a change and a deletion
// of one role queue, and a user assignment's foreign-key check (which takes a
// shared lock on the row) waits for a deletion to commit, then fails.
func (r *roleRepo) Lock(ctx context.Context, id int64) (*domain.Role, error) {
	return r.take(ctx, r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *roleRepo) take(ctx context.Context, db *gorm.DB, id int64) (*domain.Role, error) {
	var row roleRow
	err := db.Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("role", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read role %d: %w", id, err)
	}
	perms, err := r.permissionsOf(ctx, id)
	if err != nil {
		return nil, err
	}
	return row.role(perms[id]), nil
}

// roleSortColumns whitelists the list's sort fields (the API checks them too).
var roleSortColumns = map[string]string{"name": "name", "id": "id"}

// List returns one page of roles; Search matches the name, case-insensitively.
func (r *roleRepo) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Role], error) {
	filtered := func() *gorm.DB {
		db := r.db.WithContext(ctx).Model(&roleRow{})
		if q.Search != "" {
			db = db.Where("LOWER(name) LIKE ? ESCAPE '!'", "%"+likeEscape(strings.ToLower(q.Search))+"%")
		}
		return db
	}
	page, err := listPage(filtered, q, roleSortColumns, false, func(m roleRow) (*domain.Role, error) { return m.role(nil), nil })
	if err != nil {
		return page, fmt.Errorf("list roles: %w", err)
	}
	if len(page.Items) == 0 {
		return page, nil // none, or streamed: a streamed item carries its own row only
	}
	ids := make([]int64, len(page.Items))
	for i, role := range page.Items {
		ids[i] = role.ID
	}
	perms, err := r.permissionsOf(ctx, ids...)
	if err != nil {
		return domain.Page[*domain.Role]{}, err
	}
	for _, role := range page.Items {
		role.Permissions = append(role.Permissions, perms[role.ID]...)
	}
	return page, nil
}

// permissionsOf returns the sorted permissions of each role.
func (r *roleRepo) permissionsOf(ctx context.Context, ids ...int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []rolePermissionRow
	err := r.db.WithContext(ctx).Where("role_id IN ?", ids).Order("role_id, permission").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read permissions of roles: %w", err)
	}
	for _, row := range rows {
		out[row.RoleID] = append(out[row.RoleID], row.Permission)
	}
	return out, nil
}

// Holders counts the users the role is assigned to.
func (r *roleRepo) Holders(ctx context.Context, id int64) (int64, error) {
	var n int64
	if err := r.db.WithContext(ctx).Model(&userRoleRow{}).Where("role_id = ?", id).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count holders of role %d: %w", id, err)
	}
	return n, nil
}

// Create inserts a custom role and its permissions. The unique name index,
// not a prior read, decides between two creations of one name.
func (r *roleRepo) Create(ctx context.Context, role *domain.Role) error {
	tx := r.db.WithContext(ctx)
	row := roleRow{Name: role.Name, Description: role.Description}
	if err := tx.Create(&row).Error; err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateRole(role.Name)
		}
		return fmt.Errorf("insert role %q: %w", role.Name, err)
	}
	if err := setRolePermissions(tx, row.ID, role.Permissions); err != nil {
		return fmt.Errorf("grant permissions to role %q: %w", role.Name, err)
	}
	role.ID = row.ID
	return nil
}

// Save writes the name, description and permissions of a stored role; the
// builtin flag is SyncBuiltin's alone and is not written here.
func (r *roleRepo) Save(ctx context.Context, role *domain.Role) error {
	tx := r.db.WithContext(ctx)
	err := tx.Model(&roleRow{}).Where("id = ?", role.ID).
		Updates(map[string]any{"name": role.Name, "description": role.Description}).Error
	if err != nil {
		if uniqueViolated(err) {
			return domain.ErrDuplicateRole(role.Name)
		}
		return fmt.Errorf("update role %d: %w", role.ID, err)
	}
	if err := setRolePermissions(tx, role.ID, role.Permissions); err != nil {
		return fmt.Errorf("set permissions of role %d: %w", role.ID, err)
	}
	return nil
}

// Delete removes the role; its permissions go with it (ON DELETE CASCADE).
// user_roles' ON DELETE RESTRICT refuses it while a user holds the role,
// which deleteOne turns into the in-use conflict: the backstop when an
// assignment commits between the caller's check and this statement.
func (r *roleRepo) Delete(ctx context.Context, id int64) error {
	return deleteOne(ctx, r.db.Where("id = ?", id), &roleRow{}, "role", id)
}
