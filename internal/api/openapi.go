package api

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/embed"
)

// openAPIResponseCheck is nil in the binaries. The package's tests set it to
// a middleware that checks every response against the document, and
// serveOpenAPI installs it first on each server NewServer builds.
var openAPIResponseCheck echo.MiddlewareFunc

// serveOpenAPI serves the merged document at /api/v1/openapi.json.
func serveOpenAPI(e *echo.Echo) {
	doc := mustOpenAPI()
	e.GET("/api/v1/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
	})
	if openAPIResponseCheck != nil {
		e.Pre(openAPIResponseCheck)
	}
}

// mustOpenAPI merges embed/openapi/base.json with every
// embed/openapi/paths/*.json (one file per area, so areas are documented next
// to nothing else) into the one document served at /api/v1/openapi.json.
func mustOpenAPI() []byte {
	b, err := OpenAPIDocument()
	if err != nil {
		panic(err) // the embedded files are part of the build: a test catches this
	}
	return b
}

// OpenAPIDocument returns the merged document.
func OpenAPIDocument() ([]byte, error) {
	base, err := fs.ReadFile(embed.OpenAPI, "openapi/base.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi/base.json: %w", err)
	}
	paths := map[string]any{}
	files, err := fs.Glob(embed.OpenAPI, "openapi/paths/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		raw, err := fs.ReadFile(embed.OpenAPI, f)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(f), err)
		}
		for p, ops := range part {
			if _, dup := paths[p]; dup {
				return nil, fmt.Errorf("%s: path %s is also described in another file", path.Base(f), p)
			}
			paths[p] = ops
		}
	}
	addIdempotencyKey(paths)
	addUnsupportedMediaType(paths)
	addCSVContent(paths)
	doc["paths"] = paths
	return json.Marshal(doc)
}

// idempotencyKeyRef is the one declaration of the Idempotency-Key header
// (components.parameters in base.json).
const idempotencyKeyRef = "#/components/parameters/IdempotencyKey"

// addIdempotencyKey documents the Idempotency-Key header on every
// authenticated POST, the routes the Router gives the middleware to, so the
// path files need not repeat it (a file that does reference it is left as it
// is: the header is listed once either way).
func addIdempotencyKey(paths map[string]any) {
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		post, _ := ops["post"].(map[string]any)
		if post == nil {
			continue
		}
		if sec, ok := post["security"].([]any); ok && len(sec) == 0 {
			continue // public (login): no principal to scope a key to
		}
		params, _ := post["parameters"].([]any)
		has := false
		for _, p := range params {
			m, _ := p.(map[string]any)
			has = has || m["$ref"] == idempotencyKeyRef
		}
		if !has {
			post["parameters"] = append(params, map[string]any{"$ref": idempotencyKeyRef})
		}
	}
}

// addUnsupportedMediaType documents the 415 problem on every operation that
// may carry a body (POST, PUT, PATCH, DELETE): a body that is not JSON is
// refused on each of them (jsonBodiesOnly, Bind), so the path files need not
// repeat it.
func addUnsupportedMediaType(paths map[string]any) {
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			if method != "post" && method != "put" && method != "patch" && method != "delete" {
				continue
			}
			o, _ := op.(map[string]any)
			responses, _ := o["responses"].(map[string]any)
			if responses == nil {
				continue
			}
			if _, ok := responses["415"]; !ok {
				responses["415"] = map[string]any{"$ref": "#/components/responses/UnsupportedMediaType"}
			}
		}
	}
}

// addCSVContent documents the text/csv answer (csv.go) of every list and
// report: each GET whose 200 JSON answer is an object with an items array.
// The path files need not repeat it, and a list added later is documented
// (and, through cmd/api's TestEveryListAnswersCSV, held to answer) as CSV
// from the start.
func addCSVContent(paths map[string]any) {
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		get, _ := ops["get"].(map[string]any)
		responses, _ := get["responses"].(map[string]any)
		ok, _ := responses["200"].(map[string]any)
		content, _ := ok["content"].(map[string]any)
		if !isListContent(content) {
			continue
		}
		if _, has := content["text/csv"]; !has {
			content["text/csv"] = map[string]any{"schema": map[string]any{
				"type": "string",
				"description": "Asked for with `Accept: text/csv`: every matching row (the same filters and sort as " +
					"the JSON; `limit` and `offset` when given), streamed as RFC 4180 CSV with a header row of the " +
					"JSON item's fields. See docs/integrations.md, \"CSV exports\".",
			}}
		}
	}
}

// isListContent reports whether a response's content is a JSON object with
// an items array: a list or a report.
func isListContent(content map[string]any) bool {
	js, _ := content["application/json"].(map[string]any)
	schema, _ := js["schema"].(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	items, _ := props["items"].(map[string]any)
	return items["type"] == "array"
}
