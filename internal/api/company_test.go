package api_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// testLogoLimit is the logo size limit of the company API under test.
const testLogoLimit = 64 << 10

// newCompanyAPI is the real stack of the company, third parties and
// documents, with the configuration's defaults (30 days of payment terms).
func newCompanyAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	cfg := config.Defaults()
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{
		Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency, Company: cfg.CompanyDefaults(),
	})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}, BodyLimit: "1M"},
		api.NewCompanyRoutes(usecase.NewCompanyService(uow, cfg.CompanyDefaults(), time.Now), testLogoLimit),
		api.NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)),
		api.NewDocumentRoutes(docs), api.NewSupplierInvoiceRoutes(docs))
	return &stockAPI{e: e, db: db}
}

// sendRaw sends body with its own content type as token.
func (a *stockAPI) sendRaw(token, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set(echo.HeaderContentType, contentType)
	}
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+token)
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	return rec
}

func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: uint8(x), G: 80, B: uint8(y), A: 255})
		}
	}
	return img
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A GIF89a of one pixel.
var gifBytes = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

func TestCompanyAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCompanyAPI(t, d)
			// Nothing stored: the environment's values, every field listed.
			got := a.ok(t, http.StatusOK, "GET", "/api/v1/company", "")
			if got["name"] != "Dolibarr-Go" || got["default_payment_terms_days"] != float64(30) || got["has_logo"] != false ||
				got["updated_at"] != nil || len(got["from_environment"].([]any)) != 11 || len(got["registration_ids"].([]any)) != 0 {
				t.Fatalf("defaults = %v", got)
			}
			// Reading needs a login only.
			if rec := a.send("products:read", "GET", "/api/v1/company", ""); rec.Code != http.StatusOK {
				t.Fatalf("GET as a user without permissions: %d", rec.Code)
			}
			if rec := a.send("", "GET", "/api/v1/company", ""); rec.Code != http.StatusUnauthorized {
				t.Fatalf("GET without a token: %d", rec.Code)
			}

			body := `{"name":"Doligo SAS","address":"1 rue de la Paix\n75002 Paris","country":"FR","vat_id":"FR40303265045",
				"registration_ids":["SIRET 732 829 320 00074"," RCS Paris B 732 829 320 "],"email":"billing@doligo.test",
				"phone":"+33 1 23 45 67 89","iban":"fr14 2004 1010 0505 0001 3m02 606","bic":"bnpafrpp",
				"legal_notice":"SAS au capital de 10 000 €","default_payment_terms_days":45}`
			put := a.ok(t, http.StatusOK, "PUT", "/api/v1/company", body)
			if put["name"] != "Doligo SAS" || put["iban"] != "FR1420041010050500013M02606" || put["bic"] != "BNPAFRPP" ||
				put["default_payment_terms_days"] != float64(45) || put["updated_at"] == nil ||
				fmt.Sprint(put["registration_ids"]) != "[SIRET 732 829 320 00074 RCS Paris B 732 829 320]" ||
				len(put["from_environment"].([]any)) != 0 {
				t.Fatalf("after PUT = %v", put)
			}
			if got := a.ok(t, http.StatusOK, "GET", "/api/v1/company", ""); got["address"] != "1 rue de la Paix\n75002 Paris" || got["legal_notice"] != "SAS au capital de 10 000 €" {
				t.Fatalf("GET after PUT = %v", got)
			}

			// Every invalid field named at once, and nothing written.
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", "/api/v1/company",
				`{"name":"","country":"fr","iban":"FR1420041010050500013M02607","bic":"BNPA","email":"nope","default_payment_terms_days":-1,
				  "registration_ids":["1","2","3","4","5","6"]}`,
				"name", "country", "iban", "bic", "email", "default_payment_terms_days", "registration_ids")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", "/api/v1/company", `{"iban":"GB82WEST12345698765433"}`, "iban")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", "/api/v1/company", `{"name":"A\u0000"}`, "name")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PUT", "/api/v1/company", `{"nom":"A"}`, "nom")
			if got := a.ok(t, http.StatusOK, "GET", "/api/v1/company", ""); got["iban"] != "FR1420041010050500013M02606" || got["name"] != "Doligo SAS" {
				t.Fatalf("a refused PUT changed the settings: %v", got)
			}
			if rec := a.send("thirdparties:write", "PUT", "/api/v1/company", `{"name":"X"}`); rec.Code != http.StatusForbidden {
				t.Fatalf("PUT without company:write: %d", rec.Code)
			}

			// PUT replaces: what is left out goes back to the environment.
			put = a.ok(t, http.StatusOK, "PUT", "/api/v1/company", `{"iban":"GB82 WEST 1234 5698 7654 32","phone":"","name":null}`)
			if put["name"] != "Dolibarr-Go" || put["iban"] != "GB82WEST12345698765432" || put["phone"] != "" || put["bic"] != "" ||
				put["default_payment_terms_days"] != float64(30) ||
				slices.Contains(put["from_environment"].([]any), any("phone")) || !slices.Contains(put["from_environment"].([]any), any("name")) {
				t.Fatalf("after the second PUT = %v", put)
			}
		})
	}
}

func TestCompanyLogoAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCompanyAPI(t, d)
			a.problem(t, http.StatusNotFound, "not-found", "GET", "/api/v1/company/logo", "")

			logo := pngBytes(t, 40, 20)
			rec := a.sendRaw("all", "PUT", "/api/v1/company/logo", "image/png", logo)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"has_logo":true`) {
				t.Fatalf("PNG upload: %d %s", rec.Code, rec.Body)
			}
			rec = a.send("all", "GET", "/api/v1/company/logo", "")
			if rec.Code != http.StatusOK || rec.Header().Get(echo.HeaderContentType) != "image/png" || !bytes.Equal(rec.Body.Bytes(), logo) {
				t.Fatalf("GET logo: %d %s, %d bytes", rec.Code, rec.Header().Get(echo.HeaderContentType), rec.Body.Len())
			}
			// Replacing the settings keeps the logo.
			if got := a.ok(t, http.StatusOK, "PUT", "/api/v1/company", `{"name":"With logo"}`); got["has_logo"] != true {
				t.Fatalf("PUT /company dropped the logo: %v", got)
			}

			// A JPEG is stored as a PNG of the same size.
			if rec := a.sendRaw("all", "PUT", "/api/v1/company/logo", "image/jpeg", jpegBytes(t, 30, 10)); rec.Code != http.StatusOK {
				t.Fatalf("JPEG upload: %d %s", rec.Code, rec.Body)
			}
			rec = a.send("all", "GET", "/api/v1/company/logo", "")
			cfg, err := png.DecodeConfig(bytes.NewReader(rec.Body.Bytes()))
			if err != nil || cfg.Width != 30 || cfg.Height != 10 {
				t.Fatalf("stored JPEG logo is not a 30×10 PNG: %v %+v", err, cfg)
			}
			stored := rec.Body.Bytes()

			refused := []struct {
				name, token, contentType string
				body                     []byte
				status                   int
				code                     string
			}{
				{"GIF", "all", "image/gif", gifBytes, http.StatusUnsupportedMediaType, "unsupported-media-type"},
				{"JSON", "all", "application/json", []byte(`{"logo":"x"}`), http.StatusUnsupportedMediaType, "unsupported-media-type"},
				{"no type", "all", "", logo, http.StatusUnsupportedMediaType, "unsupported-media-type"},
				{"garbage PNG", "all", "image/png", []byte("this is not a picture"), http.StatusUnprocessableEntity, "validation"},
				{"JPEG sent as PNG", "all", "image/png", jpegBytes(t, 8, 8), http.StatusUnprocessableEntity, "validation"},
				{"truncated PNG", "all", "image/png", logo[:len(logo)/2], http.StatusUnprocessableEntity, "validation"},
				{"too many pixels", "all", "image/png", pngBytes(t, 1001, 1000), http.StatusUnprocessableEntity, "validation"},
				{"empty", "all", "image/png", nil, http.StatusUnprocessableEntity, "validation"},
				{"too large", "all", "image/png", append(bytes.Clone(logo), make([]byte, testLogoLimit)...), http.StatusRequestEntityTooLarge, "body-too-large"},
				{"no permission", "products:read,thirdparties:write", "image/png", logo, http.StatusForbidden, "forbidden"},
			}
			for _, c := range refused {
				rec := a.sendRaw(c.token, "PUT", "/api/v1/company/logo", c.contentType, c.body)
				fields := []string{}
				if c.status == http.StatusUnprocessableEntity {
					fields = append(fields, "logo")
				}
				t.Run(c.name, func(t *testing.T) { checkProblem(t, rec, c.status, c.code, fields...) })
			}
			// None of them replaced the logo.
			if rec := a.send("all", "GET", "/api/v1/company/logo", ""); !bytes.Equal(rec.Body.Bytes(), stored) {
				t.Fatal("a refused upload changed the logo")
			}
		})
	}
}

func TestThirdPartyPaymentTermsAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCompanyAPI(t, d)
			tp := a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Slow payer","is_customer":true,"payment_terms_days":60}`)
			if tp["payment_terms_days"] != float64(60) {
				t.Fatalf("created = %v", tp)
			}
			other := a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Default payer","is_customer":true}`)
			if v, ok := other["payment_terms_days"]; !ok || v != nil {
				t.Fatalf("created without terms = %v", other)
			}
			path := fmt.Sprintf("/api/v1/thirdparties/%d", idOf(tp))
			if got := a.ok(t, http.StatusOK, "PATCH", path, `{"name":"Still slow"}`); got["payment_terms_days"] != float64(60) {
				t.Fatalf("a PATCH without the field changed it: %v", got)
			}
			if got := a.ok(t, http.StatusOK, "PATCH", path, `{"payment_terms_days":0}`); got["payment_terms_days"] != float64(0) {
				t.Fatalf("PATCH 0 = %v", got)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"payment_terms_days":-1}`, "payment_terms_days")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"payment_terms_days":3651}`, "payment_terms_days")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", path, `{"payment_terms_days":"30"}`, "payment_terms_days")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/thirdparties", `{"name":"X","payment_terms_days":1.5}`, "payment_terms_days")
			list := a.ok(t, http.StatusOK, "GET", "/api/v1/thirdparties?sort=id", "")
			items := list["items"].([]any)
			if len(items) != 2 || items[0].(map[string]any)["payment_terms_days"] != float64(0) || items[1].(map[string]any)["payment_terms_days"] != nil {
				t.Fatalf("list = %v", items)
			}
			if got := a.ok(t, http.StatusOK, "PATCH", path, `{"payment_terms_days":null}`); got["payment_terms_days"] != nil {
				t.Fatalf("PATCH null = %v", got)
			}
		})
	}
}

