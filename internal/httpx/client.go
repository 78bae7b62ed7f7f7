package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// Settings are the knobs every API client exposes through its own options.
// Zero values mean "use the default of the API" (see Defaults).
type Settings struct {
	// RatePerSecond is the steady request rate; <= 0 with Unlimited set
	// disables limiting.
	RatePerSecond float64
	// Burst is how many requests may go out at once (at least 1).
	Burst int
	// Unlimited turns the client-side limiter off.
	Unlimited bool
	// NonAdaptive keeps the rate fixed even when the server answers 429.
	NonAdaptive bool
	// MaxRetries is how many times a request is re-sent after a failure
	// (connection error, 502, 503, 504).
	MaxRetries int
	// MaxThrottleRetries is how many times a request is re-sent after a
	// 429. A 429 means "wait", not "failed", and storms outlast a normal
	// retry budget, so it has its own; 0 means 4×MaxRetries.
	MaxThrottleRetries int
	// RetryWaitMin and RetryWaitMax bound exponential backoff.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter caps how long a server's Retry-After is honoured.
	MaxRetryAfter time.Duration
	// Timeout bounds one attempt (0: none beyond the caller's context).
	Timeout time.Duration
	// UserAgent is sent on every request.
	UserAgent string
	// HTTPClient supplies the base transport, timeout and jar. Its
	// Transport is wrapped, never replaced.
	HTTPClient *http.Client
	// Logger receives one debug line per attempt; nil logs nothing.
	Logger *slog.Logger
	// Observer sees every attempt once it has ended; nil sees nothing.
	// It runs on the request's goroutine and must not block.
	Observer func(bridge.Attempt)
	// API names the client in what Observer sees ("connectwise", ...).
	API string
	// BaseURL overrides an API's default server (simulators, proxies).
	BaseURL string
	// SensitiveHeaders are removed on a redirect to another host.
	SensitiveHeaders []string
	// Limiter, when set, paces every attempt instead of the built-in
	// adaptive limiter (RatePerSecond, Burst, Unlimited and NonAdaptive are
	// then ignored): one budget shared by several clients or processes.
	Limiter bridge.Limiter
	// TransientRead, when set, is asked about a 5xx answer to a read (see
	// AsRead) that the built-in policy would not retry (a 500, say), with
	// at most MaxErrorBody bytes of its body; true retries it within
	// MaxRetries. The PSA answers 500 when its database times out, and a
	// read may simply be asked again. Writes are never asked about: a 500
	// may follow a partial write.
	TransientRead func(resp *http.Response, body []byte) bool
}

// Option changes Settings. Client packages re-export the options that make
// sense for their API.
type Option func(*Settings)

// WithRateLimit sets the steady rate (requests per second) and burst.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Settings) { s.RatePerSecond, s.Burst, s.Unlimited = perSecond, burst, perSecond <= 0 }
}

// WithFixedRate keeps the configured rate even when the server answers 429
// (the default is to slow down and recover gradually).
func WithFixedRate() Option { return func(s *Settings) { s.NonAdaptive = true } }

// WithRetry sets the retry budget and the backoff bounds.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(s *Settings) { s.MaxRetries, s.RetryWaitMin, s.RetryWaitMax = maxRetries, minWait, maxWait }
}

// WithMaxRetryAfter caps how long a Retry-After header is honoured.
func WithMaxRetryAfter(d time.Duration) Option { return func(s *Settings) { s.MaxRetryAfter = d } }

// WithTimeout bounds each attempt.
func WithTimeout(d time.Duration) Option { return func(s *Settings) { s.Timeout = d } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(s *Settings) { s.UserAgent = ua } }

// WithHTTPClient supplies the underlying *http.Client.
func WithHTTPClient(hc *http.Client) Option { return func(s *Settings) { s.HTTPClient = hc } }

// WithLogger sends one debug record per attempt to l.
func WithLogger(l *slog.Logger) Option { return func(s *Settings) { s.Logger = l } }

// WithLimiter paces every attempt through l instead of the built-in
// adaptive limiter.
func WithLimiter(l bridge.Limiter) Option { return func(s *Settings) { s.Limiter = l } }

// WithObserver hands every attempt to fn once it has ended.
func WithObserver(fn func(bridge.Attempt)) Option { return func(s *Settings) { s.Observer = fn } }

// WithBaseURL points the client at another server.
func WithBaseURL(u string) Option { return func(s *Settings) { s.BaseURL = u } }

