package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// goTool is the go command on PATH, as make and .ci/run set it.
func goTool(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the layer check runs `go list`: %v", err)
	}
	return p
}

// The module keeps its layer rules (make lint runs this).
func TestLayers(t *testing.T) {
	pkgs, err := Load(goTool(t), "../..", "./...")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 || !slices.ContainsFunc(pkgs, func(p Package) bool { return p.ImportPath == Module+"/internal/domain" }) {
		t.Fatalf("go list found %d packages, not the module's", len(pkgs))
	}
	seen := map[string]bool{}
	for _, v := range Check(pkgs, Rules) {
		if _, pending := pendingFixes[v.Key()]; pending {
			seen[v.Key()] = true
			continue
		}
		t.Error(v)
	}
	for k := range pendingFixes {
		if !seen[k] {
			t.Errorf("pendingFixes lists %s, which no longer occurs: remove it", k)
		}
	}
}

// The checker refuses each kind of leak, and lets the allowed imports be.
func TestCheckRejectsLeaks(t *testing.T) {
	m := Module + "/"
	pkgs := []Package{
		{ImportPath: m + "internal/domain", Imports: []string{"context", "time", "github.com/shopspring/decimal", "gorm.io/gorm"},
			TestImports: []string{"testing", m + "internal/testutil/testdb", "github.com/labstack/echo/v4"}},
		{ImportPath: m + "internal/usecase", Imports: []string{
			"context", m + "internal/domain", m + "internal/usecase/jobrun", "github.com/rs/zerolog",
			"github.com/shopspring/decimal", m + "internal/infrastructure/gormdb", "github.com/prometheus/client_golang/prometheus",
		}},
		{ImportPath: m + "internal/usecase/jobrun", Imports: []string{"github.com/labstack/echo/v4", m + "internal/api"}},
		{ImportPath: m + "internal/api", Imports: []string{
			"net/http", "github.com/labstack/echo/v4", m + "internal/usecase", m + "internal/infrastructure/observability",
			m + "internal/infrastructure/queue", "gorm.io/gorm/clause", "github.com/jackc/pgx/v5/pgconn",
		}, TestImports: []string{m + "internal/infrastructure/gormdb"}}, // the API's tests may use a real database
		{ImportPath: m + "cmd/worker", Imports: []string{m + "internal/infrastructure/mailer", m + "internal/api", m + "cmd/worker/internal"}},
		{ImportPath: m + "cmd/api", Imports: []string{m + "internal/api", m + "internal/infrastructure/mailer", m + "cmd/worker"}},
		{ImportPath: m + "internal/infrastructure/gormdb", Imports: []string{"gorm.io/gorm", "github.com/jackc/pgx/v5"}},
	}
	var got []string
	for _, v := range Check(pkgs, Rules) {
		got = append(got, v.Key())
		if !strings.Contains(v.String(), v.Rule) || !strings.Contains(v.String(), v.Import) {
			t.Errorf("message %q names neither the rule nor the import", v)
		}
	}
	want := []string{
		m + "internal/domain -> gorm.io/gorm",
		m + "internal/domain -> github.com/labstack/echo/v4",
		m + "internal/usecase -> " + m + "internal/infrastructure/gormdb",
		m + "internal/usecase -> github.com/prometheus/client_golang/prometheus",
		m + "internal/usecase/jobrun -> github.com/labstack/echo/v4",
		m + "internal/usecase/jobrun -> " + m + "internal/api",
		m + "internal/api -> " + m + "internal/infrastructure/queue",
		m + "internal/api -> gorm.io/gorm/clause",
		m + "internal/api -> github.com/jackc/pgx/v5/pgconn",
		m + "cmd/worker -> " + m + "internal/api",
		m + "cmd/api -> " + m + "internal/infrastructure/mailer",
		m + "cmd/api -> " + m + "cmd/worker",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
