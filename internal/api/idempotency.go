package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// Idempotency headers.
const (
	HeaderIdempotencyKey     = "Idempotency-Key"
	HeaderIdempotentReplayed = "Idempotent-Replayed"
)

const (
	// idempotencyMaxRun bounds the handler of a request holding a key: its
	// context ends then, so its transaction rolls back well before the lease
	// below lets a retry take over the key of a request that died.
	idempotencyMaxRun = 2 * time.Minute
	// idempotencyLease is how long a running request holds its key; longer
	// than idempotencyMaxRun by a margin for clock skew between replicas.
	idempotencyLease = 5 * time.Minute
	// idempotencyPruneEvery spaces the deletions of expired keys.
	idempotencyPruneEvery = time.Minute
	// maxReplayableBody caps the response kept for replay; a larger one is
	// not stored (the key is released) rather than replayed truncated.
	maxReplayableBody = 4 << 20
	// idempotencyBookkeeping bounds storing or releasing a key once the
	// handler is done, even when the client has gone away.
	idempotencyBookkeeping = 10 * time.Second
	maxIdempotencyKey      = 255
)

// IdempotencyStore keeps Idempotency-Key records (usecase.IdempotencyService).
type IdempotencyStore interface {
	// Begin claims the key for a request starting at now: owned=true means
	// the caller runs the request, otherwise the returned record is the live
	// one another request made.
	Begin(ctx context.Context, req domain.IdempotencyRequest, now time.Time, lease time.Duration) (rec domain.IdempotencyRecord, owned bool, err error)
	Complete(ctx context.Context, rec domain.IdempotencyRecord, res domain.IdempotentResponse, expiresAt time.Time) error
	Release(ctx context.Context, rec domain.IdempotencyRecord) error
	Prune(ctx context.Context, now time.Time) (int64, error)
}

type idempotency struct {
	store     IdempotencyStore
	ttl       time.Duration
	now       func() time.Time
	nextPrune atomic.Int64 // unix nanoseconds
}

// Idempotency returns the Idempotency-Key middleware that the Router puts on
// every authenticated POST. A request without the header runs as usual. With
// it, the first request runs and its response (status, content type, body) is
// kept for ttl after it completes; a retry with the same key, endpoint and
// body gets that response again with Idempotent-Replayed: true, without
// running the handler. Keys are per user. The same key with another request is
// 422 idempotency-key-reused; a retry while the first still runs is 409
// idempotency-in-progress. 5xx and 429 answers, and panics, are not kept, so a
// retry runs again. Expired keys are pruned from here, at most once a minute
// per process, off the request path. now is the clock.
func Idempotency(store IdempotencyStore, ttl time.Duration, now func() time.Time) echo.MiddlewareFunc {
	m := &idempotency{store: store, ttl: ttl, now: now}
	return m.middleware
}

func (m *idempotency) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		values := c.Request().Header.Values(HeaderIdempotencyKey)
		if len(values) == 0 {
			return next(c)
		}
		key, err := parseIdempotencyKey(values)
		if err != nil {
			return err
		}
		body, err := readBody(c.Request())
		if err != nil {
			return err
		}
		r := c.Request()
		req := domain.IdempotencyRequest{
			Scope:  "user:" + strconv.FormatInt(PrincipalOf(c).UserID, 10),
			Key:    key,
			Method: r.Method,
			Path:   c.Path(),
			Hash:   requestHash(r.Method, c.Path(), r.URL.RequestURI(), body),
		}
		started := m.now()
		m.maybePrune(r.Context(), started)
		rec, owned, err := m.store.Begin(r.Context(), req, started, idempotencyLease)
		if err != nil {
			return err
		}
		if !owned {
			return replay(c, rec, req)
		}
		return m.run(c, next, rec)
	}
}

