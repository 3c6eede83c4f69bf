package usecase

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// UserService manages accounts and the built-in roles.
type UserService struct {
	uow    domain.UnitOfWork
	hasher domain.PasswordHasher
	now    func() time.Time
}

// NewUserService returns the service; now is its clock.
func NewUserService(uow domain.UnitOfWork, hasher domain.PasswordHasher, now func() time.Time) *UserService {
	return &UserService{uow: uow, hasher: hasher, now: now}
}

// clock is now as every dialect stores it, so a user returned by a write
// equals the same user read back.
func (s *UserService) clock() time.Time { return stamp(s.now()) }

// SyncRoles writes the built-in role table of the code into the database.
func (s *UserService) SyncRoles(ctx context.Context) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.Roles.SyncBuiltin(ctx, domain.BuiltinRoles())
	})
}

// BootstrapAdmin creates the first administrator when no user exists at all.
// An empty password is replaced by a random one, returned so the caller can
// show it once. When two processes start together the unique login index
// lets exactly one create it; the other returns created=false.
func (s *UserService) BootstrapAdmin(ctx context.Context, login, email, password string) (created bool, generated string, err error) {
	n, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (int64, error) {
		return r.Users.Count(ctx)
	})
	if err != nil || n > 0 {
		return false, "", err
	}
	if password == "" {
		generated = rand.Text()
		password = generated
	}
	_, err = s.Create(ctx, domain.NewUser{Login: login, Email: email, Password: password, Active: true, Roles: []string{domain.RoleAdmin}})
	switch {
	case errors.Is(err, domain.ErrConflict):
		return false, "", nil
	case err != nil:
		return false, "", fmt.Errorf("create the first administrator %q: %w", login, err)
	}
	return true, generated, nil
}

// Create adds an account. Invalid fields and unknown roles are one 422 naming
// each; a taken login is a conflict.
func (s *UserService) Create(ctx context.Context, in domain.NewUser) (*domain.User, error) {
	in.Roles = domain.NormalizeRoles(in.Roles)
	v := in.Check()
	if err := s.checkRolesExist(ctx, v, in.Roles); err != nil {
		return nil, err
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	u := &domain.User{
		Login: in.Login, Email: in.Email, PasswordHash: hash, Active: in.Active, Roles: in.Roles,
		CreatedAt: now, UpdatedAt: now,
	}
	err = s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.Users.Create(ctx, u); err != nil {
			return err
		}
		return audited(ctx, r, "user.create", "user", u.ID, nil, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Get returns one account.
func (s *UserService) Get(ctx context.Context, id int64) (*domain.User, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.User, error) {
		return r.Users.Get(ctx, id)
	})
}

// List returns one page of accounts.
func (s *UserService) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.User], error) {
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.User], error) {
		return r.Users.List(ctx, q)
	})
}

// Me returns the caller's account and the permissions its roles grant now
// (which the caller's token may predate by up to its lifetime).
func (s *UserService) Me(ctx context.Context, actor domain.Principal) (*domain.User, []string, error) {
	var u *domain.User
	var perms []string
	err := s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		if u, err = r.Users.Get(ctx, actor.UserID); err != nil {
			return err
		}
		perms, err = r.Roles.Permissions(ctx, u.Roles)
		return err
	})
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w: the token's user no longer exists", domain.ErrUnauthenticated)
	}
	if err != nil {
		return nil, nil, err
	}
	return u, perms, nil
}

// Update applies a partial change. A change that would leave no active
// administrator is refused with a conflict, also when two such changes race.
func (s *UserService) Update(ctx context.Context, id int64, p domain.UserPatch) (*domain.User, error) {
	if p.Roles != nil {
		roles := domain.NormalizeRoles(*p.Roles)
		p.Roles = &roles
	}
	v := p.Check()
	if p.Roles != nil {
		if err := s.checkRolesExist(ctx, v, *p.Roles); err != nil {
			return nil, err
		}
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	hash := ""
	if p.Password != nil { // bcrypt is slow: never inside the transaction
		h, err := s.hasher.Hash(*p.Password)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.User, error) {
		admins, u, err := lockAdminsAndGet(ctx, r.Users, id)
		if err != nil {
			return nil, err
		}
		wasAdmin, wasActive, oldRoles, before := u.IsActiveAdmin(), u.Active, u.Roles, *u
		if p.Email != nil {
			u.Email = *p.Email
		}
		if p.Password != nil {
			u.PasswordHash = hash
		}
		if p.Roles != nil {
			u.Roles = *p.Roles
		}
		if p.Active != nil {
			u.Active = *p.Active
		}
		if wasAdmin && !u.IsActiveAdmin() && len(admins) <= 1 {
			return nil, domain.ErrLastAdmin(u.Login)
		}
		deactivated := wasActive && !u.Active
		// The user's access tokens stop working (within the revocation
		// lag) when it is deactivated, gets other roles or a new password.
		if deactivated || p.Password != nil || !slices.Equal(oldRoles, u.Roles) {
			u.SecurityStamp++
		}
		u.UpdatedAt = s.clock()
		if err := r.Users.Save(ctx, u); err != nil {
			return nil, err
		}
		// A password set by an administrator (a compromised account) or a
		// deactivation also ends every session: no refresh token of the
		// user works any more.
		if deactivated || p.Password != nil {
			if err := r.RefreshTokens.RevokeUser(ctx, u.ID, "", s.now().UTC()); err != nil {
				return nil, err
			}
		}
		if p.Password != nil { // the hash never enters the trail: only that it was set
			if err := audited(ctx, r, "user.set_password", "user", u.ID, nil, nil); err != nil {
				return nil, err
			}
		}
		return u, audited(ctx, r, "user.update", "user", u.ID, &before, u)
	})
}

// Delete removes an account; not the caller's own, nor the last active
// administrator.
func (s *UserService) Delete(ctx context.Context, actor domain.Principal, id int64) error {
	if actor.UserID == id {
		return domain.Conflictf("delete-self", "you cannot delete your own account")
	}
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		admins, u, err := lockAdminsAndGet(ctx, r.Users, id)
		if err != nil {
			return err
		}
		if u.IsActiveAdmin() && len(admins) <= 1 {
			return domain.ErrLastAdmin(u.Login)
		}
		if err := r.Users.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "user.delete", "user", id, u, nil)
	})
}

// lockAdminsAndGet takes the last-administrator lock, then reads the user:
// in that order, so the read sees what a change that held the lock before
// committed.
func lockAdminsAndGet(ctx context.Context, users domain.UserRepository, id int64) ([]int64, *domain.User, error) {
	admins, err := users.LockActiveAdmins(ctx)
	if err != nil {
		return nil, nil, err
	}
	u, err := users.Get(ctx, id)
	return admins, u, err
}

// checkRolesExist adds to v every role the database does not know.
func (s *UserService) checkRolesExist(ctx context.Context, v *domain.ValidationError, roles []string) error {
	known, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) ([]string, error) {
		return r.Roles.Names(ctx)
	})
	if err != nil {
		return err
	}
	for _, r := range roles {
		if !slices.Contains(known, r) {
			v.Add("roles", "unknown role %q (known: %s)", r, strings.Join(known, ", "))
		}
	}
	return nil
}
