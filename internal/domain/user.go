package domain

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Permissions are "resource:action". The token carries the caller's set; each
// route names the one it needs.
const (
	PermUsersRead           = "users:read"
	PermUsersWrite          = "users:write"
	PermThirdpartiesRead    = "thirdparties:read"
	PermThirdpartiesWrite   = "thirdparties:write"
	PermProductsRead        = "products:read"
	PermProductsWrite       = "products:write"
	PermSupplierPricesRead  = "supplier_prices:read"
	PermSupplierPricesWrite = "supplier_prices:write"
	PermStockRead           = "stock:read"
	PermStockWrite          = "stock:write"
	PermMRPRead             = "mrp:read"
	PermMRPWrite            = "mrp:write"
	PermMRPProduce          = "mrp:produce"
	PermProposalsRead       = "proposals:read"
	PermProposalsWrite      = "proposals:write"
	PermProposalsValidate   = "proposals:validate"
	PermProposalsSend       = "proposals:send"
	PermOrdersRead          = "orders:read"
	PermOrdersWrite         = "orders:write"
	PermOrdersValidate      = "orders:validate"
	PermOrdersSend          = "orders:send"
	PermInvoicesRead        = "invoices:read"
	PermInvoicesWrite       = "invoices:write"
	PermInvoicesValidate    = "invoices:validate"
	PermInvoicesSend        = "invoices:send"
	PermPaymentsWrite       = "payments:write"
	PermReportsRead         = "reports:read"
	PermDocumentsRead       = "documents:read"
	PermJobsRead            = "jobs:read"
	PermJobsAdmin           = "jobs:admin"
	PermCompanyWrite        = "company:write"
	PermAuditRead           = "audit:read"

	PermPurchaseOrdersRead     = "purchase_orders:read"
	PermPurchaseOrdersWrite    = "purchase_orders:write"
	PermPurchaseOrdersValidate = "purchase_orders:validate"
	PermPurchaseOrdersSend     = "purchase_orders:send"
	PermReceptionsWrite        = "receptions:write"

	// Shipments of customer orders (delivery notes).
	PermShipmentsRead  = "shipments:read"
	PermShipmentsWrite = "shipments:write"

	// The buy side: what suppliers bill us, and paying them.
	PermSupplierInvoicesRead     = "supplier_invoices:read"
	PermSupplierInvoicesWrite    = "supplier_invoices:write"
	PermSupplierInvoicesValidate = "supplier_invoices:validate"
	PermSupplierPaymentsWrite    = "supplier_payments:write"

	// Integrations: webhook subscriptions and their deliveries.
	PermWebhooksRead  = "webhooks:read"
	PermWebhooksWrite = "webhooks:write"

	// Money: bank accounts, their lines and statements.
	PermBankRead      = "bank:read"
	PermBankWrite     = "bank:write"
	PermBankReconcile = "bank:reconcile"
	// Exchange rates of foreign currencies to the company currency.
	PermCurrencyRatesRead  = "currency_rates:read"
	PermCurrencyRatesWrite = "currency_rates:write"
	// Accounting (docs/accounting.md).
	PermAccountingRead   = "accounting:read"
	PermAccountingWrite  = "accounting:write"
	PermAccountingClose  = "accounting:close"
	PermAccountingReopen = "accounting:reopen"
)

// Permission is one entry of the catalogue: a name and what it allows, in
// one line (GET /api/v1/permissions, docs/security.md).
type Permission struct {
	Name    string
	Meaning string
}

