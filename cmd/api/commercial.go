package main

import (
	"time"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/usecase"
)

// commercialAreas wires third parties, proposals, orders, invoices and
// payments, their PDFs and the sales reports. Validations move stock through
// the stock use case, as DOLIGO_STOCK_TRIGGER says.
func commercialAreas(cfg config.Config, db *gormdb.DB) []api.Routes {
	uow := gormdb.NewUnitOfWork(db)
	tps := usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{AllowNegative: cfg.StockAllowNegative})
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{
		Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency,
		Stock: usecase.NewDocumentStock(stock, usecase.DocumentStockOptions{
			Trigger: domain.StockTrigger(cfg.StockTrigger), DefaultWarehouseID: cfg.DefaultWarehouseID,
		}),
	})
	// PDFs rendered in the request (GET …/pdf), archived PDFs and sending by
	// e-mail: the API lists, serves and enqueues; the worker archives and sends.
	archive := usecase.NewArchiveService(uow, usecase.ArchiveOptions{
		Render: pdf.NewRenderer(pdf.Party(cfg.Issuer()), cfg.PaymentTerms).Render, CompanyName: cfg.CompanyName,
	})
	return []api.Routes{
		api.NewThirdPartyRoutes(tps), api.NewDocumentRoutes(docs),
		api.NewDocumentPDFRoutes(archive), api.NewArchiveRoutes(archive),
		api.NewSalesReportRoutes(gormdb.NewSalesReports(db), cfg.DefaultCurrency, time.Now),
	}
}
