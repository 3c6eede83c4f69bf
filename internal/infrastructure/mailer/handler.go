package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// AttachmentLoader fetches the file an e-mail attaches, e.g. the PDF of
// invoice 42 (the PDF side implements it). A reference to something that does
// not exist fails with an error wrapping domain.ErrNotFound.
type AttachmentLoader interface {
	Load(ctx context.Context, ref domain.AttachmentRef) (name string, data []byte, err error)
}

// sender is what the handler needs of Sender.
type sender interface {
	Send(ctx context.Context, m Message) error
	Domain() string
	BreakerOpen() time.Duration
}

// EmailHandler runs email.send jobs (payload domain.EmailPayload).
type EmailHandler struct {
	sender      sender
	templates   *Templates
	attachments AttachmentLoader
}

// NewEmailHandler returns the handler; attachments may be nil while nothing
// enqueues e-mails with attachments.
func NewEmailHandler(s *Sender, t *Templates, attachments AttachmentLoader) *EmailHandler {
	return &EmailHandler{sender: s, templates: t, attachments: attachments}
}

// MessageID is the Message-ID of every attempt of job j: a receiver (or a
// person) can tell a duplicate of an at-least-once delivery from a second
// e-mail. The creation time keeps ids distinct across databases.
func MessageID(j domain.Job, host string) string {
	return fmt.Sprintf("job-%d.%d@%s", j.ID, j.CreatedAt.UnixMilli(), host)
}

// Handle implements jobrun.JobHandler: render, attach, send. A payload or
// template that cannot work and a message the server rejects for good are
// permanent failures; an open breaker defers the job without spending its
// attempt.
func (h *EmailHandler) Handle(ctx context.Context, j domain.Job) error {
	var p domain.EmailPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("%w: email.send payload: %w", domain.ErrJobPermanent, err)
	}
	if p.Lang == "" {
		p.Lang = FallbackLang
	}
	r, err := h.templates.Render(p.Template, p.Lang, p.Data)
	if err != nil {
		return fmt.Errorf("%w: %w", domain.ErrJobPermanent, err)
	}
	if p.Subject != "" {
		r.Subject = p.Subject
	}
	m := Message{MessageID: MessageID(j, h.sender.Domain()), To: p.To, Cc: p.Cc,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	for _, ref := range p.Attachments {
		a, err := h.load(ctx, ref, p.Lang)
		if err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, a)
	}
	log := zerolog.Ctx(ctx)
	log.Debug().Str("message_id", m.MessageID).Int("recipients", len(m.To)+len(m.Cc)).
		Int("attachments", len(m.Attachments)).Msg("sending e-mail")
	err = h.sender.Send(ctx, m)
	switch {
	case err == nil:
		log.Info().Str("message_id", m.MessageID).Msg("e-mail sent")
		return nil
	case errors.Is(err, ErrCircuitOpen):
		// Spread the returns over half an open period, so that they do not
		// all meet the breaker's single trial send at once.
		open := h.sender.BreakerOpen()
		return &domain.JobDeferredError{After: open + rand.N(open/2+1), Reason: err}
	case errors.Is(err, ErrRejected):
		return fmt.Errorf("%w: %w", domain.ErrJobPermanent, err)
	}
	return err
}

func (h *EmailHandler) load(ctx context.Context, ref domain.AttachmentRef, lang string) (Attachment, error) {
	if h.attachments == nil {
		// A worker built without the loader: a newer one may have it.
		return Attachment{}, fmt.Errorf("this worker cannot load attachments (%s %d)", ref.Document, ref.ID)
	}
	if ref.Lang == "" {
		ref.Lang = lang
	}
	name, data, err := h.attachments.Load(ctx, ref)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return Attachment{}, fmt.Errorf("%w: attachment %s %d: %w", domain.ErrJobPermanent, ref.Document, ref.ID, err)
	case err != nil:
		return Attachment{}, fmt.Errorf("attachment %s %d: %w", ref.Document, ref.ID, err)
	}
	return Attachment{Name: name, Data: data}, nil
}