// permissionCatalogue is every permission, in the order docs/security.md
// lists them, with its meaning: the one place both are written, so the API,
// the documentation and the role checks cannot disagree.
var permissionCatalogue = []Permission{
	{PermUsersRead, "List and read user accounts, roles and the permission catalogue"},
	{PermUsersWrite, "Create, change and delete user accounts and custom roles; whoever holds it can grant any permission, itself included"},
	{PermThirdpartiesRead, "List and read customers, suppliers, prospects and their contacts"},
	{PermThirdpartiesWrite, "Create, change and delete third parties and their contacts; import third parties from CSV"},
	{PermProductsRead, "List and read products and services, and the VAT rates of countries"},
	{PermProductsWrite, "Create, change and delete products and services; import them from CSV"},
	{PermSupplierPricesRead, "List and read what suppliers charge for products (supplier prices)"},
	{PermSupplierPricesWrite, "Create, change and delete supplier prices"},
	{PermStockRead, "Read warehouses, stock levels and stock movements"},
	{PermStockWrite, "Manage warehouses; record stock movements, transfers and inventories"},
	{PermMRPRead, "List and read bills of materials and manufacturing orders"},
	{PermMRPWrite, "Create, change and delete bills of materials; create, validate and cancel manufacturing orders"},
	{PermMRPProduce, "Produce a manufacturing order: consume its components and stock its product"},
	{PermProposalsRead, "List and read proposals and their PDFs"},
	{PermProposalsWrite, "Create, change and delete draft proposals"},
	{PermProposalsValidate, "Validate (number), accept and refuse proposals"},
	{PermProposalsSend, "E-mail a validated proposal with its PDF to the customer"},
	{PermOrdersRead, "List and read orders and their PDFs"},
	{PermOrdersWrite, "Create, change and delete draft orders; turn a proposal into an order"},
	{PermOrdersValidate, "Validate (number) orders"},
	{PermOrdersSend, "E-mail a validated order (its confirmation) with its PDF to the customer"},
	{PermInvoicesRead, "List and read invoices, credit notes, their payments and PDFs, and recurring invoice templates"},
	{PermInvoicesWrite, "Create, change and delete draft invoices and recurring invoice templates; invoice an order; draft a credit note"},
	{PermInvoicesValidate, "Validate (number) invoices and credit notes, which may move stock"},
	{PermInvoicesSend, "E-mail an invoice with its PDF"},
	{PermPaymentsWrite, "Record and delete payments of invoices"},
	{PermShipmentsRead, "List and read shipments of orders and their delivery notes (PDF)"},
	{PermShipmentsWrite, "Ship goods of a validated order from a warehouse, which moves stock when DOLIGO_STOCK_TRIGGER is shipment"},
	{PermPurchaseOrdersRead, "List and read purchase orders, their PDFs and their receptions"},
	{PermPurchaseOrdersWrite, "Create, change and delete draft purchase orders; cancel purchase orders that received nothing"},
	{PermPurchaseOrdersValidate, "Validate (number) purchase orders"},
	{PermPurchaseOrdersSend, "E-mail a purchase order with its PDF to the supplier"},
	{PermReceptionsWrite, "Receive goods of a purchase order into a warehouse, which moves stock and average costs"},
	{PermSupplierInvoicesRead, "List and read supplier invoices, supplier credit notes and their payments"},
	{PermSupplierInvoicesWrite, "Create, change and delete draft supplier invoices; draft one from a purchase order or a supplier credit note"},
	{PermSupplierInvoicesValidate, "Validate (number) supplier invoices and supplier credit notes"},
	{PermSupplierPaymentsWrite, "Record and delete payments to suppliers (of supplier invoices and credit notes)"},
	{PermCurrencyRatesRead, "List and read the exchange rates of foreign currencies to the company currency"},
	{PermCurrencyRatesWrite, "Enter and delete exchange rates, which documents in foreign currencies and their payments take"},
	{PermReportsRead, "Read the reports: sales (by period, product and customer), top customers, stock valuation, receivables/payables aging, shipped not invoiced, purchases, VAT"},
	{PermDocumentsRead, "List and download the archived PDFs of documents"},
	{PermJobsRead, "List and read background jobs (PDF rendering, e-mails)"},
	{PermJobsAdmin, "Retry dead background jobs"},
	{PermCompanyWrite, "Change the company settings and logo printed on every document and e-mail (reading them needs only a login)"},
	{PermWebhooksRead, "List and read webhook subscriptions (never their secret) and their deliveries"},
	{PermWebhooksWrite, "Create, change and delete webhook subscriptions; redeliver an event"},
	{PermBankRead, "List and read bank accounts, their balances and lines, and the bank reports (balances, cash flow)"},
	{PermBankWrite, "Create, change and delete bank accounts, choose the default one; transfer money between accounts"},
	{PermBankReconcile, "Import bank statements and match (reconcile) their lines with bank lines"},
	{PermAuditRead, "Read the audit trail (who changed what, when) and verify the fiscal chain of validated documents and payments"},
	{PermAccountingRead, "Read the chart of accounts, the journal entries, the trial balance, general ledger, balance sheet and income statement; export the FEC"},
	{PermAccountingWrite, "Change the chart of accounts; book the period's documents and payments into the journals"},
	{PermAccountingClose, "Close an accounting month: nothing dated in it can be validated, paid, changed or booked any more"},
	{PermAccountingReopen, "Reopen a closed accounting month (audited); built-in roles: admin only"},
}

