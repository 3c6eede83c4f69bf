package usecase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// EmailSender delivers e-mails (infrastructure/mailer.Sender). Its errors
// come classified: one wrapping domain.ErrJobPermanent for a message no
// server will take (a 5xx reply, an impossible address), a
// *domain.JobDeferredError while the server is deemed down (its circuit
// breaker open), anything else worth retrying.
type EmailSender interface {
	Send(ctx context.Context, m domain.EmailMessage) error
	// Domain is the domain of the sender address, for Message-IDs.
	Domain() string
}

// EmailTemplates fill the e-mail templates of the language closest to lang
// (infrastructure/mailer.Templates).
type EmailTemplates interface {
	Render(name, lang string, data map[string]any) (domain.EmailContent, error)
}

// AttachmentLoader fetches the file an e-mail attaches, e.g. the PDF of
// invoice 42 (ArchiveService.Load). A reference to something that does not
// exist fails with an error wrapping domain.ErrNotFound.
type AttachmentLoader interface {
	Load(ctx context.Context, ref domain.AttachmentRef) (name string, data []byte, err error)
}

// MailService runs email.send jobs (payload domain.EmailPayload): it decides
// what an e-mail holds and which failures are worth a retry; the mailer only
// fills templates and speaks SMTP.
type MailService struct {
	sender      EmailSender
	templates   EmailTemplates
	attachments AttachmentLoader
}

// NewMailService returns the service; attachments may be nil while nothing
// enqueues e-mails with attachments.
func NewMailService(sender EmailSender, templates EmailTemplates, attachments AttachmentLoader) *MailService {
	return &MailService{sender: sender, templates: templates, attachments: attachments}
}

// MessageID is the Message-ID of every attempt of job j: a receiver (or a
// person) can tell a duplicate of an at-least-once delivery from a second
// e-mail. The creation time keeps ids distinct across databases.
func MessageID(j domain.Job, host string) string {
	return fmt.Sprintf("job-%d.%d@%s", j.ID, j.CreatedAt.UnixMilli(), host)
}

// SendJob is the JobHandler of email.send: render, attach, send. A payload or
// template that cannot work, an attachment that does not exist and a message
// the server rejects for good are permanent failures; a sender that defers
// (an open breaker) returns the job without spending its attempt.
func (s *MailService) SendJob(ctx context.Context, j domain.Job) error {
	var p domain.EmailPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("%w: email.send payload: %w", domain.ErrJobPermanent, err)
	}
	if p.Lang == "" {
		p.Lang = defaultLang
	}
	content, err := s.templates.Render(p.Template, p.Lang, p.Data)
	if err != nil {
		return fmt.Errorf("%w: %w", domain.ErrJobPermanent, err)
	}
	if p.Subject != "" {
		content.Subject = p.Subject
	}
	m := domain.EmailMessage{MessageID: MessageID(j, s.sender.Domain()), To: p.To, Cc: p.Cc, EmailContent: content}
	for _, ref := range p.Attachments {
		a, err := s.attachment(ctx, ref, p.Lang)
		if err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, a)
	}
	log := zerolog.Ctx(ctx)
	log.Debug().Str("message_id", m.MessageID).Int("recipients", len(m.To)+len(m.Cc)).
		Int("attachments", len(m.Attachments)).Msg("sending e-mail")
	if err := s.sender.Send(ctx, m); err != nil {
		return err // already classified by the sender
	}
	log.Info().Str("message_id", m.MessageID).Msg("e-mail sent")
	return nil
}

// attachment loads one attachment, in the e-mail's language unless the
// reference names its own.
func (s *MailService) attachment(ctx context.Context, ref domain.AttachmentRef, lang string) (domain.EmailAttachment, error) {
	if s.attachments == nil {
		// A worker built without the loader: a newer one may have it.
		return domain.EmailAttachment{}, fmt.Errorf("this worker cannot load attachments (%s %d)", ref.Document, ref.ID)
	}
	if ref.Lang == "" {
		ref.Lang = lang
	}
	name, data, err := s.attachments.Load(ctx, ref)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return domain.EmailAttachment{}, fmt.Errorf("%w: attachment %s %d: %w", domain.ErrJobPermanent, ref.Document, ref.ID, err)
	case err != nil:
		return domain.EmailAttachment{}, fmt.Errorf("attachment %s %d: %w", ref.Document, ref.ID, err)
	}
	return domain.EmailAttachment{Name: name, Data: data}, nil
}
