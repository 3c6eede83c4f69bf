package domain

import "slices"

// Principal is the authenticated caller of a request, as the token describes
// it. Use cases receive it as an argument when they need to know who acts.
type Principal struct {
	UserID      int64
	Login       string
	Permissions []string
}

// Can reports whether the principal holds the permission ("resource:action").
func (p Principal) Can(permission string) bool {
	return slices.Contains(p.Permissions, permission)
}
