package usecase

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// RenderPDF writes a document as a PDF in a language. It must return soon
// after ctx is done. The worker maps it to the pdf package.
type RenderPDF func(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, lang string) ([]byte, error)

// EmailTemplateInvoice is the e-mail template of a sent invoice (or credit
// note): embed/templates/email/<lang>/invoice.*.
const EmailTemplateInvoice = "invoice"

// ArchiveOptions configure an ArchiveService.
type ArchiveOptions struct {
	// Render makes the PDFs. Only the worker renders (pdf.render jobs, e-mail
	// attachments); the API, which lists, serves and enqueues, leaves it nil.
	Render RenderPDF
	// CompanyName signs the e-mails.
	CompanyName string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// ArchiveService keeps the rendered PDFs of commercial documents in the
// database and sends documents by e-mail. Both go through the outbox: a
// validation enqueues a pdf.render job in its own transaction, a send
// enqueues an email.send job, and the worker does the slow part after commit.
type ArchiveService struct {
	uow     domain.UnitOfWork
	render  RenderPDF
	company string
	now     func() time.Time
}

// NewArchiveService returns an ArchiveService on uow.
func NewArchiveService(uow domain.UnitOfWork, opt ArchiveOptions) *ArchiveService {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &ArchiveService{uow: uow, render: opt.Render, company: opt.CompanyName, now: opt.Now}
}

// enqueueRender adds the pdf.render job of a document being validated, in the
// validation's transaction: the job exists exactly when the validation
// committed. Its idempotency key makes a second enqueue of the same
// document's rendering return the first job.
func enqueueRender(ctx context.Context, r domain.Repositories, d *domain.Document) error {
	_, err := r.Outbox.Enqueue(ctx, domain.NewJob{
		Kind: domain.JobKindPDFRender, Payload: domain.PDFRenderPayload{DocumentID: d.ID},
		IdempotencyKey: domain.PDFRenderKey(d),
	})
	return err
}

// Files returns a page of the archived files of document id of the resource
// (types), newest first, without their content.
func (s *ArchiveService) Files(ctx context.Context, types []domain.DocType, id int64, q domain.ListQuery) (domain.Page[*domain.ArchivedFile], error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.ArchivedFile], error) {
		d, err := r.Documents.Get(ctx, id)
		if err != nil {
			return domain.Page[*domain.ArchivedFile]{}, err
		}
		if err := ofTypes(d, types, id); err != nil {
			return domain.Page[*domain.ArchivedFile]{}, err
		}
		return r.Archive.List(ctx, id, q)
	})
}

// File returns one archived file with its content.
func (s *ArchiveService) File(ctx context.Context, id int64) (*domain.ArchivedFile, error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.ArchivedFile, error) {
		return r.Archive.Get(ctx, id)
	})
}

// Send enqueues the e-mail that sends document id of the resource (types) to
// its customer with its PDF attached, and returns the job's id. Only a
// document with its definitive number is sent (a draft is a conflict); with
// no recipient given, the third party's e-mail is used, and without one the
// request is invalid. The worker attaches the PDF when it sends (see Load).
func (s *ArchiveService) Send(ctx context.Context, types []domain.DocType, id int64, in domain.SendDocument) (int64, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (int64, error) {
		d, err := r.Documents.Get(ctx, id)
		if err != nil {
			return 0, err
		}
		if err := ofTypes(d, types, id); err != nil {
			return 0, err
		}
		if err := d.CanSend(); err != nil {
			return 0, err
		}
		customer, err := r.ThirdParties.Get(ctx, d.ThirdPartyID)
		if err != nil {
			return 0, err
		}
		to := in.To
		if len(to) == 0 {
			if customer.Email == "" {
				return 0, domain.Invalid("to", "third party %d has no e-mail address: give the recipients", customer.ID)
			}
			to = []string{customer.Email}
		}
		lang := documentLang(in.Lang, customer)
		data := map[string]any{
			"ref": d.DisplayRef(), "total": domain.FormatMoney(d.TotalGross, d.Currency), "currency": d.Currency,
			"customer_name": customer.Name, "company_name": s.company,
		}
		if d.DueDate != nil {
			data["due_date"] = d.DueDate.Format(time.DateOnly)
		}
		return r.Outbox.Enqueue(ctx, domain.NewJob{Kind: domain.JobKindEmailSend, Payload: domain.EmailPayload{
			To: to, Cc: in.Cc, Template: EmailTemplateInvoice, Lang: lang, Data: data,
			Attachments: []domain.AttachmentRef{{Document: string(d.Type), ID: d.ID, Lang: lang}},
		}})
	})
}

