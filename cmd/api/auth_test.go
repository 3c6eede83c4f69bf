package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Two starts on an empty database: the first creates the administrator and
// logs its generated password once, at WARN; the second creates nothing and
// logs no password.
func TestAuthAreasBootstrapOnce(t *testing.T) {
	passwordCost = bcrypt.MinCost
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			cfg := config.Config{
				JWTSecret: strings.Repeat("k", 32), JWTIssuer: "doligo", JWTTTL: time.Minute,
				AdminLogin: "boss", AdminEmail: "boss@example.com", LoginMaxFailures: 5, LoginLockout: time.Minute,
				RefreshTTL: time.Hour, AuthRevocationLag: time.Second,
			}
			var logs bytes.Buffer
			for range 2 {
				authn, areas, err := authAreas(t.Context(), cfg, db.DB, gormdb.NewUnitOfWork(db.DB), zerolog.New(&logs))
				if err != nil || authn == nil || len(areas) != 2 {
					t.Fatalf("authAreas = %v, %d areas, %v", authn, len(areas), err)
				}
			}
			var withPassword []map[string]any
			for line := range strings.Lines(logs.String()) {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatal(err)
				}
				if m["password"] != nil {
					withPassword = append(withPassword, m)
				}
			}
			if len(withPassword) != 1 || withPassword[0]["level"] != "warn" || withPassword[0]["login"] != "boss" {
				t.Fatalf("log lines with a password: %v (all: %s)", withPassword, logs.String())
			}
			var n int64
			if err := db.Gorm.Raw("SELECT COUNT(*) FROM users").Scan(&n).Error; err != nil || n != 1 {
				t.Fatalf("%d users, %v", n, err)
			}
		})
	}
}
