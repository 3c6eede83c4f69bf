package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Every permission has a meaning of one line, fit for a Markdown table cell.
func TestPermissionCatalogue(t *testing.T) {
	cat := PermissionCatalogue()
	if len(cat) != len(AllPermissions()) {
		t.Fatalf("%d entries, %d permissions", len(cat), len(AllPermissions()))
	}
	for i, p := range cat {
		if p.Name != AllPermissions()[i] || !IsPermission(p.Name) {
			t.Errorf("entry %d is %q", i, p.Name)
		}
		if p.Meaning == "" || strings.ContainsAny(p.Meaning, "\n|") || len(p.Meaning) > 160 {
			t.Errorf("%s: meaning %q is not one short line", p.Name, p.Meaning)
		}
	}
	cat[0].Meaning = "changed"
	if PermissionCatalogue()[0].Meaning == "changed" {
		t.Error("the catalogue is shared with callers")
	}
	if IsPermission("users:delete") || IsPermission("") {
		t.Error("IsPermission accepts names outside the catalogue")
	}
}

func TestNewRoleCheck(t *testing.T) {
	for _, tc := range []struct {
		in   NewRole
		want []string
	}{
		{NewRole{Name: "auditor", Permissions: []string{PermUsersRead}}, nil},
		{NewRole{Name: "a.b_c-1", Permissions: []string{}}, nil},
		{NewRole{Name: "", Permissions: nil}, []string{"name", "permissions"}},
		{NewRole{Name: "Auditor", Permissions: []string{PermUsersRead}}, []string{"name"}},
		{NewRole{Name: "-x", Permissions: []string{}}, []string{"name"}},
		{NewRole{Name: "a b", Permissions: []string{}}, []string{"name"}},
		{NewRole{Name: strings.Repeat("a", 65), Permissions: []string{}}, []string{"name"}},
		{NewRole{Name: strings.Repeat("a", 64), Description: strings.Repeat("é", 255), Permissions: []string{}}, nil},
		{NewRole{Name: "x", Description: strings.Repeat("é", 256), Permissions: []string{}}, []string{"description"}},
		{NewRole{Name: "x", Permissions: []string{PermStockRead, "stock:fly", PermStockRead, ""}}, []string{"permissions[1]", "permissions[3]"}},
	} {
		if got := fieldsOf(tc.in.Check().OrNil()); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: fields %v, want %v", tc.in, got, tc.want)
		}
	}
	r := NewRole{Name: "x", Permissions: []string{PermStockWrite, PermStockRead, PermStockWrite}}.Role()
	if !slices.Equal(r.Permissions, []string{PermStockRead, PermStockWrite}) || r.Builtin || r.ID != 0 {
		t.Errorf("role %+v", r)
	}
	if p := (NewRole{Name: "x", Permissions: []string{}}).Role().Permissions; p == nil || len(p) != 0 {
		t.Errorf("empty permissions %#v", p)
	}
}

func TestRolePatchAndDelete(t *testing.T) {
	name, badName, bad := "renamed", "Bad Name", []string{PermStockRead, "nope"}
	if got := fieldsOf(RolePatch{Name: &badName, Permissions: &bad}.Check().OrNil()); !slices.Equal(got, []string{"name", "permissions[1]"}) {
		t.Errorf("fields %v", got)
	}
	if err := (RolePatch{}).Check().OrNil(); err != nil {
		t.Errorf("empty patch: %v", err)
	}

	custom := &Role{ID: 7, Name: "auditor", Permissions: []string{PermUsersRead}}
	perms := []string{PermStockRead, PermProductsRead, PermStockRead}
	if err := custom.Apply(RolePatch{Name: &name, Permissions: &perms}); err != nil {
		t.Fatal(err)
	}
	if custom.Name != "renamed" || !slices.Equal(custom.Permissions, []string{PermProductsRead, PermStockRead}) {
		t.Errorf("patched %+v", custom)
	}
	if err := custom.CheckDelete(0); err != nil {
		t.Errorf("delete unheld custom role: %v", err)
	}
	var p *Problem
	if err := custom.CheckDelete(2); !errors.As(err, &p) || p.Code != "in-use" || !errors.Is(err, ErrConflict) {
		t.Errorf("delete held role: %v", err)
	}

	builtin := &Role{ID: 1, Name: RoleViewer, Permissions: []string{PermStockRead}, Builtin: true}
	for _, err := range []error{builtin.Apply(RolePatch{}), builtin.Apply(RolePatch{Name: &name}), builtin.CheckDelete(0), builtin.CheckDelete(3)} {
		if !errors.As(err, &p) || p.Code != "built-in-role" || !errors.Is(err, ErrConflict) {
			t.Errorf("built-in role change: %v", err)
		}
	}
	if builtin.Name != RoleViewer {
		t.Error("a refused patch changed the role")
	}
}
