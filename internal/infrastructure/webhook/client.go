// Package webhook sends webhook deliveries over HTTP, safely: only to public
// addresses (checked on the address actually dialed, after DNS resolution,
// so a name that resolves to a private address later is refused too),
// without following redirects, reading at most a few KiB of the answer, each
// request bounded by a timeout.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Options set a Client up.
type Options struct {
	// Timeout bounds one request, from dialing to the end of the answer's
	// body.
	Timeout time.Duration
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses (development: a receiver on the same machine).
	AllowPrivate bool
	// MaxBody is how much of an answer's body is read (bytes).
	MaxBody int64
	// UserAgent is sent with every request.
	UserAgent string
}

// Client posts deliveries; it also checks targets when subscriptions are
// made (usecase.WebhookService's guard and sender).
type Client struct {
	http *http.Client
	opts Options
}

// ErrForbiddenAddress refuses a target that is not a public address.
var ErrForbiddenAddress = errors.New("address not allowed")

// New returns a client.
func New(opts Options) *Client {
	dialer := &net.Dialer{Timeout: opts.Timeout, Control: func(_, address string, _ syscall.RawConn) error {
		if opts.AllowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
		}
		return checkAddr(ap.Addr())
	}}
	transport := &http.Transport{
		Proxy:                 nil, // never through a proxy: the address dialed is the one checked
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
	}
	return &Client{opts: opts, http: &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is the receiver's answer, not a new target
		},
	}}
}

// Post sends body to target with headers and returns the answer's status and
// at most MaxBody bytes of its body. An error means no answer (refused
// address, connection, timeout).
func (c *Client) Post(ctx context.Context, target string, headers map[string]string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody))
	if err != nil {
		return resp.StatusCode, got, fmt.Errorf("read the answer: %w", err)
	}
	return resp.StatusCode, got, nil
}

// CheckTarget refuses a URL whose host is, or resolves to, an address that
// is not public (unless private addresses are allowed). The URL's shape is
// checked by the domain already.
func (c *Client) CheckTarget(ctx context.Context, target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	if c.opts.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return checkAddr(a)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("host %s does not resolve", host)
	}
	for _, a := range addrs {
		if err := checkAddr(a); err != nil {
			return err
		}
	}
	return nil
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// checkAddr refuses every address that is not a public unicast one:
// loopback, private (RFC 1918, unique local fc00::/7), link-local (the cloud
// metadata address 169.254.169.254 among them), unspecified, multicast, CGNAT.
func checkAddr(a netip.Addr) error {
	a = a.Unmap()
	switch {
	case !a.IsValid(), a.IsUnspecified(), a.IsLoopback(), a.IsPrivate(), a.IsLinkLocalUnicast(),
		a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast(), a.IsMulticast(), cgnat.Contains(a),
		a.Is4() && a.As4()[0] == 0, a == netip.IPv4Unspecified(), a.Is4() && a.As4() == [4]byte{255, 255, 255, 255}:
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenAddress, a)
	}
	return nil
}
