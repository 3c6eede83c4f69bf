package mailer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/embed"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/i18n"
	"github.com/doligo/doligo/internal/infrastructure/mailer"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
)

func templates(t *testing.T) *mailer.Templates {
	t.Helper()
	formats, err := i18n.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := mailer.LoadTemplates(embed.EmailTemplates, "templates/email", formats)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func newSender(t *testing.T, sink *smtpsink.Sink, failures uint32, open time.Duration, onRecover ...func()) (*mailer.Sender, *prometheus.Registry) {
	t.Helper()
	cfg := mailer.Config{
		Host: sink.Host, Port: sink.Port, From: "Doligo <billing@example.com>", TLS: mailer.TLSNone,
		Timeout: 30 * time.Second, BreakerFailures: failures, BreakerOpen: open, Log: zerolog.Nop(),
	}
	for _, f := range onRecover {
		cfg.OnRecover = f
	}
	s, err := mailer.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s.RegisterMetrics(reg)
	return s, reg
}

func breakerState(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "doligo_smtp_breaker_state" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no doligo_smtp_breaker_state metric")
	return 0
}

// message is a small e-mail with the Message-ID of job id.
func message(id int64, to ...string) domain.EmailMessage {
	return domain.EmailMessage{MessageID: fmt.Sprintf("job-%d.1793700000000@example.com", id), To: to,
		EmailContent: domain.EmailContent{Subject: "s", Text: "b\n"}}
}

// A message rendered from a template reaches the server whole: envelope,
// Message-ID, subject, text and HTML parts, attachment.
func TestRenderedMessageIsDeliveredWithItsAttachment(t *testing.T) {
	sink := smtpsink.Start(t)
	s, _ := newSender(t, sink, 5, time.Minute)
	pdf := []byte("%PDF-1.7 fake invoice")
	r, err := templates(t).Render("invoice", "pt-BR",
		map[string]any{"ref": "FA2611-0001", "customer_name": "Ana <Souza>", "total": "1234.50", "currency": "BRL", "due_date": "2026-12-03"})
	if err != nil {
		t.Fatal(err)
	}
	sent := domain.EmailMessage{
		MessageID: "job-7.1793700000000@example.com", To: []string{"client@example.org"}, Cc: []string{"accounts@example.org"},
		EmailContent: r, Attachments: []domain.EmailAttachment{{Name: "invoice-42-pt-BR.pdf", Data: pdf}},
	}
	if err := s.Send(context.Background(), sent); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}
	m := msgs[0]
	if want := sent.MessageID; m.MessageID != want {
		t.Errorf("Message-ID %q, want %q", m.MessageID, want)
	}
	if !slices.Equal(m.To, []string{"client@example.org", "accounts@example.org"}) || m.From != "billing@example.com" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	if got := m.Header.Get("Subject"); got != "Fatura FA2611-0001" {
		t.Errorf("subject %q", got)
	}
	raw := string(m.Raw)
	for _, want := range []string{
		"text/plain", "text/html", "application/pdf", "invoice-42-pt-BR.pdf",
		base64.StdEncoding.EncodeToString(pdf),
		"Ana &lt;Souza&gt;", // escaped in the HTML part
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("message lacks %q:\n%s", want, raw)
		}
	}
}

func TestTemplatesCoverEveryLanguageWithFallbacks(t *testing.T) {
	tm := templates(t)
	if got := tm.Languages(); !slices.Equal(got, []string{"de", "en", "es", "fr", "pt-BR"}) {
		t.Fatalf("languages %v", got)
	}
	data := map[string]any{"ref": "FA-1", "total": "10.00", "currency": "EUR"}
	subjects := map[string]string{}
	for _, lang := range tm.Languages() {
		for _, name := range []string{"proposal", "order", "invoice", "credit_note", "message", "purchase_order"} {
			r, err := tm.Render(name, lang, map[string]any{"ref": "FA-1", "subject": "S", "body": "B"})
			if err != nil || r.Subject == "" || r.Text == "" || r.HTML == "" {
				t.Fatalf("%s/%s: %+v, %v", lang, name, r, err)
			}
			if strings.Contains(r.Text+r.HTML+r.Subject, "no value") {
				t.Errorf("%s/%s renders a missing optional key: %+v", lang, name, r)
			}
		}
		r, _ := tm.Render("invoice", lang, data)
		subjects[lang] = r.Subject
	}
	for tag, want := range map[string]string{"it": "en", "de-AT": "de", "pt-PT": "pt-BR", "fr-CA": "fr", "ES": "es", "": "en"} {
		r, err := tm.Render("invoice", tag, data)
		if err != nil || r.Subject != subjects[want] {
			t.Errorf("language %q: subject %q (%v), want the %s one %q", tag, r.Subject, err, want, subjects[want])
		}
	}
	if _, err := tm.Render("nope", "en", nil); !errors.Is(err, mailer.ErrUnknownTemplate) {
		t.Errorf("unknown template: %v", err)
	}
}

