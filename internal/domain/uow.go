package domain

import "context"

// Repositories are the stores one unit of work hands to its function, all
// bound to the same transaction so that what they write commits together.
// Each field is a small interface; features add their own field (and the
// GORM side fills it in gormdb.newRepositories), and its read half to Readers.
type Repositories struct {
	Products   ProductRepository
	Warehouses WarehouseRepository
	Stock      StockRepository
	Movements  MovementRepository

	SupplierPrices SupplierPriceRepository
	StockNeeds     StockNeedReader // the replenishment query; reads only

	ThirdParties  ThirdPartyRepository
	Contacts      ContactRepository
	Documents     DocumentRepository
	Payments      PaymentRepository
	CurrencyRates CurrencyRateRepository // exchange rates to the company currency
	Numbering     NumberingRepository
	Receptions    ReceptionRepository // goods received on purchase orders
	Shipments     ShipmentRepository  // goods sent on customer orders

	InvoiceTemplates InvoiceTemplateRepository // recurring invoices and the periods they generated

	BOMs                BOMRepository
	ManufacturingOrders ManufacturingOrderRepository

	Users         UserRepository
	Roles         RoleRepository
	LoginFailures LoginFailureRepository
	RefreshTokens RefreshTokenRepository // sessions
	Idempotency   IdempotencyRepository  // Idempotency-Key records

	Outbox  OutboxRepository  // jobs committed with the change that causes them
	Archive ArchiveRepository // rendered files of documents (the documents table)
	Company CompanyRepository // the issuer's settings (one row)

	Events   EventRepository   // webhook events, emitted with the change that causes them
	Webhooks WebhookRepository // webhook subscriptions and their deliveries
	Audit    AuditRepository   // the audit trail and the fiscal chain, written at commit

	BankAccounts   BankAccountRepository // locked after documents, stock and numbering
	BankLines      BankLineRepository
	BankStatements BankStatementRepository // imported bank statements and their reconciliation
	Accounting     AccountingRepository    // chart of accounts, bookings and their entries
	Periods        PeriodRepository        // closed accounting months: the period guard
}

// Readers are the read halves of the repositories, which is all Read hands
// out: a read path cannot lock, write or enqueue, because those methods are
// not there to call.
type Readers struct {
	Products   ProductReader
	Warehouses WarehouseReader
	Stock      StockReader
	Movements  MovementReader

	SupplierPrices SupplierPriceReader
	StockNeeds     StockNeedReader

	ThirdParties  ThirdPartyReader
	Contacts      ContactReader
	Documents     DocumentReader
	Payments      PaymentReader
	CurrencyRates CurrencyRateReader
	Receptions    ReceptionReader
	Shipments     ShipmentReader

	InvoiceTemplates InvoiceTemplateReader

	BOMs                BOMReader
	ManufacturingOrders ManufacturingOrderReader

	Users         UserReader
	Roles         RoleReader
	LoginFailures LoginFailureReader
	RefreshTokens RefreshTokenReader
	Idempotency   IdempotencyReader

	Archive ArchiveReader
	Company CompanyReader

	Webhooks WebhookReader
	Audit    AuditReader

	BankAccounts   BankAccountReader
	BankLines      BankLineReader
	BankStatements BankStatementReader
	Accounting     AccountingReader
	Periods        PeriodReader
}

// Readers returns the read halves of r, for a helper that reads and is called
// both inside Do and from Read.
func (r Repositories) Readers() Readers {
	return Readers{
		Products: r.Products, Warehouses: r.Warehouses, Stock: r.Stock, Movements: r.Movements,
		SupplierPrices: r.SupplierPrices, StockNeeds: r.StockNeeds,
		ThirdParties: r.ThirdParties, Contacts: r.Contacts, Documents: r.Documents, Payments: r.Payments,
		Receptions: r.Receptions, Shipments: r.Shipments, BOMs: r.BOMs, ManufacturingOrders: r.ManufacturingOrders,
		Users: r.Users, Roles: r.Roles, LoginFailures: r.LoginFailures, RefreshTokens: r.RefreshTokens,
		Idempotency: r.Idempotency, Archive: r.Archive, InvoiceTemplates: r.InvoiceTemplates, Company: r.Company,
		Webhooks: r.Webhooks, CurrencyRates: r.CurrencyRates,
		Audit:        r.Audit,
		BankAccounts: r.BankAccounts, BankLines: r.BankLines, BankStatements: r.BankStatements,
		Accounting: r.Accounting, Periods: r.Periods,
	}
}

// UnitOfWork runs business changes atomically, and queries.
type UnitOfWork interface {
	// Do runs fn in one transaction: committed when fn returns nil, rolled
	// back when it returns an error or panics. When the database aborts the
	// transaction for a deadlock or a serialisation failure, Do runs fn again
	// (a bounded number of times), so fn must have no effect outside the
	// repositories, or only effects that are safe to repeat. Domain errors are
	// never retried. Row locks taken through the repositories last until Do
	// returns.
	Do(ctx context.Context, fn func(ctx context.Context, r Repositories) error) error
	// Read runs fn on the read halves of the repositories, outside any
	// transaction, for queries: each statement sees the latest committed data
	// and nothing is locked (on SQLite a read takes no write lock).
	Read(ctx context.Context, fn func(ctx context.Context, r Readers) error) error
	// ReadReplica is Read on the read replica when one is configured
	// (DOLIGO_DB_READ_DSN), else on the primary like Read. A replica lags
	// the primary by its replication delay, so it is for lists, reports and
	// exports — what a client browses — never for reading back what the
	// same operation wrote.
	ReadReplica(ctx context.Context, fn func(ctx context.Context, r Readers) error) error
}
