// Package smtpsink is a real SMTP server for tests (emersion/go-smtp) that
// keeps what it receives and lets the test steer it: hold each message at the
// end of DATA until the test decides, refuse connections, reject recipients.
//
//	sink := smtpsink.Start(t)
//	sink.Hold(true)
//	… held := <-sink.Arrived; held.Accept()   // or held.Reject(…)
package smtpsink

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the sink accepted.
type Message struct {
	TLS       bool // received over TLS (implicit or after STARTTLS)
	From      string
	To        []string // envelope recipients
	MessageID string   // without angle brackets
	Header    netmail.Header
	Raw       []byte
}

// Held is a message that reached the end of DATA while the sink holds: the
// client waits for the sink's reply until the test gives a verdict.
type Held struct {
	Message
	verdict chan error
}

// Accept replies 250: the message is delivered.
func (h *Held) Accept() { h.verdict <- nil }

// Reject replies with code (4xx temporary, 5xx permanent).
func (h *Held) Reject(code int) {
	h.verdict <- &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "rejected by the test"}
}

// Sink is a running SMTP server on 127.0.0.1.
type Sink struct {
	Host string
	Port int
	// Arrived receives every held message, in arrival order.
	Arrived chan *Held

	srv      *smtp.Server
	closing  chan struct{}
	hold     atomic.Bool
	refusing atomic.Bool
	refused  atomic.Int64

	mu        sync.Mutex
	delivered []Message
	reject    map[string]bool
}

// Option changes how Start sets the sink up.
type Option func(*setup)

type setup struct {
	tls      *tls.Config
	implicit bool
}

// WithTLS offers STARTTLS with cfg or, when implicit, speaks TLS from the
// first byte.
func WithTLS(cfg *tls.Config, implicit bool) Option {
	return func(s *setup) { s.tls, s.implicit = cfg, implicit }
}

// Start listens on a free port and stops the server when the test ends,
// rejecting whatever it still holds.
func Start(t testing.TB, opts ...Option) *Sink {
	t.Helper()
	var o setup
	for _, f := range opts {
		f(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{Arrived: make(chan *Held, 1000), closing: make(chan struct{}), reject: map[string]bool{}}
	s.Host, s.Port = "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{sink: s, conn: c}, nil }))
	s.srv.Domain = "sink.test"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 20 << 20
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	var l net.Listener = gate{Listener: ln, sink: s}
	if o.tls != nil {
		s.srv.TLSConfig = o.tls // STARTTLS
		if o.implicit {
			l = tls.NewListener(l, o.tls)
		}
	}
	go s.srv.Serve(l)
	t.Cleanup(func() {
		close(s.closing)
		s.srv.Close()
	})
	return s
}

// Addr is host:port.
func (s *Sink) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Hold makes every later message wait at the end of DATA for a verdict
// (through Arrived) instead of being accepted at once.
func (s *Sink) Hold(on bool) { s.hold.Store(on) }

// Refuse makes the sink close every new connection at once, before its
// greeting: to a client, the server is down.
func (s *Sink) Refuse(on bool) { s.refusing.Store(on) }

// Refused counts the connections closed by Refuse.
func (s *Sink) Refused() int64 { return s.refused.Load() }

// RejectRecipient makes RCPT TO addr fail with 550.
func (s *Sink) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[strings.ToLower(addr)] = true
}

// Messages returns the accepted messages in order.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.delivered...)
}

// Count returns how many accepted messages carry messageID.
func (s *Sink) Count(messageID string) int {
	n := 0
	for _, m := range s.Messages() {
		if m.MessageID == messageID {
			n++
		}
	}
	return n
}

type gate struct {
	net.Listener
	sink *Sink
}

func (g gate) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if !g.sink.refusing.Load() {
			return c, nil
		}
		g.sink.refused.Add(1)
		c.Close()
	}
}

type session struct {
	sink *Sink
	conn *smtp.Conn
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.sink.mu.Lock()
	rejected := s.sink.reject[strings.ToLower(to)]
	s.sink.mu.Unlock()
	if rejected {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, secure := s.conn.TLSConnectionState()
	m := Message{TLS: secure, From: s.from, To: append([]string(nil), s.to...), Raw: raw}
	if parsed, err := netmail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Header = parsed.Header
		m.MessageID = strings.Trim(parsed.Header.Get("Message-Id"), "<>")
	}
	if s.sink.hold.Load() {
		h := &Held{Message: m, verdict: make(chan error, 1)}
		s.sink.Arrived <- h
		select {
		case err := <-h.verdict:
			if err != nil {
				return err
			}
		case <-s.sink.closing:
			return errors.New("sink closing")
		}
	}
	s.sink.mu.Lock()
	s.sink.delivered = append(s.sink.delivered, m)
	s.sink.mu.Unlock()
	return nil
}