// DefaultUserAgent identifies the SDK and its release to servers.
const DefaultUserAgent = "psabridge-go/" + bridge.Version

// Resolve applies opts over defaults and fills in anything of the
// transport still unset. It takes any settings type that carries Settings
// and its option type, so each client can declare its own (connectwise.Option
// is not heimdal.Option) and keep fields only its API has beside the
// transport ones.
func Resolve[S any, PS interface {
	*S
	Carrier
}, O ~func(PS)](defaults S, opts ...O) S {
	out := defaults
	for _, o := range opts {
		if o != nil {
			o(&out)
		}
	}
	fill(PS(&out).Transport())
	return out
}

// fill sets what no default and no option chose.
func fill(s *Settings) {
	if s.Burst < 1 {
		s.Burst = 1
	}
	if s.MaxRetries < 0 {
		s.MaxRetries = 0
	}
	if s.MaxThrottleRetries <= 0 {
		s.MaxThrottleRetries = 4 * s.MaxRetries
	}
	if s.RetryWaitMin <= 0 {
		s.RetryWaitMin = 500 * time.Millisecond
	}
	if s.RetryWaitMax < s.RetryWaitMin {
		// A lone large minimum must not end up above the maximum, or every
		// backoff would be clipped below the minimum the caller asked for.
		s.RetryWaitMax = max(30*time.Second, s.RetryWaitMin)
	}
	if s.MaxRetryAfter <= 0 {
		s.MaxRetryAfter = 60 * time.Second
	}
	if s.UserAgent == "" {
		s.UserAgent = DefaultUserAgent
	}
}

// Client sends requests with retry, rate limiting and redaction. It is safe
// for concurrent use.
type Client struct {
	rc *retryablehttp.Client
	hc *http.Client
	// limiter paces every attempt; builtin is the same limiter when it is
	// the built-in adaptive one (nil otherwise), which learns the send time
	// of a 429 so a late answer of the same wave does not cut twice.
	limiter  bridge.Limiter
	builtin  *Limiter
	settings Settings
	// throttled counts 429 answers, whichever limiter paces the client.
	throttled atomic.Int64
	// attemptTimeout bounds one attempt from the moment its rate-limit
	// token is granted, so time spent queueing for a token or sitting out a
	// server's Retry-After never counts against it.
	attemptTimeout time.Duration
}

// New builds a Client from settings. It resolves them again itself, so a
// zero Settings still gets sane retry waits and a Retry-After cap.
func New(s Settings) *Client {
	fill(&s)
	c := &Client{settings: s}
	// An unlimited client still gets a limiter (at rate.Inf) so 429s are
	// counted and Retry-After pauses every caller.
	perSecond := s.RatePerSecond
	if s.Unlimited {
		perSecond = 0
	}
	if s.Limiter != nil {
		c.limiter = s.Limiter
	} else {
		c.builtin = NewLimiter(perSecond, s.Burst, !s.NonAdaptive)
		c.limiter = c.builtin
	}
	base := http.RoundTripper(nil)
	var timeout time.Duration
	var jar http.CookieJar
	if s.HTTPClient != nil {
		base, timeout, jar = s.HTTPClient.Transport, s.HTTPClient.Timeout, s.HTTPClient.Jar
	}
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Writes run concurrently; the default of 2 idle connections per
		// host would make most of them dial anew.
		t.MaxIdleConnsPerHost = 64
		base = t
	}
	if s.Timeout > 0 {
		timeout = s.Timeout
	}
	// The timeout is applied per attempt inside the transport, after the
	// token wait: http.Client.Timeout would also count the limiter's queue
	// and a Retry-After pause, failing requests that never left.
	c.attemptTimeout = timeout
	c.hc = &http.Client{
		Transport:     &transport{base: base, c: c},
		Jar:           jar,
		CheckRedirect: c.checkRedirect,
	}
	c.rc = &retryablehttp.Client{
		HTTPClient: c.hc,
		// The library's one budget must cover both of ours; checkRetry
		// enforces each separately.
		RetryMax:     s.MaxRetries + s.MaxThrottleRetries,
		RetryWaitMin: s.RetryWaitMin,
		RetryWaitMax: s.RetryWaitMax,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: passThrough,
	}
	return c
}

// Limiter exposes the built-in adaptive limiter, so tests and benchmarks
// can read the current rate; nil when Settings.Limiter replaced it.
func (c *Client) Limiter() *Limiter { return c.builtin }

