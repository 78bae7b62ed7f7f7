package callback

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/credcheck"
)

// SignatureHeader carries base64(HMAC-SHA256(SHA-256(signing_key), body)).
const SignatureHeader = "X-Content-Signature"

// Defaults of a Handler; each has an option.
const (
	DefaultMaxBodySize  = 1 << 20
	DefaultKeyCacheSize = 64
	DefaultKeyCacheTTL  = time.Hour
	DefaultReplayWindow = 24 * time.Hour
	DefaultReplaySize   = 10000
	DefaultKeyTimeout   = 10 * time.Second
)

// keyRefreshAge is how old a cached key must be before a signature
// mismatch may trigger a new fetch.
const keyRefreshAge = time.Minute

// Config says which PSA a Handler accepts deliveries from.
type Config struct {
	// Site is the PSA's host as given to connectwise.Config
	// ("api-na.myconnectwise.net", or the UI host, or an https URL). Key
	// URLs must be on this host (for a cloud site, on its api- or UI host).
	Site string
	// CompanyID is the company id the PSA puts in every delivery
	// (CompanyId); deliveries for any other company are refused.
	CompanyID string
	// ClientID, when set, is sent as the clientId header when fetching
	// signing keys (whether the PSA needs it is unconfirmed).
	ClientID string
	// KeyHosts are further hosts trusted to serve signing keys over https,
	// such as "sandbox-na.myconnectwise.net" for a developer sandbox.
	KeyHosts []string
}

// Validate checks the configuration without touching the network.
func (c Config) Validate() error {
	if _, err := newTrust(c.Site, c.KeyHosts, true); err != nil {
		return err
	}
	if p := credcheck.Secret(c.CompanyID); p != "" {
		return configError("CompanyID", p)
	}
	if c.ClientID != "" {
		if p := credcheck.Secret(c.ClientID); p != "" {
			return configError("ClientID", p)
		}
	}
	return nil
}

// ConfigError reports a setting that cannot work, naming the field. It is
// the SDK's one configuration-error type, so one errors.As target serves
// the handler and every client; its API is "callback", and it reads
// "callback: <field>: <problem>".
type ConfigError = bridge.ConfigError

// configError files every refusal under "callback", the prefix the
// handler's messages have always had.
func configError(field, problem string) *ConfigError {
	return &ConfigError{API: "callback", Field: field, Problem: problem}
}

// Func handles one verified event. Return nil once the event is safely
// handled (or queued); ErrRetryLater to have the PSA deliver it again.
type Func func(ctx context.Context, ev *Event) error

// ErrRetryLater, returned by a Func, answers the delivery with 429 and
// Retry-After, which makes the PSA retry it (twice, 2 and 4 seconds
// later). Any other error is answered 500, which the PSA does not retry.
var ErrRetryLater = errors.New("callback: retry the delivery later")

// Option configures a Handler.
type Option func(*Handler)

// WithHTTPClient sets the client used to fetch signing keys (its redirect
// policy is replaced: key fetches never follow redirects).
func WithHTTPClient(hc *http.Client) Option { return func(h *Handler) { h.base = hc } }

// WithMaxBodySize bounds a delivery's body; larger ones get 413.
func WithMaxBodySize(n int64) Option { return func(h *Handler) { h.maxBody = n } }

// WithKeyCache bounds the signing-key cache by entries and age.
func WithKeyCache(size int, ttl time.Duration) Option {
	return func(h *Handler) { h.keySize, h.keyTTL = size, ttl }
}

// WithReplayWindow sets how many accepted MessageIds are remembered and
// for how long; size 0 turns replay detection off.
func WithReplayWindow(size int, window time.Duration) Option {
	return func(h *Handler) { h.replaySize, h.replayTTL = size, window }
}

// WithKeyTimeout bounds each signing-key fetch.
func WithKeyTimeout(d time.Duration) Option { return func(h *Handler) { h.keyTimeout = d } }

// WithLoopbackHTTPKeys allows key URLs over plain http when their host is a
// loopback address and the configured Site: only for simulators such as
// connectwise/cwtest. Real PSAs serve keys over https.
func WithLoopbackHTTPKeys() Option { return func(h *Handler) { h.loopbackHTTP = true } }

