package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

type strictLine struct {
	Description string  `json:"description" text:"multiline"`
	Qty         Decimal `json:"qty"`
}

type strictEmbedded struct {
	Note string `json:"note" text:"multiline"`
}

type strictRequest struct {
	strictEmbedded
	Name   *string       `json:"name"`
	Count  int8          `json:"count"`
	Rate   float64       `json:"rate"`
	Tags   []string      `json:"tags"`
	Lines  *[]strictLine `json:"lines"`
	Extra  any           `json:"extra"`
	Date   DateField     `json:"date"`
	Hidden string        `json:"-"`
}

// checkBody's verdict on one body: "ok", "400 <detail>" or "422 <field>…".
func verdict(body string) string {
	err := checkBody([]byte(body), reflect.TypeOf(&strictRequest{}))
	var verr *domain.ValidationError
	var he *echo.HTTPError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &verr):
		var fields []string
		for _, f := range verr.Fields {
			fields = append(fields, f.Field)
		}
		return "422 " + strings.Join(fields, " ")
	case errors.As(err, &he) && he.Code == http.StatusBadRequest:
		return "400 " + he.Message.(string)
	}
	return err.Error()
}

func TestStrictBodyWalk(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"name": "ACME", "count": 3, "rate": 1.5, "tags": ["a"], "lines": [{"description": "a\n\tb\r\n", "qty": "1"}], "note": "x\ny", "extra": {"k": [1, "v"]}, "date": "2026-11-28"}`, "ok"},
		{`{"name": null, "lines": null}`, "ok"},
		{`{}`, "ok"},
		// A surrogate pair is one character; an escaped backslash is no escape.
		{`{"name": "smile \ud83d\ude00", "tags": ["\\u0000", "\\ud800"]}`, "ok"},
		{"{\"name\": \"caf\u00e9 \u4e2d\"}", "ok"},
		// Text rule, with the path of each field.
		{`{"name": "a\u0000"}`, "422 name"},
		{`{"name": "a\tb"}`, "422 name"},
		{`{"tags": ["ok", "a\u001b[31m"]}`, "422 tags[1]"},
		{`{"lines": [{"description": "ok\n"}, {"description": "a\u0000"}]}`, "422 lines[1].description"},
		{`{"lines": [{"description": "\u0085"}]}`, "422 lines[0].description"},
		{`{"note": "a\u007f"}`, "422 note"},
		{"{\"name\": \"a\xffb\"}", "422 name"},
		{"{\"name\": \"\xed\xa0\x80\"}", "422 name"}, // a surrogate, UTF-8 encoded
		{`{"name": "a\ud800"}`, "422 name"},
		{`{"name": "a\ud800\u0041"}`, "422 name"},
		{`{"name": "\udc00\ud800"}`, "422 name"},
		{`{"qty": 1, "lines": [{"qty": "1\u0000"}]}`, "422 qty lines[0].qty"},
		{`{"extra": {"k\u0000": "v"}}`, "422 extra.k\uFFFD"},
		// Keys: exact, known, once.
		{`{"Name": "x"}`, "422 Name"},
		{`{"NAME": "x", "hidden": "x", "Hidden": "y", "-": 1}`, "422 NAME hidden Hidden -"},
		{`{"lines": [{"Description": "x", "qty": "1", "price": 2}]}`, "422 lines[0].Description lines[0].price"},
		{`{"name": "a", "name": "b"}`, "422 name"},
		{`{"strictEmbedded": {}}`, "422 strictEmbedded"},
		// Shape: 400, naming the field by its path, never a Go type.
		{`{"name": 5}`, `400 malformed JSON body: "name" must be a string`},
		{`{"count": 300}`, `400 malformed JSON body: "count" must be a whole number in range`},
		{`{"count": 1.5}`, `400 malformed JSON body: "count" must be a whole number in range`},
		{`{"rate": 1e999}`, `400 malformed JSON body: "rate" must be a number in range`},
		{`{"lines": [{"description": true}]}`, `400 malformed JSON body: "lines[0].description" must be a string`},
		{`{"lines": {}}`, `400 malformed JSON body: "lines" must be an array`},
		{`{"tags": "a"}`, `400 malformed JSON body: "tags" must be an array`},
		{`[]`, `400 malformed JSON body: the body must be a JSON object`},
		{`null`, `400 malformed JSON body: the body must be a JSON object`},
		{`"x"`, `400 malformed JSON body: the body must be a JSON object`},
		{`{"name": "x"} {}`, `400 malformed JSON body: unexpected data after the JSON value`},
		{`{"name": "x"}]`, `400 malformed JSON body: unexpected data after the JSON value`},
		{`{"name": "x"`, `400 malformed JSON body: unexpected end of the JSON value`},
		{`{"extra": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, `400 malformed JSON body: nested more than 32 levels deep`},
	} {
		if got := verdict(tc.body); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.body, got, tc.want)
		}
	}
}

func TestJSONMediaType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "Application/JSON; charset=\"UTF-8\"": true,
		"": false, "application/xml": false, "text/json": false, "application/json; charset=latin1": false,
		"application/problem+json": false,
	} {
		if got := isJSONMediaType(ct); got != want {
			t.Errorf("%q: %v, want %v", ct, got, want)
		}
	}
}

// Every operation taking a JSON body documents the 415 Bind answers.
func TestOpenAPIDocuments415(t *testing.T) {
	raw, err := OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for p, ops := range doc.Paths {
		for m, rawOp := range ops {
			var op struct {
				RequestBody *struct {
					Content map[string]any `json:"content"`
				} `json:"requestBody"`
				Responses map[string]any `json:"responses"`
			}
			if m == "parameters" || json.Unmarshal(rawOp, &op) != nil || op.RequestBody == nil || op.RequestBody.Content["application/json"] == nil {
				continue
			}
			n++
			if op.Responses["415"] == nil {
				t.Errorf("%s %s takes JSON but does not document 415", m, p)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d operations take a JSON body", n)
	}
}