// allPermissions is the names of the catalogue, in its order.
var allPermissions = func() []string {
	names := make([]string, len(permissionCatalogue))
	for i, p := range permissionCatalogue {
		names[i] = p.Name
	}
	return names
}()

// AllPermissions returns every permission the product knows.
func AllPermissions() []string { return slices.Clone(allPermissions) }

// PermissionCatalogue returns every permission with its meaning, in the
// catalogue's order.
func PermissionCatalogue() []Permission { return slices.Clone(permissionCatalogue) }

// IsPermission reports whether name is a permission of the catalogue.
func IsPermission(name string) bool { return slices.Contains(allPermissions, name) }

// Built-in role names.
const (
	RoleAdmin      = "admin"
	RoleSales      = "sales"
	RoleWarehouse  = "warehouse"
	RoleAccountant = "accountant"
	RoleViewer     = "viewer"
	RoleBuyer      = "buyer"
)

// Role is a named set of permissions: one of the built-in roles of the code,
// or a custom role made through the API.
type Role struct {
	ID          int64 // 0 until stored
	Name        string
	Description string
	Permissions []string // sorted and unique once read from the store
	Builtin     bool     // written by SyncBuiltin at every start: read-only through the API
}

// builtinRoles is the role × permission matrix. The API copies it into the
// roles tables at start, so granting a permission is a code change here, not
// a migration; docs/security.md is generated from it (a test compares them).
// Whoever may send a document also reads jobs, to follow the sending it caused.
var builtinRoles = []Role{
	{Name: RoleAdmin, Description: "Everything, including users and the job queue", Permissions: allPermissions},
	{Name: RoleSales, Description: "Customers, proposals, orders and invoicing", Permissions: []string{
		PermThirdpartiesRead, PermThirdpartiesWrite,
		PermProductsRead, PermStockRead,
		PermProposalsRead, PermProposalsWrite, PermProposalsValidate, PermProposalsSend,
		PermOrdersRead, PermOrdersWrite, PermOrdersValidate, PermOrdersSend,
		PermInvoicesRead, PermInvoicesWrite, PermInvoicesSend,
		PermShipmentsRead,
		PermDocumentsRead, PermJobsRead, PermCurrencyRatesRead,
	}},
	{Name: RoleWarehouse, Description: "Products, stock and manufacturing", Permissions: []string{
		PermThirdpartiesRead,
		PermProductsRead, PermProductsWrite,
		PermSupplierPricesRead, PermSupplierPricesWrite,
		PermStockRead, PermStockWrite,
		PermMRPRead, PermMRPWrite, PermMRPProduce,
		PermOrdersRead, PermShipmentsRead, PermShipmentsWrite,
		PermPurchaseOrdersRead, PermReceptionsWrite,
	}},
	{Name: RoleAccountant, Description: "Invoices, supplier invoices, payments, reports and the accounting: booking, exports, closing months (reopening one is admin only)", Permissions: []string{
		PermThirdpartiesRead, PermProductsRead, PermStockRead,
		PermProposalsRead, PermOrdersRead,
		PermInvoicesRead, PermInvoicesWrite, PermInvoicesValidate, PermInvoicesSend,
		PermPaymentsWrite, PermReportsRead, PermDocumentsRead, PermJobsRead,
		PermSupplierInvoicesRead, PermSupplierInvoicesWrite, PermSupplierInvoicesValidate, PermSupplierPaymentsWrite,
		PermAuditRead, PermCurrencyRatesRead, PermCurrencyRatesWrite,
		PermBankRead, PermBankWrite, PermBankReconcile,
		PermAccountingRead, PermAccountingWrite, PermAccountingClose,
	}},
	{Name: RoleViewer, Description: "Reads business data, changes nothing", Permissions: []string{
		PermThirdpartiesRead, PermProductsRead, PermSupplierPricesRead, PermStockRead, PermMRPRead,
		PermProposalsRead, PermOrdersRead, PermShipmentsRead, PermInvoicesRead, PermSupplierInvoicesRead,
		PermReportsRead, PermDocumentsRead, PermCurrencyRatesRead,
	}},
	{Name: RoleBuyer, Description: "Suppliers, purchase orders, receptions and supplier invoices", Permissions: []string{
		PermThirdpartiesRead, PermThirdpartiesWrite,
		PermProductsRead, PermSupplierPricesRead, PermSupplierPricesWrite, PermStockRead,
		PermPurchaseOrdersRead, PermPurchaseOrdersWrite, PermPurchaseOrdersValidate, PermPurchaseOrdersSend,
		PermReceptionsWrite,
		PermSupplierInvoicesRead, PermSupplierInvoicesWrite, PermSupplierInvoicesValidate,
		PermDocumentsRead, PermJobsRead, PermCurrencyRatesRead,
	}},
}

