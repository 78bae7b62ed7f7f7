package connectwise

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

// Error is an error answered by the PSA, decoded from its JSON error body
// {"code","message","errors":[...]} (or, for 429, {"error","message"}).
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the PSA's error code: InvalidObject, Unauthorized, Security,
	// ConnectWiseApi, ConnectWiseAPI (429)...
	Code string
	// Message is the PSA's message, with any credential scrubbed out.
	Message string
	// Errors lists field-level problems, when the PSA gives them.
	Errors []FieldError
	// RetryAfter is the wait the server asked for on a 429.
	RetryAfter time.Duration
	// Method and Path identify the request (path without query or host).
	Method, Path string
}

// FieldError is one entry of the PSA's "errors" array.
type FieldError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

// Error names the request, the status, the PSA's code and message, each
// field error, and a hint for 401, 403 and 429.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "connectwise: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, fe := range e.Errors {
		b.WriteString("; ")
		if fe.Field != "" {
			b.WriteString(fe.Field + ": ")
		}
		if fe.Message != "" {
			b.WriteString(fe.Message)
		} else {
			b.WriteString(fe.Code)
		}
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		b.WriteString(" (check company id, public and private key)")
	case http.StatusForbidden:
		b.WriteString(" (the API member's security role lacks this permission)")
	case http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
		}
	}
	return b.String()
}

// CheckResponse returns nil for a 2xx response and an *Error otherwise,
// reading at most a bounded amount of the body. secrets are scrubbed from
// the server's text.
func CheckResponse(r *http.Response, secrets ...string) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	e := &Error{StatusCode: r.StatusCode}
	if r.Request != nil {
		e.Method, e.Path = r.Request.Method, r.Request.URL.Path
	}
	body := httpx.ReadErrorBody(r)
	var raw struct {
		Code    string       `json:"code"`
		Error   string       `json:"error"`
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	if err := json.Unmarshal(body, &raw); err == nil {
		e.Code, e.Message, e.Errors = raw.Code, raw.Message, raw.Errors
		if e.Code == "" {
			e.Code = raw.Error
		}
	} else if len(body) > 0 {
		// Gateways and proxies answer HTML or text; keep a short excerpt.
		e.Message = excerpt(httpx.Scrub(string(body), secrets...), 200)
	}
	e.Code, e.Message = httpx.Scrub(e.Code, secrets...), httpx.Scrub(e.Message, secrets...)
	for i := range e.Errors {
		fe := &e.Errors[i]
		fe.Code, fe.Message, fe.Resource, fe.Field = httpx.Scrub(fe.Code, secrets...), httpx.Scrub(fe.Message, secrets...), httpx.Scrub(fe.Resource, secrets...), httpx.Scrub(fe.Field, secrets...)
	}
	if r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter, _ = httpx.ParseRetryAfter(r.Header.Get("Retry-After"), time.Now())
	}
	return e
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports a 404 from the PSA.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsForbidden reports a 403: the API member's security role lacks a permission.
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsUnauthorized reports a 401: wrong company id, public or private key.
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsRateLimited reports a 429 that outlived every retry.
func IsRateLimited(err error) bool { return statusOf(err) == http.StatusTooManyRequests }

// IsOutcomeUnknown reports a write that may or may not have been applied:
// look it up before trying again.
func IsOutcomeUnknown(err error) bool { return httpx.IsOutcomeUnknown(err) }