// parseIdempotencyKey accepts one key of 1 to 255 printable ASCII characters,
// bare or as the quoted string of the IETF draft ("…", without escapes).
func parseIdempotencyKey(values []string) (string, error) {
	bad := domain.Invalid(HeaderIdempotencyKey, "must be one header of 1 to %d printable ASCII characters", maxIdempotencyKey)
	if len(values) != 1 {
		return "", bad
	}
	k := values[0]
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
		if strings.ContainsAny(k, `"\`) {
			return "", bad
		}
	}
	// Surrounding spaces are refused: MariaDB's PAD SPACE collation would
	// make "k" and "k " the same key.
	if len(k) == 0 || len(k) > maxIdempotencyKey || k[0] == ' ' || k[len(k)-1] == ' ' {
		return "", bad
	}
	for i := range len(k) {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "", bad
		}
	}
	return k, nil
}

// readBody reads the whole body for the fingerprint and puts it back for the
// handler.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he // the body limit's 413
		}
		return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read the request body")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// requestHash fingerprints what the client asked for; every part but the
// last is length-prefixed so no two requests share a fingerprint by moving
// bytes between parts.
func requestHash(method, route, target string, body []byte) string {
	h := sha256.New()
	for _, part := range []string{method, route, target} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
		h.Write([]byte(part))
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// replay answers a request whose key is already held.
func replay(c echo.Context, rec domain.IdempotencyRecord, req domain.IdempotencyRequest) error {
	if !rec.SameRequest(req) {
		return domain.NewProblem(domain.ErrInvalid, "idempotency-key-reused",
			"this Idempotency-Key was first used for another request (%s %s, or another body); send a new key with a new request",
			rec.Method, rec.Path)
	}
	if rec.State != domain.IdempotencyDone {
		c.Response().Header().Set("Retry-After", "1")
		return domain.Conflictf("idempotency-in-progress",
			"a request with this Idempotency-Key is still being processed; retry shortly to get its response")
	}
	res := c.Response()
	if rec.Response.ContentType != "" {
		res.Header().Set(echo.HeaderContentType, rec.Response.ContentType)
	}
	res.Header().Set(HeaderIdempotentReplayed, "true")
	res.WriteHeader(rec.Response.Status)
	_, err := res.Write(rec.Response.Body)
	return err
}

// run runs the request that owns the key, renders its error (so the stored
// response is exactly what the client got) and keeps or releases the key.
func (m *idempotency) run(c echo.Context, next echo.HandlerFunc, rec domain.IdempotencyRecord) error {
	orig := c.Request()
	ctx, cancel := context.WithTimeout(orig.Context(), idempotencyMaxRun)
	defer cancel()
	c.SetRequest(orig.WithContext(ctx))
	res := c.Response()
	capture := &captureWriter{ResponseWriter: res.Writer}
	res.Writer = capture
	finished := false
	defer func() {
		res.Writer = capture.ResponseWriter
		c.SetRequest(orig)
		if !finished { // a panic, on its way to recoverPanics: let a retry run again
			m.release(orig.Context(), rec)
		}
	}()

	if err := next(c); err != nil {
		c.Error(err)
	}
	finished = true

	log := zerolog.Ctx(orig.Context())
	switch {
	case res.Status >= http.StatusInternalServerError || res.Status == http.StatusTooManyRequests:
		m.release(orig.Context(), rec) // no answer to keep: the retry decides
	case capture.overflow:
		log.Warn().Str("idempotency_key", rec.Key).Int("limit", maxReplayableBody).
			Msg("response too large to keep for replay: key released")
		m.release(orig.Context(), rec)
	default:
		bctx, cancel := bookkeeping(orig.Context())
		defer cancel()
		done := m.now()
		err := m.store.Complete(bctx, rec, domain.IdempotentResponse{
			Status: res.Status, ContentType: res.Header().Get(echo.HeaderContentType), Body: capture.body.Bytes(),
		}, done.Add(m.ttl))
		if err != nil {
			// Released rather than left running: a retry runs again instead
			// of meeting 409 until the lease ends.
			log.Error().Err(err).Str("idempotency_key", rec.Key).Msg("keep idempotent response")
			m.release(orig.Context(), rec)
		}
	}
	return nil
}

func (m *idempotency) release(ctx context.Context, rec domain.IdempotencyRecord) {
	bctx, cancel := bookkeeping(ctx)
	defer cancel()
	if err := m.store.Release(bctx, rec); err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Str("idempotency_key", rec.Key).
			Msg("release idempotency key: retries meet 409 until its lease ends")
	}
}

// bookkeeping is the context of the store calls after the handler: they must
// happen even when the client has gone away.
func bookkeeping(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), idempotencyBookkeeping)
}

// maybePrune deletes expired keys in the background when the last pruning of
// this process is a minute old; one request wins the slot.
func (m *idempotency) maybePrune(ctx context.Context, now time.Time) {
	due := m.nextPrune.Load()
	if now.UnixNano() < due || !m.nextPrune.CompareAndSwap(due, now.Add(idempotencyPruneEvery).UnixNano()) {
		return
	}
	log := *zerolog.Ctx(ctx)
	go func() {
		pctx, cancel := context.WithTimeout(context.Background(), idempotencyBookkeeping)
		defer cancel()
		n, err := m.store.Prune(pctx, now)
		if err != nil {
			log.Warn().Err(err).Msg("prune expired idempotency keys")
			return
		}
		log.Debug().Int64("deleted", n).Msg("pruned expired idempotency keys")
	}()
}

// captureWriter copies the body written through it, up to maxReplayableBody.
type captureWriter struct {
	http.ResponseWriter
	body     bytes.Buffer
	overflow bool
}

func (w *captureWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	if !w.overflow {
		if w.body.Len()+n > maxReplayableBody {
			w.overflow, w.body = true, bytes.Buffer{}
		} else {
			w.body.Write(b[:n])
		}
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (Flush).
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
