package usecase_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/usecase"
)

// fakeSender records the messages and answers err, as the mailer classifies it.
type fakeSender struct {
	err  error
	sent []domain.EmailMessage
}

func (s *fakeSender) Send(_ context.Context, m domain.EmailMessage) error {
	if s.err != nil {
		return s.err
	}
	s.sent = append(s.sent, m)
	return nil
}

func (s *fakeSender) Domain() string { return "example.com" }

// fakeTemplates knows the templates "invoice" and "message" and records the
// language each rendering was asked in.
type fakeTemplates struct{ langs []string }

var errUnknownTemplate = errors.New("unknown e-mail template")

func (f *fakeTemplates) Render(name, lang string, data map[string]any) (domain.EmailContent, error) {
	f.langs = append(f.langs, lang)
	if name != "invoice" && name != "message" {
		return domain.EmailContent{}, fmt.Errorf("%w %q", errUnknownTemplate, name)
	}
	return domain.EmailContent{Subject: fmt.Sprintf("%s %v", name, data["ref"]), Text: "text\n", HTML: "<p>html</p>"}, nil
}

// fakePDFs are the invoices' PDFs by id; err, when set, is what loading fails with.
type fakePDFs struct {
	files map[int64][]byte
	err   error
	refs  []domain.AttachmentRef
}

func (p *fakePDFs) Load(_ context.Context, ref domain.AttachmentRef) (string, []byte, error) {
	p.refs = append(p.refs, ref)
	if p.err != nil {
		return "", nil, p.err
	}
	data, ok := p.files[ref.ID]
	if !ok || ref.Document != "invoice" {
		return "", nil, domain.NotFound(ref.Document, ref.ID)
	}
	return fmt.Sprintf("invoice-%d-%s.pdf", ref.ID, ref.Lang), data, nil
}

func emailJob(t *testing.T, id int64, attempt int, p domain.EmailPayload) domain.Job {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return domain.Job{ID: id, Kind: domain.JobKindEmailSend, Payload: raw, Attempt: attempt, MaxAttempts: 8,
		CreatedAt: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)}
}

// An e-mail job renders its template in the e-mail's language, loads its
// attachments in that language (unless a reference names its own) and sends
// them under a Message-ID that every attempt of the job shares.
func TestMailJobIsRenderedAttachedAndSent(t *testing.T) {
	sender, tm := &fakeSender{}, &fakeTemplates{}
	pdf := []byte("%PDF-1.7 fake invoice")
	pdfs := &fakePDFs{files: map[int64][]byte{42: pdf, 43: pdf}}
	svc := usecase.NewMailService(sender, tm, pdfs)
	p := domain.EmailPayload{
		To: []string{"client@example.org"}, Cc: []string{"accounts@example.org"}, Template: "invoice", Lang: "pt-BR",
		Data:        map[string]any{"ref": "FA2611-0001"},
		Attachments: []domain.AttachmentRef{{Document: "invoice", ID: 42}, {Document: "invoice", ID: 43, Lang: "fr"}},
	}
	for attempt := 1; attempt <= 2; attempt++ {
		if err := svc.SendJob(context.Background(), emailJob(t, 7, attempt, p)); err != nil {
			t.Fatal(err)
		}
	}
	if len(sender.sent) != 2 {
		t.Fatalf("%d messages sent, want 2", len(sender.sent))
	}
	want := domain.EmailMessage{
		MessageID: "job-7.1793700000000@example.com", To: p.To, Cc: p.Cc,
		EmailContent: domain.EmailContent{Subject: "invoice FA2611-0001", Text: "text\n", HTML: "<p>html</p>"},
		Attachments: []domain.EmailAttachment{
			{Name: "invoice-42-pt-BR.pdf", Data: pdf}, // the e-mail's language reaches the loader
			{Name: "invoice-43-fr.pdf", Data: pdf},    // a reference's own language wins
		},
	}
	for i, m := range sender.sent {
		if !reflect.DeepEqual(m, want) {
			t.Errorf("attempt %d sent %+v, want %+v", i+1, m, want)
		}
	}
	if id := usecase.MessageID(emailJob(t, 7, 1, p), "example.com"); id != want.MessageID {
		t.Errorf("MessageID %q", id)
	}

	// No language: English, for the templates and the attachments; a
	// subject in the payload replaces the template's.
	tm.langs, pdfs.refs = nil, nil
	p.Lang, p.Subject, p.Attachments = "", "Your invoice", p.Attachments[:1]
	if err := svc.SendJob(context.Background(), emailJob(t, 8, 1, p)); err != nil {
		t.Fatal(err)
	}
	if m := sender.sent[2]; m.Subject != "Your invoice" || tm.langs[0] != "en" || pdfs.refs[0].Lang != "en" {
		t.Errorf("subject %q, template language %v, attachment language %q", m.Subject, tm.langs, pdfs.refs[0].Lang)
	}
}

// Failures that no retry can mend are permanent; the others are not; a
// sender's classification (permanent, deferred) reaches the dispatcher as is.
func TestMailJobFailureKinds(t *testing.T) {
	msg := domain.EmailPayload{To: []string{"a@example.org"}, Template: "message", Data: map[string]any{"subject": "s", "body": "b"}}
	withAttachment := msg
	withAttachment.Attachments = []domain.AttachmentRef{{Document: "invoice", ID: 1}}
	unknown := msg
	unknown.Template = "nope"
	rejected := fmt.Errorf("%w: smtp 550 no such user", domain.ErrJobPermanent)
	deferred := &domain.JobDeferredError{After: time.Minute, Reason: errors.New("smtp circuit breaker open")}
	for name, c := range map[string]struct {
		p         *domain.EmailPayload // nil: a payload that is not JSON
		loader    bool
		loadErr   error
		sendErr   error
		permanent bool
		deferred  bool
	}{
		"payload not JSON":          {p: nil, loader: true, permanent: true},
		"unknown template":          {p: &unknown, loader: true, permanent: true},
		"attachment not found":      {p: &withAttachment, loader: true, permanent: true},
		"attachment load failed":    {p: &withAttachment, loader: true, loadErr: errors.New("database down")},
		"no attachment loader":      {p: &withAttachment},
		"message rejected for good": {p: &msg, loader: true, sendErr: rejected, permanent: true},
		"server unreachable":        {p: &msg, loader: true, sendErr: errors.New("smtp: connection refused")},
		"breaker open":              {p: &msg, loader: true, sendErr: deferred, deferred: true},
	} {
		sender := &fakeSender{err: c.sendErr}
		var loader usecase.AttachmentLoader
		if c.loader {
			loader = &fakePDFs{err: c.loadErr}
		}
		j := domain.Job{ID: 1, Payload: []byte("{")}
		if c.p != nil {
			j = emailJob(t, 2, 1, *c.p)
		}
		err := usecase.NewMailService(sender, &fakeTemplates{}, loader).SendJob(context.Background(), j)
		var d *domain.JobDeferredError
		if err == nil || errors.Is(err, domain.ErrJobPermanent) != c.permanent || errors.As(err, &d) != c.deferred {
			t.Errorf("%s: %v, want permanent=%v deferred=%v", name, err, c.permanent, c.deferred)
		}
		if len(sender.sent) != 0 {
			t.Errorf("%s: %d messages sent", name, len(sender.sent))
		}
	}
}
