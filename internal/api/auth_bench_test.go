package api_test

// Authentication figure of docs/benchmarks.md:
//
//	go test -run '^$' -bench BenchmarkHTTPGetProductAuth -benchtime 3s ./internal/api/
//
// 16 clients read one product (GET /api/v1/products/{id}, with its stock)
// from an in-process server on the loopback interface, backed by
// PostgreSQL, through the whole middleware chain, with four authenticators:
// the test double (no check at all), the JWT verification alone, and the
// JWT plus the revocation check (the user's security stamp) with the default
// lag of 5 s (a database read per user and process every 5 s) and with lag 0
// (a read on every request, the worst case).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/jwtauth"
	"github.com/doligo/doligo/internal/infrastructure/observability"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/authtest"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

func BenchmarkHTTPGetProductAuth(b *testing.B) {
	if !slices.Contains(testdb.Dialects(), sqldialect.Postgres) {
		b.Skip("postgres is not in TEST_DIALECTS")
	}
	db := testdb.Migrated(b, sqldialect.Postgres)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	ctx := context.Background()
	w := &domain.Warehouse{Ref: "AUTH", Label: "auth bench"}
	if err := catalog.CreateWarehouse(ctx, w); err != nil {
		b.Fatal(err)
	}
	p := &domain.Product{Ref: "AUTH-1", Label: "auth bench", Type: domain.ProductTypeProduct, TrackStock: true, Active: true}
	if err := catalog.CreateProduct(ctx, p); err != nil {
		b.Fatal(err)
	}
	op, _ := domain.NewStockMovement(p.ID, w.ID, decimal.New(1, 3), decimal.NullDecimal{}, "opening")
	if _, err := stock.Apply(ctx, domain.Principal{UserID: 1}, op); err != nil {
		b.Fatal(err)
	}
	env := authtest.New(b, db, domain.LoginThrottle{MaxFailures: 5, Lockout: time.Minute})
	u := env.CreateUser(b, "bench", "bench-password", domain.RoleViewer)
	tokens, err := jwtauth.New(authtest.Secret, authtest.Issuer, time.Hour, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	jwt, _, err := tokens.Issue(domain.Principal{UserID: u.ID, Login: u.Login, Permissions: domain.AllPermissions(), Stamp: u.SecurityStamp})
	if err != nil {
		b.Fatal(err)
	}
	revocation := func(lag time.Duration) api.Authenticator {
		a, err := usecase.NewAuthenticator(tokens, uow, lag, time.Now)
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	for _, c := range []struct {
		name  string
		auth  api.Authenticator
		token string
	}{
		{"double", stockAuth{}, "all"},
		{"jwt", tokens, jwt},
		{"jwt+stamp/lag=5s", revocation(5 * time.Second), jwt},
		{"jwt+stamp/lag=0", revocation(0), jwt},
	} {
		e := api.NewServer(api.Options{
			Log: zerolog.Nop(), Metrics: observability.NewMetrics(nil), BodyLimit: "1M", Auth: c.auth,
		}, api.NewProductRoutes(catalog, stock))
		srv := httptest.NewServer(e)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: httpBenchClients}}
		url := fmt.Sprintf("%s/api/v1/products/%d", srv.URL, p.ID)
		get := func(int64) error {
			req, err := http.NewRequest(http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+c.token)
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			msg, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d: %s", res.StatusCode, msg)
			}
			return nil
		}
		b.Run(c.name, func(b *testing.B) { runClients(b, func(uint64) int64 { return p.ID }, get) })
		client.CloseIdleConnections()
		srv.Close()
	}
}

// BenchmarkAuthenticate is the authenticators alone, one call per
// operation, without HTTP: what the revocation check adds to each request.
func BenchmarkAuthenticate(b *testing.B) {
	if !slices.Contains(testdb.Dialects(), sqldialect.Postgres) {
		b.Skip("postgres is not in TEST_DIALECTS")
	}
	db := testdb.Migrated(b, sqldialect.Postgres)
	uow := gormdb.NewUnitOfWork(db.DB)
	env := authtest.New(b, db, domain.LoginThrottle{MaxFailures: 5, Lockout: time.Minute})
	u := env.CreateUser(b, "bench", "bench-password", domain.RoleViewer)
	tokens, err := jwtauth.New(authtest.Secret, authtest.Issuer, time.Hour, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	jwt, _, err := tokens.Issue(domain.Principal{UserID: u.ID, Login: u.Login, Permissions: domain.AllPermissions()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		lag  time.Duration
	}{{"jwt", -1}, {"jwt+stamp/lag=5s", 5 * time.Second}, {"jwt+stamp/lag=0", 0}} {
		var a api.Authenticator = tokens
		if c.lag >= 0 {
			if a, err = usecase.NewAuthenticator(tokens, uow, c.lag, time.Now); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := a.Authenticate(ctx, jwt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
