package gormdb

// IsolationVariable exposes isolationVariable to the external tests.
var IsolationVariable = isolationVariable

// ReceivedStockMySQL exposes receivedStockMySQL to the plan test.
var ReceivedStockMySQL = receivedStockMySQL