// Observed reports whether an observer sees the client's attempts, so
// callers can skip work only an observer needs.
func (c *Client) Observed() bool { return c.settings.Observer != nil }

// Throttled returns how many 429 answers the client has received.
func (c *Client) Throttled() int64 { return c.throttled.Load() }

// Settings returns the settings the client was built with.
func (c *Client) Settings() Settings { return c.settings }

type stateKey struct{}

// reqState follows one logical request across its attempts.
type reqState struct {
	method, path string
	// idempotent says the request may be repeated: by its method, or
	// because the caller marked it with AsIdempotent.
	idempotent bool
	// read says the request changes nothing: by its method, or because the
	// caller marked it with AsRead.
	read bool
	// src and sensitive are what the request's credential values are
	// read from, scrubbed from every error and log line it produces. They
	// are worked out on first need (most requests produce neither), which
	// keeps base64-decoding Basic credentials off the per-call path.
	src        *http.Request
	sensitive  []string
	secretOnce sync.Once
	secretVals []string
	// attempts is atomic although attempts run one after another: it is
	// cheap, and it keeps the count sound should a wrapped transport ever
	// finish an attempt on another goroutine.
	attempts atomic.Int32
	// failures and throttles count retries granted per budget.
	failures, throttles int
	// route is the endpoint template observers see; reason is why the
	// next attempt is sent (set by the previous one, or by the caller for
	// a call that repeats an earlier one).
	route, reason string
}

type callKey struct{}

// call is what a client package knows about a request that the transport
// cannot see: its route template, and why it is being sent again.
type call struct{ route, reason string }

// WithRoute tells observers the endpoint template of requests sent with
// the returned context ("/service/tickets/{id}").
func WithRoute(ctx context.Context, route string) context.Context {
	c, _ := ctx.Value(callKey{}).(call)
	c.route = route
	return context.WithValue(ctx, callKey{}, c)
}

// WithRetryReason tells observers why a request sent with the returned
// context repeats an earlier call (a renewed token, a rediscovered URL).
func WithRetryReason(ctx context.Context, reason string) context.Context {
	c, _ := ctx.Value(callKey{}).(call)
	c.reason = reason
	return context.WithValue(ctx, callKey{}, c)
}

// redact hides the request's credentials in err's message while keeping the
// chain intact for errors.Is and errors.As.
func (st *reqState) redact(err error) error {
	if st == nil || err == nil {
		return err
	}
	secrets := st.secrets()
	if len(secrets) == 0 {
		return err
	}
	return &redactedError{err: err, secrets: secrets}
}

// secrets returns the request's credential values, longest first.
func (st *reqState) secrets() []string {
	st.secretOnce.Do(func() {
		if st.src != nil {
			st.secretVals = requestSecrets(st.src, st.sensitive)
		}
	})
	return st.secretVals
}

// Do sends req, retrying as the policy allows. Any HTTP response that
// survives the policy is returned as is (error statuses included) so the
// client package can decode the API's typed error; err is non-nil only when
// no usable response exists. The caller must close resp.Body. Like
// http.Client.Do, Do closes req.Body, and it never modifies req.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	st := &reqState{
		method: req.Method, path: req.URL.Path,
		idempotent: idempotent(req.Method) || markedIdempotent(req.Context()) || markedRead(req.Context()),
		read:       readMethod(req.Method) || markedRead(req.Context()),
		sensitive:  c.settings.SensitiveHeaders,
	}
	if cl, ok := req.Context().Value(callKey{}).(call); ok {
		st.route, st.reason = cl.route, cl.reason
	}
	ctx := context.WithValue(req.Context(), stateKey{}, st)
	// A deep copy, so the default User-Agent and the buffered body never
	// leak into a request the caller may reuse or share.
	out := req.Clone(ctx)
	if out.Header == nil {
		out.Header = make(http.Header)
	}
	st.src = out
	// A present but empty User-Agent is how net/http callers ask for none.
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header.Set("User-Agent", c.settings.UserAgent)
	}
	body, err := readAllAndClose(req.Body)
	if err != nil {
		return nil, st.redact(fmt.Errorf("%s %s: reading request body: %w", st.method, st.path, err))
	}
	out.Body, out.GetBody, out.ContentLength = nil, nil, 0
	rreq, err := retryablehttp.FromRequest(out)
	if err != nil {
		return nil, st.redact(fmt.Errorf("%s %s: %w", st.method, st.path, err))
	}
	if len(body) > 0 {
		// A byte slice can be replayed on every retry and redirect.
		if err := rreq.SetBody(body); err != nil {
			return nil, st.redact(fmt.Errorf("%s %s: %w", st.method, st.path, err))
		}
	}
	resp, err := c.rc.Do(rreq)
	if err == nil {
		return resp, nil
	}
	if resp != nil {
		DrainClose(resp.Body)
	}
	var ou *OutcomeUnknownError
	if errors.As(err, &ou) {
		return nil, ou
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("%s %s: %w", st.method, st.path, ctxErr)
	}
	return nil, st.redact(fmt.Errorf("%s %s: giving up after %d attempt(s): %w", st.method, st.path, st.attempts.Load(), err))
}

