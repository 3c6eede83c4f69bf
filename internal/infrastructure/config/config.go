// Package config is the only place that reads the environment. Both binaries
// load one typed Config once at start-up; an invalid value stops start-up with a
// message that names the variable.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// Prefix is the common prefix of every variable.
const Prefix = "DOLIGO"

// Config is every setting of the API and the worker. The `envconfig` tag is the
// variable name without the prefix; docs/configuration.md must list each one
// with the same default (a test compares them).
type Config struct {
	DBDriver string `envconfig:"DB_DRIVER" default:"sqlite"`
	DBDSN    string `envconfig:"DB_DSN" default:"file:data/doligo.db"`
	// DBReadDSN, when set, is a streaming replica of DB_DSN that the API's
	// lists, reports and CSV exports read (same driver, same pool sizes).
	DBReadDSN      string `envconfig:"DB_READ_DSN"`
	DBMaxOpenConns int    `envconfig:"DB_MAX_OPEN_CONNS" default:"20"`
	// DBMaxIdleConns defaults to DB_MAX_OPEN_CONNS' default: fewer, and a
	// burst closes every connection past it as it comes back and opens it
	// again for the next request (a PostgreSQL backend started, its
	// statements prepared again; docs/benchmarks.md, "Near the floor").
	// Idle connections still close after DB_CONN_MAX_IDLE_TIME.
	DBMaxIdleConns    int           `envconfig:"DB_MAX_IDLE_CONNS" default:"20"`
	DBConnMaxLifetime time.Duration `envconfig:"DB_CONN_MAX_LIFETIME" default:"30m"`
	DBConnMaxIdleTime time.Duration `envconfig:"DB_CONN_MAX_IDLE_TIME" default:"5m"`
	MigrateOnStart    bool          `envconfig:"MIGRATE_ON_START" default:"true"`

	HTTPAddr              string        `envconfig:"HTTP_ADDR" default:":8080"`
	HTTPReadHeaderTimeout time.Duration `envconfig:"HTTP_READ_HEADER_TIMEOUT" default:"5s"`
	HTTPReadTimeout       time.Duration `envconfig:"HTTP_READ_TIMEOUT" default:"30s"`
	HTTPWriteTimeout      time.Duration `envconfig:"HTTP_WRITE_TIMEOUT" default:"45s"`
	HTTPIdleTimeout       time.Duration `envconfig:"HTTP_IDLE_TIMEOUT" default:"120s"`
	// HTTPBodyLimit also bounds the text a PDF render lays out, hence its
	// memory (docs/benchmarks.md, "Large documents"): 2M takes 5,000 lines
	// whose descriptions average about 250 characters.
	HTTPBodyLimit      string        `envconfig:"HTTP_BODY_LIMIT" default:"2M"`
	HTTPMaxHeaderBytes string        `envconfig:"HTTP_MAX_HEADER_BYTES" default:"64K"`
	IdempotencyTTL     time.Duration `envconfig:"IDEMPOTENCY_TTL" default:"24h"`
	TrustedProxies     []string      `envconfig:"TRUSTED_PROXIES"`
	MetricsToken       string        `envconfig:"METRICS_TOKEN"`
	PDFMaxConcurrent   int           `envconfig:"PDF_MAX_CONCURRENT" default:"4"`
	PDFQueueWait       time.Duration `envconfig:"PDF_QUEUE_WAIT" default:"2s"`
	// APIMemoryLimit is the API's soft limit of the Go runtime's memory
	// (memory.go); "0" sets none.
	APIMemoryLimit string `envconfig:"API_MEMORY_LIMIT" default:"550M"`

	JWTSecret        string        `envconfig:"JWT_SECRET"`
	JWTIssuer        string        `envconfig:"JWT_ISSUER" default:"doligo"`
	JWTTTL           time.Duration `envconfig:"JWT_TTL" default:"15m"`
	AdminLogin       string        `envconfig:"ADMIN_LOGIN" default:"admin"`
	AdminPassword    string        `envconfig:"ADMIN_PASSWORD"`
	AdminEmail       string        `envconfig:"ADMIN_EMAIL" default:"admin@localhost"`
	LoginMaxFailures int           `envconfig:"LOGIN_MAX_FAILURES" default:"5"`
	LoginLockout     time.Duration `envconfig:"LOGIN_LOCKOUT" default:"15m"`
	RefreshTTL       time.Duration `envconfig:"REFRESH_TTL" default:"720h"`
	// AuthRevocationLag may be 0: every request then reads the user's stamp.
	AuthRevocationLag time.Duration `envconfig:"AUTH_REVOCATION_LAG" default:"5s"`

	SMTPHost     string `envconfig:"SMTP_HOST" default:"localhost"`
	SMTPPort     int    `envconfig:"SMTP_PORT" default:"25"`
	SMTPUsername string `envconfig:"SMTP_USERNAME"`
	SMTPPassword string `envconfig:"SMTP_PASSWORD"`
	SMTPFrom     string `envconfig:"SMTP_FROM" default:"doligo@localhost"`
	SMTPTLS      string `envconfig:"SMTP_TLS" default:"none"`

	SMTPBreakerFailures int           `envconfig:"SMTP_BREAKER_FAILURES" default:"5"`
	SMTPBreakerOpen     time.Duration `envconfig:"SMTP_BREAKER_OPEN" default:"5s"`

	WorkerHTTPAddr    string        `envconfig:"WORKER_HTTP_ADDR" default:":8081"`
	WorkerConcurrency int           `envconfig:"WORKER_CONCURRENCY" default:"8"`
	TaskTimeout       time.Duration `envconfig:"TASK_TIMEOUT" default:"30s"`
	ShutdownTimeout   time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"15s"`
	JobLease          time.Duration `envconfig:"JOB_LEASE" default:"2m"`
	JobPollInterval   time.Duration `envconfig:"JOB_POLL_INTERVAL" default:"1s"`
	JobBackoffBase    time.Duration `envconfig:"JOB_BACKOFF_BASE" default:"15s"`
	JobBackoffMax     time.Duration `envconfig:"JOB_BACKOFF_MAX" default:"1h"`
	JobRetention      time.Duration `envconfig:"JOB_RETENTION" default:"168h"`
	// RecurringInterval is how often each worker looks for due recurring
	// invoice templates (and once at start).
	RecurringInterval time.Duration `envconfig:"RECURRING_INTERVAL" default:"1m"`
	// Webhook deliveries: one request's time limit, and whether private
	// addresses (loopback, RFC 1918, link-local) may receive them.
	WebhookTimeout      time.Duration `envconfig:"WEBHOOK_TIMEOUT" default:"10s"`
	WebhookAllowPrivate bool          `envconfig:"WEBHOOK_ALLOW_PRIVATE" default:"false"`

	LogLevel  string `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat string `envconfig:"LOG_FORMAT" default:"json"`

	StockAllowNegative bool   `envconfig:"STOCK_ALLOW_NEGATIVE" default:"false"`
	StockTrigger       string `envconfig:"STOCK_TRIGGER" default:"invoice"`
	DefaultWarehouseID int64  `envconfig:"DEFAULT_WAREHOUSE_ID" default:"0"`

	DefaultCurrency      string `envconfig:"DEFAULT_CURRENCY" default:"EUR"`
	MaxDocumentLines     int    `envconfig:"MAX_DOCUMENT_LINES" default:"5000"`
	NumberMaskProposal   string `envconfig:"NUMBER_MASK_PROPOSAL" default:"PR{yy}{mm}-{0000}"`
	NumberMaskOrder      string `envconfig:"NUMBER_MASK_ORDER" default:"CO{yy}{mm}-{0000}"`
	NumberMaskInvoice    string `envconfig:"NUMBER_MASK_INVOICE" default:"FA{yy}{mm}-{0000}"`
	NumberMaskCreditNote string `envconfig:"NUMBER_MASK_CREDIT_NOTE" default:"AV{yy}{mm}-{0000}"`
	ThirdPartyCodeMask   string `envconfig:"THIRDPARTY_CODE_MASK" default:"CU{yy}{mm}-{0000}"`
	// The buy side: purchase orders and the receptions of their goods.
	NumberMaskPurchaseOrder string `envconfig:"NUMBER_MASK_PURCHASE_ORDER" default:"PO{yy}{mm}-{0000}"`
	NumberMaskReception     string `envconfig:"NUMBER_MASK_RECEPTION" default:"RC{yy}{mm}-{0000}"`
	// Supplier invoices and supplier credit notes.
	NumberMaskSupplierInvoice    string `envconfig:"NUMBER_MASK_SUPPLIER_INVOICE" default:"SI{yy}{mm}-{0000}"`
	NumberMaskSupplierCreditNote string `envconfig:"NUMBER_MASK_SUPPLIER_CREDIT_NOTE" default:"SA{yy}{mm}-{0000}"`
	// Down-payment invoices drawn on orders (Dolibarr's "acomptes": AC).
	NumberMaskDownPayment string `envconfig:"NUMBER_MASK_DOWN_PAYMENT" default:"AC{yy}{mm}-{0000}"`
	// Shipments of customer orders (delivery notes).
	NumberMaskShipment string `envconfig:"NUMBER_MASK_SHIPMENT" default:"SH{yy}{mm}-{0000}"`

	CompanyName    string `envconfig:"COMPANY_NAME" default:"Dolibarr-Go"`
	CompanyAddress string `envconfig:"COMPANY_ADDRESS"`
	CompanyTaxID   string `envconfig:"COMPANY_TAX_ID"`
	CompanyEmail   string `envconfig:"COMPANY_EMAIL"`
	CompanyPhone   string `envconfig:"COMPANY_PHONE"`
	PaymentTerms   string `envconfig:"PAYMENT_TERMS"`
	// The defaults of the company settings that PUT /api/v1/company
	// overrides (see company.go).
	PaymentTermsDays int    `envconfig:"PAYMENT_TERMS_DAYS" default:"30"`
	CompanyLogoLimit string `envconfig:"COMPANY_LOGO_MAX_SIZE" default:"1M"`

	// ImportMaxSize bounds the CSV file of an import (imports.go), which
	// DOLIGO_HTTP_BODY_LIMIT does not.
	ImportMaxSize string `envconfig:"IMPORT_MAX_SIZE" default:"20M"`
}

