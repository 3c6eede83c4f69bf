package main

import (
	"time"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/usecase"
)

// manufacturingAreas wires bills of materials, manufacturing orders (which
// change stock through their own StockService: it holds no state but its
// options) and the stock valuation report.
func manufacturingAreas(cfg config.Config, db *gormdb.DB) []api.Routes {
	uow := gormdb.NewUnitOfWork(db)
	stock := usecase.NewStockService(uow, usecase.StockOptions{AllowNegative: cfg.StockAllowNegative})
	mrp := usecase.NewMRPService(uow, stock, time.Now)
	return []api.Routes{
		api.NewBOMRoutes(mrp), api.NewManufacturingRoutes(mrp),
		api.NewStockReportRoutes(gormdb.NewStockReports(db)),
	}
}
