package observability

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// Health answers 200 while the process lives (liveness).
func Health() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Ready answers 200 when ready returns "" (or is nil), else 503 with the
// reason in the problem's detail (readiness).
func Ready(ready func(ctx context.Context) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ready != nil {
			if reason := ready(r.Context()); reason != "" {
				writeProblem(w, http.StatusServiceUnavailable, "not-ready", reason)
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

// OpsOptions are what NewOpsServer needs.
type OpsOptions struct {
	Log     zerolog.Logger
	Metrics *Metrics // a registry of its own when nil
	// Ready returns "" when the process can serve, or the reason it cannot.
	Ready func(ctx context.Context) string
	// MetricsToken, when not empty, is the bearer token /metrics requires.
	MetricsToken string
}

// opsAllow is the Allow header of a wrong method on an ops route, as the
// API's router answers it.
const opsAllow = "OPTIONS, GET"

// NewOpsServer returns the worker's whole HTTP surface: GET /health, /ready
// and /metrics, each request with a request id and a logger in its context,
// an access-log line and its HTTP metrics, and errors written as the API
// writes them (application/problem+json). It is plain net/http because the
// worker needs no router or framework for three fixed routes.
func NewOpsServer(opt OpsOptions) http.Handler {
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	routes := map[string]http.Handler{
		"/health":  Health(),
		"/ready":   Ready(opt.Ready),
		"/metrics": opt.Metrics.Handler(opt.MetricsToken),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := RequestID(r.Header.Get(HeaderRequestID))
		w.Header().Set(HeaderRequestID, id)
		SecurityHeaders(w.Header())
		log := opt.Log.With().Str("request_id", id).Logger()
		ctx := domain.WithRequestID(log.WithContext(r.Context()), id)
		r = r.WithContext(ctx)
		rw := &responseWriter{ResponseWriter: w}

		route := r.URL.Path
		h, ok := routes[route]
		switch {
		case !ok:
			route = ""
			refuse(rw, r, http.StatusNotFound, "not-found")
		case r.Method == http.MethodOptions:
			w.Header().Set("Allow", opsAllow)
			rw.WriteHeader(http.StatusNoContent)
		case r.Method != http.MethodGet:
			w.Header().Set("Allow", opsAllow)
			refuse(rw, r, http.StatusMethodNotAllowed, "method-not-allowed")
		default:
			serve(rw, r, h)
		}
		remote, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			remote = r.RemoteAddr
		}
		opt.Metrics.Record(ctx, Request{
			Method: r.Method, Path: r.URL.Path, Route: route, Status: rw.status(), Bytes: rw.bytes,
			Took: time.Since(start), RemoteIP: remote,
		})
	})
}

// SecurityHeaders sets what every answer of both binaries carries, errors
// included: nosniff, so that no browser reads a JSON, problem or metrics body
// as HTML or script whatever a client managed to put in it.
func SecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
}

// serve runs h, turning a panic into a logged 500 problem instead of a
// dropped connection. http.ErrAbortHandler is re-panicked: it is net/http's
// way to abort a response on purpose.
func serve(w *responseWriter, r *http.Request, h http.Handler) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		log := zerolog.Ctx(r.Context())
		log.Error().Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("handler panicked")
		log.Error().Str("error", "code=500, message=internal error").Int("status", http.StatusInternalServerError).
			Msg("request failed")
		if w.code == 0 {
			writeProblem(w, http.StatusInternalServerError, "internal", "internal error")
		}
	}()
	h.ServeHTTP(w, r)
}

// refuse writes a client error as a problem (no body for HEAD).
func refuse(w *responseWriter, r *http.Request, status int, code string) {
	text := http.StatusText(status)
	zerolog.Ctx(r.Context()).Debug().Str("error", fmt.Sprintf("code=%d, message=%s", status, text)).
		Int("status", status).Msg("request refused")
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	writeProblem(w, status, code, text)
}

// problem is the RFC 9457 body the API writes too (internal/api.Problem):
// both binaries answer errors alike.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// problemTypeBase is internal/api.ProblemTypeBase.
const problemTypeBase = "/problems/"

// writeProblem writes a problem+json body naming the request id already set
// on the response (by NewOpsServer, or by the API's middleware).
func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	body, _ := json.Marshal(problem{ // a problem always marshals
		Type: problemTypeBase + code, Title: http.StatusText(status), Status: status, Detail: detail,
		RequestID: w.Header().Get(HeaderRequestID),
	})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// responseWriter remembers the status and size of a response for the access
// log.
type responseWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (w *responseWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *responseWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
