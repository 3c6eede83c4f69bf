package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
)

// bodylessRoutes read no body, as DELETE routes and many action POSTs do.
type bodylessRoutes struct{}

func (bodylessRoutes) Routes(r *api.Router) {
	done := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	r.DELETE("/things/:id", "", done)
	r.POST("/things/:id/close", "", done)
	r.GET("/things", "", done)
}

// A body that is not JSON is refused with 415 on every route that may carry
// one, also where the handler never reads it; an empty body passes whatever
// its type, and a GET's body is nobody's business.
func TestNonJSONBodiesAre415OnEveryRoute(t *testing.T) {
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}}, bodylessRoutes{})
	for _, c := range []struct {
		method, path, contentType, body string
		want                            int
	}{
		{"DELETE", "/api/v1/things/1", "application/xml", "<thing/>", http.StatusUnsupportedMediaType},
		{"DELETE", "/api/v1/things/1", "", "x", http.StatusUnsupportedMediaType},
		{"DELETE", "/api/v1/things/1", "application/json", "{}", http.StatusNoContent},
		{"DELETE", "/api/v1/things/1", "", "", http.StatusNoContent},
		{"POST", "/api/v1/things/1/close", "text/plain", "close it", http.StatusUnsupportedMediaType},
		{"POST", "/api/v1/things/1/close", "text/plain", "", http.StatusNoContent},
		{"POST", "/api/v1/things/1/close", "", "", http.StatusNoContent},
		{"GET", "/api/v1/things", "application/xml", "<q/>", http.StatusNoContent},
	} {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer all")
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s %s (%q, %q): %d %s, want %d", c.method, c.path, c.contentType, c.body, rec.Code, rec.Body, c.want)
			continue
		}
		if c.want == http.StatusUnsupportedMediaType && !strings.Contains(rec.Body.String(), "/problems/unsupported-media-type") {
			t.Errorf("%s %s: 415 body %s, want the unsupported-media-type problem", c.method, c.path, rec.Body)
		}
	}
}
