package usecase

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// RenderPDF writes a document, addressed to its customer (and the contact in
// links), naming the document it was made from, and issued by the company
// (read for this rendering, logo included), as a PDF in a language (a tag or
// an Accept-Language value, which the renderer negotiates to the closest one
// it has). Once ctx is done it must return ctx's error and no bytes: a client
// that hangs up stops the rendering. Both mains pass
// infrastructure/pdf.Renderer's Render.
type RenderPDF func(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, links domain.DocumentLinks, company domain.Company, lang string) ([]byte, error)

// ArchiveOptions configure an ArchiveService.
type ArchiveOptions struct {
	// Render makes the PDFs: GET …/pdf in the API, pdf.render jobs and
	// e-mail attachments in the worker. Nil in a process that renders nothing.
	Render RenderPDF
	// Company is the configuration's company (config.CompanyDefaults): what
	// the documents and e-mails print for every setting the database does
	// not store. The stored settings are read at each rendering and send.
	Company domain.Company
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
	company domain.Company
	now     func() time.Time
}

// NewArchiveService returns an ArchiveService on uow.
func NewArchiveService(uow domain.UnitOfWork, opt ArchiveOptions) *ArchiveService {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &ArchiveService{uow: uow, render: opt.Render, company: opt.Company, now: opt.Now}
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
	return unitBrowse(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.ArchivedFile], error) {
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
// its customer with its PDF attached, and returns the job's id. The e-mail
// is the template of the document's type (emailTemplates) filled with
// emailData. Only a
// document with its definitive number is sent (a draft is a conflict); with
// no recipient given, the third party's e-mail is used, and without one the
// request is invalid. The worker attaches the PDF when it sends (see Load).
func (s *ArchiveService) Send(ctx context.Context, types []domain.DocType, id int64, in domain.SendDocument) (int64, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (int64, error) {
		return s.SendIn(ctx, r, types, id, in)
	})
}

// SendIn is Send inside the caller's unit of work (a recurring invoice is
// generated, validated and sent in one).
func (s *ArchiveService) SendIn(ctx context.Context, r domain.Repositories, types []domain.DocType, id int64, in domain.SendDocument) (int64, error) {
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
	lang := documentLang(in.Lang, customer, "")
	data, err := s.emailData(ctx, r, d, customer)
	if err != nil {
		return 0, err
	}
	tmpl, ok := emailTemplates[d.Type]
	if !ok {
		tmpl = EmailTemplateInvoice
	}
	job, err := r.Outbox.Enqueue(ctx, domain.NewJob{Kind: domain.JobKindEmailSend, Payload: domain.EmailPayload{
		To: to, Cc: in.Cc, Template: tmpl, Lang: lang, Data: data,
		Attachments: []domain.AttachmentRef{{Document: string(d.Type), ID: d.ID, Lang: lang}},
	}})
	if err != nil {
		return 0, err
	}
	return job, auditedField(ctx, r, string(d.Type)+".send", string(d.Type), d.ID, "email_job_id", nil, job)
}

// defaultLang is the language of documents and e-mails when nothing says
// otherwise.
const defaultLang = "en"

// documentLang is the one rule for the language a document is rendered and
// sent in: the one asked for, else the customer's, else the reader's (the
// Accept-Language of the client that asked for the PDF; none for the
// worker), else English. The renderer and the e-mail templates negotiate it
// to the closest language they have.
func documentLang(asked string, customer *domain.ThirdParty, reader string) string {
	for _, l := range []string{asked, customer.Locale, strings.TrimSpace(reader)} {
		if l != "" {
			return l
		}
	}
	return defaultLang
}

// PDF loads document id, which must be of one of types (any type when types
// is empty), with its customer, and renders it in documentLang(lang,
// customer, readerLang) under ctx, outside any transaction. The file is not
// archived: GET …/pdf answers with it, the pdf.render job archives it.
func (s *ArchiveService) PDF(ctx context.Context, types []domain.DocType, id int64, lang, readerLang string) (*domain.ArchivedFile, error) {
	d, customer, err := s.source(ctx, types, id)
	if err != nil {
		return nil, err
	}
	return s.renderFile(ctx, d, customer, documentLang(lang, customer, readerLang))
}

// RenderJob is the JobHandler of pdf.render: it renders the document under
// the job's context and archives the file, once per job however often the
// job runs.
func (s *ArchiveService) RenderJob(ctx context.Context, j domain.Job) error {
	var p domain.PDFRenderPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.DocumentID < 1 {
		return fmt.Errorf("%w: pdf.render payload %s: %v", domain.ErrJobPermanent, j.Payload, err)
	}
	f, err := s.PDF(ctx, nil, p.DocumentID, p.Lang, "")
	if errors.Is(err, domain.ErrNotFound) {
		// The document is gone: no retry will bring it back.
		return fmt.Errorf("%w: %w", domain.ErrJobPermanent, err)
	}
	if err != nil {
		return err
	}
	f.JobID = j.ID
	added, err := s.archive(ctx, f)
	if err != nil {
		return err
	}
	zerolog.Ctx(ctx).Info().Int64("document_id", f.OwnerID).Int64("file_id", f.ID).Int64("size", f.Size).
		Bool("already_archived", !added).Msg("PDF archived")
	return nil
}

// Load implements AttachmentLoader: the PDF of the document in the
// reference's language. It is the latest archived one unless the document
// changed after it was rendered (a payment since the validation); otherwise
// the document is rendered now and that file archived too, so what was sent
// is on record.
func (s *ArchiveService) Load(ctx context.Context, ref domain.AttachmentRef) (string, []byte, error) {
	var types []domain.DocType
	if ref.Document != "" {
		types = []domain.DocType{domain.DocType(ref.Document)}
	}
	// The steps of PDF, with the archive looked at before rendering.
	d, customer, err := s.source(ctx, types, ref.ID)
	if err != nil {
		return "", nil, err
	}
	lang := documentLang(ref.Lang, customer, "")
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

// source reads a document of one of types (any when empty) and its customer.
func (s *ArchiveService) source(ctx context.Context, types []domain.DocType, id int64) (*domain.Document, *domain.ThirdParty, error) {
	var d *domain.Document
	var customer *domain.ThirdParty
	err := s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		if d, err = r.Documents.Get(ctx, id); err != nil {
			return err
		}
		if len(types) > 0 {
			if err := ofTypes(d, types, id); err != nil {
				return err
			}
		}
		customer, err = r.ThirdParties.Get(ctx, d.ThirdPartyID)
		return err
	})
	return d, customer, err
}

// renderFile renders d outside any transaction: nothing slow holds a lock.
// The company is read now, for this rendering: the settings a PUT /company
// of any API process stored show on the next PDF of every process.
func (s *ArchiveService) renderFile(ctx context.Context, d *domain.Document, customer *domain.ThirdParty, lang string) (*domain.ArchivedFile, error) {
	if s.render == nil {
		return nil, errors.New("this process renders no PDFs")
	}
	// What the PDF prints besides the document, in one read: the issuer
	// (logo included) and the document's source and contact.
	var company domain.Company
	var links domain.DocumentLinks
	err := s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		if company, err = companyWithLogo(ctx, r, s.company); err != nil {
			return err
		}
		links, err = linksOf(ctx, r, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	out, err := s.render(ctx, d, customer, links, company, lang)
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
