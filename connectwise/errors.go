package connectwise

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/apiclient"
)

// The error vocabulary is shared by every psabridge client (see package
// bridge); these aliases let callers write connectwise.Error and reach the
// same types with errors.As whichever client returned them.
type (
	// Error is an error answered by the PSA, decoded from its JSON error
	// body {"code","message","errors":[...]} (or, for 429, {"error","message"}).
	Error = bridge.APIError
	// FieldError is one entry of the PSA's "errors" array.
	FieldError = bridge.FieldError
	// OutcomeUnknownError is a write that may or may not have been applied.
	OutcomeUnknownError = bridge.OutcomeUnknownError
	// RateLimitError is a 429 that outlived every retry; it wraps the *Error.
	RateLimitError = bridge.RateLimitError
	// DecodeError is a 2xx answer whose body is not the expected JSON
	// (empty included: an empty page must not read as "no tickets").
	DecodeError = bridge.DecodeError
	// ConfigError names a setting that cannot work, before anything is sent.
	ConfigError = bridge.ConfigError
)

// CheckResponse returns nil for a 2xx response and an *Error otherwise,
// reading at most a bounded amount of the body. secrets are scrubbed from
// the server's text.
func CheckResponse(r *http.Response, secrets ...string) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	return psaErrors.Check(r, secrets...)
}

// psaErrors reads PSA error bodies outside a client (CheckResponse).
var psaErrors = &apiclient.Backend{API: "connectwise", ParseError: parseError}

// parseError reads the PSA's error body and adds a hint for 401 and 403.
func parseError(e *Error, body []byte) {
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
		e.Message = excerpt(string(body), 200)
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		e.Hint = "check company id, public and private key"
	case http.StatusForbidden:
		e.Hint = "the API member's security role lacks this permission"
	}
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// IsNotFound reports a 404 from the PSA.
func IsNotFound(err error) bool { return bridge.IsNotFound(err) }

// IsForbidden reports a 403: the API member's security role lacks a permission.
func IsForbidden(err error) bool { return bridge.IsForbidden(err) }

// IsUnauthorized reports a 401: wrong company id, public or private key.
func IsUnauthorized(err error) bool { return bridge.IsUnauthorized(err) }

// IsRateLimited reports a 429 that outlived every retry.
func IsRateLimited(err error) bool { return bridge.IsRateLimited(err) }

// IsOutcomeUnknown reports a write that may or may not have been applied:
// look it up before trying again.
func IsOutcomeUnknown(err error) bool { return bridge.IsOutcomeUnknown(err) }

// RetryAfter reports how long the PSA asked to wait when err is a 429 that
// outlived the retries (or a 503 that named a wait).
func RetryAfter(err error) (time.Duration, bool) { return bridge.RetryAfter(err) }
