package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The rules of Redocly's and Spectral's OpenAPI rulesets that matter here,
// and this API's own conventions, checked on the merged document without
// Node.js (.ci/run also runs both linters when it can install them).
// embed/openapi/README.md states the conventions these rules enforce.

// problemResponses names the one shared response of each error status: every
// 4xx/5xx of an operation is a $ref to it.
var problemResponses = map[string]string{
	"400": "BadRequest",
	"401": "Unauthorized",
	"403": "Forbidden",
	"404": "NotFound",
	"409": "Conflict",
	"413": "PayloadTooLarge",
	"415": "UnsupportedMediaType",
	"422": "UnprocessableEntity",
	"429": "TooManyRequests",
	"500": "InternalServerError",
	"503": "ServiceUnavailable",
	"504": "GatewayTimeout",
}

// operationID is a camelCase verb and noun: listInvoices, createInvoicePayment.
var operationID = regexp.MustCompile(`^[a-z]+[A-Z][A-Za-z0-9]*$`)

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type lintParam struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type lintOp struct {
	OperationID string                 `json:"operationId"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	Tags        []string               `json:"tags"`
	Security    *[]map[string][]string `json:"security"`
	Parameters  []lintParam            `json:"parameters"`
	RequestBody *struct {
		Content map[string]json.RawMessage `json:"content"`
	} `json:"requestBody"`
	Responses map[string]json.RawMessage `json:"responses"`
}

// The merged document is valid OpenAPI 3 and every $ref resolves.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	raw, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load: %v (error responses are the shared #/components/responses/<BadRequest, Unauthorized, …>: see TestOpenAPIConventions)", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		t.Fatalf("not a valid OpenAPI 3 document: %v", err)
	}
}

func TestOpenAPIConventions(t *testing.T) {
	raw, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("DOLIGO_OPENAPI_OUT"); out != "" { // the file .ci/run lints
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, raw, "", "  ") // line numbers in the linters' reports
		if err := os.WriteFile(out, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var doc struct {
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]lintParam `json:"parameters"`
			Responses  map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}

	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		if tag.Description == "" {
			t.Errorf("tag %q has no description", tag.Name)
		}
		if tags[tag.Name] {
			t.Errorf("tag %q is declared twice", tag.Name)
		}
		tags[tag.Name] = true
	}
	for status, name := range problemResponses {
		r, ok := doc.Components.Responses[name]
		if !ok {
			t.Errorf("components.responses.%s (%s) is missing", name, status)
			continue
		}
		if r.Content["application/problem+json"].Schema.Ref != "#/components/schemas/Problem" || len(r.Content) != 1 {
			t.Errorf("components.responses.%s is not application/problem+json with the Problem schema", name)
		}
	}

	resolve := func(p lintParam) lintParam {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			return doc.Components.Parameters[name]
		}
		return p
	}
	ids := map[string]string{}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	ops := 0
	for _, path := range paths {
		item := doc.Paths[path]
		var shared []lintParam
		if rawShared, ok := item["parameters"]; ok {
			if err := json.Unmarshal(rawShared, &shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for _, method := range httpMethods {
			rawOp, ok := item[method]
			if !ok {
				continue
			}
			ops++
			where := strings.ToUpper(method) + " " + path
			var op lintOp
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Fatalf("%s: %v", where, err)
			}

			if !operationID.MatchString(op.OperationID) {
				t.Errorf("%s: operationId %q is not a camelCase verb and noun (listInvoices, createInvoicePayment)", where, op.OperationID)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %q is also the one of %s", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			if strings.TrimSpace(op.Summary) == "" || strings.TrimSpace(op.Description) == "" {
				t.Errorf("%s: needs a summary and a description", where)
			}
			if len(op.Tags) == 0 {
				t.Errorf("%s: has no tag", where)
			}
			for _, tag := range op.Tags {
				if !tags[tag] {
					t.Errorf("%s: tag %q is not declared in base.json's tags", where, tag)
				}
			}

			// Parameters: each (in, name) once, the header Idempotency-Key
			// only as the shared component.
			seen := map[string]bool{}
			pathParams := 0
			for i, p := range append(append([]lintParam{}, shared...), op.Parameters...) {
				r := resolve(p)
				if r.Name == "" {
					t.Errorf("%s: parameter %d (%s) does not resolve", where, i, p.Ref)
					continue
				}
				key := r.In + " " + strings.ToLower(r.Name)
				if seen[key] && i >= len(shared) {
					t.Errorf("%s: parameter %s is declared twice", where, key)
				}
				seen[key] = true
				if strings.EqualFold(r.Name, "Idempotency-Key") && p.Ref != idempotencyKeyRef {
					t.Errorf("%s: Idempotency-Key must be the $ref %s, not declared inline", where, idempotencyKeyRef)
				}
				if r.In == "path" {
					pathParams++
				}
			}

			public := op.Security != nil && (len(*op.Security) == 0 || len((*op.Security)[0]) == 0)
			need := map[string]string{"500": "any operation can fail unexpectedly"}
			if !public {
				need["401"] = "a bearer token is required"
			}
			if pathParams > 0 && strings.HasPrefix(path, "/api/") {
				need["404"] = "the path names an entity"
			}
			if op.RequestBody != nil {
				need["413"] = "it takes a request body"
				need["415"] = "it takes a request body"
				if _, ok := op.RequestBody.Content["application/json"]; ok {
					need["400"] = "it takes a JSON body"
					need["422"] = "it takes a JSON body"
				}
			}
			if method == "post" && !public {
				need["409"] = "Idempotency-Key: a request with the same key still running"
				need["422"] = "Idempotency-Key: the same key with another request"
			}
			if method == "get" && strings.HasSuffix(path, "/pdf") {
				need["503"] = "too many PDFs rendering at once"
				need["504"] = "a render bounded by DOLIGO_TASK_TIMEOUT"
			}
			for status, why := range need {
				if _, ok := op.Responses[status]; !ok {
					t.Errorf("%s: does not document %s (%s): add {\"$ref\": \"#/components/responses/%s\"}",
						where, status, why, problemResponses[status])
				}
			}

			success := false
			for status, rawResp := range op.Responses {
				code, err := strconv.Atoi(status)
				if err != nil {
					t.Errorf("%s: response %q: use explicit statuses, not default or ranges", where, status)
					continue
				}
				if code < 400 {
					success = success || code < 300
					continue
				}
				var r struct {
					Ref string `json:"$ref"`
				}
				_ = json.Unmarshal(rawResp, &r)
				name, known := problemResponses[status]
				switch {
				case !known:
					t.Errorf("%s: status %s has no shared problem response: add one to base.json and to problemResponses", where, status)
				case r.Ref != "#/components/responses/"+name:
					t.Errorf("%s: %s must be {\"$ref\": \"#/components/responses/%s\"}, not %s", where, status, name, rawResp)
				}
			}
			if !success {
				t.Errorf("%s: documents no 2xx response", where)
			}
		}
	}
	if ops < 50 {
		t.Fatalf("only %d operations in the document", ops)
	}
}

// Redocly's nullable-type-sibling rule, in Go: in OpenAPI 3.0 `nullable` only
// means something next to a `type` (inside each alternative of a oneOf).
func TestOpenAPINullableHasAType(t *testing.T) {
	raw, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if v["nullable"] == true && v["type"] == nil {
				t.Errorf("%s: nullable without a type (put it inside each oneOf alternative)", at)
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	walk(doc, "#")
}