// documentLang is the language a document is rendered and sent in: the one
// asked for, else the customer's, else English.
func documentLang(asked string, customer *domain.ThirdParty) string {
	switch {
	case asked != "":
		return asked
	case customer.Locale != "":
		return customer.Locale
	}
	return "en"
}

// RenderJob is the JobHandler of pdf.render: it renders the document under
// the job's context and archives the file, once per job however often the
// job runs.
func (s *ArchiveService) RenderJob(ctx context.Context, j domain.Job) error {
	var p domain.PDFRenderPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.DocumentID < 1 {
		return fmt.Errorf("%w: pdf.render payload %s: %v", domain.ErrJobPermanent, j.Payload, err)
	}
	d, customer, err := s.source(ctx, p.DocumentID)
	if err != nil {
		return err
	}
	f, err := s.renderFile(ctx, d, customer, documentLang(p.Lang, customer))
	if err != nil {
		return err
	}
	f.JobID = j.ID
	added, err := s.archive(ctx, f)
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Int64("document_id", d.ID).Int64("file_id", f.ID).Int64("size", f.Size).
		Bool("already_archived", !added).Msg("PDF archived")
	return nil
}

// Load implements mailer.AttachmentLoader: the PDF of the document in the
// reference's language. It is the latest archived one unless the document
// changed after it was rendered (a payment since the validation); otherwise
// the document is rendered now and that file archived too, so what was sent
// is on record.
func (s *ArchiveService) Load(ctx context.Context, ref domain.AttachmentRef) (string, []byte, error) {
	d, customer, err := s.source(ctx, ref.ID)
	if err != nil {
		return "", nil, err
	}
	if ref.Document != "" && ref.Document != string(d.Type) {
		return "", nil, fmt.Errorf("%s %d: %w", ref.Document, ref.ID, domain.ErrNotFound)
	}
	lang := documentLang(ref.Lang, customer)
	latest, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.ArchivedFile, error) {
		return r.Archive.Latest(ctx, d.ID, lang)
	})
	switch {
	case err == nil && !d.UpdatedAt.After(latest.CreatedAt):
		return latest.Filename, latest.Content, nil
	case err != nil && !errors.Is(err, domain.ErrNotFound):
		return "", nil, err
	}
	f, err := s.renderFile(ctx, d, customer, lang)
	if err != nil {
		return "", nil, err
	}
	if _, err := s.archive(ctx, f); err != nil {
		return "", nil, err
	}
	zerolog.Ctx(ctx).Info().Int64("document_id", d.ID).Int64("file_id", f.ID).Msg("PDF rendered for the e-mail and archived")
	return f.Filename, f.Content, nil
}

// source reads a document and its customer. A document that does not exist
// (any more) is a permanent failure of the job that names it.
func (s *ArchiveService) source(ctx context.Context, id int64) (*domain.Document, *domain.ThirdParty, error) {
	var d *domain.Document
	var customer *domain.ThirdParty
	err := s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		if d, err = r.Documents.Get(ctx, id); err != nil {
			return err
		}
		customer, err = r.ThirdParties.Get(ctx, d.ThirdPartyID)
		return err
	})
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w: %w", domain.ErrJobPermanent, err)
	}
	return d, customer, err
}

// renderFile renders d outside any transaction: nothing slow holds a lock.
func (s *ArchiveService) renderFile(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, lang string) (*domain.ArchivedFile, error) {
	if s.render == nil {
		return nil, errors.New("this process renders no PDFs")
	}
	out, err := s.render(ctx, d, customer, lang)
	if err != nil {
		return nil, fmt.Errorf("render %s %d: %w", d.Type, d.ID, err)
	}
	sum := sha256.Sum256(out)
	return &domain.ArchivedFile{
		OwnerType: d.Type, OwnerID: d.ID, Lang: lang, Filename: d.PDFFileName(), ContentType: domain.ContentTypePDF,
		Size: int64(len(out)), SHA256: hex.EncodeToString(sum[:]), Content: out, CreatedAt: stamp(s.now()),
	}, nil
}

func (s *ArchiveService) archive(ctx context.Context, f *domain.ArchivedFile) (added bool, err error) {
	err = s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		added, err = r.Archive.Add(ctx, f)
		return err
	})
	return added, err
}
