package api

import (
	"context"
	"encoding"
	"encoding/csv"
	"encoding/json"
	"errors"
	"iter"
	"mime"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// CSV exports. Every list and report answers text/csv when the client asks
// for it with Accept; its columns are the JSON fields of the same response
// DTO, so the two cannot drift. One call per list (respondList), per report
// (streamItems) or per small collection (respondItems) is all a handler needs;
// the OpenAPI merge (addCSVContent) documents the text/csv answer of every GET
// whose JSON answer has items[].

// MIMETextCSV is the media type of the exports (RFC 4180 quoting, LF line
// ends, UTF-8, a header row).
const MIMETextCSV = "text/csv; charset=utf-8"

// csvFlushRows is how many rows are written between two flushes to the
// client: a slow export shows progress, and the buffers stay small.
const csvFlushRows = 500

// csvStallTimeout replaces the server's write timeout (DOLIGO_HTTP_WRITE_TIMEOUT,
// a bound on the whole response) for an export, whose length has no bound:
// it is moved forward at every flush, so an export is cut only when its
// client stops reading for that long.
const csvStallTimeout = 30 * time.Second

// wantsCSV reports whether the request asks for CSV: Accept names text/csv
// with a non-zero quality that is not below application/json's. Anything
// else (no Accept, */*, application/json, a type we do not serve) gets JSON,
// never a 406.
func wantsCSV(c echo.Context) bool {
	csvQ, jsonQ := 0.0, -1.0
	for _, h := range c.Request().Header.Values(echo.HeaderAccept) {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
			switch mt {
			case "text/csv":
				csvQ = max(csvQ, q)
			case echo.MIMEApplicationJSON:
				jsonQ = max(jsonQ, q)
			}
		}
	}
	return csvQ > 0 && csvQ >= jsonQ
}

// respondList answers a list: the JSON page, or, when the client asked for
// CSV (ParseList then asked the repository for a stream), every row of the
// page's sequence, converted by conv as the JSON items are.
func respondList[E, T any](c echo.Context, page domain.Page[E], q domain.ListQuery, conv func(E) T) error {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	if wantsCSV(c) {
		return writeCSV(c, page.All(), conv)
	}
	return c.JSON(http.StatusOK, NewList(page, q, conv))
}

// respondItems answers a small collection read whole (no paging): body as
// JSON, or items as CSV when the client asked for it.
func respondItems[T any](c echo.Context, items []T, body any) error {
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	if wantsCSV(c) {
		return writeCSV(c, domain.Page[T]{Items: items}.All(), func(t T) T { return t })
	}
	return c.JSON(http.StatusOK, body)
}

// writeCSV streams seq as CSV: a header row of conv's result type's columns,
// then one record per row, quoted as RFC 4180 says (encoding/csv) and ended
// by LF, flushed to the client every csvFlushRows rows (writeStream).
func writeCSV[T, D any](c echo.Context, seq iter.Seq2[T, error], conv func(T) D) error {
	cols := csvColumnsOf(reflect.TypeFor[D]())
	name := strings.Trim(path.Base(strings.NewReplacer(":", "", "*", "").Replace(c.Path())), "/")
	if name == "" || name == "." {
		name = "export"
	}
	// LF line ends: a value's own line breaks go out byte for byte (UseCRLF
	// would rewrite them).
	cw := csv.NewWriter(c.Response())
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.name
	}
	record := make([]string, len(cols))
	return writeStream(c, seq, MIMETextCSV, name+".csv", cw.Flush, func() { _ = cw.Write(header) }, func(v T) {
		d := reflect.ValueOf(conv(v))
		for i, col := range cols {
			record[i] = col.format(d)
		}
		_ = cw.Write(record)
	})
}

