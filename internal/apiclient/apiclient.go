// Package apiclient is the one request layer under the four API clients
// (ConnectWise PSA, Heimdal, INFIMA, Asio / Security 360), in the spirit
// of stripe-go's Backend and go-github's NewRequest/Do: a client package
// describes its endpoints, and Backend turns each call into an HTTP
// request, authenticates it, sends it through the shared httpx transport
// (retry, rate limiting, redaction) and reads the answer back with one set
// of rules:
//
//   - an error status becomes a *bridge.APIError, scrubbed of every
//     credential the request carried; a 429 that outlived the retries is
//     wrapped in *bridge.RateLimitError and a write whose outcome is
//     unknown in *bridge.OutcomeUnknownError;
//   - a 2xx body is decoded into the caller's value with one size cap, and
//     an empty body where a value is expected is a *bridge.DecodeError,
//     never a zero value;
//   - only the authentication (Auth) and the vendor's error body
//     (ParseError) differ per API.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/httpx"
)

// MaxBody caps a successful response body. A page of 1,000 full PSA
// tickets is a few MB; a body past the cap is a broken proxy or server, not
// data to buffer without end.
const MaxBody = 64 << 20

// Auth authenticates the requests of one API.
type Auth interface {
	// Authorize sets the request's credentials. It runs before every send,
	// so a renewed credential is picked up by the repeat.
	Authorize(ctx context.Context, req *http.Request) error
	// Renew is told the status of a failed first answer (the body is still
	// unread). It returns a reason ("HTTP 401: token renewed") when it
	// renewed what the request depends on (a token, a discovered URL) and
	// the request should be sent once more, or "" to report the error.
	Renew(ctx context.Context, req *http.Request, status int) string
}

// HeaderAuth is an Auth that sends a fixed key in one header on every
// request (Heimdal's "Authorization: Bearer <key>", INFIMA's X-API-Key):
// nothing to renew, so a failed answer is always reported.
type HeaderAuth struct {
	// Header is the header's name.
	Header string
	// Scheme precedes the key ("Bearer "); empty sends the bare key.
	Scheme string
	// Key returns the key. A func, not a string, so that printing the
	// Auth (or a struct holding it) shows an address, never the key.
	Key func() string
}

// Authorize sets the header.
func (a HeaderAuth) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set(a.Header, a.Scheme+a.Key())
	return nil
}

// Renew never renews: a fixed key stays what it is.
func (HeaderAuth) Renew(context.Context, *http.Request, int) string { return "" }

// Backend sends the requests of one API client. It is safe for concurrent
// use once built.
type Backend struct {
	// HC is the shared transport.
	HC *httpx.Client
	// API names the client in errors ("connectwise").
	API string
	// Base returns the URL a Request's Path is appended to. It may change
	// between calls (the PSA's codebase is discovered).
	Base func(ctx context.Context) (string, error)
	// Auth authenticates every request.
	Auth Auth
	// Accept is the Accept header ("application/json" when empty).
	Accept string
	// ParseError fills in Code, Message, Errors and Hint of e from an error
	// body already scrubbed of the request's credentials. StatusCode,
	// Method and Path are set. Nil keeps the status text.
	ParseError func(e *bridge.APIError, body []byte)
	// RelativePaths makes errors name the path below the base URL
	// ("/2.0/activeclients"), not the whole URL path.
	RelativePaths bool
	// Secrets are credential values the request headers do not show as
	// such (a private key inside Basic auth is found; a client secret only
	// sent to a token endpoint is not): scrubbed from every server text.
	Secrets func() []string
}

// TransportError is a call that got no HTTP answer at all (after the
// transport's retries): refused, unreachable, timed out. Its text is the
// transport's, already scrubbed of credentials.
type TransportError struct {
	API string
	Err error
	// secrets are the API's further secrets (the transport already
	// scrubbed the request's headers); scrubbed from the text as well.
	secrets []string
}

func (e *TransportError) Error() string { return httpx.Scrub(e.API+": "+e.Err.Error(), e.secrets...) }

// GoString keeps %#v from printing the secrets field.
func (e *TransportError) GoString() string {
	return fmt.Sprintf("&apiclient.TransportError{%q}", e.Error())
}

// Unwrap keeps context and network errors inspectable.
func (e *TransportError) Unwrap() error { return e.Err }