// BuiltinRoles returns a copy of the built-in roles, admin first.
func BuiltinRoles() []Role {
	out := make([]Role, len(builtinRoles))
	for i, r := range builtinRoles {
		out[i] = Role{Name: r.Name, Description: r.Description, Permissions: slices.Clone(r.Permissions)}
	}
	return out
}

// User is an account that can log in.
type User struct {
	ID           int64
	Login        string
	Email        string
	PasswordHash string // never leaves the server
	Active       bool
	Roles        []string // role names, sorted and unique
	// SecurityStamp changes whenever the user's existing access tokens must
	// stop working: deactivation, role change, password change.
	SecurityStamp int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HasRole reports whether the user holds the role.
func (u *User) HasRole(name string) bool { return slices.Contains(u.Roles, name) }

// IsActiveAdmin reports whether the user counts towards "at least one active
// administrator must remain".
func (u *User) IsActiveAdmin() bool { return u.Active && u.HasRole(RoleAdmin) }

// Field limits, shared with the database columns.
const (
	MaxLoginLen      = 64
	MaxEmailLen      = 255
	MinPasswordLen   = 8
	MaxPasswordBytes = 72 // bcrypt ignores what follows: refuse rather than silently truncate
)

var loginPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)

// NewUser is the input of an account creation.
type NewUser struct {
	Login    string
	Email    string
	Password string
	Active   bool
	Roles    []string
}

// Check validates the fields that need no database; the roles' existence is
// the use case's to check. The result is never nil, so callers can add to it.
func (n NewUser) Check() *ValidationError {
	v := &ValidationError{}
	checkLogin(v, n.Login)
	checkEmail(v, n.Email)
	checkPassword(v, n.Password)
	checkRoles(v, n.Roles)
	return v
}

// UserPatch is a partial update; nil fields stay as they are.
type UserPatch struct {
	Email    *string
	Password *string
	Roles    *[]string
	Active   *bool
}

// Check validates the fields present in the patch. Never nil.
func (p UserPatch) Check() *ValidationError {
	v := &ValidationError{}
	if p.Email != nil {
		checkEmail(v, *p.Email)
	}
	if p.Password != nil {
		checkPassword(v, *p.Password)
	}
	if p.Roles != nil {
		checkRoles(v, *p.Roles)
	}
	return v
}

func checkLogin(v *ValidationError, login string) {
	switch {
	case login == "":
		v.Add("login", "is required")
	case len(login) > MaxLoginLen:
		v.Add("login", "must be at most %d characters", MaxLoginLen)
	case !loginPattern.MatchString(login):
		v.Add("login", "may hold only letters, digits and . _ @ -, starting with a letter or digit")
	}
}

func checkEmail(v *ValidationError, email string) {
	if email == "" {
		return // optional
	}
	if len(email) > MaxEmailLen {
		v.Add("email", "must be at most %d characters", MaxEmailLen)
		return
	}
	// ParseAddress also accepts "Name <a@b>": require the bare address.
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		v.Add("email", "must be an e-mail address")
	}
}

func checkPassword(v *ValidationError, pw string) { checkPasswordField(v, "password", pw) }

func checkPasswordField(v *ValidationError, field, pw string) {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		v.Add(field, "must be at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordBytes:
		v.Add(field, "must be at most %d bytes", MaxPasswordBytes)
	}
}

// CheckPasswordChange validates a change of one's own password: the current
// one is required and the new one follows the password rules and differs
// from it. Never nil.
func CheckPasswordChange(current, next string) *ValidationError {
	v := &ValidationError{}
	if current == "" {
		v.Add("current_password", "is required")
	}
	checkPasswordField(v, "new_password", next)
	if current != "" && next == current {
		v.Add("new_password", "must differ from the current password")
	}
	return v
}

