// Package mailer sends the worker's e-mail: an SMTP client (wneessen/go-mail)
// behind a circuit breaker (sony/gobreaker), and the embedded templates per
// language. What an e-mail holds and what a failure means for its job is
// usecase.MailService's.
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"mime"
	"net"
	netmail "net/mail"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"
	mail "github.com/wneessen/go-mail"

	"github.com/doligo/doligo/internal/domain"
)

// TLS modes, as DOLIGO_SMTP_TLS spells them.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is then mandatory
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// Config is the SMTP server and the breaker around it.
type Config struct {
	Host     string
	Port     int
	Username string // no authentication when empty
	Password string
	From     string
	TLS      string
	// TLSConfig overrides the default (system roots, ServerName = Host).
	TLSConfig *tls.Config
	// Timeout bounds each network read and write of one send (the task's
	// context bounds the whole send).
	Timeout time.Duration
	// BreakerFailures consecutive failed sends open the breaker…
	BreakerFailures uint32
	// …for BreakerOpen, after which one trial send decides whether it closes.
	BreakerOpen time.Duration
	// OnRecover, when set, runs in its own goroutine each time the breaker
	// closes again (a trial send went through): the worker wakes the e-mail
	// jobs that waited for the server.
	OnRecover func()
	Log       zerolog.Logger
}

// ErrCircuitOpen is returned without contacting the server while the breaker
// is open (or half-open with its trial send under way).
var ErrCircuitOpen = errors.New("smtp circuit breaker open")

// ErrRejected marks a message the server refused for good (a 5xx reply to
// MAIL FROM, RCPT TO or DATA) or that has an address no server would accept:
// sending it again cannot succeed.
var ErrRejected = errors.New("message rejected")

// Sender sends messages through the circuit breaker: after BreakerFailures
// consecutive failures (connection refused, timeouts, 4xx) it stops
// contacting the server for BreakerOpen, so a mail server outage costs the
// queue no attempts and the server no storm of connections.
type Sender struct {
	cfg    Config
	domain string // of the sender address
	cb     *gobreaker.CircuitBreaker[struct{}]
	// openUntil is when the breaker, last opened, lets a trial send through
	// (Unix nanoseconds): deferred jobs come back then, not sooner.
	openUntil atomic.Int64
}

// NewSender checks cfg and returns a sender with a closed breaker.
func NewSender(cfg Config) (*Sender, error) {
	switch cfg.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("smtp: TLS mode %q is not one of none, starttls, tls", cfg.TLS)
	}
	if cfg.Host == "" || cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: invalid server %s:%d", cfg.Host, cfg.Port)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: sender address %q: %w", cfg.From, err)
	}
	if cfg.Timeout <= 0 || cfg.BreakerFailures < 1 || cfg.BreakerOpen <= 0 {
		return nil, fmt.Errorf("smtp: timeout, breaker failures and breaker open time must be positive")
	}
	s := &Sender{cfg: cfg, domain: from.Address[strings.LastIndexByte(from.Address, '@')+1:]}
	s.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "smtp",
		MaxRequests: 1, // one trial send while half-open
		Timeout:     cfg.BreakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= cfg.BreakerFailures },
		// A rejected message proves the server is up: it is the message
		// that is wrong, not the server.
		IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, ErrRejected) },
		// A send cut short by our own shutdown says nothing of the server.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			ev := cfg.Log.Info()
			switch {
			case to == gobreaker.StateOpen:
				s.openUntil.Store(time.Now().Add(cfg.BreakerOpen).UnixNano())
				ev = cfg.Log.Warn()
			case to == gobreaker.StateClosed && cfg.OnRecover != nil:
				go cfg.OnRecover()
			}
			ev.Str("from", from.String()).Str("to", to.String()).Dur("open_for", cfg.BreakerOpen).Msg("smtp circuit breaker changed state")
		},
	})
	return s, nil
}

// Domain is the domain of the sender address, for Message-IDs.
func (s *Sender) Domain() string { return s.domain }

// RegisterMetrics adds the breaker state (0 closed, 1 half-open, 2 open) to reg.
func (s *Sender) RegisterMetrics(reg prometheus.Registerer) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "doligo_smtp_breaker_state",
		Help: "State of the SMTP circuit breaker: 0 closed, 1 half-open, 2 open.",
	}, func() float64 {
		switch s.cb.State() {
		case gobreaker.StateHalfOpen:
			return 1
		case gobreaker.StateOpen:
			return 2
		}
		return 0
	}))
}

