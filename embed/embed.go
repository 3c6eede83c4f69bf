// Package embed holds every file the binaries read at run time, compiled in so
// that they run from an empty scratch image: SQL migrations per dialect, the
// OpenAPI document, and (later) templates, fonts and translations.
package embed

import "embed"

// Migrations holds migrations/<dialect>/NNNNNN_name.{up,down}.sql for golang-migrate's iofs source.
//
//go:embed migrations
var Migrations embed.FS

// OpenAPI holds openapi/base.json and one openapi/paths/<area>.json per area of the API.
//
//go:embed openapi
var OpenAPI embed.FS

// I18n holds i18n/<language tag>.json: labels, number and date formats of
// one language each (PDF documents, e-mails). en is the fallback.
//
//go:embed i18n
var I18n embed.FS

// Fonts are the UTF-8 TrueType fonts of the PDF documents (DejaVu Sans
// Condensed, licence in fonts/LICENSE): the binaries run with no font on disk.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	FontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	FontBold []byte
)

// EmailTemplates holds templates/email/<language tag>/<name>.{subject.txt,txt,html}:
// subject, text body and HTML body of each e-mail the worker sends.
//
//go:embed templates/email
var EmailTemplates embed.FS

// Logo is the default company logo printed on PDF documents.
//
//go:embed images/logo.png
var Logo []byte
