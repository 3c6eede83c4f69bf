package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/jwtauth"
	"github.com/doligo/doligo/internal/infrastructure/password"
	"github.com/doligo/doligo/internal/usecase"
)

// passwordCost is the bcrypt cost of new hashes; tests lower it.
var passwordCost = password.DefaultCost

// authAreas builds the token verifier and the auth and users areas. Before
// the API serves, it writes the built-in roles of the code into the database
// and creates the first administrator when there is no user at all.
func authAreas(ctx context.Context, cfg config.Config, db *gormdb.DB, uow domain.UnitOfWork, log zerolog.Logger) (api.Authenticator, []api.Routes, error) {
	if reason := gormdb.SchemaStatus(ctx, db); reason != "" {
		return nil, nil, fmt.Errorf("cannot set up users and roles: %s", reason)
	}
	tokens, err := jwtauth.New([]byte(cfg.JWTSecret), cfg.JWTIssuer, cfg.JWTTTL, time.Now)
	if err != nil {
		return nil, nil, err
	}
	hasher, err := password.NewBcrypt(passwordCost)
	if err != nil {
		return nil, nil, err
	}
	users := usecase.NewUserService(uow, hasher, time.Now)
	if err := users.SyncRoles(ctx); err != nil {
		return nil, nil, fmt.Errorf("sync built-in roles: %w", err)
	}
	created, generated, err := users.BootstrapAdmin(ctx, cfg.AdminLogin, cfg.AdminEmail, cfg.AdminPassword)
	switch {
	case err != nil:
		return nil, nil, err
	case created && generated != "":
		// The one secret ever logged: without it nobody could log in.
		log.Warn().Str("login", cfg.AdminLogin).Str("password", generated).
			Msg("created the first administrator with this generated password, shown only once: log in and change it (or set DOLIGO_ADMIN_PASSWORD before the first start)")
	case created:
		log.Info().Str("login", cfg.AdminLogin).Msg("created the first administrator")
	}
	auth, err := usecase.NewAuthService(usecase.AuthDeps{
		UoW: uow, Hasher: hasher, Tokens: tokens,
		Throttle: domain.LoginThrottle{MaxFailures: cfg.LoginMaxFailures, Lockout: cfg.LoginLockout},
		Sessions: domain.SessionPolicy{RefreshTTL: cfg.RefreshTTL},
	})
	if err != nil {
		return nil, nil, err
	}
	// Every authenticated request: the token, then its user's security stamp.
	authn, err := usecase.NewAuthenticator(tokens, uow, cfg.AuthRevocationLag, time.Now)
	if err != nil {
		return nil, nil, err
	}
	return authn, []api.Routes{api.NewAuthRoutes(auth), api.NewUserRoutes(users)}, nil
}
