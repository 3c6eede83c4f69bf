// Package backupdoc proves docs/backup_strategy.md: its tests run the bash
// blocks of the document exactly as written against real PostgreSQL and
// MariaDB databases that the product itself filled, and check that a restore
// brings back every row of every table, that a failing dump is reported as a
// failure and leaves no file, and that rotation deletes only old backups.
//
// The package has no code of its own: everything is in its _test.go files.
package backupdoc
