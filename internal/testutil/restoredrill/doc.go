// Package restoredrill is the restore drill of docs/operations.md, run as a
// test with real processes: an API and a worker with e-mail jobs pending and
// running, a dump taken with the command of docs/backup_strategy.md, the
// crash, the restore into a fresh database, both binaries restarted on it,
// and then every job finished, every e-mail delivered and the data as it was.
//
// The package has no code of its own: everything is in its _test.go files.
package restoredrill
