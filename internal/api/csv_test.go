package api

import (
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

func TestWantsCSV(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                     false,
		"*/*":                                  false,
		"text/*":                               false,
		"application/json":                     false,
		"text/csv":                             true,
		"Text/CSV; charset=utf-8":              true,
		"text/csv, */*;q=0.1":                  true,
		"application/json, text/csv;q=0.5":     false,
		"application/json;q=0.5, text/csv":     true,
		"text/csv;q=0":                         false,
		"text/html, application/xml;q=0.9":     false,
		"application/json, text/csv":           true, // a tie: the client named CSV, so it wants it
		"text/csv;q=0.8, application/json;q=1": false,
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if accept != "" {
			req.Header.Set(echo.HeaderAccept, accept)
		}
		if got := wantsCSV(echo.New().NewContext(req, httptest.NewRecorder())); got != want {
			t.Errorf("Accept %q: wantsCSV %v, want %v", accept, got, want)
		}
	}
}

type csvInner struct {
	City string `json:"city"`
}

type csvEmbedded struct {
	Net   string `json:"total_net"`
	Gross string `json:"total_gross"`
}

type csvRow struct {
	ID       int64           `json:"id"`
	Label    string          `json:"label"`
	Price    decimal.Decimal `json:"price"`
	Qty      *string         `json:"qty"`
	Active   bool            `json:"active"`
	At       time.Time       `json:"at"`
	Lines    []string        `json:"lines"`
	Meta     map[string]any  `json:"meta"`
	Secret   string          `json:"-"`
	Address  csvInner        `json:"address"`
	NoTag    int
	internal string
	csvEmbedded
}

// The columns are the JSON fields of the DTO, embedded structs flattened,
// nested ones prefixed, collections left out; the values are JSON's without
// its quoting: decimals plain (never an exponent), times RFC 3339, null empty;
// RFC 4180 quoting with LF line ends, so a value's line breaks come back
// byte for byte.
func TestWriteCSVColumnsAndQuoting(t *testing.T) {
	qty := "1.500"
	at := time.Date(2026, 12, 3, 10, 4, 5, 0, time.UTC)
	rows := []csvRow{
		{ID: 1, Label: `comma, "quote"` + "\nnew\r\nline", Price: decimal.RequireFromString("1e-7"), Qty: &qty, Active: true, At: at,
			Lines: []string{"x"}, Secret: "s", Address: csvInner{City: "Lyon"}, NoTag: 7, internal: "i",
			csvEmbedded: csvEmbedded{Net: "10.00", Gross: "12.00"}},
		{ID: 2, Label: "plain", Price: decimal.RequireFromString("123456789012345678901234567890.5")},
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/things", nil)
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	c.SetPath("/api/v1/things")
	if err := writeCSV(c, domain.Page[csvRow]{Items: rows}.All(), func(r csvRow) csvRow { return r }); err != nil {
		t.Fatal(err)
	}
	if ct := rec.Header().Get(echo.HeaderContentType); ct != MIMETextCSV {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := rec.Header().Get(echo.HeaderContentDisposition); cd != `attachment; filename="things.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	want := "id,label,price,qty,active,at,address.city,NoTag,total_net,total_gross\n" +
		`1,"comma, ""quote""` + "\nnew\r\nline\",0.0000001,1.500,true,2026-12-03T10:04:05Z,Lyon,7,10.00,12.00\n" +
		"2,plain,123456789012345678901234567890.5,,false,0001-01-01T00:00:00Z,,0,,\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("CSV:\n%q\nwant\n%q", got, want)
	}
	// (Go's reader, like most, reads a quoted CRLF back as LF; the bytes above are exact.)
	recs, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][1] != `comma, "quote"`+"\nnew\nline" {
		t.Errorf("read back: %q, %v", recs, err)
	}
}

// An empty export is its header row.
func TestWriteCSVEmpty(t *testing.T) {
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	if err := writeCSV(c, domain.Page[csvInner]{}.All(), func(r csvInner) csvInner { return r }); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Body.String() != "city\n" {
		t.Errorf("%d %q", rec.Code, rec.Body)
	}
}
