package domain

import "context"

// Repositories are the stores one unit of work hands to its function, all
// bound to the same transaction so that what they write commits together.
// Each field is a small interface; features add their own field (and the
// GORM side fills it in gormdb.newRepositories).
type Repositories struct {
	Products   ProductRepository
	Warehouses WarehouseRepository
	Stock      StockRepository
	Movements  MovementRepository

	ThirdParties ThirdPartyRepository
	Contacts     ContactRepository
	Documents    DocumentRepository
	Payments     PaymentRepository
	Numbering    NumberingRepository

	BOMs                BOMRepository
	ManufacturingOrders ManufacturingOrderRepository

	Outbox  OutboxRepository  // jobs committed with the change that causes them
	Archive ArchiveRepository // rendered files of documents (the documents table)
}

// UnitOfWork runs business changes atomically.
type UnitOfWork interface {
	// Do runs fn in one transaction: committed when fn returns nil, rolled back
	// when it returns an error or panics. When the database aborts the
	// transaction for a deadlock or a serialisation failure, Do runs fn again
	// (a bounded number of times), so fn must have no effect outside the
	// repositories, or only effects that are safe to repeat. Domain errors are
	// never retried. Row locks taken through the repositories last until Do
	// returns.
	Do(ctx context.Context, fn func(ctx context.Context, r Repositories) error) error
	// Read runs fn on repositories outside any transaction, for queries: each
	// statement sees the latest committed data and nothing is locked (on
	// SQLite a read takes no write lock).
	Read(ctx context.Context, fn func(ctx context.Context, r Repositories) error) error
}
