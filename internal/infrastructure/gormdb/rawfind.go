package gormdb

import "gorm.io/gorm"

// rawFind runs a raw query and scans its rows into dest as Raw(…).Scan
// does, without Scan's SQL recorder: Scan formats every statement with its
// arguments for the logger (a regular expression over the whole text), even
// when the logger discards it — a measurable part of the client's time under
// the hot locks of receptions and stock writes (docs/benchmarks.md).
func rawFind(db *gorm.DB, dest any, query string, args ...any) error {
	return db.Raw(query, args...).Find(dest).Error
}