func checkRoles(v *ValidationError, roles []string) {
	if len(roles) == 0 {
		v.Add("roles", "must name at least one role")
	}
}

// NormalizeRoles returns the role names sorted, trimmed and without duplicates.
func NormalizeRoles(roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, strings.TrimSpace(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ErrLastAdmin refuses a change that would leave no active administrator,
// and so nobody able to manage users.
func ErrLastAdmin(login string) error {
	return Conflictf("last-admin", "user %q is the last active administrator", login)
}

// ErrDuplicateLogin reports a login that is taken.
func ErrDuplicateLogin(login string) error {
	return Conflictf("duplicate-login", "login %q is already taken", login)
}

// UserReader is the read side of UserRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type UserReader interface {
	Get(ctx context.Context, id int64) (*User, error)
	// GetByLogin returns ErrNotFound when no user has the login.
	GetByLogin(ctx context.Context, login string) (*User, error)
	// List sorts by login, id or created_at; Search matches login and e-mail.
	List(ctx context.Context, q ListQuery) (Page[*User], error)
	Count(ctx context.Context) (int64, error)
	// Stamp returns the user's security stamp and whether it is active, in
	// one cheap query (it runs on every authenticated request whose cached
	// answer is older than the revocation lag); ErrNotFound when the user
	// does not exist.
	Stamp(ctx context.Context, id int64) (UserStamp, error)
}

// UserRepository stores users and their role assignments.
type UserRepository interface {
	UserReader
	// Create inserts u with its roles and sets u.ID; a taken login is
	// ErrDuplicateLogin, a role missing from the database ErrInvalid.
	Create(ctx context.Context, u *User) error
	// Save writes the fields and the role set of an existing user.
	Save(ctx context.Context, u *User) error
	Delete(ctx context.Context, id int64) error
	// LockActiveAdmins serialises every change that could remove the last
	// active administrator (until the transaction ends) and returns the ids of
	// the active administrators as they are once the lock is held.
	LockActiveAdmins(ctx context.Context) ([]int64, error)
	// BumpStampsOfRole changes the security stamp of every holder of the
	// role, so that access tokens carrying what the role granted stop working
	// within the revocation lag.
	BumpStampsOfRole(ctx context.Context, roleID int64) error
}

// RoleReader is the read side of RoleRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type RoleReader interface {
	// Names lists every role in the database, sorted.
	Names(ctx context.Context) ([]string, error)
	// Permissions returns the union of the roles' permissions, sorted.
	Permissions(ctx context.Context, roles []string) ([]string, error)
	// Get returns the role with its permissions, or a not-found problem.
	Get(ctx context.Context, id int64) (*Role, error)
	// List sorts by name or id; Search matches the name.
	List(ctx context.Context, q ListQuery) (Page[*Role], error)
	// Holders counts the users the role is assigned to.
	Holders(ctx context.Context, id int64) (int64, error)
}

// RoleRepository stores roles; the built-in ones are kept by SyncBuiltin,
// custom ones by the other writers.
type RoleRepository interface {
	RoleReader
	// SyncBuiltin makes the database hold exactly these permissions for each
	// of these roles, creating them when missing; idempotent and safe when two
	// processes run it at once. Other roles are left alone.
	SyncBuiltin(ctx context.Context, roles []Role) error
	// Lock reads the role with a row lock held until the unit of work ends,
	// so a change and a deletion of one role queue; not-found when missing.
	Lock(ctx context.Context, id int64) (*Role, error)
	// Create inserts a custom role with its permissions and sets role.ID; a
	// taken name is ErrDuplicateRole.
	Create(ctx context.Context, role *Role) error
	// Save writes the name, description and permission set of a stored role;
	// a taken name is ErrDuplicateRole.
	Save(ctx context.Context, role *Role) error
	// Delete removes the role and its permissions; a role still assigned to a
	// user is ErrRoleInUse and nothing is deleted.
	Delete(ctx context.Context, id int64) error
}

// PasswordHasher hashes passwords and checks them against a hash.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Matches reports whether password is the one hashed; a malformed hash
	// matches nothing.
	Matches(hash, password string) bool
}

// TokenIssuer signs an access token for a principal.
type TokenIssuer interface {
	Issue(p Principal) (token string, lifetime time.Duration, err error)
}
