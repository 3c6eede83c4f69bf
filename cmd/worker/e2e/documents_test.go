package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// An invoice validated and sent through the API's use cases reaches the SMTP
// server with its PDF attached: the worker renders and archives the PDF
// (pdf.render, enqueued by the validation) and sends the e-mail (email.send,
// enqueued by the sending) with an archived PDF of the invoice. Every log
// line about each job carries the id of the request that enqueued it.
func TestSentInvoiceArrivesWithItsPDF(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			uow := gormdb.NewUnitOfWork(db.DB)
			actor := domain.Principal{UserID: 1, Login: "ann"}
			tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), time.Now)
			docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency})
			customer, err := tps.Create(ctx, domain.ThirdParty{Name: "Souza Ltda", IsCustomer: true, Email: "ap@souza.test", Locale: "pt-BR"})
			if err != nil {
				t.Fatal(err)
			}
			price, rate := decimalOf(t, "99.90"), decimalOf(t, "20")
			inv, err := docs.Create(ctx, actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: customer.ID, Lines: []domain.LineInput{
				{Description: "Consultoria", Qty: decimalOf(t, "2"), UnitPrice: &price, VATRate: &rate},
			}})
			if err != nil {
				t.Fatal(err)
			}
			validating, sending := domain.WithRequestID(ctx, "req-validate-"+d), domain.WithRequestID(ctx, "req-send-"+d)
			if inv, err = docs.Validate(validating, actor, []domain.DocType{domain.DocInvoice}, inv.ID, 0); err != nil {
				t.Fatal(err)
			}
			sendJob, err := usecase.NewArchiveService(uow, usecase.ArchiveOptions{Company: domain.Company{Name: "Doligo SA"}}).
				Send(sending, []domain.DocType{domain.DocInvoice}, inv.ID, domain.SendDocument{})
			if err != nil {
				t.Fatal(err)
			}

			w := startWorker(t, settings(db, sink, nil))
			eventually(t, "both jobs done", func() bool { return count(jobs(t, db), domain.JobDone) == 2 })
			msgs := sink.Messages()
			if len(msgs) != 1 || jobOf(t, msgs[0].MessageID) != sendJob {
				t.Fatalf("%d messages, want the one of job %d", len(msgs), sendJob)
			}
			m := msgs[0]
			if m.To[0] != "ap@souza.test" || !strings.Contains(m.Header.Get("Subject"), inv.Ref) {
				t.Fatalf("message to %v, subject %q", m.To, m.Header.Get("Subject"))
			}
			name, pdf := pdfAttachment(t, m.Raw)
			if name != inv.Ref+".pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("attachment %q (%d bytes, starts %q)", name, len(pdf), pdf[:min(len(pdf), 8)])
			}

			// The render job archived one file, in the customer's language;
			// what was attached is an archived file, byte for byte.
			var files []struct {
				JobID   *int64
				Lang    string
				Content []byte
			}
			if err := db.Gorm.Table("documents").Select("job_id, lang, content").Where("owner_id = ?", inv.ID).Find(&files).Error; err != nil {
				t.Fatal(err)
			}
			byJob, attached := 0, false
			for _, f := range files {
				if f.JobID != nil {
					byJob++
				}
				attached = attached || bytes.Equal(f.Content, pdf)
				if f.Lang != "pt-BR" {
					t.Errorf("file in %q, want the customer's pt-BR", f.Lang)
				}
			}
			if byJob != 1 || !attached {
				t.Fatalf("%d files (%d by the render job, want 1); the attachment archived: %v", len(files), byJob, attached)
			}
			w.stop(t)
			checkRequestIDs(t, w.Output(), map[string]string{
				domain.JobKindPDFRender: "req-validate-" + d, domain.JobKindEmailSend: "req-send-" + d,
			})
		})
	}
}

// checkRequestIDs checks that every log line about a job carries the request
// id that enqueued it (by kind: one job of each here), and that each kind was
// logged.
func checkRequestIDs(t *testing.T, out string, want map[string]string) {
	t.Helper()
	logged := map[string]bool{}
	for line := range strings.Lines(out) {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) != nil || entry["job_id"] == nil {
			continue
		}
		kind, _ := entry["kind"].(string)
		logged[kind] = true
		if entry["request_id"] != want[kind] {
			t.Errorf("log line of a %s job without request id %q: %s", kind, want[kind], line)
		}
	}
	for kind := range want {
		if !logged[kind] {
			t.Errorf("no log line about the %s job", kind)
		}
	}
}

// pdfAttachment finds the application/pdf part of a raw message.
func pdfAttachment(t *testing.T, raw []byte) (string, []byte) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(h map[string][]string, body io.Reader) (string, []byte)
	walk = func(h map[string][]string, body io.Reader) (string, []byte) {
		ct, params, err := mime.ParseMediaType(mail.Header(h).Get("Content-Type"))
		if err != nil {
			return "", nil
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return "", nil
				}
				if name, data := walk(p.Header, p); data != nil {
					return name, data
				}
			}
		}
		if ct != "application/pdf" {
			return "", nil
		}
		data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
		if err != nil {
			t.Fatalf("attachment: %v", err)
		}
		_, dp, _ := mime.ParseMediaType(mail.Header(h).Get("Content-Disposition"))
		return dp["filename"], data
	}
	name, data := walk(msg.Header, msg.Body)
	if data == nil {
		t.Fatalf("no PDF attached:\n%s", raw)
	}
	return name, data
}

func decimalOf(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