// The due date of an invoice created without one: its date plus the third
// party's terms, else the company's (stored, else the environment's 30
// days); it moves with the date while the client does not set it.
func TestInvoiceDueDateFromTermsAPI(t *testing.T) {
	const line = `"lines":[{"description":"Work","qty":1,"unit_price":"100","vat_rate":"20"}]`
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCompanyAPI(t, d)
			own := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Own terms","is_customer":true,"is_supplier":true,"payment_terms_days":45}`))
			cash := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"Cash","is_customer":true,"payment_terms_days":0}`))
			none := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name":"No terms","is_customer":true,"is_supplier":true}`))
			create := func(resource string, party int64, extra string) map[string]any {
				t.Helper()
				field := "thirdparty_id"
				if resource == "supplier-invoices" {
					field = "supplier_id"
				}
				return a.ok(t, http.StatusCreated, "POST", "/api/v1/"+resource,
					fmt.Sprintf(`{"%s":%d,"date":"2027-01-01",%s%s}`, field, party, extra, line))
			}
			due := func(m map[string]any) any { return m["due_date"] }

			if got := due(create("invoices", own, "")); got != "2027-02-15" {
				t.Errorf("third party's 45 days: due %v", got)
			}
			if got := due(create("invoices", cash, "")); got != "2027-01-01" {
				t.Errorf("third party's 0 days: due %v", got)
			}
			if got := due(create("invoices", none, "")); got != "2027-01-31" {
				t.Errorf("environment's 30 days: due %v", got)
			}
			if got := due(create("invoices", own, `"due_date":"2027-01-05",`)); got != "2027-01-05" {
				t.Errorf("given due date: %v", got)
			}
			if got := due(create("supplier-invoices", own, "")); got != "2027-02-15" {
				t.Errorf("supplier's 45 days: due %v", got)
			}
			if got := due(create("proposals", own, "")); got != nil {
				t.Errorf("a proposal got a due date: %v", got)
			}

			// The company's stored default replaces the environment's.
			a.ok(t, http.StatusOK, "PUT", "/api/v1/company", `{"default_payment_terms_days":10}`)
			inv := create("invoices", none, "")
			if due(inv) != "2027-01-11" {
				t.Errorf("company's 10 days: due %v", due(inv))
			}
			path := fmt.Sprintf("/api/v1/invoices/%d", idOf(inv))
			if got := a.ok(t, http.StatusOK, "PATCH", path, `{"date":"2027-03-01"}`); due(got) != "2027-03-11" {
				t.Errorf("moved date: due %v", due(got))
			}
			// Another third party: its terms, while the due date followed the old one's.
			if got := a.ok(t, http.StatusOK, "PATCH", path, fmt.Sprintf(`{"thirdparty_id":%d}`, own)); due(got) != "2027-04-15" {
				t.Errorf("third party with 45 days: due %v", due(got))
			}
			if got := a.ok(t, http.StatusOK, "PATCH", path, fmt.Sprintf(`{"date":"2027-03-02","due_date":"2027-03-05","thirdparty_id":%d}`, cash)); due(got) != "2027-03-05" {
				t.Errorf("moved date with a due date: %v", due(got))
			}
			// A due date set by hand stays when the third party changes.
			if got := a.ok(t, http.StatusOK, "PATCH", path, fmt.Sprintf(`{"thirdparty_id":%d}`, own)); due(got) != "2027-03-05" {
				t.Errorf("hand-set due date after a change of third party: %v", due(got))
			}

			// An invoice made from an order is dated today, due after the terms.
			order := a.ok(t, http.StatusCreated, "POST", "/api/v1/orders", fmt.Sprintf(`{"thirdparty_id":%d,%s}`, own, line))
			a.ok(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/orders/%d/validate", idOf(order)), "")
			conv := a.ok(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/orders/%d/invoice", idOf(order)), "")
			date, err1 := time.Parse(time.DateOnly, conv["date"].(string))
			dueAt, err2 := time.Parse(time.DateOnly, fmt.Sprint(conv["due_date"]))
			if err1 != nil || err2 != nil || !dueAt.Equal(date.AddDate(0, 0, 45)) {
				t.Errorf("invoice from an order: date %v, due %v", conv["date"], conv["due_date"])
			}
		})
	}
}
