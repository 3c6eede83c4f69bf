package main

import (
	"context"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/observability"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/infrastructure/webhook"
	"github.com/doligo/doligo/internal/usecase"
)

// newServer wires every area of the API on an open database: the one place
// that lists them, used by serve and by the tests that need the whole API.
// One unit of work serves every use case; one stock service is the only
// writer of stock, whoever moves it (manual movements, document validations,
// production).
func newServer(ctx context.Context, cfg config.Config, log zerolog.Logger, db, replica *gormdb.DB) (*echo.Echo, error) {
	proxies, err := cfg.TrustedProxyNets()
	if err != nil {
		return nil, err
	}
	// Echo gets bytes: it would read "2M" as 2,000,000 (SI), where the
	// configuration, nginx and docs/reverse_proxy.md mean 2 MiB.
	bodyLimit, err := config.ParseByteSize(cfg.HTTPBodyLimit)
	if err != nil {
		return nil, err
	}
	uow := gormdb.NewUnitOfWork(db)
	// Lists (ReadReplica) and reports read the replica when there is one;
	// everything else, reads of what a request just wrote included, the
	// primary.
	uow.Replica = replica
	reportDB := db
	if replica != nil {
		reportDB = replica
	}
	authn, authRoutes, err := authAreas(ctx, cfg, db, uow, log)
	if err != nil {
		return nil, err
	}
	jobs, err := queue.NewStore(db.SQL, db.Dialect)
	if err != nil {
		return nil, err
	}
	metrics := observability.NewMetrics(db.SQL)
	// The queue depth on the API's /metrics too: the worker's own only lives
	// while a worker does.
	queue.RegisterDepth(metrics.Registry, jobs)

	stock := usecase.NewStockService(uow, usecase.StockOptions{AllowNegative: cfg.StockAllowNegative})
	catalog := usecase.NewCatalogService(uow, time.Now)
	thirdParties := usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)
	documents := usecase.NewDocumentService(uow, usecase.DocumentOptions{
		Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency, Company: cfg.CompanyDefaults(), MaxLines: cfg.MaxDocumentLines,
		// Validations move stock as DOLIGO_STOCK_TRIGGER says.
		Stock: usecase.NewDocumentStock(stock, usecase.DocumentStockOptions{
			Trigger: domain.StockTrigger(cfg.StockTrigger), DefaultWarehouseID: cfg.DefaultWarehouseID,
		}),
	})
	renderer := pdf.NewRenderer(cfg.PaymentTerms)
	// PDFs rendered in the request (GET …/pdf), archived PDFs and sending by
	// e-mail: the API lists, serves and enqueues; the worker archives and sends.
	archive := usecase.NewArchiveService(uow, usecase.ArchiveOptions{
		Render: renderer.Render, Company: cfg.CompanyDefaults(),
	})
	// One gate for every PDF rendered in a request, whatever its route.
	renders := api.NewRenderSlots(api.RenderLimits{
		MaxConcurrent: cfg.PDFMaxConcurrent, QueueWait: cfg.PDFQueueWait, Timeout: cfg.TaskTimeout,
	})
	mrp := usecase.NewMRPService(uow, stock, time.Now)
	// Receptions of purchase orders receive through the one stock writer.
	purchase := usecase.NewPurchaseService(uow, stock, usecase.PurchaseOptions{ReceptionMask: cfg.ReceptionMask()})
	// Shipments of orders send through the one stock writer when the trigger
	// is shipment; their delivery notes render with the documents' issuer.
	shipments := usecase.NewShipmentService(uow, stock, usecase.ShipmentOptions{
		Mask: cfg.ShipmentMask(), Trigger: domain.StockTrigger(cfg.StockTrigger), Render: renderer.RenderShipment,
		Company: cfg.CompanyDefaults(),
	})

	return api.NewServer(api.Options{
		Log:            log,
		Metrics:        metrics,
		BodyLimit:      strconv.FormatInt(bodyLimit, 10),
		Ready:          db.Readiness,
		Auth:           authn,
		TrustedProxies: proxies,
		MetricsToken:   cfg.MetricsToken,
		// Expired keys are pruned by the middleware itself.
		Idempotency: api.Idempotency(usecase.NewIdempotencyService(uow), cfg.IdempotencyTTL, time.Now),
	}, append(authRoutes,
		api.NewProductRoutes(catalog, stock), api.NewWarehouseRoutes(catalog), api.NewStockRoutes(stock),
		api.NewThirdPartyRoutes(thirdParties), api.NewDocumentRoutes(documents),
		api.NewDownPaymentRoutes(documents),
		api.NewPurchaseRoutes(documents, purchase), api.NewSupplierInvoiceRoutes(documents),
		api.NewShipmentRoutes(shipments, renders),
		api.NewDocumentPDFRoutes(archive, renders), api.NewArchiveRoutes(archive),
		api.NewSalesReportRoutes(gormdb.NewSalesReports(reportDB), cfg.DefaultCurrency, time.Now),
		api.NewSalesBreakdownRoutes(gormdb.NewSalesReports(reportDB), cfg.DefaultCurrency, time.Now),
		api.NewPurchaseReportRoutes(gormdb.NewPurchaseReports(reportDB), cfg.DefaultCurrency, time.Now),
		api.NewTaxRateRoutes(), api.NewVATReportRoutes(gormdb.NewVATReports(reportDB), cfg.DefaultCurrency, time.Now),
		api.NewShipmentReportRoutes(gormdb.NewShipmentReports(reportDB), cfg.DefaultCurrency),
		api.NewBOMRoutes(mrp), api.NewManufacturingRoutes(mrp),
		api.NewStockReportRoutes(gormdb.NewStockReports(reportDB)),
		api.NewSupplierPriceRoutes(usecase.NewSupplierPriceService(uow, time.Now)),
		api.NewCurrencyRateRoutes(usecase.NewCurrencyRateService(uow, cfg.DefaultCurrency, time.Now), cfg.DefaultCurrency),
		api.NewReplenishmentRoutes(usecase.NewReplenishmentService(uow, documents)),
		api.NewJobRoutes(jobs, usecase.NewJobService(uow)),
		api.NewInvoiceTemplateRoutes(usecase.NewInvoiceTemplateService(uow, documents, archive, time.Now)),
		api.NewRoleRoutes(usecase.NewRoleService(uow)),
		api.NewCompanyRoutes(usecase.NewCompanyService(uow, cfg.CompanyDefaults(), time.Now), cfg.CompanyLogoMaxBytes()),
		api.NewImportRoutes(usecase.NewImportService(uow, time.Now), cfg.ImportMaxBytes()),
		api.NewBankStatementRoutes(usecase.NewBankStatementService(uow, time.Now), cfg.ImportMaxBytes()),
		api.NewWebhookRoutes(usecase.NewWebhookService(uow, newWebhookClient(cfg), time.Now)),
		api.NewAuditRoutes(usecase.NewAuditService(uow)),
		api.NewBankRoutes(usecase.NewBankService(uow, time.Now)),
		api.NewBankReportRoutes(gormdb.NewBankReports(reportDB), time.Now),
		api.NewAccountingRoutes(usecase.NewAccountingService(uow, cfg.DefaultCurrency, time.Now), gormdb.NewAccountingReports(reportDB), time.Now),
	)...), nil
}

// newWebhookClient is the client that checks webhook targets (the API) and
// sends deliveries (the worker).
func newWebhookClient(cfg config.Config) *webhook.Client {
	return webhook.New(webhook.Options{
		Timeout: min(cfg.WebhookTimeout, cfg.TaskTimeout), AllowPrivate: cfg.WebhookAllowPrivate,
		MaxBody: domain.MaxWebhookResponseBody, UserAgent: "Doligo-Webhooks/" + version,
	})
}
