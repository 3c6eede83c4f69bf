package proxytest_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/opstest"
)

// The numbers of both documented proxies agree with the server's defaults:
// they wait for a response longer than the server may take to write one
// (itself longer than the 30 s a PDF may take to render), keep idle upstream
// connections for less time than the server does, refuse bodies at the
// server's limit, and check health on /ready.
func TestProxyNumbersAgreeWithTheServer(t *testing.T) {
	def := defaults()
	task, write := duration(t, def["DOLIGO_TASK_TIMEOUT"]), duration(t, def["DOLIGO_HTTP_WRITE_TIMEOUT"])
	idle := duration(t, def["DOLIGO_HTTP_IDLE_TIMEOUT"])
	limit, err := config.ParseByteSize(def["DOLIGO_HTTP_BODY_LIMIT"])
	if err != nil {
		t.Fatal(err)
	}
	if write <= task {
		t.Fatalf("server: write timeout %s, PDF task timeout %s: a PDF could not be written", write, task)
	}
	longer := func(proxy, name, value string) {
		if d := duration(t, value); d <= write {
			t.Errorf("%s %s %s: not longer than the server's write timeout %s", proxy, name, value, write)
		}
	}
	shorter := func(proxy, name, value string) {
		if d := duration(t, value); d >= idle {
			t.Errorf("%s %s %s: not shorter than the server's idle timeout %s", proxy, name, value, idle)
		}
	}

	nginx := nginxBlock(t)
	api := section(t, nginx, "location / {")
	longer("nginx", "proxy_read_timeout", directive(t, api, "proxy_read_timeout"))
	longer("nginx", "proxy_send_timeout", directive(t, api, "proxy_send_timeout"))
	shorter("nginx", "keepalive_timeout", directive(t, section(t, nginx, "upstream doligo_api {"), "keepalive_timeout"))
	if got := nginxSize(t, directive(t, nginx, "client_max_body_size")); got != limit {
		t.Errorf("nginx client_max_body_size: %d bytes, the server's limit %d", got, limit)
	}
	section(t, nginx, "location = /ready {")

	caddy := opstest.FindBlock(t, opstest.Doc(t, "reverse_proxy.md"), "caddyfile", "Caddy")
	transport := section(t, caddy, "transport http {")
	longer("Caddy", "read_timeout", directive(t, transport, "read_timeout"))
	longer("Caddy", "response_header_timeout", directive(t, transport, "response_header_timeout"))
	shorter("Caddy", "keepalive", directive(t, transport, "keepalive"))
	if got := caddySize(t, directive(t, section(t, caddy, "request_body {"), "max_size")); got != limit {
		t.Errorf("Caddy max_size: %d bytes, the server's limit %d", got, limit)
	}
	if got := directive(t, caddy, "health_uri"); got != "/ready" {
		t.Errorf("Caddy health_uri %s, want /ready", got)
	}
}

// section returns the lines of the block that opens with the line header
// (e.g. "location / {") up to its closing brace.
func section(t *testing.T, text, header string) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != header {
			continue
		}
		depth := 0
		for j := i; j < len(lines); j++ {
			depth += strings.Count(lines[j], "{") - strings.Count(lines[j], "}")
			if depth == 0 {
				return strings.Join(lines[i:j+1], "\n")
			}
		}
	}
	t.Fatalf("no block %q in:\n%s", header, text)
	return ""
}

// directive returns the first argument of the one line that sets name.
func directive(t *testing.T, text, name string) string {
	t.Helper()
	var found []string
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(strings.TrimSuffix(strings.TrimSpace(l), ";"))
		if len(f) >= 2 && f[0] == name {
			found = append(found, f[1])
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d lines set %s, want 1, in:\n%s", len(found), name, text)
	}
	return found[0]
}