// Request is one API call.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is appended to the Base URL; it must already be escaped.
	Path string
	// URL, when set, is the absolute URL to call instead of Base+Path (a
	// next-page link).
	URL string
	// Route is the endpoint template observers see ("/service/tickets/{id}").
	Route string
	// Query is encoded into the URL.
	Query url.Values
	// Body is JSON-encoded when non-nil.
	Body any
	// ContentType of a Body ("application/json" when empty).
	ContentType string
	// Header holds further headers.
	Header http.Header
	// EmptyOK lets a 2xx answer have no body where one may come (a PATCH
	// the server answers with or without the patched object); the value
	// is then left untouched. Everywhere else an empty body is an error.
	EmptyOK bool
	// Idempotent marks a request safe to repeat whatever its method: a
	// search POST only reads, a PATCH of replace ops sets the same values.
	Idempotent bool
	// Read marks a request that changes nothing (a GET, a search POST).
	// A read is idempotent, may be retried after an answer the transport's
	// Settings.TransientRead calls transient, and a 2xx body it cannot
	// decode is a *bridge.DecodeError; for a write it is a
	// *bridge.OutcomeUnknownError, since the write happened but its result
	// (the created record's id) was never seen. GET, HEAD and OPTIONS are
	// reads whatever this says.
	Read bool
}

// BodyRenewer is an Auth that needs the failed answer's body to decide
// whether to renew (the PSA rediscovers its codebase on a 404 only when
// the body is not its own "record not found"). Backend.Do calls
// RenewBody instead of Renew when the Auth has it, with at most
// httpx.MaxErrorBody bytes of the body; the body is still reported in
// full in the error if no renewal happens.
type BodyRenewer interface {
	RenewBody(ctx context.Context, req *http.Request, status int, body []byte) string
}

// isRead reports whether r changes nothing.
func (r *Request) isRead() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return r.Read
}

// Do sends r and decodes a 2xx body into v (unless v is nil or the status
// is 204). The returned response has its body read and closed and carries
// no credential in resp.Request; it is non-nil whenever an answer arrived,
// error statuses included.
func (b *Backend) Do(ctx context.Context, r *Request, v any) (*http.Response, error) {
	var payload []byte
	if r.Body != nil {
		var err error
		if payload, err = json.Marshal(r.Body); err != nil {
			return nil, fmt.Errorf("%s: %s %s: encoding body: %w", b.API, r.Method, r.Path, err)
		}
	}
	if r.Idempotent {
		ctx = httpx.AsIdempotent(ctx)
	}
	if r.Read {
		ctx = httpx.AsRead(ctx)
	}
	if b.HC.Observed() {
		route := r.Route
		if route == "" {
			p := r.Path
			if r.URL != "" {
				if u, err := url.Parse(r.URL); err == nil {
					p = u.Path
				}
			}
			route = Route("/" + strings.TrimPrefix(p, "/"))
		}
		ctx = httpx.WithRoute(ctx, route)
	}
	for attempt := 0; ; attempt++ {
		req, err := b.newRequest(ctx, r, payload)
		if err != nil {
			return nil, err
		}
		hr, err := b.HC.Do(req)
		if err != nil {
			if httpx.IsOutcomeUnknown(err) {
				return nil, err
			}
			te := &TransportError{API: b.API, Err: err}
			if b.Secrets != nil {
				te.secrets = b.Secrets()
			}
			return nil, te
		}
		if hr.Request == nil {
			hr.Request = req
		}
		ok := hr.StatusCode >= 200 && hr.StatusCode < 300
		if !ok && attempt == 0 && b.Auth != nil {
			var reason string
			if br, ok := b.Auth.(BodyRenewer); ok {
				reason = br.RenewBody(ctx, req, hr.StatusCode, peekBody(hr))
			} else {
				reason = b.Auth.Renew(ctx, req, hr.StatusCode)
			}
			if reason != "" {
				httpx.DrainClose(hr.Body)
				ctx = httpx.WithRetryReason(ctx, reason)
				continue
			}
		}
		hr.Request = httpx.WithoutCredentials(hr.Request)
		path := req.URL.Path
		if b.RelativePaths && r.URL == "" {
			path = "/" + strings.TrimPrefix(r.Path, "/")
		}
		if !ok {
			return hr, b.check(hr, req.Method, path, r.Idempotent, b.secrets(req))
		}
		err = b.decode(hr, req.Method+" "+path, v, r.EmptyOK)
		if err != nil && !r.isRead() {
			// The success status proves the write was applied; what it
			// created (an id) is lost with the body. Reported as a plain
			// decode error, a caller would write again and duplicate it.
			return hr, &bridge.OutcomeUnknownError{Method: req.Method, Path: path, StatusCode: hr.StatusCode, Err: err}
		}
		return hr, err
	}
}

// peekBody reads up to httpx.MaxErrorBody bytes of hr's body and puts them
// back in front of the rest.
func peekBody(hr *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(hr.Body, httpx.MaxErrorBody))
	hr.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), hr.Body), hr.Body}
	return b
}

