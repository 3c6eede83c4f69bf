package domain

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// ArchivedFile is a rendered file of a commercial document kept in the
// database (the documents table), so that a dump holds it too: the PDF the
// worker rendered when the document was validated, or the one an e-mail
// attached. Archived files are never changed; a newer one supersedes them.
type ArchivedFile struct {
	ID          int64
	OwnerType   DocType // the type of the document it renders
	OwnerID     int64
	Lang        string // the language it was rendered in, as asked (e.g. "pt-BR")
	Filename    string
	ContentType string
	Size        int64
	SHA256      string // hex
	Content     []byte // nil in listings
	// JobID is the pdf.render job that made it (0: made on demand). A job
	// archives at most one file, however often it runs.
	JobID     int64
	CreatedAt time.Time
}

// ContentTypePDF is the content type of the rendered documents.
const ContentTypePDF = "application/pdf"

// ArchiveReader is the read side of ArchiveRepository: what a unit of work's Read hands
// out, which can neither lock nor write.
type ArchiveReader interface {
	// Get returns the file with its content, or a NotFound problem.
	Get(ctx context.Context, id int64) (*ArchivedFile, error)
	// List returns a page of the files of one document, newest first,
	// without their content.
	List(ctx context.Context, ownerID int64, q ListQuery) (Page[*ArchivedFile], error)
	// Latest returns the newest file of a document in lang, with its
	// content, or a NotFound problem when there is none.
	Latest(ctx context.Context, ownerID int64, lang string) (*ArchivedFile, error)
}

// ArchiveRepository stores archived files.
type ArchiveRepository interface {
	ArchiveReader
	// Add inserts f and sets its ID. When a file of f.JobID is already
	// archived it stores nothing, loads that file's metadata into f and
	// returns false: a job that runs again archives nothing twice.
	Add(ctx context.Context, f *ArchivedFile) (added bool, err error)
}

// PDFRenderPayload is the payload of a pdf.render job: render the document
// and archive the file. Its JSON form is what the outbox stores.
type PDFRenderPayload struct {
	DocumentID int64 `json:"document_id"`
	// Lang of the rendering; empty: the customer's locale, else English.
	Lang string `json:"lang,omitempty"`
}

// PDFRenderKey is the idempotency key of the pdf.render job of a validated
// document: enqueueing it again (a retried request) adds nothing. The version
// suffix leaves room for a deliberate second rendering of the same document.
func PDFRenderKey(d *Document) string {
	return "pdf.render:" + string(d.Type) + ":" + strconv.FormatInt(d.ID, 10) + ":v1"
}

// SendDocument is what a client asks when it sends a document by e-mail.
// Empty fields take defaults: To the third party's e-mail, Lang the third
// party's locale (else English).
type SendDocument struct {
	To   []string
	Cc   []string
	Lang string
}

// CanSend reports whether d may be sent to its customer: only a document with
// its definitive number (validated, or settled) is; a draft is a conflict.
func (d *Document) CanSend() error {
	switch d.Status {
	case StatusDraft:
		return Conflictf("illegal-transition", "%s %s is a draft: validate it before sending it", d.Type, d.DisplayRef())
	case StatusCancelled:
		return Conflictf("illegal-transition", "%s %s is cancelled: there is nothing to send", d.Type, d.DisplayRef())
	}
	return nil
}

// PDFFileName is the document's number as a file name: characters that a
// Content-Disposition quoted string or a file system would choke on become
// "_" (a mask may hold "/", a draft's ref has parentheses).
func (d *Document) PDFFileName() string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '_'
	}, d.DisplayRef())
	return strings.Trim(safe, "_") + ".pdf"
}