// A purchase order's e-mail names the order in each language, HTML escaped,
// with its amount and date written as the language writes them.
func TestPurchaseOrderTemplate(t *testing.T) {
	tm := templates(t)
	data := map[string]any{"ref": "PO2611-0001", "total": "1234.50", "currency": "EUR", "customer_name": "Smith & Sons",
		"company_name": "Doligo SA", "due_date": "2026-12-01"}
	for lang, want := range map[string][3]string{
		"en":    {"Purchase order", "1,234.50 EUR", "1 Dec 2026"},
		"fr":    {"Bon de commande", "1\u202f234,50\u00a0EUR", "01/12/2026"},
		"de":    {"Bestellung", "1.234,50\u00a0EUR", "01.12.2026"},
		"es":    {"Orden de compra", "1234,50 EUR", "01/12/2026"},
		"pt-BR": {"Pedido de compra", "EUR 1.234,50", "01/12/2026"},
	} {
		r, err := tm.Render("purchase_order", lang, data)
		if err != nil || !strings.HasPrefix(r.Subject, want[0]+" PO2611-0001") || !strings.Contains(r.Text, "Smith & Sons") ||
			!strings.Contains(r.HTML, "Smith &amp; Sons") || !strings.Contains(r.Text, want[2]) || strings.Contains(r.Text, "2026-12-01") {
			t.Errorf("%s: %+v %v", lang, r, err)
		}
		if !strings.Contains(r.Text, want[1]) {
			t.Errorf("%s: amount not written %q:\n%s", lang, want[1], r.Text)
		}
	}
	// A payload whose amount came already formatted still reads.
	r, err := tm.Render("purchase_order", "en", map[string]any{"ref": "PO-1", "total": "1,234.50", "currency": "EUR"})
	if err != nil || !strings.Contains(r.Text, "for 1,234.50 EUR.") {
		t.Errorf("preformatted amount: %q %v", r.Text, err)
	}
}

// An e-mail and the PDF it attaches negotiate the language alike (one rule,
// i18n.Matcher), e.g. a customer written "fr_CA" gets both in French.
func TestTemplatesNegotiateLikeThePDFs(t *testing.T) {
	tm := templates(t)
	cat, err := i18n.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"ref": "FA-1", "total": "10.00", "currency": "EUR"}
	subject := func(lang string) string {
		t.Helper()
		r, err := tm.Render("invoice", lang, data)
		if err != nil {
			t.Fatal(err)
		}
		return r.Subject
	}
	for _, tag := range []string{"", "en-US", "fr_CA", "pt_BR", "pt", "pt-PT", "es-419", "gl", "de", "de-CH, fr;q=0.9"} {
		pdfLang := cat.Locale(tag).Tag
		if got, want := subject(tag), subject(pdfLang); got != want {
			t.Errorf("%q: e-mail subject %q, want the %s one (the PDF's language) %q", tag, got, pdfLang, want)
		}
	}
}

// Messages that no retry can mend come back permanent (domain.ErrJobPermanent,
// and ErrRejected); a rejection does not count against the server.
func TestSendFailureKinds(t *testing.T) {
	sink := smtpsink.Start(t)
	sink.RejectRecipient("gone@example.org")
	s, reg := newSender(t, sink, 1, time.Minute)
	for name, m := range map[string]domain.EmailMessage{
		"no recipient":           message(2),
		"invalid address":        message(3, "not an address"),
		"recipient rejected 550": message(4, "gone@example.org"),
	} {
		err := s.Send(context.Background(), m)
		if !errors.Is(err, domain.ErrJobPermanent) || !errors.Is(err, mailer.ErrRejected) {
			t.Errorf("%s: %v, want permanent", name, err)
		}
	}
	// A rejection proves the server works: the breaker (1 failure opens it) stays closed.
	if st := breakerState(t, reg); st != 0 {
		t.Fatalf("breaker state %v after rejections, want closed", st)
	}
	if err := s.Send(context.Background(), message(8, "a@example.org")); err != nil {
		t.Fatalf("a good message after rejections: %v", err)
	}
}