// writeStream streams seq as a file download of the content type: header,
// then row for each element, flush (of the writer's own buffer) every
// csvFlushRows rows, before the response is flushed to the client. As with
// streamItems, the status goes out with the first row, so a failed query is
// still a problem+json answer; a failure after it aborts the connection.
func writeStream[T any](c echo.Context, seq iter.Seq2[T, error], contentType, filename string, flush, header func(), row func(T)) error {
	w := c.Response()
	rc := http.NewResponseController(w) // echo's Response unwraps to the connection
	started := false
	open := func() {
		started = true
		w.Header().Set(echo.HeaderContentType, contentType)
		w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
		_ = rc.SetWriteDeadline(time.Now().Add(csvStallTimeout)) // not every writer has one (tests' recorders)
		w.WriteHeader(http.StatusOK)
		header()
	}
	n := 0
	for v, err := range seq {
		if err != nil {
			if !started {
				return err
			}
			abortStream(c.Request().Context(), err)
		}
		if !started {
			open()
		}
		row(v)
		if n++; n%csvFlushRows == 0 {
			flush()
			_ = rc.Flush()
			_ = rc.SetWriteDeadline(time.Now().Add(csvStallTimeout))
		}
	}
	if !started {
		open()
	}
	flush()
	return nil // write errors: the client left; its context ended the query too
}

// abortStream ends a response whose first rows were sent: the connection is
// aborted, so no client mistakes the part for the whole.
func abortStream(ctx context.Context, err error) {
	if errors.Is(ctx.Err(), context.Canceled) {
		zerolog.Ctx(ctx).Info().Err(err).Msg("client closed the connection: stream stopped")
	} else {
		zerolog.Ctx(ctx).Error().Err(err).Msg("stream failed after its first rows were sent: response aborted")
	}
	panic(http.ErrAbortHandler)
}

// csvColumn is one column of an export: a JSON field of the DTO.
type csvColumn struct {
	name  string
	index []int // reflect field index path, through embedded structs
}

var csvColumnCache sync.Map // reflect.Type → []csvColumn

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
)

// csvColumnsOf lists the columns of DTO type t, in field order: each field
// JSON would write under its JSON name, embedded structs flattened as JSON
// flattens them, a nested struct as "field.subfield". Fields holding many
// values (slices, maps: a document's lines, a role's permissions) are left
// out: a CSV row is one flat record.
func csvColumnsOf(t reflect.Type) []csvColumn {
	if cols, ok := csvColumnCache.Load(t); ok {
		return cols.([]csvColumn)
	}
	cols := appendCSVColumns(nil, t, "", nil)
	csvColumnCache.Store(t, cols)
	return cols
}

func appendCSVColumns(cols []csvColumn, t reflect.Type, prefix string, index []int) []csvColumn {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		idx := append(append([]int(nil), index...), i)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		plain := !ft.Implements(textMarshaler) && !reflect.PointerTo(ft).Implements(textMarshaler) &&
			!ft.Implements(jsonMarshaler) && !reflect.PointerTo(ft).Implements(jsonMarshaler)
		switch {
		case f.Anonymous && name == "" && ft.Kind() == reflect.Struct && plain:
			cols = appendCSVColumns(cols, ft, prefix, idx)
		case !f.IsExported():
			continue
		case plain && ft.Kind() == reflect.Struct:
			cols = appendCSVColumns(cols, ft, prefix+jsonName(name, f)+".", idx)
		case plain && (ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map || ft.Kind() == reflect.Array):
			continue
		default:
			cols = append(cols, csvColumn{name: prefix + jsonName(name, f), index: idx})
		}
	}
	return cols
}

func jsonName(tagName string, f reflect.StructField) string {
	if tagName != "" {
		return tagName
	}
	return f.Name
}

// format writes the column's value of DTO v as JSON would, without JSON's
// quoting: strings as they are (decimals are already their plain String()),
// numbers and booleans in Go's canonical form, times in RFC 3339 (what
// time.Time's JSON is), null (a nil pointer) as an empty field.
func (col csvColumn) format(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	f, err := v.FieldByIndexErr(col.index)
	if err != nil {
		return "" // through a nil embedded pointer: null
	}
	for f.Kind() == reflect.Pointer || f.Kind() == reflect.Interface {
		if f.IsNil() {
			return ""
		}
		f = f.Elem()
	}
	if m, ok := f.Interface().(encoding.TextMarshaler); ok {
		b, err := m.MarshalText()
		if err == nil {
			return string(b)
		}
	}
	switch f.Kind() {
	case reflect.String:
		return f.String()
	case reflect.Bool:
		return strconv.FormatBool(f.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(f.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(f.Uint(), 10)
	}
	b, err := json.Marshal(f.Interface()) // a json.Marshaler, or a dynamic value
	if err != nil || string(b) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s
	}
	return string(b)
}
