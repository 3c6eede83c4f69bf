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