// While the server refuses connections the breaker opens after the
// configured failures; the send that opens it, the sends while it is open and
// a failed trial send are deferred (their jobs spend no attempt), until a
// trial send after the open period finds the server back and OnRecover runs.
func TestBreakerDefersJobsWhileTheServerIsDown(t *testing.T) {
	sink := smtpsink.Start(t)
	recovered := make(chan struct{}, 10)
	s, reg := newSender(t, sink, 2, 100*time.Millisecond, func() { recovered <- struct{}{} })
	sink.Refuse(true)
	var deferred *domain.JobDeferredError
	err := s.Send(context.Background(), message(0, "a@example.org"))
	if err == nil || errors.Is(err, domain.ErrJobPermanent) || errors.As(err, &deferred) {
		t.Fatalf("first send to a refusing server: %v, want a retryable failure", err)
	}
	err = s.Send(context.Background(), message(1, "a@example.org"))
	if !errors.As(err, &deferred) || !errors.Is(err, mailer.ErrCircuitOpen) {
		t.Fatalf("the send that opens the breaker: %v, want deferred", err)
	}
	if st := breakerState(t, reg); st != 2 {
		t.Fatalf("breaker state %v after 2 failures, want open (2)", st)
	}
	err = s.Send(context.Background(), message(3, "a@example.org"))
	if !errors.As(err, &deferred) || deferred.After < 50*time.Millisecond {
		t.Fatalf("send while open: %v, want deferred until the trial", err)
	}
	if n := sink.Refused(); n != 2 {
		t.Fatalf("%d connections, want 2: an open breaker must not connect", n)
	}
	// A trial send while the server is still down: deferred too.
	guard := time.Now().Add(30 * time.Second) // a hang guard
	for sink.Refused() == 2 {
		err = s.Send(context.Background(), message(3, "a@example.org"))
		if !errors.As(err, &deferred) {
			t.Fatalf("send while down: %v, want deferred", err)
		}
		if time.Now().After(guard) {
			t.Fatal("the breaker never let a trial send through")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := breakerState(t, reg); st != 2 {
		t.Fatalf("breaker state %v after a failed trial, want open (2)", st)
	}
	if len(recovered) != 0 {
		t.Fatal("OnRecover ran while the server was down")
	}
	sink.Refuse(false)
	for {
		err = s.Send(context.Background(), message(3, "a@example.org"))
		if !errors.As(err, &deferred) {
			break
		}
		if time.Now().After(guard) {
			t.Fatal("the breaker never let a trial send through")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("trial send: %v", err)
	}
	if st := breakerState(t, reg); st != 0 {
		t.Fatalf("breaker state %v after a good trial, want closed", st)
	}
	select {
	case <-recovered:
	case <-time.After(20 * time.Second): // a hang guard
		t.Fatal("OnRecover did not run when the breaker closed")
	}
}

// Cancelling the task's context stops a send the server holds in DATA at
// once, and does not count against the server.
func TestCancelStopsAHeldSend(t *testing.T) {
	sink := smtpsink.Start(t)
	sink.Hold(true)
	s, reg := newSender(t, sink, 1, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, message(1, "a@example.org")) }()
	held := <-sink.Arrived
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled send: %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second): // a hang guard: the Timeout is 30 s
		t.Fatal("the send did not stop when its context was cancelled")
	}
	held.Reject(451)
	if st := breakerState(t, reg); st != 0 {
		t.Fatalf("breaker state %v after a cancelled send, want closed", st)
	}
	sink.Hold(false)
	if err := s.Send(context.Background(), message(2, "a@example.org")); err != nil {
		t.Fatal(err)
	}
}

// selfSigned returns a server certificate for 127.0.0.1 and a client
// configuration that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// The configured TLS mode is what goes over the wire: STARTTLS upgrades the
// plain connection, tls speaks TLS from the first byte, and STARTTLS is
// mandatory (a server without it is an error, not a plain-text fallback).
func TestTLSModes(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	for _, c := range []struct {
		mode     string
		sink     []smtpsink.Option
		wantTLS  bool
		wantFail bool
	}{
		{mailer.TLSStartTLS, []smtpsink.Option{smtpsink.WithTLS(serverTLS, false)}, true, false},
		{mailer.TLSImplicit, []smtpsink.Option{smtpsink.WithTLS(serverTLS, true)}, true, false},
		{mailer.TLSNone, []smtpsink.Option{smtpsink.WithTLS(serverTLS, false)}, false, false},
		{mailer.TLSStartTLS, nil, false, true},
	} {
		sink := smtpsink.Start(t, c.sink...)
		s, err := mailer.NewSender(mailer.Config{
			Host: sink.Host, Port: sink.Port, From: "billing@example.com", TLS: c.mode, TLSConfig: clientTLS,
			Timeout: 10 * time.Second, BreakerFailures: 5, BreakerOpen: time.Minute, Log: zerolog.Nop(),
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(context.Background(), message(1, "a@example.org"))
		if c.wantFail {
			if err == nil || len(sink.Messages()) != 0 {
				t.Errorf("%s to a server without STARTTLS: %v, %d messages; want a failure and nothing sent", c.mode, err, len(sink.Messages()))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.mode, err)
			continue
		}
		if m := sink.Messages(); len(m) != 1 || m[0].TLS != c.wantTLS {
			t.Errorf("%s: messages %d, TLS %v; want 1 over TLS=%v", c.mode, len(m), len(m) == 1 && m[0].TLS, c.wantTLS)
		}
	}
}