// Send delivers m (usecase.EmailSender), or fails with a
// *domain.JobDeferredError wrapping ErrCircuitOpen (the server is down and the
// breaker open: nothing was tried, or the send that failed opened it or was
// its trial), an error wrapping both domain.ErrJobPermanent and ErrRejected
// (sending it again cannot succeed), or another error (worth retrying).
//
// So an outage costs jobs at most the BreakerFailures − 1 attempts that come
// before the breaker opens, however long it lasts: the failure that opens it
// and every failed trial send are the server's, not the message's, and a job
// that made them waits like the others instead of moving towards dead.
func (s *Sender) Send(ctx context.Context, m domain.EmailMessage) error {
	msg, err := s.build(m)
	if err == nil {
		_, err = s.cb.Execute(func() (struct{}, error) { return struct{}{}, s.send(ctx, msg) })
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRejected):
		return fmt.Errorf("%w: %w", domain.ErrJobPermanent, err)
	case errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) ||
		!errors.Is(err, context.Canceled) && s.cb.State() == gobreaker.StateOpen:
		return &domain.JobDeferredError{After: s.untilTrial(), Reason: fmt.Errorf("%w (%w)", ErrCircuitOpen, err)}
	}
	return err
}

// untilTrial is how long a deferred job waits: until the breaker lets its
// trial send through, plus a spread of up to half an open period so that the
// returns do not all meet that single trial at once. When the trial goes
// through, OnRecover brings the rest back at once.
func (s *Sender) untilTrial() time.Duration {
	open := s.cfg.BreakerOpen
	return max(time.Until(time.Unix(0, s.openUntil.Load())), 0) + rand.N(open/2+1)
}

func (s *Sender) build(m domain.EmailMessage) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("sender address %q: %w", s.cfg.From, err)
	}
	if len(m.To) == 0 {
		return nil, fmt.Errorf("%w: no recipient", ErrRejected)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("%w: recipient: %w", ErrRejected, err)
	}
	if len(m.Cc) > 0 {
		if err := msg.Cc(m.Cc...); err != nil {
			return nil, fmt.Errorf("%w: cc: %w", ErrRejected, err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		ct := mime.TypeByExtension(path.Ext(a.Name))
		if ct == "" {
			ct = string(mail.TypeAppOctetStream)
		}
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(ct)))
	}
	return msg, nil
}

// send makes one SMTP session. go-mail's context only covers dialling, so
// the connection is closed when ctx ends: a task cancelled by its timeout or
// by the shutdown stops at once, even inside a DATA the server holds open.
func (s *Sender) send(ctx context.Context, msg *mail.Msg) error {
	var mu sync.Mutex
	var stops []func() bool
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, stop := range stops {
			stop()
		}
	}()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		var err error
		if s.cfg.TLS == TLSImplicit {
			conn, err = (&tls.Dialer{Config: s.tlsConfig()}).DialContext(dctx, network, addr)
		} else {
			conn, err = (&net.Dialer{}).DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		mu.Lock()
		stops = append(stops, context.AfterFunc(ctx, func() { conn.Close() }))
		mu.Unlock()
		return conn, nil
	}
	policy := mail.NoTLS
	if s.cfg.TLS == TLSStartTLS {
		policy = mail.TLSMandatory
	}
	opts := []mail.Option{
		mail.WithDialContextFunc(dial), mail.WithTimeout(s.cfg.Timeout),
		mail.WithTLSConfig(s.tlsConfig()), mail.WithTLSPolicy(policy),
	}
	if s.cfg.TLS == TLSImplicit {
		opts = append(opts, mail.WithSSL()) // the dialler above speaks TLS
	}
	if s.cfg.Username != "" {
		auth := mail.SMTPAuthPlain // refuses to send the password over a plain connection
		if s.cfg.TLS == TLSNone {
			auth = mail.SMTPAuthPlainNoEnc // the operator chose no TLS
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	opts = append(opts, mail.WithPort(s.cfg.Port))
	client, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	switch {
	case msg.IsDelivered():
		return nil // accepted; a failing RSET or QUIT afterwards changes nothing
	case err == nil:
		return errors.New("smtp: message not delivered")
	case ctx.Err() != nil:
		return fmt.Errorf("smtp: %w: %w", ctx.Err(), err)
	case permanent(err):
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return fmt.Errorf("smtp: %w", err)
}

// permanent reports a 5xx reply to the message (not to the connection, the
// greeting or the authentication: those are the server's or the
// configuration's problems, which the breaker and retries are for).
func permanent(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600
}

func (s *Sender) tlsConfig() *tls.Config {
	if s.cfg.TLSConfig != nil {
		return s.cfg.TLSConfig
	}
	return &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
}
