package api

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"
)

// Every response the package's tests receive from a server NewServer built
// is checked against the OpenAPI document (status documented for the
// operation, headers, body schema, media type). TestMain lists the mismatches
// once the tests have run and fails the package when there is any: the
// document must describe what the API answers.

func TestMain(m *testing.M) {
	flag.Parse()
	// Benchmarks measure the API, not the check.
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		openAPIResponseCheck = checkAgainstOpenAPI
	}
	code := m.Run()
	if testing.Verbose() {
		fmt.Printf("openapi: %d responses checked against the document\n", openAPICheck.checked.Load())
	}
	if reportOpenAPIMismatches(os.Stderr) > 0 && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// maxCheckedBody bounds the response bytes kept for the check; a longer
// body (a big CSV, a PDF) has its status and headers checked only.
const maxCheckedBody = 4 << 20

var openAPICheck struct {
	once    sync.Once
	router  routers.Router
	err     error
	checked atomic.Int64

	mu       sync.Mutex
	failures map[string]string // mismatch → one request that showed it
}

func openAPIRouter() (routers.Router, error) {
	openAPICheck.once.Do(func() {
		raw, err := OpenAPIDocument()
		if err != nil {
			openAPICheck.err = err
			return
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			openAPICheck.err = fmt.Errorf("load the OpenAPI document: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			openAPICheck.err = fmt.Errorf("the OpenAPI document is invalid: %w", err)
			return
		}
		openAPICheck.router, openAPICheck.err = legacy.NewRouter(doc)
	})
	return openAPICheck.router, openAPICheck.err
}

// checkAgainstOpenAPI is the Pre middleware the tests install: it renders
// the handler's error itself (as Echo would right after) so that it sees the
// response the client gets, then checks it.
func checkAgainstOpenAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		tee := &teeWriter{ResponseWriter: res.Writer}
		res.Writer = tee
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		res.Writer = tee.ResponseWriter
		checkResponse(c.Request(), res.Status, res.Header(), tee)
		return nil
	}
}

func checkResponse(req *http.Request, status int, header http.Header, body *teeWriter) {
	if req.Method == http.MethodHead || req.Method == http.MethodOptions || req.Context().Err() != nil {
		return // no body to check, or a client that left before the answer
	}
	router, err := openAPIRouter()
	if err != nil {
		recordMismatch(err.Error(), "")
		return
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return // a route the document does not name (a test's own, or an unknown path): cmd/api's test keeps routes and document equal
	}
	openAPICheck.checked.Add(1)
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, // a status the operation does not list is a mismatch
			ExcludeResponseBody:   body.overflow,
			MultiError:            true,
		},
	}
	input.SetBodyBytes(body.buf.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		msg := strings.Join(strings.Fields(err.Error()), " ")
		what, _, _ := strings.Cut(msg, " Schema: ") // the rest quotes the schema and the value: one line per kind of mismatch
		recordMismatch(fmt.Sprintf("%s %s → %d: %s", req.Method, route.Path, status, what),
			fmt.Sprintf("%s %s answered %.300s\n      %.600s", req.Method, req.URL.RequestURI(), body.buf.String(), msg))
	}
}

func recordMismatch(what, example string) {
	openAPICheck.mu.Lock()
	defer openAPICheck.mu.Unlock()
	if openAPICheck.failures == nil {
		openAPICheck.failures = map[string]string{}
	}
	if _, ok := openAPICheck.failures[what]; !ok {
		openAPICheck.failures[what] = example
	}
}

// reportOpenAPIMismatches writes the mismatches and returns how many there are.
func reportOpenAPIMismatches(w io.Writer) int {
	openAPICheck.mu.Lock()
	defer openAPICheck.mu.Unlock()
	if len(openAPICheck.failures) == 0 {
		return 0
	}
	keys := make([]string, 0, len(openAPICheck.failures))
	for k := range openAPICheck.failures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "FAIL: %d kinds of response do not match the OpenAPI document (of %d responses checked); fix embed/openapi (or the handler, if it breaks the contract):\n",
		len(keys), openAPICheck.checked.Load())
	for _, k := range keys {
		fmt.Fprintf(w, "  %s\n", k)
		if ex := openAPICheck.failures[k]; ex != "" {
			fmt.Fprintf(w, "      e.g. %s\n", ex)
		}
	}
	return len(keys)
}

// teeWriter keeps a copy of the body on its way to the client.
type teeWriter struct {
	http.ResponseWriter
	buf      bytes.Buffer
	overflow bool
}

func (w *teeWriter) Write(p []byte) (int, error) {
	if !w.overflow {
		if w.buf.Len()+len(p) > maxCheckedBody {
			w.overflow = true
			w.buf.Reset()
		} else {
			w.buf.Write(p)
		}
	}
	return w.ResponseWriter.Write(p)
}

func (w *teeWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
