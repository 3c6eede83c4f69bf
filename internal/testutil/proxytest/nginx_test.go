package proxytest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/opstest"
)

func TestMain(m *testing.M) { os.Exit(opstest.Main(m)) }

// nginxBin is where Debian's nginx-light (or nginx) installs nginx.
const nginxBin = "/usr/sbin/nginx"

// The documented nginx configuration, in front of the real API (on SQLite:
// the proxy does not care which database is behind), carries a client
// through login, the creation and validation of documents and the download of
// an invoice PDF; forwards the client's X-Request-ID or gives one of its own;
// tells the API the client's address; refuses a body over 2 MiB itself while
// one under the limit reaches the API; and proxies the health checks.
func TestDocumentedNginxInFrontOfTheAPI(t *testing.T) {
	if _, err := os.Stat(nginxBin); err != nil {
		t.Skipf("%s is missing (Debian: apt-get install nginx-light): the nginx configuration of docs/reverse_proxy.md is not tested", nginxBin)
	}
	apiBin, _ := opstest.Binaries(t)
	dir := t.TempDir()
	api := opstest.StartAPI(t, apiBin, opstest.Env("sqlite", "file:"+filepath.Join(dir, "doligo.db"),
		map[string]string{"DOLIGO_TRUSTED_PROXIES": "127.0.0.1"}))
	proxyAddr := opstest.FreeAddr(t)
	site := localize(t, nginxBlock(t), strings.TrimPrefix(api.URL, "http://"), proxyAddr)
	proxy := startNginx(t, dir, proxyAddr, site)
	base := "http://" + proxyAddr

	for _, path := range []string{"/health", "/ready"} {
		if res, body := opstest.NewClient(base).Do(t, "GET", path, nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s through nginx: %d %s", path, res.StatusCode, body)
		}
	}

	admin := opstest.Login(t, base, "admin", opstest.AdminPassword)
	seeded := opstest.Seed(t, admin)
	pdf := fmt.Sprintf("/api/v1/invoices/%d/pdf?lang=pt-BR", seeded.InvoiceID)

	t.Run("PDF with the client's request id", func(t *testing.T) {
		res, body := admin.Do(t, "GET", pdf, nil, "X-Request-ID", "proxy-pdf-0001", "X-Forwarded-For", "203.0.113.7")
		checkPDF(t, res, body)
		if got := res.Header.Get("X-Request-ID"); got != "proxy-pdf-0001" {
			t.Errorf("X-Request-ID %q in the response, want the client's", got)
		}
		// The API logged the request under the client's id, and believed the
		// address nginx put in X-Forwarded-For because it trusts nginx.
		line := apiLog(t, api, "proxy-pdf-0001")
		if line["remote_ip"] != "203.0.113.7" || line["status"] != float64(http.StatusOK) {
			t.Errorf("the API's log line of the PDF request: %v, want remote_ip 203.0.113.7 and status 200", line)
		}
	})

	t.Run("PDF without a request id", func(t *testing.T) {
		res, body := admin.Do(t, "GET", pdf, nil)
		checkPDF(t, res, body)
		id := res.Header.Get("X-Request-ID")
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
			t.Fatalf("X-Request-ID %q in the response, want nginx's $request_id", id)
		}
		// nginx made it (its access log names it) and the API used it.
		opstest.Eventually(t, "nginx's access log naming "+id, func() bool {
			b, _ := os.ReadFile(filepath.Join(dir, "access.log"))
			return bytes.Contains(b, []byte("request_id="+id))
		})
		if line := apiLog(t, api, id); line["remote_ip"] != "127.0.0.1" {
			t.Errorf("the API's log line: %v, want remote_ip 127.0.0.1 (the client, through nginx)", line)
		}
	})

	t.Run("body limit", func(t *testing.T) {
		direct := admin.Via(api.URL)
		limit, err := config.ParseByteSize(defaults()["DOLIGO_HTTP_BODY_LIMIT"])
		if err != nil {
			t.Fatal(err)
		}
		bodyLimit := int(limit)
		// Exactly the limit: nginx lets it through and the API reads it (the
		// name is too long: its own 422 problem).
		res, body := admin.Do(t, "POST", "/api/v1/thirdparties", bodyOf(bodyLimit), "X-Request-ID", "proxy-at-limit-1")
		if res.StatusCode != http.StatusUnprocessableEntity || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%d bytes through nginx: %d %s %.200s, want the API's 422 problem", bodyLimit, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		apiLog(t, api, "proxy-at-limit-1")
		// One byte more: nginx refuses it itself; the API never sees it.
		res, body = admin.Do(t, "POST", "/api/v1/thirdparties", bodyOf(bodyLimit+1), "X-Request-ID", "proxy-too-big-1")
		if res.StatusCode != http.StatusRequestEntityTooLarge || strings.Contains(res.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("%d bytes through nginx: %d %s %.200s, want 413 from nginx itself", bodyLimit+1, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		if strings.Contains(api.Output(), "proxy-too-big-1") {
			t.Error("the body over the limit reached the API: nginx must refuse it first")
		}
		// The API's own limit is the same byte count.
		res, body = direct.Do(t, "POST", "/api/v1/thirdparties", bodyOf(bodyLimit+1))
		if res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%d bytes straight to the API: %d %.200s, want its 413 problem", bodyLimit+1, res.StatusCode, body)
		}
	})

	t.Run("metrics stay inside", func(t *testing.T) {
		// However the path is spelt, nginx answers itself and the API never
		// sees the request; straight to the API, /metrics still answers.
		for i, path := range []string{"/metrics", "/metrics/", "//metrics", "/%6Detrics", "/metrics?format=text", "/metrics/../metrics"} {
			id := fmt.Sprintf("proxy-metrics-%d", i)
			res, body := opstest.NewClient(base).Do(t, "GET", path, nil, "X-Request-ID", id)
			if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden || bytes.Contains(body, []byte("doligo_")) {
				t.Errorf("GET %s through nginx: %d %.200s, want 403 or 404 without metrics", path, res.StatusCode, body)
			}
			if strings.Contains(api.Output(), id) {
				t.Errorf("GET %s through nginx reached the API", path)
			}
		}
		if res, body := opstest.NewClient(api.URL).Do(t, "GET", "/metrics", nil); res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("doligo_http_requests_total")) {
			t.Errorf("GET /metrics straight to the API: %d %.200s", res.StatusCode, body)
		}
	})

	proxy.Stop(t)
	api.Stop(t)
}

