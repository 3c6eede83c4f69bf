package gormdb_test

import (
	"context"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
)

// The stores below call one repository method per unit of work (Do for
// writes and locks, Read for reads), for the tests that exercise the user,
// role and login-failure repositories a method at a time.

type roleStore struct{ uow *gormdb.UnitOfWork }

func newRoleStore(db *gormdb.DB) *roleStore { return &roleStore{uow: gormdb.NewUnitOfWork(db)} }

func (s *roleStore) SyncBuiltin(ctx context.Context, roles []domain.Role) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error { return r.Roles.SyncBuiltin(ctx, roles) })
}

func (s *roleStore) Names(ctx context.Context) (names []string, err error) {
	err = s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		names, err = r.Roles.Names(ctx)
		return err
	})
	return names, err
}

func (s *roleStore) Permissions(ctx context.Context, roles []string) (perms []string, err error) {
	err = s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		perms, err = r.Roles.Permissions(ctx, roles)
		return err
	})
	return perms, err
}

type userStore struct{ uow *gormdb.UnitOfWork }

func newUserStore(db *gormdb.DB) *userStore { return &userStore{uow: gormdb.NewUnitOfWork(db)} }

// InUserTx runs fn with the users repository of one unit of work.
func (s *userStore) InUserTx(ctx context.Context, fn func(context.Context, domain.UserRepository) error) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error { return fn(ctx, r.Users) })
}

func (s *userStore) do(ctx context.Context, fn func(domain.UserRepository) error) error {
	return s.InUserTx(ctx, func(_ context.Context, users domain.UserRepository) error { return fn(users) })
}

func (s *userStore) read(ctx context.Context, fn func(domain.UserReader) error) error {
	return s.uow.Read(ctx, func(_ context.Context, r domain.Readers) error { return fn(r.Users) })
}

func (s *userStore) Create(ctx context.Context, u *domain.User) error {
	return s.do(ctx, func(users domain.UserRepository) error { return users.Create(ctx, u) })
}

func (s *userStore) Save(ctx context.Context, u *domain.User) error {
	return s.do(ctx, func(users domain.UserRepository) error { return users.Save(ctx, u) })
}

func (s *userStore) Delete(ctx context.Context, id int64) error {
	return s.do(ctx, func(users domain.UserRepository) error { return users.Delete(ctx, id) })
}

func (s *userStore) LockActiveAdmins(ctx context.Context) (ids []int64, err error) {
	err = s.do(ctx, func(users domain.UserRepository) error {
		ids, err = users.LockActiveAdmins(ctx)
		return err
	})
	return ids, err
}

func (s *userStore) Get(ctx context.Context, id int64) (u *domain.User, err error) {
	err = s.read(ctx, func(users domain.UserReader) error {
		u, err = users.Get(ctx, id)
		return err
	})
	return u, err
}

func (s *userStore) GetByLogin(ctx context.Context, login string) (u *domain.User, err error) {
	err = s.read(ctx, func(users domain.UserReader) error {
		u, err = users.GetByLogin(ctx, login)
		return err
	})
	return u, err
}

func (s *userStore) List(ctx context.Context, q domain.ListQuery) (page domain.Page[*domain.User], err error) {
	err = s.read(ctx, func(users domain.UserReader) error {
		page, err = users.List(ctx, q)
		return err
	})
	return page, err
}

func (s *userStore) Count(ctx context.Context) (n int64, err error) {
	err = s.read(ctx, func(users domain.UserReader) error {
		n, err = users.Count(ctx)
		return err
	})
	return n, err
}

type loginFailureStore struct{ uow *gormdb.UnitOfWork }

func newLoginFailureStore(db *gormdb.DB) *loginFailureStore {
	return &loginFailureStore{uow: gormdb.NewUnitOfWork(db)}
}

func (s *loginFailureStore) Get(ctx context.Context, login, address string) (f domain.LoginFailures, err error) {
	err = s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		f, err = r.LoginFailures.Get(ctx, login, address)
		return err
	})
	return f, err
}

// Update is what AuthService does with a failure: Ensure in a unit of work of
// its own, then Lock, change and Save in another.
func (s *loginFailureStore) Update(ctx context.Context, login, address string, fn func(*domain.LoginFailures)) (f domain.LoginFailures, err error) {
	err = s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.LoginFailures.Ensure(ctx, login, address)
	})
	if err != nil {
		return f, err
	}
	err = s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if f, err = r.LoginFailures.Lock(ctx, login, address); err != nil {
			return err
		}
		fn(&f)
		return r.LoginFailures.Save(ctx, f)
	})
	return f, err
}

func (s *loginFailureStore) Delete(ctx context.Context, login, address string) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.LoginFailures.Delete(ctx, login, address)
	})
}

func (s *loginFailureStore) Prune(ctx context.Context, now time.Time, window time.Duration) (n int64, err error) {
	err = s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		n, err = r.LoginFailures.Prune(ctx, now, window)
		return err
	})
	return n, err
}
