package config

import (
	"strings"
	"testing"
)

func TestLargeDocumentSettingsNameTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"DOLIGO_MAX_DOCUMENT_LINES": "0",
		"DOLIGO_API_MEMORY_LIMIT":   "1M",
	} {
		t.Run(name+"="+value, func(t *testing.T) {
			t.Setenv(name, value)
			if _, err := Load(); err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("%s=%q: %v", name, value, err)
			}
		})
	}
	t.Setenv("DOLIGO_MAX_DOCUMENT_LINES", "20001")
	if _, err := Load(); err == nil {
		t.Error("20001 lines accepted")
	}
}

func TestAPIMemoryLimitBytes(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	c := Defaults()
	if n, ok := c.APIMemoryLimitBytes(); !ok || n != 550<<20 {
		t.Errorf("default: %d, %v", n, ok)
	}
	c.APIMemoryLimit = "0"
	if _, ok := c.APIMemoryLimitBytes(); ok {
		t.Error("0 set a limit")
	}
	t.Setenv("GOMEMLIMIT", "300MiB") // the runtime applied it: it wins
	if _, ok := Defaults().APIMemoryLimitBytes(); ok {
		t.Error("a limit set over GOMEMLIMIT")
	}
}