// bodyOf is a JSON body of exactly n bytes.
func bodyOf(n int) *strings.Reader {
	const frame = `{"name": ""}`
	return strings.NewReader(frame[:len(frame)-2] + strings.Repeat("x", n-len(frame)) + frame[len(frame)-2:])
}

func nginxBlock(t *testing.T) string {
	t.Helper()
	return opstest.FindBlock(t, opstest.Doc(t, "reverse_proxy.md"), "nginx", "nginx")
}

var (
	upstreamServer = regexp.MustCompile(`^(\s*server\s+)(\S+)(\s[^;]*)?;$`)
	listenLine     = regexp.MustCompile(`^(\s*listen\s+)(\S+);$`)
)

// localize is the documented configuration with only what an operator
// replaces replaced: the address of each (uncommented) upstream server
// becomes the API's, and the listen port the test's. It fails if any line
// differs from the document by more than that address.
func localize(t *testing.T, block, apiAddr, listenAddr string) string {
	t.Helper()
	doc := strings.Split(block, "\n")
	lines := slices.Clone(doc)
	var servers, listens int
	for i, l := range lines {
		if m := upstreamServer.FindStringSubmatch(l); m != nil {
			lines[i] = m[1] + apiAddr + m[3] + ";"
			servers++
		} else if m := listenLine.FindStringSubmatch(l); m != nil {
			lines[i] = m[1] + listenAddr + ";"
			listens++
		}
	}
	if servers == 0 || listens != 1 {
		t.Fatalf("the nginx block has %d upstream server lines and %d listen lines, want at least 1 and exactly 1", servers, listens)
	}
	changed := 0
	for i := range doc {
		if doc[i] == lines[i] {
			continue
		}
		changed++
		m := upstreamServer.FindStringSubmatch(doc[i])
		if m == nil {
			m = listenLine.FindStringSubmatch(doc[i])
		}
		// Putting the documented address back must give the documented line.
		if m == nil || strings.Replace(strings.Replace(lines[i], apiAddr, m[2], 1), listenAddr, m[2], 1) != doc[i] {
			t.Fatalf("line %d changed beyond its address:\n  doc:  %s\n  test: %s", i+1, doc[i], lines[i])
		}
	}
	if changed != servers+listens {
		t.Fatalf("%d lines changed, want the %d server and listen lines", changed, servers+listens)
	}
	return strings.Join(lines, "\n")
}

// startNginx runs nginx in the foreground, listening on addr, with the site
// inside a minimal nginx.conf whose pid file, logs and temporary folders are
// under dir, and waits until it proxies /health.
func startNginx(t *testing.T, dir, addr, site string) *opstest.Proc {
	t.Helper()
	user := ""
	if os.Geteuid() == 0 { // its workers would run as nobody, who cannot write under the test's 0700 folder
		user = "user root root;\n"
	}
	conf := filepath.Join(dir, "nginx.conf")
	err := os.WriteFile(conf, []byte(fmt.Sprintf(`daemon off;
%[1]sworker_processes 1;
pid %[2]s/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    log_format doligo '$remote_addr "$request" $status request_id=$doligo_request_id';
    access_log %[2]s/access.log doligo;

%[3]s
}
`, user, dir, site)), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if out, code := opstest.Run(t, nginxBin, nil, "-t", "-p", dir, "-c", conf); code != 0 {
		t.Fatalf("nginx -t: exit %d\n%s\n%s", code, out, site)
	}
	s := &opstest.Server{Proc: opstest.Start(t, nginxBin, nil, "-p", dir, "-c", conf), URL: "http://" + addr}
	s.WaitStatus(t, "/health", http.StatusOK)
	return s.Proc
}

func checkPDF(t *testing.T, res *http.Response, body []byte) {
	t.Helper()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("PDF through nginx: %d %s %.100q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

// apiLog returns the API's access-log line of the request with this id.
func apiLog(t *testing.T, api *opstest.Server, requestID string) map[string]any {
	t.Helper()
	var found map[string]any
	opstest.Eventually(t, "the API's log line of request "+requestID, func() bool {
		for line := range strings.Lines(api.Output()) {
			var entry map[string]any
			if json.Unmarshal([]byte(line), &entry) == nil && entry["request_id"] == requestID && entry["message"] == "request" {
				found = entry
				return true
			}
		}
		return false
	})
	return found
}