// readAllAndClose buffers a request body so it can be replayed, and closes
// it as http.Client.Do would.
func readAllAndClose(body io.ReadCloser) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	defer body.Close()
	return io.ReadAll(body)
}

// notSentError marks a transport failure that happened before any byte of
// the request was written: always safe to retry, whatever the method.
type notSentError struct {
	err error
	// final marks a failure that another attempt cannot cure: the caller's
	// context ended, or the limiter cannot grant a token before its deadline.
	final bool
}

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

type transport struct {
	base http.RoundTripper
	c    *Client
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	st, _ := parent.Value(stateKey{}).(*reqState)
	if st != nil {
		st.attempts.Add(1)
	}
	// Every attempt, retries included, spends a token.
	queued := time.Now()
	if err := t.c.limiter.Wait(parent); err != nil {
		t.observe(req, st, 0, queued, time.Now(), err)
		return nil, &notSentError{err: err, final: true}
	}
	// net/http gives up on a done context before it even looks for a
	// connection, and that error would otherwise read as "maybe sent".
	if err := parent.Err(); err != nil {
		return nil, &notSentError{err: err, final: true}
	}
	// gotConn and wrote tell "never sent" from "maybe sent" with a real
	// transport: until a connection is handed to this request, not a byte
	// of it can have left. Custom transports fire no hooks; for them only a
	// dial error proves the request never left.
	var started, gotConn, wrote atomic.Bool
	ctx := httptrace.WithClientTrace(parent, &httptrace.ClientTrace{
		GetConn:          func(string) { started.Store(true) },
		GotConn:          func(httptrace.GotConnInfo) { gotConn.Store(true) },
		WroteHeaderField: func(string, []string) { wrote.Store(true) },
	})
	cancel := context.CancelFunc(func() {})
	if t.c.attemptTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.c.attemptTimeout)
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = &attemptTimeoutError{after: t.c.attemptTimeout, err: err}
		}
		cancel()
		t.log(ctx, req, st, 0, start, err)
		t.observe(req, st, 0, queued, start, err)
		if !gotConn.Load() && !wrote.Load() && (started.Load() || isDialError(err)) {
			return nil, &notSentError{err: err}
		}
		return nil, err
	}
	t.log(ctx, req, st, resp.StatusCode, start, nil)
	t.observe(req, st, resp.StatusCode, queued, start, nil)
	if resp.StatusCode == http.StatusTooManyRequests {
		wait, _ := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		wait = min(wait, t.c.settings.MaxRetryAfter)
		t.c.throttled.Add(1)
		if t.c.builtin != nil {
			t.c.builtin.throttledAt(start, wait)
		} else {
			t.c.limiter.Throttled(wait)
		}
	} else {
		t.c.limiter.Succeeded()
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if t.c.attemptTimeout > 0 {
		// The deadline must keep covering the body, which the caller reads
		// after RoundTrip has returned.
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	} else {
		cancel()
	}
	return resp, nil
}

// cancelOnClose releases an attempt's timeout once its body is finished.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.cancel()
	}
	return n, err
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// attemptTimeoutError says which deadline fired: a bare "context deadline
// exceeded" would suggest the caller's own context ran out.
type attemptTimeoutError struct {
	after time.Duration
	err   error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("attempt timed out after %s: %v", e.after, e.err)
}
func (e *attemptTimeoutError) Unwrap() error { return e.err }

// Timeout keeps net.Error-style checks (url.Error.Timeout) working.
func (e *attemptTimeoutError) Timeout() bool { return true }

