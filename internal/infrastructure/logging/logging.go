// Package logging builds the zerolog logger both binaries use.
package logging

import (
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
)

// New returns a logger writing to w (os.Stdout when nil) at the given level,
// as JSON or, for a terminal, as console text. Both binaries tag their lines
// with the service name so mixed logs stay readable.
func New(w io.Writer, level, format, service string) zerolog.Logger {
	if w == nil {
		w = os.Stdout
	}
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	lvl, err := zerolog.ParseLevel(level)
	if err != nil {
		lvl = zerolog.InfoLevel
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	return zerolog.New(w).Level(lvl).With().Timestamp().Str("service", service).Logger()
}