// maxDocumentLines bounds DOLIGO_MAX_DOCUMENT_LINES: a document's PDF must
// render within DOLIGO_TASK_TIMEOUT and its JSON fit the body limit; 5,000
// lines render in a few seconds (docs/benchmarks.md), 20,000 still in time.
const maxDocumentLines = 20000

// Load reads the environment, rejects unknown DOLIGO_ variables (a typo must not
// silently fall back to a default) and checks every value.
func Load() (Config, error) {
	return load(os.Environ())
}

func load(environ []string) (Config, error) {
	known := map[string]bool{}
	for _, v := range Variables() {
		known[v.Name] = true
	}
	var unknown []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, Prefix+"_") && !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return Config{}, fmt.Errorf("unknown variable(s) %s: see docs/configuration.md", strings.Join(unknown, ", "))
	}
	var c Config
	if err := envconfig.Process(Prefix, &c); err != nil {
		return Config{}, err // envconfig's message names the variable, e.g. DOLIGO_DB_MAX_OPEN_CONNS
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s_%s: %s", Prefix, name, fmt.Sprintf(format, args...)))
	}
	switch c.DBDriver {
	case sqldialect.SQLite, sqldialect.Postgres, sqldialect.MySQL:
	default:
		bad("DB_DRIVER", "%q is not one of sqlite, postgres, mysql", c.DBDriver)
	}
	if strings.TrimSpace(c.DBDSN) == "" {
		bad("DB_DSN", "must not be empty")
	}
	if c.DBReadDSN != "" && c.DBDriver == sqldialect.SQLite {
		bad("DB_READ_DSN", "a read replica needs postgres or mysql: SQLite has none")
	}
	if c.DBMaxOpenConns < 1 {
		bad("DB_MAX_OPEN_CONNS", "must be at least 1, got %d", c.DBMaxOpenConns)
	}
	if c.DBMaxIdleConns < 0 || c.DBMaxIdleConns > c.DBMaxOpenConns {
		bad("DB_MAX_IDLE_CONNS", "must be between 0 and DOLIGO_DB_MAX_OPEN_CONNS (%d), got %d", c.DBMaxOpenConns, c.DBMaxIdleConns)
	}
	for name, addr := range map[string]string{"HTTP_ADDR": c.HTTPAddr, "WORKER_HTTP_ADDR": c.WorkerHTTPAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(name, "%q is not host:port (%v)", addr, err)
		}
	}
	positive := map[string]time.Duration{
		"DB_CONN_MAX_LIFETIME": c.DBConnMaxLifetime, "DB_CONN_MAX_IDLE_TIME": c.DBConnMaxIdleTime,
		"HTTP_READ_HEADER_TIMEOUT": c.HTTPReadHeaderTimeout, "HTTP_READ_TIMEOUT": c.HTTPReadTimeout,
		"HTTP_WRITE_TIMEOUT": c.HTTPWriteTimeout, "HTTP_IDLE_TIMEOUT": c.HTTPIdleTimeout,
		"IDEMPOTENCY_TTL": c.IdempotencyTTL, "JWT_TTL": c.JWTTTL, "LOGIN_LOCKOUT": c.LoginLockout,
		"REFRESH_TTL":  c.RefreshTTL,
		"TASK_TIMEOUT": c.TaskTimeout, "SHUTDOWN_TIMEOUT": c.ShutdownTimeout,
		"JOB_LEASE": c.JobLease, "JOB_POLL_INTERVAL": c.JobPollInterval,
		"JOB_BACKOFF_BASE": c.JobBackoffBase, "JOB_BACKOFF_MAX": c.JobBackoffMax, "JOB_RETENTION": c.JobRetention,
		"RECURRING_INTERVAL": c.RecurringInterval,
		"SMTP_BREAKER_OPEN":  c.SMTPBreakerOpen,
		"WEBHOOK_TIMEOUT":    c.WebhookTimeout,
	}
	for name, d := range positive {
		if d <= 0 {
			bad(name, "must be a positive duration, got %s", d)
		}
	}
	if c.HTTPWriteTimeout <= c.TaskTimeout {
		bad("HTTP_WRITE_TIMEOUT", "must exceed DOLIGO_TASK_TIMEOUT (%s) so a PDF rendered in the request can be written, got %s", c.TaskTimeout, c.HTTPWriteTimeout)
	}
	if c.JobLease <= c.TaskTimeout+c.ShutdownTimeout {
		bad("JOB_LEASE", "must exceed DOLIGO_TASK_TIMEOUT + DOLIGO_SHUTDOWN_TIMEOUT (%s) so a running job is never rescued while its worker still owns it, got %s", c.TaskTimeout+c.ShutdownTimeout, c.JobLease)
	}
	if _, err := c.TrustedProxyNets(); err != nil {
		bad("TRUSTED_PROXIES", "%v", err)
	}
	if _, err := ParseByteSize(c.HTTPBodyLimit); err != nil {
		bad("HTTP_BODY_LIMIT", "%v", err)
	}
	if n, err := ParseByteSize(c.HTTPMaxHeaderBytes); err != nil {
		bad("HTTP_MAX_HEADER_BYTES", "%v", err)
	} else if n < 4<<10 || n > 1<<20 {
		// Below 4 KiB a long bearer token no longer fits; above 1 MiB (net/http's
		// own default) the setting would only loosen the server.
		bad("HTTP_MAX_HEADER_BYTES", "must be between 4K and 1M, got %s", c.HTTPMaxHeaderBytes)
	}
	if c.MetricsToken != "" && (len(c.MetricsToken) < 16 || strings.TrimSpace(c.MetricsToken) != c.MetricsToken) {
		// A short token could be guessed by a scraper-shaped client; spaces
		// would never survive the "Bearer <token>" header intact.
		bad("METRICS_TOKEN", "must be at least 16 characters without surrounding spaces")
	}
	if c.PDFQueueWait < 0 {
		bad("PDF_QUEUE_WAIT", "must not be negative, got %s", c.PDFQueueWait)
	} else if c.PDFQueueWait+c.TaskTimeout >= c.HTTPWriteTimeout {
		bad("PDF_QUEUE_WAIT", "plus DOLIGO_TASK_TIMEOUT (%s) must stay under DOLIGO_HTTP_WRITE_TIMEOUT (%s) so a PDF that waited can still be written, got %s", c.TaskTimeout, c.HTTPWriteTimeout, c.PDFQueueWait)
	}
	if c.APIMemoryLimit != "0" {
		if n, err := ParseByteSize(c.APIMemoryLimit); err != nil {
			bad("API_MEMORY_LIMIT", "%v", err)
		} else if n < 64<<20 {
			bad("API_MEMORY_LIMIT", "must be 0 (none) or at least 64M, got %s", c.APIMemoryLimit)
		}
	}
	if c.MaxDocumentLines < 1 || c.MaxDocumentLines > maxDocumentLines {
		bad("MAX_DOCUMENT_LINES", "must be between 1 and %d, got %d", maxDocumentLines, c.MaxDocumentLines)
	}
	if c.PDFMaxConcurrent < 1 || c.PDFMaxConcurrent > 256 {
		bad("PDF_MAX_CONCURRENT", "must be between 1 and 256, got %d", c.PDFMaxConcurrent)
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		bad("JWT_SECRET", "must be at least 32 bytes, got %d", len(c.JWTSecret))
	}
	if c.JWTSecret == "" && c.DBDriver != sqldialect.SQLite {
		bad("JWT_SECRET", "is required with DOLIGO_DB_DRIVER=%s (at least 32 bytes)", c.DBDriver)
	}
	if strings.TrimSpace(c.AdminLogin) == "" {
		bad("ADMIN_LOGIN", "must not be empty")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		bad("ADMIN_PASSWORD", "must be at least 8 characters")
	}
	if c.AuthRevocationLag < 0 {
		bad("AUTH_REVOCATION_LAG", "must not be negative, got %s", c.AuthRevocationLag)
	}
	if c.RefreshTTL > 0 && c.RefreshTTL <= c.JWTTTL {
		bad("REFRESH_TTL", "must exceed DOLIGO_JWT_TTL (%s), got %s", c.JWTTTL, c.RefreshTTL)
	}
	if c.LoginMaxFailures < 1 {
		bad("LOGIN_MAX_FAILURES", "must be at least 1, got %d", c.LoginMaxFailures)
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		bad("SMTP_PORT", "must be a TCP port, got %d", c.SMTPPort)
	}
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		bad("SMTP_TLS", "%q is not one of none, starttls, tls", c.SMTPTLS)
	}
	if c.JobBackoffMax < c.JobBackoffBase {
		bad("JOB_BACKOFF_MAX", "must be at least DOLIGO_JOB_BACKOFF_BASE (%s), got %s", c.JobBackoffBase, c.JobBackoffMax)
	}
	if c.SMTPBreakerFailures < 1 {
		bad("SMTP_BREAKER_FAILURES", "must be at least 1, got %d", c.SMTPBreakerFailures)
	}
	if c.WorkerConcurrency < 1 || c.WorkerConcurrency > 1024 {
		bad("WORKER_CONCURRENCY", "must be between 1 and 1024, got %d", c.WorkerConcurrency)
	}
	switch c.LogLevel {
	case "trace", "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "%q is not one of trace, debug, info, warn, error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		bad("LOG_FORMAT", "%q is not one of json, console", c.LogFormat)
	}
	if !domain.StockTrigger(c.StockTrigger).Valid() {
		bad("STOCK_TRIGGER", "%q is not one of invoice, order, none, shipment", c.StockTrigger)
	}
	if c.DefaultWarehouseID < 0 {
		bad("DEFAULT_WAREHOUSE_ID", "must be a warehouse id, or 0 for none; got %d", c.DefaultWarehouseID)
	}
	c.validateCommercial(bad)
	c.validateCompany(bad)
	c.validateImports(bad)
	return errors.Join(errs...)
}