// redirectError is a refused redirect: permanent, so never retried.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// redactedError scrubs credentials from a wrapped error's message.
type redactedError struct {
	err     error
	secrets []string
}

func (e *redactedError) Error() string { return Scrub(e.err.Error(), e.secrets...) }

// GoString keeps %#v from printing the secrets field, which holds the very
// credentials the type exists to hide.
func (e *redactedError) GoString() string { return fmt.Sprintf("&httpx.redactedError{%q}", e.Error()) }

func (e *redactedError) Unwrap() error { return e.err }

// RequestSecrets lists the credential values req carries (Authorization
// and API-key headers, their decoded parts, cookies, secret-named query
// parameters), longest first: what a server's error text must be scrubbed
// of. sensitive names further credential headers.
func RequestSecrets(req *http.Request, sensitive ...string) []string {
	return requestSecrets(req, sensitive)
}

// requestSecrets lists the credential values req carries, longest first so
// that a token is scrubbed whole before any shorter secret inside it.
func requestSecrets(req *http.Request, sensitive []string) []string {
	var out []string
	add := func(v string) {
		if v = strings.TrimSpace(v); len(v) >= 4 && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for name, values := range req.Header {
		if !sensitiveHeader(name, sensitive) {
			continue
		}
		for _, v := range values {
			add(v)
			scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
			if !ok {
				continue
			}
			add(cred)
			if strings.EqualFold(scheme, "Basic") {
				if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
					add(string(dec))
					if _, pass, ok := strings.Cut(string(dec), ":"); ok {
						add(pass)
					}
				}
			}
		}
		if strings.EqualFold(name, "Cookie") {
			for _, ck := range req.Cookies() {
				add(ck.Value)
			}
		}
	}
	if req.URL != nil {
		if req.URL.User != nil {
			if p, ok := req.URL.User.Password(); ok {
				add(p)
			}
		}
		for k, vs := range req.URL.Query() {
			if secretName(k) {
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// sensitiveHeader reports headers whose values are credentials: the fixed
// set, the client's configured ones, and anything named like a secret.
func sensitiveHeader(name string, extra []string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key":
		return true
	}
	for _, h := range extra {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return secretName(name)
}

func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"key", "token", "secret", "password", "passwd", "signature", "auth"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// isDialError reports a failure to connect at all (refused, DNS, no route):
// the server cannot have seen the request.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func (t *transport) log(ctx context.Context, req *http.Request, st *reqState, status int, start time.Time, err error) {
	l := t.c.settings.Logger
	if l == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
	}
	if st != nil {
		attrs = append(attrs, slog.Int("attempt", int(st.attempts.Load())))
	}
	if err != nil {
		// Transport errors carry no headers, but a custom transport's might
		// echo anything: scrub them like the errors Do returns.
		attrs = append(attrs, slog.String("error", st.redact(err).Error()))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "http attempt", attrs...)
}

// observe hands the attempt to the observer and remembers its outcome as
// the reason for the next attempt, if there is one.
func (t *transport) observe(req *http.Request, st *reqState, status int, queued, start time.Time, err error) {
	fn := t.c.settings.Observer
	if fn == nil || st == nil {
		return
	}
	a := bridge.Attempt{
		API:         t.c.settings.API,
		Method:      req.Method,
		Route:       st.route,
		Attempt:     int(st.attempts.Load()),
		StatusCode:  status,
		LimiterWait: start.Sub(queued),
		Duration:    time.Since(start),
		RetryReason: st.reason,
	}
	if a.Route == "" {
		a.Route = req.URL.Path
	}
	if err != nil {
		a.Err = st.redact(err)
		st.reason = "transport error"
	} else {
		st.reason = "HTTP " + strconv.Itoa(status)
	}
	fn(a)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	method, path, repeatable := http.MethodGet, "", true
	if st != nil {
		method, path, repeatable = st.method, st.path, st.idempotent
	}
	if err != nil {
		var rd *redirectError
		if errors.As(err, &rd) {
			// The server answered (with a redirect we refused): no doubt
			// about the outcome, and asking again gets the same answer.
			return false, err
		}
		var ns *notSentError
		switch {
		case !errors.As(err, &ns):
			if !repeatable {
				// Checked before the context on purpose: a write cancelled
				// in flight is exactly the case the caller must look up.
				return false, &OutcomeUnknownError{Method: method, Path: path, Err: st.redact(err)}
			}
		case ns.final:
			return false, err
		}
		// A certificate the client does not trust will not be trusted on
		// the next attempt either. The library's policy below would see
		// that too, but only on an unwrapped *url.Error, and notSentError
		// hides it.
		if isCertError(err) {
			return false, err
		}
		// The library's base policy knows which transport errors are
		// permanent (bad scheme, redirect loops) and stops on a done
		// context.
		retry, perr := retryablehttp.ErrorPropagatedRetryPolicy(ctx, nil, err)
		if !retry {
			return false, perr
		}
		if st != nil {
			if st.failures >= c.settings.MaxRetries {
				return false, err
			}
			st.failures++
		}
		return true, nil
	}
	retry := retryStatus(repeatable, resp)
	if !retry && st != nil && st.read && resp.StatusCode >= 500 && c.settings.TransientRead != nil {
		retry = c.settings.TransientRead(resp, peekBody(resp))
	}
	if retry && st != nil {
		if resp.StatusCode == http.StatusTooManyRequests {
			if st.throttles >= c.settings.MaxThrottleRetries {
				retry = false
			} else {
				st.throttles++
			}
		} else if st.failures >= c.settings.MaxRetries {
			retry = false
		} else {
			st.failures++
		}
	}
	if retry && ctx.Err() != nil {
		return false, ctx.Err()
	}
	// A response that will not be retried is handed over even if the
	// context has just ended: for a write it is the only proof of outcome.
	return retry, nil
}

func retryStatus(repeatable bool, resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		// A 429 means the request was refused unprocessed: safe for writes.
		return true
	case http.StatusServiceUnavailable:
		// A 503 with Retry-After is the server's promise that it did not
		// process the request and will later.
		return repeatable || resp.Header.Get("Retry-After") != ""
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return repeatable
	}
	return false
}

func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, c.settings.MaxRetryAfter)
		}
	}
	return Backoff(minWait, maxWait, attempt)
}

