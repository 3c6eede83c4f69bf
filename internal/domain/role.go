package domain

import (
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"
)

// Field limits of a role, shared with the roles table.
const (
	MaxRoleNameLen        = 64
	MaxRoleDescriptionLen = 255
)

// Role names are lowercase like the built-in ones, so two roles cannot differ
// only by case (MySQL's binary collation would keep both, PostgreSQL too, and
// a person choosing a role by name would not tell them apart).
var roleNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// NewRole is the input of a custom role's creation.
type NewRole struct {
	Name        string
	Description string
	Permissions []string // nil means absent: required
}

// Check validates every field; the result is never nil.
func (n NewRole) Check() *ValidationError {
	v := &ValidationError{}
	checkRoleName(v, n.Name)
	checkRoleDescription(v, n.Description)
	if n.Permissions == nil {
		v.Add("permissions", "is required (an empty list grants nothing)")
	}
	checkPermissions(v, n.Permissions)
	return v
}

// Role returns the custom role n describes, permissions sorted and unique.
func (n NewRole) Role() *Role {
	return &Role{Name: n.Name, Description: n.Description, Permissions: NormalizePermissions(n.Permissions)}
}

// RolePatch is a partial update of a custom role; nil fields stay as they are.
type RolePatch struct {
	Name        *string
	Description *string
	Permissions *[]string // replaces the whole set
}

// Check validates the fields present in the patch. Never nil.
func (p RolePatch) Check() *ValidationError {
	v := &ValidationError{}
	if p.Name != nil {
		checkRoleName(v, *p.Name)
	}
	if p.Description != nil {
		checkRoleDescription(v, *p.Description)
	}
	if p.Permissions != nil {
		checkPermissions(v, *p.Permissions)
	}
	return v
}

// Apply changes r as the patch says. Built-in roles belong to the code (the
// next start would undo any change), so they refuse every patch, even an
// empty one: the answer does not depend on what the patch holds.
func (r *Role) Apply(p RolePatch) error {
	if r.Builtin {
		return ErrBuiltinRole(r.Name)
	}
	if p.Name != nil {
		r.Name = *p.Name
	}
	if p.Description != nil {
		r.Description = *p.Description
	}
	if p.Permissions != nil {
		r.Permissions = NormalizePermissions(*p.Permissions)
	}
	return nil
}

// Narrows reports whether the role grants now less than it did when it held
// before: its holders' tokens carry permissions it no longer gives.
func (r *Role) Narrows(before []string) bool {
	for _, p := range before {
		if !slices.Contains(r.Permissions, p) {
			return true
		}
	}
	return false
}

// CheckDelete refuses to delete a built-in role (the next start would create
// it again, and its holders would lose their permissions meanwhile) or one
// that users still hold (deleting it would silently take their permissions
// away; unassign it first).
func (r *Role) CheckDelete(holders int64) error {
	if r.Builtin {
		return ErrBuiltinRole(r.Name)
	}
	if holders > 0 {
		return ErrRoleInUse(r.Name, holders)
	}
	return nil
}

func checkRoleName(v *ValidationError, name string) {
	switch {
	case name == "":
		v.Add("name", "is required")
	case len(name) > MaxRoleNameLen:
		v.Add("name", "must be at most %d characters", MaxRoleNameLen)
	case !roleNamePattern.MatchString(name):
		v.Add("name", "may hold only lowercase letters, digits and . _ -, starting with a letter or digit")
	}
}

func checkRoleDescription(v *ValidationError, d string) {
	if utf8.RuneCountInString(d) > MaxRoleDescriptionLen {
		v.Add("description", "must be at most %d characters", MaxRoleDescriptionLen)
	}
}

// checkPermissions names each unknown entry by its index, so a client can
// point at the one it got wrong.
func checkPermissions(v *ValidationError, perms []string) {
	for i, p := range perms {
		if !IsPermission(p) {
			v.Add(fmt.Sprintf("permissions[%d]", i), "unknown permission %q (GET /api/v1/permissions lists them)", p)
		}
	}
}

// NormalizePermissions returns the permissions sorted and without
// duplicates, never nil.
func NormalizePermissions(perms []string) []string {
	out := slices.Clone(perms)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ErrBuiltinRole refuses a change to a role of the code.
func ErrBuiltinRole(name string) error {
	return Conflictf("built-in-role", "role %q is built in and cannot be changed or deleted", name)
}

// ErrDuplicateRole reports a role name that is taken.
func ErrDuplicateRole(name string) error {
	return Conflictf("duplicate-role", "role name %q is already taken", name)
}

// ErrRoleInUse refuses to delete a role that users hold.
func ErrRoleInUse(name string, holders int64) error {
	return Conflictf("in-use", "role %q is assigned to %d user(s): unassign it first", name, holders)
}
