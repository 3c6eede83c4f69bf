package main

import (
	"time"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/usecase"
)

// catalogStockAreas wires products, warehouses and the stock ledger.
func catalogStockAreas(cfg config.Config, db *gormdb.DB) []api.Routes {
	uow := gormdb.NewUnitOfWork(db)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{AllowNegative: cfg.StockAllowNegative})
	return []api.Routes{api.NewProductRoutes(catalog, stock), api.NewWarehouseRoutes(catalog), api.NewStockRoutes(stock)}
}
