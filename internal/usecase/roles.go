package usecase

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// RoleService manages custom roles. The built-in roles are the code's
// (UserService.SyncRoles writes them at start); here they are read-only.
type RoleService struct {
	uow domain.UnitOfWork
}

// NewRoleService returns the service.
func NewRoleService(uow domain.UnitOfWork) *RoleService {
	return &RoleService{uow: uow}
}

// Permissions returns the catalogue of every permission with its meaning.
// It is the code's, so no database read.
func (s *RoleService) Permissions() []domain.Permission {
	return domain.PermissionCatalogue()
}

// List returns one page of roles, built-in and custom.
func (s *RoleService) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Role], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.Role], error) {
		return r.Roles.List(ctx, q)
	})
}

// Get returns one role.
func (s *RoleService) Get(ctx context.Context, id int64) (*domain.Role, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.Role, error) {
		return r.Roles.Get(ctx, id)
	})
}

// Create adds a custom role. Invalid fields are one 422 naming each
// (permissions[i] for an unknown permission); a taken name is a conflict.
func (s *RoleService) Create(ctx context.Context, in domain.NewRole) (*domain.Role, error) {
	if err := in.Check().OrNil(); err != nil {
		return nil, err
	}
	role := in.Role()
	err := s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.Roles.Create(ctx, role); err != nil {
			return err
		}
		return audited(ctx, r, "role.create", "role", role.ID, nil, role)
	})
	if err != nil {
		return nil, err
	}
	return role, nil
}

// Update changes a custom role's name, description or permissions. The row
// is locked first, so the change and a concurrent deletion queue. Holders
// of the role get the new permissions at their next login.
func (s *RoleService) Update(ctx context.Context, id int64, p domain.RolePatch) (*domain.Role, error) {
	if err := p.Check().OrNil(); err != nil {
		return nil, err
	}
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.Role, error) {
		role, err := r.Roles.Lock(ctx, id)
		if err != nil {
			return nil, err
		}
		before, old := role.Permissions, *role
		if err := role.Apply(p); err != nil {
			return nil, err
		}
		if err := r.Roles.Save(ctx, role); err != nil {
			return nil, err
		}
		// Taking a permission away demotes every holder: their tokens must
		// stop working as a demoted user's do.
		if role.Narrows(before) {
			if err := r.Users.BumpStampsOfRole(ctx, role.ID); err != nil {
				return nil, err
			}
		}
		return role, audited(ctx, r, "role.update", "role", role.ID, &old, role)
	})
}

// Delete removes a custom role that no user holds. The role's row is locked
// before its holders are counted: an assignment committed earlier is
// counted, and one racing with the deletion waits on that lock in its
// foreign-key check and then fails, so no user is ever left holding a
// deleted role (the RESTRICT foreign key stands behind both).
func (s *RoleService) Delete(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		role, err := r.Roles.Lock(ctx, id)
		if err != nil {
			return err
		}
		holders, err := r.Roles.Holders(ctx, id)
		if err != nil {
			return err
		}
		if err := role.CheckDelete(holders); err != nil {
			return err
		}
		if err := r.Roles.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "role.delete", "role", id, role, nil)
	})
}
