package gormdb

import (
	"context"
	"errors"
	"fmt"
	"slices"

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
	var perms []string
	if err := tx.Model(&rolePermissionRow{}).Where("role_id = ?", have.ID).Pluck("permission", &perms).Error; err != nil {
		return err
	}
	var missing []rolePermissionRow
	for _, p := range role.Permissions {
		if !slices.Contains(perms, p) {
			missing = append(missing, rolePermissionRow{RoleID: have.ID, Permission: p})
		}
	}
	if len(missing) > 0 {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&missing).Error; err != nil {
			return err
		}
	}
	var extra []string
	for _, p := range perms {
		if !slices.Contains(role.Permissions, p) {
			extra = append(extra, p)
		}
	}
	if len(extra) > 0 {
		return tx.Where("role_id = ? AND permission IN ?", have.ID, extra).Delete(&rolePermissionRow{}).Error
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