// WithLogger logs each rejected delivery at Warn (status, reason, message
// id, key host) and each accepted one at Debug. Keys, signatures and
// bodies are never logged.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithClock supplies the time for the caches (tests).
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// Handler receives PSA callback deliveries; see the package documentation
// for what it checks and answers. It is safe for concurrent use.
type Handler struct {
	cfg   Config
	fn    Func
	trust *trust
	hc    *http.Client
	keys  *keyCache
	seen  *replayCache

	base                *http.Client
	maxBody             int64
	keySize, replaySize int
	keyTTL, replayTTL   time.Duration
	keyTimeout          time.Duration
	loopbackHTTP        bool
	log                 *slog.Logger
	now                 func() time.Time
}

// NewHandler validates cfg and returns a Handler that passes verified
// events to fn.
func NewHandler(cfg Config, fn Func, opts ...Option) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, configError("fn", "is nil")
	}
	h := &Handler{
		cfg: cfg, fn: fn,
		maxBody: DefaultMaxBodySize, keySize: DefaultKeyCacheSize, keyTTL: DefaultKeyCacheTTL,
		replaySize: DefaultReplaySize, replayTTL: DefaultReplayWindow, keyTimeout: DefaultKeyTimeout,
		now: time.Now,
	}
	for _, o := range opts {
		o(h)
	}
	switch {
	case h.maxBody <= 0:
		return nil, configError("WithMaxBodySize", "must be positive")
	case h.keySize <= 0 || h.keyTTL <= 0:
		return nil, configError("WithKeyCache", "size and ttl must be positive")
	case h.replaySize < 0 || (h.replaySize > 0 && h.replayTTL <= 0):
		return nil, configError("WithReplayWindow", "size must not be negative and the window must be positive")
	case h.keyTimeout <= 0:
		return nil, configError("WithKeyTimeout", "must be positive")
	}
	t, err := newTrust(cfg.Site, cfg.KeyHosts, h.loopbackHTTP)
	if err != nil {
		return nil, err
	}
	h.trust = t
	base := h.base
	if base == nil {
		base = &http.Client{}
	}
	hc := *base
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h.hc = &hc
	h.keys = newKeyCache(h.keySize, h.keyTTL, h.now)
	if h.replaySize > 0 {
		h.seen = newReplayCache(h.replaySize, h.replayTTL, h.now)
	}
	return h, nil
}

// RejectError is why a delivery was refused, with the status it is
// answered with. Reasons never contain keys, signatures or key ids.
type RejectError struct {
	Status int
	Reason string
	// Err is the sentinel: ErrMalformed, ErrTooLarge, ErrForged,
	// ErrKeyUnavailable or ErrReplayed.
	Err error
}

// Error reads "callback: <reason>".
func (e *RejectError) Error() string { return "callback: " + e.Reason }

// Unwrap returns the sentinel.
func (e *RejectError) Unwrap() error { return e.Err }

// Sentinels of RejectError, for errors.Is.
var (
	ErrMalformed      = errors.New("callback: malformed delivery")
	ErrTooLarge       = errors.New("callback: delivery too large")
	ErrForged         = errors.New("callback: delivery not signed by the configured PSA")
	ErrKeyUnavailable = errors.New("callback: signing key unavailable")
	ErrReplayed       = errors.New("callback: delivery already accepted")
)

