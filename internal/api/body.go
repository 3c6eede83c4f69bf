package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// Strict request bodies (CONTRACT.md, "Operations endpoints"). encoding/json
// alone is lenient in ways that lose data or reach the database with bytes it
// refuses: it drops unknown fields, matches keys case-insensitively, ignores
// what follows the first value, turns invalid UTF-8 into U+FFFD, and lets
// "\u0000" through (PostgreSQL refuses NUL in text: SQLSTATE 22021, a 500).
// So every body is first walked token by token against the request type,
// which finds all of that with the path of the field (lines[0].description),
// and only a body that passes is decoded.

// textTag marks a string field whose text may hold tabs and line breaks
// (descriptions, notes, addresses): `text:"multiline"`. Every other string
// (codes, refs, names, logins, e-mails) is one line.
const textTag = "text"

// maxBodyDepth bounds the nesting of a body: no request nests deeper than a
// few levels, and the walk is recursive.
const maxBodyDepth = 32

// decodeBody reads the request body into req strictly. An empty body decodes
// to nothing, whatever its Content-Type: action POSTs (…/validate) take an
// optional body. Otherwise it must be application/json (415), one JSON object
// (400), of the request's fields spelt exactly, each given once, every string
// valid UTF-8 without control characters (422 naming each field).
func decodeBody(c echo.Context, req any) error {
	body, err := readBody(c.Request())
	if err != nil {
		return err // 413, or a body that could not be read
	}
	if len(body) == 0 {
		return nil
	}
	if !isJSONMediaType(c.Request().Header.Get(echo.HeaderContentType)) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType,
			"the request body must be JSON, sent with Content-Type: application/json")
	}
	if err := checkBody(body, reflect.TypeOf(req)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(req); err != nil {
		// checkBody has refused whatever Decode could: reaching this is a
		// request type it does not model. Its message names Go types.
		return malformed("the body does not have the shape of this request")
	}
	return nil
}

// jsonBodiesOnly answers 415 to a request that carries a body other than
// JSON, on every route, those that read no body included: the contract
// refuses such bodies everywhere, not only where Bind would read them. An
// empty body passes whatever its Content-Type (action POSTs such as
// …/validate take an optional one).
func jsonBodiesOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return next(c) // a GET's body means nothing to anyone
		}
		ct := r.Header.Get(echo.HeaderContentType)
		// A length not known in advance (chunked) counts as a body when the
		// client named its type.
		hasBody := r.ContentLength > 0 || (r.ContentLength < 0 && ct != "")
		if hasBody && !isJSONMediaType(ct) {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType,
				"the request body must be JSON, sent with Content-Type: application/json")
		}
		return next(c)
	}
}

// isJSONMediaType accepts application/json, with at most a UTF-8 charset
// (RFC 8259: JSON is UTF-8).
func isJSONMediaType(header string) bool {
	mt, params, err := mime.ParseMediaType(header)
	if err != nil || mt != echo.MIMEApplicationJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

func malformed(format string, args ...any) *echo.HTTPError {
	return echo.NewHTTPError(http.StatusBadRequest, "malformed JSON body: "+fmt.Sprintf(format, args...))
}

// errNotShaped marks a value of the wrong JSON type; the walk stops at the
// first, which is a 400 (malformed) like a syntax error.
type errNotShaped struct{ path, want string }

func (e *errNotShaped) Error() string {
	if e.path == "" {
		return "the body must be " + e.want
	}
	return strconv.Quote(e.path) + " must be " + e.want
}

// checkBody walks body against t (the request's type) and reports the first
// syntax or shape error as a 400, else every field breaking the text or key
// rules as one 422.
func checkBody(body []byte, t reflect.Type) error {
	w := &bodyWalker{dec: json.NewDecoder(bytes.NewReader(body)), body: body, verr: &domain.ValidationError{}}
	w.dec.UseNumber()
	err := w.value(t, "", false, 0)
	if err == nil {
		// Trailing data: a second value, or anything after the first.
		if _, terr := w.dec.Token(); terr != io.EOF {
			err = malformed("unexpected data after the JSON value")
		}
	}
	var shape *errNotShaped
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &shape):
		return malformed("%s", shape.Error())
	case errors.As(err, &syntax):
		return malformed("%s (at byte %d)", strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return malformed("unexpected end of the JSON value")
	case err != nil:
		return err
	}
	return w.verr.OrNil()
}

