package heimdal

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/apiclient"
)

// The error vocabulary is shared by every psabridge client (see package
// bridge); these aliases name the same types errors.As reaches whichever
// client returned them.
type (
	// Error is an error answer from the Heimdal API. Its StatusCode is 200
	// for the "message instead of items" answer Heimdal gives some
	// failures with a success status.
	Error = bridge.APIError
	// RateLimitError is a 429 that outlived every retry; Wait is the
	// server's Retry-After (see RetryAfter) and it wraps the *Error.
	RateLimitError = bridge.RateLimitError
	// DecodeError is a 2xx answer whose body is not the expected JSON.
	DecodeError = bridge.DecodeError
	// ConfigError names a setting that cannot work ("APIKey", "BaseURL"),
	// never its value.
	ConfigError = bridge.ConfigError
	// OutcomeUnknownError is a write that may or may not have been applied.
	OutcomeUnknownError = bridge.OutcomeUnknownError
)

// MessageKeyRejected is the Message of a 401: Heimdal's own text is a
// generic framework message that does not say which credential failed.
const MessageKeyRejected = "Heimdal API key rejected (check the key in the Heimdal Dashboard and that it is still active)"

// CheckResponse returns nil for a 2xx response and otherwise reads the body
// (size-limited, then closed) into an *Error. secrets (the client passes
// its own) are scrubbed from the server's text before anything is cut, in
// case a server echoes them.
func CheckResponse(r *http.Response, secrets ...string) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	return heimdalErrors.Check(r, secrets...)
}

var heimdalErrors = &apiclient.Backend{API: "heimdal", ParseError: parseError, RelativePaths: true}

// parseError reads the .NET {"Message": ...} shape, {"error": ...}, or the
// start of a text body; a 401 gets a message that names the key.
func parseError(e *Error, body []byte) {
	e.Message = errorMessage(body)
	if e.StatusCode == http.StatusUnauthorized {
		e.Message = MessageKeyRejected
	}
}

// errorMessage extracts a human message from an error body: the .NET
// {"Message": ...} shape, {"error": ...}, or the start of a text body.
func errorMessage(body []byte) string {
	var v struct {
		Message string `json:"message"`
		Error   string `json:"error"`
		Detail  string `json:"error_description"`
	}
	if json.Unmarshal(body, &v) == nil {
		for _, s := range []string{v.Message, v.Detail, v.Error} {
			if s = strings.TrimSpace(s); s != "" {
				return s
			}
		}
		return ""
	}
	s := strings.TrimSpace(string(body))
	if strings.HasPrefix(s, "<") {
		// An HTML error page from a proxy says nothing useful.
		return ""
	}
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool { return bridge.IsNotFound(err) }

// IsUnauthorized reports a 401: the API key was refused.
func IsUnauthorized(err error) bool { return bridge.IsUnauthorized(err) }

// IsForbidden reports a 403: the key may not read this customer.
func IsForbidden(err error) bool { return bridge.IsForbidden(err) }

// IsRateLimited reports a 429 that outlived every retry.
func IsRateLimited(err error) bool { return bridge.IsRateLimited(err) }

// IsOutcomeUnknown reports a write that may or may not have been applied.
func IsOutcomeUnknown(err error) bool { return bridge.IsOutcomeUnknown(err) }

// RetryAfter reports how long Heimdal asked to wait when err is a 429 that
// outlived the retries.
func RetryAfter(err error) (time.Duration, bool) { return bridge.RetryAfter(err) }
