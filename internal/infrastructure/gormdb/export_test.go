package gormdb

// IsolationVariable exposes isolationVariable to the external tests.
var IsolationVariable = isolationVariable