type bodyWalker struct {
	dec  *json.Decoder
	body []byte
	verr *domain.ValidationError
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// token returns the next token with the raw bytes it was read from (and the
// separator before it): encoding/json decodes invalid UTF-8 silently, so
// validity is judged on the raw bytes.
func (w *bodyWalker) token() (json.Token, []byte, error) {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return nil, nil, err
	}
	return tok, w.body[start:w.dec.InputOffset()], nil
}

// value reads one JSON value at path, expected to decode into t; a nil t
// takes any value (interfaces, and the types that decode themselves, such as
// Decimal and DateField, whose own checks report a bad value as a 422).
func (w *bodyWalker) value(t reflect.Type, path string, multiline bool, depth int) error {
	if depth > maxBodyDepth {
		return malformed("nested more than %d levels deep", maxBodyDepth)
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil
	}
	tok, raw, err := w.token()
	if err != nil {
		return err
	}
	kind := reflect.Invalid // any value
	if t != nil {
		kind = t.Kind()
	}
	// want refuses a value of the wrong JSON type for t, saying what t takes.
	want := func(ok bool) error {
		if t == nil || ok {
			return nil
		}
		if path == "" {
			return &errNotShaped{want: "a JSON object"}
		}
		return &errNotShaped{path: path, want: jsonKindNames[kind]}
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			if err := want(kind == reflect.Struct || kind == reflect.Map); err != nil {
				return err
			}
			return w.object(t, path, depth)
		}
		if err := want(kind == reflect.Slice || kind == reflect.Array); err != nil {
			return err
		}
		var elem reflect.Type
		if t != nil {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i), multiline, depth+1); err != nil {
				return err
			}
		}
		_, _, err := w.token() // ]
		return err
	case string:
		if err := want(kind == reflect.String); err != nil {
			return err
		}
		w.text(path, tok, raw, multiline)
	case bool:
		return want(kind == reflect.Bool)
	case json.Number:
		return w.number(t, path, tok)
	case nil:
		if path == "" { // a null body would decode to nothing at all
			return &errNotShaped{want: "a JSON object"}
		}
	}
	return nil
}

// jsonKindNames say what JSON value a Go kind takes, for the 400 of a value of
// another type: the client knows JSON, not our Go types.
var jsonKindNames = map[reflect.Kind]string{
	reflect.String: "a string", reflect.Bool: "true or false",
	reflect.Int: "a whole number", reflect.Int8: "a whole number", reflect.Int16: "a whole number",
	reflect.Int32: "a whole number", reflect.Int64: "a whole number",
	reflect.Uint: "a whole number", reflect.Uint8: "a whole number", reflect.Uint16: "a whole number",
	reflect.Uint32: "a whole number", reflect.Uint64: "a whole number",
	reflect.Float32: "a number", reflect.Float64: "a number",
	reflect.Slice: "an array", reflect.Array: "an array", reflect.Struct: "an object", reflect.Map: "an object",
}

// number checks that n fits the type t: encoding/json would refuse 1.5 or
// 1e30 for an int64, or a number for a string, with a message naming Go types.
func (w *bodyWalker) number(t reflect.Type, path string, n json.Number) error {
	if t == nil {
		return nil
	}
	fits := false
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, err := strconv.ParseInt(string(n), 10, t.Bits())
		fits = err == nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		_, err := strconv.ParseUint(string(n), 10, t.Bits())
		fits = err == nil
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(string(n), t.Bits())
		fits = err == nil && !math.IsInf(f, 0)
	default:
		if path == "" {
			return &errNotShaped{want: "a JSON object"}
		}
		return &errNotShaped{path: path, want: jsonKindNames[t.Kind()]}
	}
	if !fits {
		return &errNotShaped{path: path, want: jsonKindNames[t.Kind()] + " in range"}
	}
	return nil
}

// object reads the members of an object (its { is read). Against a struct,
// keys must be its JSON field names exactly — encoding/json would match
// "Name" or "NAME" to "name" — and each may come once (it would keep the
// last).
func (w *bodyWalker) object(t reflect.Type, path string, depth int) error {
	var fields map[string]bodyField
	if t != nil && t.Kind() == reflect.Struct {
		fields = fieldsOf(t)
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, raw, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // object keys are strings: Token checked
		at := joinPath(path, printable(key))
		w.text(at, key, raw, false)
		if seen[key] {
			w.verr.Add(at, "is given more than once")
		}
		seen[key] = true
		var ft reflect.Type
		multiline := false
		switch {
		case fields != nil:
			f, ok := fields[key]
			if !ok {
				w.unknown(at, key, fields)
			}
			ft, multiline = f.typ, f.multiline
		case t != nil && t.Kind() == reflect.Map:
			ft = t.Elem()
		}
		if err := w.value(ft, at, multiline, depth+1); err != nil {
			return err
		}
	}
	_, _, err := w.token() // }
	return err
}

