package security360

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/internal/httpx"
)

// Error is an error answer of the Asio platform API. Inspect it with
// errors.As; a 429 that outlived the retries arrives wrapped in an
// *httpx.RetryAfterError (see RetryAfter), and a failed write whose outcome
// is unknown in an *httpx.OutcomeUnknownError.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the API's error code, when the body carries one.
	Code string
	// Message is the API's explanation, or the status text.
	Message string
	// Method and Path identify the call (no host, no query).
	Method, Path string
}

// Error includes the call, the status and, for 401 and 403, what to check.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("security360: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if hint := statusHint(e.StatusCode); hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	return b.String()
}

// statusHint says what to do about the statuses users can fix themselves.
func statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "the token was refused twice; check that the API key still exists in Asio > Integrations > API Access"
	case http.StatusForbidden:
		return "the API key lacks a scope for this call; add it under Asio > Integrations > API Access"
	}
	return ""
}

// IsNotFound reports whether err is an API 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// RetryAfter reports how long the server asked to wait when err is a rate
// limit (429) that outlived the client's retries.
func RetryAfter(err error) (time.Duration, bool) {
	var ra *httpx.RetryAfterError
	if errors.As(err, &ra) {
		return ra.Wait, true
	}
	return 0, false
}

// IsOutcomeUnknown reports whether err is a write (PATCH) that may or may
// not have been applied: read the record back before sending it again.
// SetExternalID does this itself.
func IsOutcomeUnknown(err error) bool { return httpx.IsOutcomeUnknown(err) }

// CheckResponse returns nil for a 2xx response. Otherwise it reads at most
// httpx.MaxErrorBody bytes of the body, closes it, and returns an *Error
// built from the API's error body (either the platform's {"code","message"}
// or OAuth's {"error","error_description"}).
// secrets (the client passes its own) are scrubbed from the server's text
// before anything is cut, in case a server echoes them.
func CheckResponse(r *http.Response, secrets ...string) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	e := &Error{StatusCode: r.StatusCode}
	if r.Request != nil {
		e.Method, e.Path = r.Request.Method, r.Request.URL.Path
	}
	// Scrubbed before parsing: an excerpt cut through a secret would keep
	// its prefix where scrubbing afterwards cannot find it.
	e.Code, e.Message = parseErrorBody([]byte(httpx.Scrub(string(httpx.ReadErrorBody(r)), secrets...)))
	if e.Message == "" {
		e.Message = http.StatusText(r.StatusCode)
	}
	return e
}

// checkResponse is CheckResponse plus what only the client can do: scrub
// its own secret and token from server text, and wrap the error so callers
// can tell a rate limit or an unknown write outcome apart.
func (c *Client) checkResponse(r *http.Response, tok string) error {
	err := CheckResponse(r, c.creds.ClientSecret, tok)
	if err == nil {
		return nil
	}
	return wrapStatus(r, err)
}

func wrapStatus(r *http.Response, e error) error {
	switch {
	case r.StatusCode == http.StatusTooManyRequests:
		wait, _ := httpx.ParseRetryAfter(r.Header.Get("Retry-After"), time.Now())
		return &httpx.RetryAfterError{Wait: wait, Err: e}
	case r.Request != nil && httpx.WriteOutcomeUnknown(r.Request.Method, r.StatusCode):
		return &httpx.OutcomeUnknownError{Method: r.Request.Method, Path: r.Request.URL.Path, StatusCode: r.StatusCode, Err: e}
	}
	return e
}

// parseErrorBody extracts a code and a message from the shapes seen on the
// platform and its token endpoint. Non-JSON bodies give a short excerpt.
func parseErrorBody(body []byte) (code, message string) {
	return parseErrorBodyDepth(body, 0)
}

// maxErrorNesting bounds how deep nested {"error":{"code",...}} objects are
// followed: real bodies nest once, and following a hostile body's nesting
// costs time with every level.
const maxErrorNesting = 2

func parseErrorBodyDepth(body []byte, depth int) (code, message string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", excerpt(string(body))
	}
	str := func(key string) string {
		raw, ok := m[key]
		if !ok {
			return ""
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String()
		}
		if depth >= maxErrorNesting {
			return ""
		}
		// A nested {"code","message"} object.
		c, msg := parseErrorBodyDepth(raw, depth+1)
		if msg != "" {
			return strings.TrimSpace(c + " " + msg)
		}
		return c
	}
	code = firstNonEmpty(str("code"), str("error"), str("errorCode"))
	message = firstNonEmpty(str("message"), str("error_description"), str("detail"), str("title"), str("description"))
	if message == code {
		message = ""
	}
	return excerpt(code), excerpt(message)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// excerpt keeps error text to one readable line.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 300
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ErrCredentialsRejected matches (with errors.Is) a *TokenError that means
// the client ID or client secret is wrong or the key was deleted.
var ErrCredentialsRejected = errors.New("security360: client ID or client secret rejected")

// TokenError is a failure of the token endpoint (POST /v1/token). It never
// contains the secret.
type TokenError struct {
	// StatusCode is the HTTP status (0 when the body was unusable).
	StatusCode int
	// Code is the OAuth error code ("invalid_client", "invalid_scope"...),
	// or "locked" for HTTP 423, or "invalid_response".
	Code string
	// Message is the server's explanation.
	Message string
}

// Error says what to do about the failure in words an operator can act on.
func (e *TokenError) Error() string {
	var what string
	switch {
	case e.credentialsRejected():
		what = "the token endpoint rejected the client ID or client secret; copy them again from Asio > Integrations > API Access (a regenerated key invalidates the old secret)"
	case e.Code == "invalid_scope":
		what = "the API key does not hold a requested scope; add the scope to the key or request fewer (Credentials.Scope)"
	case e.Code == "locked":
		what = "the API key is temporarily locked after too many token requests; wait a few minutes before trying again"
	case e.Code == "invalid_response":
		what = "the token endpoint answered without a usable access token"
	default:
		what = "the token request failed"
	}
	var b strings.Builder
	b.WriteString("security360: " + what)
	if e.StatusCode != 0 {
		b.WriteString(" (HTTP " + strconv.Itoa(e.StatusCode))
		if e.Code != "" && e.Code != "locked" && e.Code != "invalid_response" {
			b.WriteString(" " + e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrCredentialsRejected) work.
func (e *TokenError) Is(target error) bool {
	return target == ErrCredentialsRejected && e.credentialsRejected()
}

func (e *TokenError) credentialsRejected() bool {
	switch e.Code {
	case "invalid_client", "unauthorized_client":
		return true
	}
	return e.StatusCode == http.StatusUnauthorized
}