// TrustedProxyNets parses DOLIGO_TRUSTED_PROXIES: the addresses (CIDR or
// single IP) of reverse proxies whose X-Forwarded-For the API believes. With
// none, the client address is the TCP peer: a client cannot choose the address
// that login throttling counts by sending a header.
func (c *Config) TrustedProxyNets() ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, s := range c.TrustedProxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			if ip := net.ParseIP(s); ip != nil && ip.To4() != nil {
				s += "/32"
			} else {
				s += "/128"
			}
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", s)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// MaxHeaderBytes is DOLIGO_HTTP_MAX_HEADER_BYTES in bytes (validated by Load).
func (c *Config) MaxHeaderBytes() int {
	n, err := ParseByteSize(c.HTTPMaxHeaderBytes)
	if err != nil {
		return 0 // net/http's default; Load refuses such a value first
	}
	return int(n)
}

// ParseByteSize reads sizes such as "512K", "2M", "1G" or a plain byte count.
func ParseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != s {
		return 0, fmt.Errorf("%q is not a size such as 512K, 2M or 1048576", s)
	}
	return n * mult, nil
}

// Variable is one documented setting.
type Variable struct {
	Name    string // full name, e.g. DOLIGO_DB_DRIVER
	Default string // as written in the struct tag; empty when none
}

