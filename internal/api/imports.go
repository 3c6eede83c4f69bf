package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/doligo/doligo/internal/domain"
)

// CSV imports: POST /api/v1/imports/products and /imports/thirdparties take a
// text/csv body whose header names the fields of the entity's JSON body
// (productRequest, thirdPartyRequest), and read each line into that same
// request type, checked by the same rules: a line is exactly the JSON body it
// would be, with an empty cell an absent field.

const mimeCSV = "text/csv"

type importService interface {
	ImportProducts(ctx context.Context, rows []domain.ProductImportRow, dryRun bool) (domain.ImportResult, error)
	ImportThirdParties(ctx context.Context, rows []domain.ThirdPartyImportRow, dryRun bool) (domain.ImportResult, error)
}

// ImportRoutes is /api/v1/imports.
type ImportRoutes struct {
	svc      importService
	maxBytes int64
}

// NewImportRoutes returns the imports area; a file may be at most maxBytes
// long (DOLIGO_IMPORT_MAX_SIZE).
func NewImportRoutes(svc importService, maxBytes int64) *ImportRoutes {
	return &ImportRoutes{svc: svc, maxBytes: maxBytes}
}

// Routes implements Routes. An import needs the permission that writes its
// entity one by one: it creates and changes nothing else.
func (h *ImportRoutes) Routes(r *Router) {
	r.upload("/imports/products", domain.PermProductsWrite, []string{mimeCSV}, h.maxBytes, h.products)
	r.upload("/imports/thirdparties", domain.PermThirdpartiesWrite, []string{mimeCSV}, h.maxBytes, h.thirdParties)
}

// upload registers a POST whose body is of one of mediaTypes (415 otherwise,
// a UTF-8 charset allowed) and at most limit bytes (413 above), in place of
// the server's JSON body limit; Idempotency-Key applies as on every POST.
func (r *Router) upload(path, perm string, mediaTypes []string, limit int64, h echo.HandlerFunc) {
	mw := []echo.MiddlewareFunc{noStore, r.auth, requirePermission(perm), strictQuery, bodyOfType(mediaTypes...),
		middleware.BodyLimit(strconv.FormatInt(limit, 10))}
	if r.idem != nil {
		mw = append(mw, r.idem)
	}
	r.ownLimit[r.g.Add(http.MethodPost, path, h, mw...).Path] = true
}

// bodyOfType answers 415 to a body that is not of one of mediaTypes.
func bodyOfType(mediaTypes ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			mt, params, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
			cs, hasCharset := params["charset"]
			if err != nil || !slices.Contains(mediaTypes, mt) || (hasCharset && !strings.EqualFold(cs, "utf-8")) {
				return echo.NewHTTPError(http.StatusUnsupportedMediaType,
					"the request body must be sent with Content-Type: "+strings.Join(mediaTypes, " or ")+" (UTF-8)")
			}
			return next(c)
		}
	}
}

// importResponse is the answer of an import that wrote, or would write on a
// dry run, every line; a file with any invalid line is a 422 instead.
type importResponse struct {
	Created int                 `json:"created"`
	Updated int                 `json:"updated"`
	DryRun  bool                `json:"dry_run"`
	Errors  []domain.FieldError `json:"errors"` // always empty: kept for the shape of the contract
}

func (h *ImportRoutes) products(c echo.Context) error {
	dryRun, lines, err := readImport[productRequest](c, "ref")
	if err != nil {
		return err
	}
	rows := make([]domain.ProductImportRow, len(lines))
	for i, l := range lines {
		rows[i] = domain.ProductImportRow{Line: l.line, New: *l.req.toProduct(), Patch: l.req.toPatch(),
			Errors: l.checked(c, l.req.check)}
	}
	res, err := h.svc.ImportProducts(c.Request().Context(), rows, dryRun)
	return importAnswer(c, res, err)
}

func (h *ImportRoutes) thirdParties(c echo.Context) error {
	dryRun, lines, err := readImport[thirdPartyRequest](c, "code")
	if err != nil {
		return err
	}
	rows := make([]domain.ThirdPartyImportRow, len(lines))
	for i, l := range lines {
		rows[i] = domain.ThirdPartyImportRow{Line: l.line, New: l.req.toThirdParty(), Patch: l.req.toPatch(),
			Errors: l.checked(c, l.req.check)}
	}
	res, err := h.svc.ImportThirdParties(c.Request().Context(), rows, dryRun)
	return importAnswer(c, res, err)
}

func importAnswer(c echo.Context, res domain.ImportResult, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, importResponse{
		Created: res.Created, Updated: res.Updated, DryRun: res.DryRun, Errors: []domain.FieldError{},
	})
}

// importLine is one line of a file read into the request type R, with the
// cells that could not be read into it.
type importLine[R any] struct {
	line int
	req  R
	errs domain.ValidationError
}