func reject(status int, sentinel error, format string, args ...any) *RejectError {
	return &RejectError{Status: status, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

// Verify checks one delivery (its signature header and raw body) and
// returns the event, or a *RejectError. It does not consult the replay
// window: ServeHTTP does. Use it to verify deliveries received by another
// framework.
func (h *Handler) Verify(ctx context.Context, signature string, body []byte) (*Event, error) {
	if int64(len(body)) > h.maxBody {
		return nil, reject(http.StatusRequestEntityTooLarge, ErrTooLarge, "body is larger than %d bytes", h.maxBody)
	}
	p, err := parse(body)
	if err != nil {
		return nil, reject(http.StatusBadRequest, ErrMalformed, "%v", err)
	}
	ev, err := p.event(body)
	if err != nil {
		return nil, reject(http.StatusBadRequest, ErrMalformed, "%v", err)
	}
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return nil, reject(http.StatusUnauthorized, ErrForged, "the %s header is missing", SignatureHeader)
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return nil, reject(http.StatusUnauthorized, ErrForged, "the %s header is not a base64 HMAC-SHA256", SignatureHeader)
	}
	// Before any fetch: a delivery for another company is refused without
	// letting it make us call anything.
	if !strings.EqualFold(p.CompanyID, h.cfg.CompanyID) {
		return nil, reject(http.StatusUnauthorized, ErrForged, "CompanyId %q is not the configured company", clip(p.CompanyID))
	}
	u, err := h.trust.check(p.Metadata.KeyURL)
	if err != nil {
		return nil, reject(http.StatusUnauthorized, ErrForged, "%v", err)
	}
	key := u.String()
	for refresh := false; ; refresh = true {
		k, fresh, err := h.keys.get(ctx, key, refresh, keyRefreshAge, func(ctx context.Context) ([]byte, error) { return h.fetchKey(ctx, u) })
		if err != nil {
			if ctx.Err() != nil {
				return nil, reject(http.StatusServiceUnavailable, ErrKeyUnavailable, "request ended while fetching the signing key: %v", ctx.Err())
			}
			return nil, reject(http.StatusBadGateway, ErrKeyUnavailable, "%v", err)
		}
		mac := hmac.New(sha256.New, k.mac[:])
		mac.Write(body)
		if hmac.Equal(mac.Sum(nil), got) {
			return ev, nil
		}
		if refresh || fresh {
			return nil, reject(http.StatusUnauthorized, ErrForged, "the signature does not match the body")
		}
	}
}

// ServeHTTP verifies a delivery and passes it on; see the package
// documentation for the statuses.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, r, reject(http.StatusMethodNotAllowed, ErrMalformed, "method %s; deliveries are POSTs", r.Method), "")
		return
	}
	if r.ContentLength > h.maxBody {
		h.answer(w, r, reject(http.StatusRequestEntityTooLarge, ErrTooLarge, "body is larger than %d bytes", h.maxBody), "")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.answer(w, r, reject(http.StatusRequestEntityTooLarge, ErrTooLarge, "body is larger than %d bytes", h.maxBody), "")
			return
		}
		h.answer(w, r, reject(http.StatusBadRequest, ErrMalformed, "reading the body: %v", err), "")
		return
	}
	ev, err := h.Verify(r.Context(), r.Header.Get(SignatureHeader), body)
	if err != nil {
		h.answer(w, r, err, "")
		return
	}
	if h.seen != nil {
		switch h.seen.claim(ev.MessageID) {
		case seenDone:
			h.answer(w, r, reject(http.StatusAlreadyReported, ErrReplayed, "message %s was already accepted", clip(ev.MessageID)), ev.MessageID)
			return
		case seenInFlight:
			w.Header().Set("Retry-After", "2")
			h.answer(w, r, reject(http.StatusTooManyRequests, ErrReplayed, "message %s is being handled", clip(ev.MessageID)), ev.MessageID)
			return
		}
	}
	err = h.call(r.Context(), ev)
	switch {
	case err == nil:
		if h.seen != nil {
			h.seen.done(ev.MessageID)
		}
		if h.log != nil {
			h.log.LogAttrs(r.Context(), slog.LevelDebug, "psa callback accepted", slog.String("message_id", ev.MessageID), slog.String("type", ev.Type), slog.String("action", string(ev.Action)), slog.Int("id", ev.ID))
		}
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, ErrRetryLater):
		if h.seen != nil {
			h.seen.release(ev.MessageID)
		}
		w.Header().Set("Retry-After", "2")
		h.answer(w, r, &RejectError{Status: http.StatusTooManyRequests, Reason: "handler asked for a retry", Err: ErrRetryLater}, ev.MessageID)
	default:
		if h.seen != nil {
			h.seen.release(ev.MessageID)
		}
		if h.log != nil {
			h.log.LogAttrs(r.Context(), slog.LevelError, "psa callback handler failed", slog.String("message_id", ev.MessageID), slog.String("error", err.Error()))
		}
		http.Error(w, "handler failed", http.StatusInternalServerError)
	}
}

// answer writes the rejection as text/plain and logs it.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, err error, messageID string) {
	var re *RejectError
	if !errors.As(err, &re) {
		re = &RejectError{Status: http.StatusInternalServerError, Reason: err.Error()}
	}
	if h.log != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "psa callback rejected", slog.Int("status", re.Status), slog.String("reason", re.Reason), slog.String("message_id", messageID))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(re.Reason)+1))
	w.WriteHeader(re.Status)
	_, _ = io.WriteString(w, re.Reason+"\n")
}

// clip shortens request-controlled text before it is echoed or logged.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// call runs the caller's function; if it panics, the message is released
// so that a redelivery is not mistaken for a replay, and the panic goes on
// to net/http.
func (h *Handler) call(ctx context.Context, ev *Event) error {
	ok := false
	defer func() {
		if !ok && h.seen != nil {
			h.seen.release(ev.MessageID)
		}
	}()
	err := h.fn(ctx, ev)
	ok = true
	return err
}
