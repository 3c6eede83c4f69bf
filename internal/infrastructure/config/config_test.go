package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultsAreValid(t *testing.T) {
	c, err := load(nil)
	if err != nil {
		t.Fatalf("defaults rejected: %v", err)
	}
	if c.DBDriver != "sqlite" || c.HTTPAddr != ":8080" || c.WorkerConcurrency != 8 || c.TaskTimeout.String() != "30s" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.MaxHeaderBytes() != 64<<10 || c.PDFMaxConcurrent != 4 || c.PDFQueueWait.String() != "2s" || c.MetricsToken != "" {
		t.Fatalf("unexpected hardening defaults: %+v", c)
	}
}

// Every invalid value stops start-up with a message naming the variable.
func TestInvalidValuesNameTheVariable(t *testing.T) {
	cases := map[string]string{
		"DOLIGO_DB_DRIVER":          "oracle",
		"DOLIGO_DB_MAX_OPEN_CONNS":  "many",
		"DOLIGO_DB_MAX_IDLE_CONNS":  "-1",
		"DOLIGO_HTTP_ADDR":          "8080",
		"DOLIGO_TASK_TIMEOUT":       "30",
		"DOLIGO_SHUTDOWN_TIMEOUT":   "-1s",
		"DOLIGO_JWT_SECRET":         "short",
		"DOLIGO_SMTP_TLS":           "ssl",
		"DOLIGO_SMTP_PORT":          "70000",
		"DOLIGO_WORKER_CONCURRENCY": "0",
		"DOLIGO_LOG_LEVEL":          "loud",
		"DOLIGO_LOG_FORMAT":         "xml",
		"DOLIGO_HTTP_BODY_LIMIT":    "lots",
		"DOLIGO_MIGRATE_ON_START":   "perhaps",
		"DOLIGO_JOB_LEASE":          "10s",
		"DOLIGO_HTTP_WRITE_TIMEOUT": "10s",
		// The hardening settings (docs/security.md).
		"DOLIGO_HTTP_MAX_HEADER_BYTES": "2M",
		"DOLIGO_METRICS_TOKEN":         "short",
		"DOLIGO_PDF_MAX_CONCURRENT":    "0",
		"DOLIGO_PDF_QUEUE_WAIT":        "20s", // 20s + 30s task timeout > 45s write timeout
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			_, err := Load()
			if err == nil {
				t.Fatalf("%s=%q accepted", name, value)
			}
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name %s: %v", name, err)
			}
		})
	}
}

func TestUnknownVariableRejected(t *testing.T) {
	t.Setenv("DOLIGO_DB_DRIVR", "postgres")
	_, err := Load()
	if err == nil || !strings.Contains(err.Error(), "DOLIGO_DB_DRIVR") {
		t.Fatalf("misspelt variable not reported: %v", err)
	}
}

func TestServerDriversNeedJWTSecret(t *testing.T) {
	t.Setenv("DOLIGO_DB_DRIVER", "postgres")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "DOLIGO_JWT_SECRET") {
		t.Fatalf("postgres without a JWT secret: %v", err)
	}
	t.Setenv("DOLIGO_JWT_SECRET", strings.Repeat("k", 32))
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{"2M": 2 << 20, "512k": 512 << 10, "1G": 1 << 30, "100": 100} {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "M", "-1", "1.5M", "1T", "0"} {
		if _, err := ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", in)
		}
	}
}

// The embedded default keeps one generated key across restarts.
func TestEnsureJWTSecretKeepsOneKey(t *testing.T) {
	dir := t.TempDir()
	c := Config{DBDriver: "sqlite", DBDSN: "file:" + filepath.Join(dir, "sub", "doligo.db")}
	src, err := c.EnsureJWTSecret()
	if err != nil || src == "" || len(c.JWTSecret) < 32 {
		t.Fatalf("generate: %q %v %q", src, err, c.JWTSecret)
	}
	info, err := os.Stat(src)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file %s: %v %v", src, info, err)
	}
	again := Config{DBDriver: "sqlite", DBDSN: c.DBDSN}
	if _, err := again.EnsureJWTSecret(); err != nil || again.JWTSecret != c.JWTSecret {
		t.Fatalf("second start got another key: %v", err)
	}
	set := Config{DBDriver: "sqlite", DBDSN: c.DBDSN, JWTSecret: strings.Repeat("x", 32)}
	if src, err := set.EnsureJWTSecret(); err != nil || src != "" || set.JWTSecret != strings.Repeat("x", 32) {
		t.Fatal("configured secret replaced")
	}
}

// Defaults is what Load gives in an environment without any DOLIGO_ variable.
func TestDefaultsAreLoadOfAnEmptyEnvironment(t *testing.T) {
	for _, v := range Variables() {
		t.Setenv(v.Name, "") // restored after the test
		os.Unsetenv(v.Name)
	}
	loaded, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := Defaults(); !reflect.DeepEqual(got, loaded) {
		t.Fatalf("Defaults() = %+v\nLoad()     = %+v", got, loaded)
	}
}
