package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestCheckAddr(t *testing.T) {
	for addr, allowed := range map[string]bool{
		"93.184.215.14":    true,
		"8.8.8.8":          true,
		"2606:4700::1111":  true,
		"127.0.0.1":        false,
		"127.9.9.9":        false,
		"::1":              false,
		"10.1.2.3":         false,
		"172.16.0.1":       false,
		"172.31.255.255":   false,
		"192.168.1.1":      false,
		"169.254.169.254":  false, // cloud metadata
		"169.254.0.1":      false,
		"fe80::1":          false,
		"fc00::1":          false,
		"fd12:3456::1":     false,
		"0.0.0.0":          false,
		"0.1.2.3":          false,
		"::":               false,
		"224.0.0.1":        false,
		"ff02::1":          false,
		"100.64.0.1":       false, // CGNAT
		"255.255.255.255":  false,
		"::ffff:127.0.0.1": false, // IPv4-mapped loopback
		"::ffff:10.0.0.1":  false,
		"::ffff:8.8.8.8":   true,
	} {
		err := checkAddr(netip.MustParseAddr(addr))
		if allowed && err != nil || !allowed && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v, want allowed=%v", addr, err, allowed)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	c := New(Options{Timeout: 5 * time.Second, MaxBody: 16})
	for target, ok := range map[string]bool{
		"https://93.184.215.14/hook":     true,
		"http://127.0.0.1:8080/hook":     false,
		"http://[::1]/hook":              false,
		"http://169.254.169.254/latest":  false,
		"http://10.0.0.7/hook":           false,
		"http://localhost:9999/hook":     false, // resolves to loopback
		"http://does-not-exist.invalid/": false, // does not resolve
	} {
		if err := c.CheckTarget(context.Background(), target); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", target, err, ok)
		}
	}
	dev := New(Options{Timeout: time.Second, AllowPrivate: true, MaxBody: 16})
	if err := dev.CheckTarget(context.Background(), "http://127.0.0.1:8080/hook"); err != nil {
		t.Fatalf("private allowed: %v", err)
	}
}

// The guard sits on the dial, after DNS: a receiver on loopback is refused
// even when the URL passed CheckTarget earlier (DNS rebinding).
func TestPostRefusesPrivateAddressAtDial(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	c := New(Options{Timeout: 5 * time.Second, MaxBody: 16})
	_, _, err := c.Post(context.Background(), srv.URL, nil, []byte(`{}`))
	if !errors.Is(err, ErrForbiddenAddress) || hits != 0 {
		t.Fatalf("post to %s: %v (hits %d), want refused before connecting", srv.URL, err, hits)
	}
}

func TestPostSendsReadsLittleAndNeverFollowsRedirects(t *testing.T) {
	followed := false
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/elsewhere":
			followed = true
		default:
			got = r
			body, _ = io.ReadAll(r.Body)
			_, _ = io.WriteString(w, strings.Repeat("x", 10_000))
		}
	}))
	defer srv.Close()
	c := New(Options{Timeout: 5 * time.Second, AllowPrivate: true, MaxBody: 16, UserAgent: "test/1"})

	status, answer, err := c.Post(context.Background(), srv.URL+"/hook", map[string]string{"Doligo-Signature": "t=1,v1=ab"}, []byte(`{"a":1}`))
	if err != nil || status != 200 || string(answer) != strings.Repeat("x", 16) {
		t.Fatalf("post: %d %q %v, want 200 and 16 bytes", status, answer, err)
	}
	if got.Method != http.MethodPost || got.Header.Get("Doligo-Signature") != "t=1,v1=ab" ||
		got.Header.Get("Content-Type") != "application/json" || got.Header.Get("User-Agent") != "test/1" || string(body) != `{"a":1}` {
		t.Fatalf("request = %s %v %s", got.Method, got.Header, body)
	}

	status, _, err = c.Post(context.Background(), srv.URL+"/redirect", nil, []byte(`{}`))
	if err != nil || status != http.StatusFound || followed {
		t.Fatalf("redirect: %d %v followed=%v, want the 302 itself", status, err, followed)
	}
}

func TestPostTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c := New(Options{Timeout: 200 * time.Millisecond, AllowPrivate: true, MaxBody: 16})
	if _, _, err := c.Post(context.Background(), srv.URL, nil, []byte(`{}`)); err == nil {
		t.Fatal("a receiver that never answers must fail the request")
	}
}
