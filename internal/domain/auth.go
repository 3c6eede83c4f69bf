package domain

import "slices"

// Principal is the authenticated caller of a request, as the token describes
// it. Use cases receive it as an argument when they need to know who acts.
type Principal struct {
	UserID      int64
	Login       string
	Permissions []string
	// Stamp is the user's security stamp when the token was issued; the
	// token stops working once the user's stamp moves on (deactivation,
	// role or password change).
	Stamp int64
	// SessionID is the refresh-token family the token was issued for; ""
	// for a token not tied to a session.
	SessionID string
}

// Can reports whether the principal holds the permission ("resource:action").
func (p Principal) Can(permission string) bool {
	return slices.Contains(p.Permissions, permission)
}