// unknown reports a key that is no field of the request, suggesting the field
// it differs from only by case.
func (w *bodyWalker) unknown(at, key string, fields map[string]bodyField) {
	for name := range fields {
		if strings.EqualFold(name, key) {
			w.verr.Add(at, "is not a field of this request: field names are case-sensitive, did you mean %q?", name)
			return
		}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	w.verr.Add(at, "is not a field of this request (fields: %s)", strings.Join(names, ", "))
}

// text applies the text rule to a decoded JSON string, judging UTF-8 on the
// raw bytes it came from.
func (w *bodyWalker) text(path, s string, raw []byte, multiline bool) {
	field := path
	if field == "" {
		field = "body"
	}
	if !jsonStringValid(raw) {
		w.verr.Add(field, "%s", msgInvalidUTF8)
		return
	}
	if msg := textProblem(s, multiline); msg != "" {
		w.verr.Add(field, "%s", msg)
	}
}

const msgInvalidUTF8 = "must be valid UTF-8"

// textProblem is the one text rule of every request string, body field or
// query value: valid UTF-8, no NUL or other control character (C0, DEL, C1);
// tab and line breaks only in multiline text. It returns why s breaks it, or
// "". PostgreSQL refuses NUL outright, and the rest has no business in a code
// or a name: it hides in lists, PDFs and e-mail headers.
func textProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return msgInvalidUTF8
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "must not contain NUL characters"
		case multiline && (r == '\t' || r == '\n' || r == '\r'):
		case unicode.IsControl(r):
			if multiline {
				return "must not contain control characters other than tab and line breaks"
			}
			return "must not contain control characters (tab and line breaks included)"
		}
	}
	return ""
}

// jsonStringValid reports whether a raw JSON string (as read, with its quotes
// and the separator before it) decodes without loss: its bytes are UTF-8 and
// no \u escape leaves half of a UTF-16 surrogate pair. encoding/json turns
// either into U+FFFD instead of failing.
func jsonStringValid(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	hex := func(b []byte) rune {
		n, _ := strconv.ParseUint(string(b), 16, 32) // the decoder checked the escape
		return rune(n)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i+4 >= len(raw) || raw[i] != 'u' {
			continue // \" \\ \n …: one character, skipped
		}
		r := hex(raw[i+1 : i+5])
		i += 4
		switch {
		case r < 0xD800 || r > 0xDFFF:
		case r >= 0xDC00:
			return false // a low half alone
		case i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u':
			return false // a high half not followed by an escape
		default:
			if lo := hex(raw[i+3 : i+7]); lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

// printable makes a key fit to be named in an error: invalid bytes and
// control characters become U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// bodyField is one JSON field of a request struct.
type bodyField struct {
	typ       reflect.Type
	multiline bool
}

var bodyFields sync.Map // reflect.Type → map[string]bodyField

// fieldsOf lists the JSON fields of struct t as encoding/json sees them:
// exported fields by their tag name (else their Go name), "-" left out, the
// fields of untagged embedded structs promoted.
func fieldsOf(t reflect.Type) map[string]bodyField {
	if m, ok := bodyFields.Load(t); ok {
		return m.(map[string]bodyField)
	}
	m := map[string]bodyField{}
	visible := reflect.VisibleFields(t)
	// Shallower first: of two fields with one JSON name, encoding/json
	// decodes into the shallower.
	slices.SortStableFunc(visible, func(a, b reflect.StructField) int { return len(a.Index) - len(b.Index) })
	for _, f := range visible {
		if !f.IsExported() || len(f.Index) > 1 && !promoted(t, f.Index) {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			continue // its fields are visited as promoted ones
		}
		if tag == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, taken := m[name]; !taken { // the shallower field wins, as in encoding/json
			m[name] = bodyField{typ: f.Type, multiline: f.Tag.Get(textTag) == "multiline"}
		}
	}
	bodyFields.Store(t, m)
	return m
}

// promoted reports whether the field at index is reached through untagged
// embedded structs only (encoding/json promotes those, not tagged ones).
func promoted(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		f := t.Field(i)
		if !f.Anonymous || f.Tag.Get("json") != "" {
			return false
		}
		t = f.Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	return true
}