func (b *Backend) newRequest(ctx context.Context, r *Request, payload []byte) (*http.Request, error) {
	u := r.URL
	if u == "" {
		base := ""
		if b.Base != nil {
			var err error
			if base, err = b.Base(ctx); err != nil {
				return nil, err
			}
		}
		u = base + r.Path
	}
	if len(r.Query) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + r.Query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", b.API, r.Method, r.Path, err)
	}
	accept := b.Accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if payload != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if b.Auth != nil {
		if err := b.Auth.Authorize(ctx, req); err != nil {
			return nil, err
		}
	}
	maps.Copy(req.Header, r.Header)
	return req, nil
}

// secrets lists what server text is scrubbed of: the request's own
// credentials and the API's further secrets.
func (b *Backend) secrets(req *http.Request) []string {
	s := httpx.RequestSecrets(req)
	if b.Secrets != nil {
		s = append(s, b.Secrets()...)
	}
	return s
}

// Check returns nil for a 2xx response and otherwise the error Do would
// return for it: an *APIError, wrapped in *RateLimitError for a 429 and in
// *OutcomeUnknownError for a write whose outcome a 500, 502 or 504 left
// unknown. It reads the body (bounded) and closes it.
func (b *Backend) Check(hr *http.Response, secrets ...string) error {
	if hr.StatusCode >= 200 && hr.StatusCode < 300 {
		return nil
	}
	method, path := "", ""
	if hr.Request != nil && hr.Request.URL != nil {
		method, path = hr.Request.Method, hr.Request.URL.Path
	}
	return b.check(hr, method, path, false, secrets)
}

func (b *Backend) check(hr *http.Response, method, path string, idempotent bool, secrets []string) error {
	e := b.APIError(hr, secrets...)
	e.Method, e.Path = method, path
	switch {
	case hr.StatusCode == http.StatusTooManyRequests:
		return &bridge.RateLimitError{Wait: e.RetryAfter, Err: e}
	case !idempotent && httpx.WriteOutcomeUnknown(method, hr.StatusCode):
		return &bridge.OutcomeUnknownError{Method: method, Path: path, StatusCode: hr.StatusCode, Err: e}
	}
	return e
}

// APIError reads an error answer (bounded, then closed) into an
// *APIError, scrubbed of secrets, with the API's ParseError applied.
func (b *Backend) APIError(hr *http.Response, secrets ...string) *bridge.APIError {
	e := &bridge.APIError{API: b.API, StatusCode: hr.StatusCode}
	if hr.Request != nil && hr.Request.URL != nil {
		e.Method, e.Path = hr.Request.Method, hr.Request.URL.Path
	}
	// Scrubbed before parsing, so an excerpt cut through a secret cannot
	// keep a prefix that scrubbing afterwards would not find, and after,
	// because JSON escapes can hide a secret from the first pass.
	body := []byte(httpx.Scrub(string(httpx.ReadErrorBody(hr)), secrets...))
	if b.ParseError != nil {
		b.ParseError(e, body)
	}
	e.Code, e.Message, e.Hint = httpx.Scrub(e.Code, secrets...), httpx.Scrub(e.Message, secrets...), httpx.Scrub(e.Hint, secrets...)
	for i := range e.Errors {
		fe := &e.Errors[i]
		fe.Code, fe.Message, fe.Resource, fe.Field = httpx.Scrub(fe.Code, secrets...), httpx.Scrub(fe.Message, secrets...), httpx.Scrub(fe.Resource, secrets...), httpx.Scrub(fe.Field, secrets...)
	}
	if e.Message == "" && e.Code == "" {
		e.Message = http.StatusText(hr.StatusCode)
	}
	if hr.StatusCode == http.StatusTooManyRequests || hr.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter, _ = httpx.ParseRetryAfter(hr.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// decode reads a 2xx body into v under the one decode rule: bounded, and
// never empty where a value is expected.
func (b *Backend) decode(hr *http.Response, endpoint string, v any, emptyOK bool) error {
	defer httpx.DrainClose(hr.Body)
	if v == nil || hr.StatusCode == http.StatusNoContent {
		return nil
	}
	body := &io.LimitedReader{R: hr.Body, N: MaxBody + 1}
	err := json.NewDecoder(body).Decode(v)
	switch {
	case body.N <= 0:
		err = fmt.Errorf("response larger than %d MB", MaxBody>>20)
	case errors.Is(err, io.EOF):
		if emptyOK {
			return nil
		}
		err = errors.New("empty response body")
	case err == nil:
		return nil
	}
	return &bridge.DecodeError{API: b.API, Endpoint: endpoint, Err: err}
}
