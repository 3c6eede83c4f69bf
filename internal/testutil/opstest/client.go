package opstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Client calls the API as one logged-in user.
type Client struct {
	Base  string // http://host:port, the API or a proxy in front of it
	Token string
	http  *http.Client
}

// NewClient returns a client without a token.
func NewClient(base string) *Client {
	return &Client{Base: base, http: &http.Client{Timeout: Hang}}
}

// Via returns a copy of the client, same token, that calls base instead: the
// API straight, say, rather than through a proxy.
func (c *Client) Via(base string) *Client {
	d := *c
	d.Base = base
	return &d
}

// Login logs in through base and returns a client carrying the token.
func Login(t testing.TB, base, login, password string) *Client {
	t.Helper()
	c := NewClient(base)
	tok := c.JSON(t, http.StatusOK, "POST", "/api/v1/auth/login", fmt.Sprintf(`{"login": %q, "password": %q}`, login, password))
	c.Token, _ = tok["access_token"].(string)
	if c.Token == "" {
		t.Fatalf("login as %s: no access_token in %v", login, tok)
	}
	return c
}

// Do sends a request with the client's token and the given headers (name,
// value, …) and returns the response with its body read.
func (c *Client) Do(t testing.TB, method, path string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.Base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return res, b
}

// JSON sends a JSON body (none when empty) with the given headers, checks the
// status and decodes the answer. Every POST carries a fresh Idempotency-Key,
// as a careful client sends it, so the keys table is filled through the
// product too.
func (c *Client) JSON(t testing.TB, status int, method, path, body string, hdr ...string) map[string]any {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	if method == http.MethodPost {
		hdr = append([]string{"Idempotency-Key", randomKey()}, hdr...)
	}
	res, b := c.Do(t, method, path, r, hdr...)
	if res.StatusCode != status {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, b, status)
	}
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return out
}

// ID is the integer "id" of a decoded resource.
func ID(t testing.TB, m map[string]any) int64 {
	t.Helper()
	f, ok := m["id"].(float64)
	if !ok || f <= 0 {
		t.Fatalf("no id in %v", m)
	}
	return int64(f)
}

func randomKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
