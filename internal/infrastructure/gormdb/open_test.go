package gormdb

import "testing"

func TestSupportedServer(t *testing.T) {
	for v, want := range map[string]bool{
		"10.11.19-MariaDB-0+deb12u1": true,
		"10.6.0-MariaDB":             true,
		"10.5.23-MariaDB":            false,
		"11.4.2-MariaDB":             true,
		"8.0.36":                     true,
		"8.0.19":                     true,
		"8.0.18":                     false,
		"8.4.3":                      true,
		"8.0.0":                      false,
		"5.7.44-log":                 false,
	} {
		got, err := supportedServer(v)
		if err != nil || got != want {
			t.Errorf("supportedServer(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	if _, err := supportedServer("garbage"); err == nil {
		t.Error("garbage version accepted")
	}
}

func TestIsolationVariable(t *testing.T) {
	for v, want := range map[string]string{
		"10.11.19-MariaDB-0+deb12u1": "tx_isolation",
		"10.6.0-MariaDB":             "tx_isolation",
		"11.0.6-MariaDB":             "tx_isolation",
		"11.1.0-MariaDB":             "transaction_isolation",
		"11.4.2-MariaDB":             "transaction_isolation",
		"8.0.36":                     "transaction_isolation",
		"9.1.0":                      "transaction_isolation",
	} {
		if got, err := isolationVariable(v); err != nil || got != want {
			t.Errorf("isolationVariable(%q) = %q, %v; want %q", v, got, err, want)
		}
	}
	if _, err := isolationVariable("garbage"); err == nil {
		t.Error("garbage version accepted")
	}
}