// duration reads a Go, nginx or Caddy duration ("45s", "1m"; nginx also
// takes a bare number of seconds).
func duration(t *testing.T, s string) time.Duration {
	t.Helper()
	if _, err := strconv.Atoi(s); err == nil {
		s += "s"
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// nginxSize reads an nginx size: bytes, or k/m/g for KiB/MiB/GiB.
func nginxSize(t *testing.T, s string) int64 {
	t.Helper()
	mult := map[byte]int64{'k': 1 << 10, 'K': 1 << 10, 'm': 1 << 20, 'M': 1 << 20, 'g': 1 << 30, 'G': 1 << 30}[s[len(s)-1]]
	if mult != 0 {
		s = s[:len(s)-1]
	} else {
		mult = 1
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n * mult
}

// caddySize reads a Caddy size as go-humanize does: KiB/MiB/GiB are binary,
// KB/MB/GB decimal.
func caddySize(t *testing.T, s string) int64 {
	t.Helper()
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n * u.mult
		}
	}
	t.Fatalf("size %q: no unit", s)
	return 0
}

// The documented Caddyfile is one Caddy accepts, and Caddy itself reads its
// body limit as the server's byte count.
func TestDocumentedCaddyfileAdapts(t *testing.T) {
	bin, err := exec.LookPath("caddy")
	if err != nil {
		t.Skip("caddy is not installed (Debian: apt-get install caddy): the Caddyfile of docs/reverse_proxy.md is only read, not adapted")
	}
	path := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(path, []byte(opstest.FindBlock(t, opstest.Doc(t, "reverse_proxy.md"), "caddyfile", "Caddy")), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := opstest.Run(t, bin, nil, "adapt", "--config", path, "--adapter", "caddyfile")
	if code != 0 {
		t.Fatalf("caddy adapt: exit %d\n%s", code, out)
	}
	limit, err := config.ParseByteSize(defaults()["DOLIGO_HTTP_BODY_LIMIT"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf(`"max_size":%d`, limit), `"uri":"/ready"`} {
		if !strings.Contains(out, want) {
			t.Errorf("caddy's JSON lacks %s:\n%s", want, out)
		}
	}

	// /metrics is answered 404 by Caddy itself, by a route that comes before
	// the proxy's and matches on the path alone.
	var cfg any
	for line := range strings.Lines(out) { // the config, among Caddy's log lines (stderr)
		if strings.Contains(line, `"apps"`) {
			if err := json.Unmarshal([]byte(line), &cfg); err != nil {
				t.Fatalf("caddy adapt: %v\n%s", err, out)
			}
		}
	}
	var routes []map[string]any
	flattenRoutes(cfg, &routes)
	refuse, proxy := -1, -1
	for i, r := range routes {
		for _, h := range handlers(r) {
			switch {
			case h["handler"] == "reverse_proxy" && proxy < 0:
				proxy = i
			case h["handler"] == "static_response" && h["status_code"] == float64(404) && refuse < 0 && matchesOnlyPaths(r, "/metrics", "/metrics/*"):
				refuse = i
			}
		}
	}
	if refuse < 0 || proxy < 0 || refuse > proxy {
		t.Errorf("caddy's routes: /metrics refused at %d, proxied at %d; want a 404 on /metrics before the proxy:\n%s", refuse, proxy, out)
	}
}

// flattenRoutes lists, depth first and in order, every route of Caddy's JSON
// (subroutes included): the order in which Caddy tries them.
func flattenRoutes(v any, out *[]map[string]any) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["handle"]; ok {
			*out = append(*out, v)
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			flattenRoutes(v[k], out)
		}
	case []any:
		for _, e := range v {
			flattenRoutes(e, out)
		}
	}
}

func handlers(route map[string]any) []map[string]any {
	var hs []map[string]any
	list, _ := route["handle"].([]any)
	for _, h := range list {
		if m, ok := h.(map[string]any); ok {
			hs = append(hs, m)
		}
	}
	return hs
}

// matchesOnlyPaths says whether route's only matcher is a path matcher
// listing exactly paths.
func matchesOnlyPaths(route map[string]any, paths ...string) bool {
	sets, _ := route["match"].([]any)
	if len(sets) != 1 {
		return false
	}
	set, _ := sets[0].(map[string]any)
	got, _ := set["path"].([]any)
	if len(set) != 1 || len(got) != len(paths) {
		return false
	}
	for i, p := range paths {
		if got[i] != p {
			return false
		}
	}
	return true
}

// defaults maps each configuration variable to its declared default.
func defaults() map[string]string {
	def := map[string]string{}
	for _, v := range config.Variables() {
		def[v.Name] = v.Default
	}
	return def
}
