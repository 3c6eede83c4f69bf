// Package archtest holds the layer rules of the module as a table, and the
// checker that `make lint` runs over the direct imports of every package (go
// list -json). A rule fails with a message naming the package, the import
// and the rule it breaks.
//
// What is checked: the imports of each package's own files, and for rules
// with Tests set, those of its in-package test files too (package domain's
// tests are part of package domain). External test packages (package
// usecase_test) are not checked: they use the package as a caller would,
// and the integration tests among them wire real adapters (gormdb on a
// throw-away database). Test files may always import the test helpers under
// internal/testutil.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Module is the import path of this module.
const Module = "github.com/doligo/doligo"

// std stands for every standard-library package in Allow.
const std = "std"

// Rule restricts the direct imports of the packages it covers. A pattern is
// an import path, or a path ending in "/..." for it and everything below it.
type Rule struct {
	Name     string
	Packages []string // the packages it covers
	Allow    []string // when not empty, only these imports (std: the standard library)
	Forbid   []string // these imports are refused…
	Except   []string // …but these of them are fine
	Tests    bool     // also check the imports of in-package test files
}

const (
	domain  = Module + "/internal/domain/..."
	usecase = Module + "/internal/usecase/..."
)

// drivers are the database drivers, which only gormdb (and its tests) open.
var drivers = []string{
	"github.com/jackc/pgx/...", "github.com/go-sql-driver/mysql/...", "modernc.org/sqlite/...",
	"github.com/mattn/go-sqlite3/...", "github.com/lib/pq/...",
}

// Rules are the layer rules of docs/architecture.md.
var Rules = []Rule{
	{
		Name:     "the domain depends on the standard library and decimal only",
		Packages: []string{domain},
		Allow:    []string{std, "github.com/shopspring/decimal", domain},
		Tests:    true,
	},
	{
		// An allow-list, so that frameworks, drivers and adapters (gorm, echo,
		// pgx, mysql, sqlite, prometheus, go-mail, maroto, golang-jwt,
		// internal/infrastructure/..., internal/api) are all refused, and so is
		// any library nobody has argued for yet.
		Name:     "use cases depend on the domain, each other, decimal and zerolog only: no framework, driver or infrastructure",
		Packages: []string{usecase},
		Allow:    []string{std, domain, usecase, "github.com/shopspring/decimal", "github.com/rs/zerolog"},
		Tests:    true,
	},
	{
		Name:     "the HTTP layer reaches the database through use cases only: no persistence package",
		Packages: []string{Module + "/internal/api/..."},
		Forbid: append([]string{
			Module + "/internal/infrastructure/gormdb/...", Module + "/internal/infrastructure/queue/...", "gorm.io/...",
		}, drivers...),
	},
	{
		Name:     "the worker does not import the API's adapter (internal/api)",
		Packages: []string{Module + "/cmd/worker/..."},
		Forbid:   []string{Module + "/internal/api/..."},
	},
	{
		Name:     "the API does not import the worker-only adapters (mailer)",
		Packages: []string{Module + "/cmd/api/..."},
		Forbid:   []string{Module + "/internal/infrastructure/mailer/..."},
	},
	{
		Name:     "a binary does not import another binary",
		Packages: []string{Module + "/cmd/api/..."},
		Forbid:   []string{Module + "/cmd/..."},
		Except:   []string{Module + "/cmd/api/..."},
	},
	{
		Name:     "a binary does not import another binary",
		Packages: []string{Module + "/cmd/worker/..."},
		Forbid:   []string{Module + "/cmd/..."},
		Except:   []string{Module + "/cmd/worker/..."},
	},
}

// pendingFixes are violations known when the rules were written, each to be
// removed by the change that fixes it, keyed by Violation.Key. An entry that
// no longer occurs fails the check too, so the list only shrinks.
var pendingFixes = map[string]string{}

// testHelpers may be imported by any test file.
const testHelpers = Module + "/internal/testutil/..."

// Package is what the checker reads of `go list -json`.
type Package struct {
	ImportPath  string
	Imports     []string
	TestImports []string
}

// Violation is one import a rule refuses.
type Violation struct {
	Package, Import, Rule string
	Test                  bool // by an in-package test file
}

// Key identifies v in pendingFixes.
func (v Violation) Key() string { return v.Package + " -> " + v.Import }

func (v Violation) String() string {
	by := ""
	if v.Test {
		by = " (in a test file)"
	}
	return fmt.Sprintf("%s imports %s%s: breaks the rule %q",
		strings.TrimPrefix(v.Package, Module+"/"), v.Import, by, v.Rule)
}

// Check returns the imports of pkgs that rules refuse.
func Check(pkgs []Package, rules []Rule) []Violation {
	var out []Violation
	for _, p := range pkgs {
		for _, r := range rules {
			if !matchAny(r.Packages, p.ImportPath) {
				continue
			}
			for _, imp := range p.Imports {
				if !r.allows(imp, false) {
					out = append(out, Violation{Package: p.ImportPath, Import: imp, Rule: r.Name})
				}
			}
			if !r.Tests {
				continue
			}
			for _, imp := range p.TestImports {
				if !r.allows(imp, true) {
					out = append(out, Violation{Package: p.ImportPath, Import: imp, Rule: r.Name, Test: true})
				}
			}
		}
	}
	return out
}

func (r Rule) allows(imp string, test bool) bool {
	if test && match(testHelpers, imp) {
		return true
	}
	if len(r.Allow) > 0 && !matchAny(r.Allow, imp) {
		return false
	}
	return !matchAny(r.Forbid, imp) || matchAny(r.Except, imp)
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if match(p, path) {
			return true
		}
	}
	return false
}

func match(pattern, path string) bool {
	if pattern == std {
		// The standard library's paths have no dot in their first element.
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".")
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// Load lists the packages matching patterns (e.g. "./...") of the module in
// dir with their direct imports, by running `go list -json`.
func Load(goCmd, dir string, patterns ...string) ([]Package, error) {
	cmd := exec.Command(goCmd, append([]string{"list", "-json"}, patterns...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	var pkgs []Package
	for dec := json.NewDecoder(&stdout); ; {
		var p Package
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			return pkgs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
}