// Backoff is exponential backoff with jitter: a random wait in [d/2, d]
// where d = minWait·2^attempt, capped at maxWait.
func Backoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	if minWait < 0 {
		minWait = 0
	}
	d := minWait
	// Stop doubling at half of maxWait: doubling past it could overflow
	// into a negative wait for very large bounds.
	for i := 0; i < attempt && d > 0 && d < maxWait; i++ {
		if d > maxWait/2 {
			d = maxWait
			break
		}
		d *= 2
	}
	if d > maxWait {
		d = maxWait
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// peekBody reads up to MaxErrorBody bytes of resp's body and puts them
// back in front of the rest, so whoever reads the answer next sees all of
// it.
func peekBody(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	return b
}

// passThrough hands the last response to the caller once retries are spent,
// so it surfaces as the API's typed error rather than "giving up".
func passThrough(resp *http.Response, err error, _ int) (*http.Response, error) {
	return resp, err
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return &redirectError{"stopped after 5 redirects"}
	}
	orig := via[0].URL
	if req.URL.Scheme == "http" && orig.Scheme == "https" {
		return &redirectError{fmt.Sprintf("refusing redirect from https to plain http (%s)", req.URL.Host)}
	}
	if req.URL.Host != orig.Host {
		// A body can be a credential too: the Asio token request carries
		// the client secret in it, and a 307 or 308 re-sends the body
		// as is. Headers can be stripped, a body cannot, so refuse.
		if req.Body != nil && req.Body != http.NoBody {
			return &redirectError{fmt.Sprintf("refusing to re-send a request body to another host (%s)", req.URL.Host)}
		}
		// Credentials belong to the configured host only. net/http itself
		// keeps them for subdomains and knows nothing of API-key headers.
		for _, h := range append([]string{"Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key"}, c.settings.SensitiveHeaders...) {
			req.Header.Del(h)
		}
	}
	return nil
}

// MaxErrorBody bounds how much of an error response is read.
const MaxErrorBody = 64 << 10

// ReadErrorBody reads at most MaxErrorBody bytes of an error response and
// closes it.
func ReadErrorBody(resp *http.Response) []byte {
	defer DrainClose(resp.Body)
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	return b
}

// DrainClose reads what is left of body (bounded) and closes it, so the
// connection can be reused.
func DrainClose(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 1<<20))
	_ = body.Close()
}

// isCertError reports a TLS certificate the client refuses: unknown
// authority, wrong host name, expired or otherwise invalid.
func isCertError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}
