package usecase_test

import (
	"context"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/authtest"
	"github.com/doligo/doligo/internal/usecase"
)

// Accounts and sessions are audited — who logged in, who changed whose
// password — and no password, hash, token or stamp ever enters the trail.
func TestAuditOfUsersAndSessionsHoldsNoSecret(t *testing.T) {
	authtest.Each(t, throttle, func(t *testing.T, env *authtest.Env) {
		admin := env.CreateUser(t, "root", "root-password-1", domain.RoleAdmin)
		ctx := domain.WithActor(domain.WithRequestID(context.Background(), "req-users"), admin.ID)
		u, err := env.Users.Create(ctx, domain.NewUser{Login: "ana", Email: "ana@example.com", Password: "ana-password-1", Active: true, Roles: []string{domain.RoleViewer}})
		if err != nil {
			t.Fatal(err)
		}
		next, sales := "ana-password-2", []string{domain.RoleSales}
		if _, err := env.Users.Update(ctx, u.ID, domain.UserPatch{Password: &next, Roles: &sales}); err != nil {
			t.Fatal(err)
		}
		s := env.Session(t, "ana", "ana-password-2")
		ana := domain.Principal{UserID: u.ID, Login: "ana"}
		if err := env.Auth.ChangePassword(domain.WithActor(context.Background(), u.ID), ana, "192.0.2.1", "ana-password-2", "ana-password-3"); err != nil {
			t.Fatal(err)
		}
		if err := env.Auth.Logout(domain.WithActor(context.Background(), u.ID), ana, s.RefreshToken); err != nil {
			t.Fatal(err)
		}

		page, err := usecase.NewAuditService(gormdb.NewUnitOfWork(env.DB.DB)).List(context.Background(),
			domain.AuditFilter{ObjectType: "user", ObjectID: u.ID, ListQuery: domain.ListQuery{Limit: 50, Sort: "id"}})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range page.Items {
			actions = append(actions, e.Action)
			for _, secret := range []string{"password-", "$2a$", "hash", "stamp", s.RefreshToken, s.AccessToken} {
				if strings.Contains(string(e.Changes), secret) {
					t.Errorf("%s holds %q: %s", e.Action, secret, e.Changes)
				}
			}
		}
		want := "user.create user.set_password user.update session.login user.change_password session.logout"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("actions %q, want %q", got, want)
		}
		upd := page.Items[2]
		if upd.UserID != admin.ID || upd.RequestID != "req-users" || string(upd.Changes) != `{"roles":{"before":["viewer"],"after":["sales"]}}` {
			t.Fatalf("user.update row %+v %s", upd, upd.Changes)
		}
		if login := page.Items[3]; login.UserID != u.ID {
			t.Fatalf("session.login by %d, want the user who logged in, %d", login.UserID, u.ID)
		}
	})
}