// checked is what BindChecked finds in a JSON body, for a line: the cells
// that could not be read, then the request's validate tags and its check.
func (l *importLine[R]) checked(c echo.Context, check func(v *domain.ValidationError)) []domain.FieldError {
	var verr *domain.ValidationError
	if err := c.Validate(&l.req); errors.As(err, &verr) {
		l.errs.Fields = append(l.errs.Fields, verr.Fields...)
	}
	check(&l.errs)
	return l.errs.Fields
}

var utf8BOM = []byte("\xef\xbb\xbf")

// readImport reads ?dry_run and the CSV body: a header naming columns of R
// (its JSON fields; key among them), then one line per entity. A header that
// does not fit, a line that is not CSV or a file of more than
// domain.MaxImportRows lines is a 422 at once; what is wrong in the cells
// travels with each line, so that one 422 lists it with the use case's
// findings. Lines whose cells are all empty are skipped.
func readImport[R any](c echo.Context, key string) (bool, []importLine[R], error) {
	verr := &domain.ValidationError{}
	dryRun := boolQuery(c, "dry_run", verr)
	if err := verr.OrNil(); err != nil {
		return false, nil, err
	}
	body, err := readBody(c.Request())
	if err != nil {
		return false, nil, err
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1 // a line of the wrong length is reported with the others
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return false, nil, domain.Invalid("file", "is empty: send a header line naming the columns, then one line per %s", key)
	}
	if err != nil {
		return false, nil, domain.CSVSyntaxError(err)
	}
	cols, err := importColumns(reflect.TypeFor[R](), header, key)
	if err != nil {
		return false, nil, err
	}
	var lines []importLine[R]
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, nil, domain.CSVSyntaxError(err)
		}
		if domain.BlankCSVRecord(record) {
			continue
		}
		if len(lines) == domain.MaxImportRows {
			return false, nil, domain.Invalid("file", "has more than %d lines: split it", domain.MaxImportRows)
		}
		line, _ := cr.FieldPos(0)
		l := importLine[R]{line: line}
		if len(record) != len(header) {
			l.errs.Add("file", "has %d cells where the header has %d", len(record), len(header))
		}
		v := reflect.ValueOf(&l.req).Elem()
		for i, cell := range record {
			if i < len(cols) && cell != "" {
				cols[i].set(v, cell, &l.errs)
			}
		}
		lines = append(lines, l)
	}
	return dryRun != nil && *dryRun, lines, nil
}

// importColumn is a column of a file: the request field it fills.
type importColumn struct {
	name      string
	index     []int
	multiline bool
}

// importColumns maps the header to fields of t by their JSON names: an
// unknown, repeated or missing key column is a 422 naming it (line 1).
func importColumns(t reflect.Type, header []string, key string) ([]importColumn, error) {
	fields := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && f.IsExported() {
			fields[name] = f
		}
	}
	errs := &domain.ImportErrors{}
	cols := make([]importColumn, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.TrimSpace(h)
		f, ok := fields[name]
		switch {
		case !ok:
			errs.Add(1, name, "is not a column of this import: the columns are the fields of the JSON body (%s)", strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
		case seen[name]:
			errs.Add(1, name, "is named twice in the header")
		}
		seen[name] = true
		cols[i] = importColumn{name: name, index: f.Index, multiline: f.Tag.Get(textTag) == "multiline"}
	}
	if !seen[key] {
		errs.Add(1, key, "is a required column: it is how a line finds what it updates")
	}
	return cols, errs.Err()
}

var unmarshalerOf = reflect.TypeFor[json.Unmarshaler]()

// set reads cell into the column's field of v (a request value) as the JSON
// body would hold it; what cannot be read is added to errs.
func (col importColumn) set(v reflect.Value, cell string, errs *domain.ValidationError) {
	f := v.FieldByIndex(col.index)
	switch {
	case f.Addr().Type().Implements(unmarshalerOf): // Decimal, NullableInt: their own checks name the field
		raw := strings.TrimSpace(cell)
		if !isJSONNumber(raw) {
			raw = strconv.Quote(raw)
		}
		_ = f.Addr().Interface().(json.Unmarshaler).UnmarshalJSON([]byte(raw)) // keeps a bad value as invalid
	case f.Type() == reflect.TypeFor[*bool]():
		b, ok := csvBool(cell)
		if !ok {
			errs.Add(col.name, "must be true, false, 1 or 0")
			return
		}
		f.Set(reflect.ValueOf(&b))
	case f.Type() == reflect.TypeFor[*string]():
		if msg := textProblem(cell, col.multiline); msg != "" {
			errs.Add(col.name, "%s", msg)
			return
		}
		f.Set(reflect.ValueOf(&cell))
	default:
		panic(fmt.Sprintf("import column %s: field type %s is not readable from CSV", col.name, f.Type()))
	}
}

// csvBool reads true/false (any case, as spreadsheets write TRUE) or 1/0.
func csvBool(cell string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// isJSONNumber tells a cell that is a JSON number (given raw to the field's
// decoder) from any other text (given as a JSON string).
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}
