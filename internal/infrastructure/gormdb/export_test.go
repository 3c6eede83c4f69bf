package gormdb

// IsolationVariable exposes isolationVariable to the external tests.
var IsolationVariable = isolationVariable

// To migrates up or down to version v exactly, for tests of one migration
// that must not depend on how many come after it.
func (mg *Migrator) To(v uint) error { return mg.m.Migrate(v) }
