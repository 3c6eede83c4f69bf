package domain

// EmailContent is an e-mail template filled with data.
type EmailContent struct {
	Subject    string
	Text, HTML string // HTML optional
}

// EmailMessage is one e-mail ready to go: an email.send job's payload with
// its template rendered and its attachments loaded.
type EmailMessage struct {
	MessageID string // without angle brackets; equal for every attempt of one job
	To, Cc    []string
	EmailContent
	Attachments []EmailAttachment
}

// EmailAttachment is a file attached to an e-mail.
type EmailAttachment struct {
	Name string
	Data []byte
}