// Variables lists every setting in declaration order, for the docs test and
// the unknown-variable check.
func Variables() []Variable {
	t := reflect.TypeOf(Config{})
	out := make([]Variable, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		out = append(out, Variable{Name: Prefix + "_" + f.Tag.Get("envconfig"), Default: f.Tag.Get("default")})
	}
	return out
}

// SQLiteDataDir returns the folder of the SQLite database file named by the
// DSN, where the embedded default keeps its generated secrets.
func SQLiteDataDir(dsn string) string {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return filepath.Dir(p)
}

// EnsureJWTSecret fills JWTSecret for the embedded SQLite default when none is
// configured: a random key generated once and kept in the data folder, so
// tokens survive a restart. It reports whether it generated or loaded one.
func (c *Config) EnsureJWTSecret() (source string, err error) {
	if c.JWTSecret != "" {
		return "", nil
	}
	if c.DBDriver != sqldialect.SQLite {
		return "", fmt.Errorf("%s_JWT_SECRET is required with DOLIGO_DB_DRIVER=%s", Prefix, c.DBDriver)
	}
	dir := SQLiteDataDir(c.DBDSN)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, "jwt_secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		c.JWTSecret = strings.TrimSpace(string(b))
		return path, nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(buf)
	// O_EXCL: when the API and the worker start together on one data folder,
	// only one writes; the other reads what it wrote.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		for range 50 {
			if b, rerr := os.ReadFile(path); rerr == nil && len(strings.TrimSpace(string(b))) >= 32 {
				c.JWTSecret = strings.TrimSpace(string(b))
				return path, nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		return "", fmt.Errorf("%s exists but holds no usable key: delete it or set %s_JWT_SECRET", path, Prefix)
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(secret + "\n"); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	c.JWTSecret = secret
	return path, f.Sync()
}

// Defaults returns the configuration of an empty environment: every field at
// the default its struct tag gives, which is the one place defaults are
// written (use cases take their settings from here, never a default of their
// own). Tests use it to build services as a fresh install would.
func Defaults() Config {
	var c Config
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		def := v.Type().Field(i).Tag.Get("default")
		if def == "" {
			continue
		}
		if err := setDefault(v.Field(i), def); err != nil {
			panic(fmt.Sprintf("config: default of %s: %v", v.Type().Field(i).Name, err)) // a typo in a tag
		}
	}
	return c
}

// setDefault parses a default tag as envconfig parses the variable.
func setDefault(f reflect.Value, s string) error {
	switch {
	case f.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(s)
		f.SetInt(int64(d))
		return err
	case f.Kind() == reflect.String:
		f.SetString(s)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		f.SetBool(b)
		return err
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(s, 0, 64)
		f.SetInt(n)
		return err
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		f.Set(reflect.ValueOf(strings.Split(s, ",")))
	default:
		return fmt.Errorf("no default parser for %s", f.Type())
	}
	return nil
}
