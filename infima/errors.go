package infima

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/internal/httpx"
)

// KeyRejectedMessage is what a 401 says. Rotation is the usual cause: the
// seed's FAQ ("Sync stopped working out of nowhere") points at a key
// regenerated in INFIMA but not re-pasted where it is used.
const KeyRejectedMessage = "INFIMA API key invalid or regenerated in INFIMA (a new key invalidates the old one)"

// forbiddenMessage explains a 403: keys can be scoped to a single client.
const forbiddenMessage = "INFIMA refused access with this API key: a key scoped to one client cannot read the partner or other clients (generate a \"Partner Level - All Clients\" key)"

var (
	// ErrKeyRejected matches (errors.Is) an *Error for HTTP 401: the key is
	// wrong, revoked or was replaced by a newer one.
	ErrKeyRejected = errors.New("infima: API key rejected")
	// ErrForbidden matches an *Error for HTTP 403: the key is valid but its
	// scope does not cover the data asked for.
	ErrForbidden = errors.New("infima: access forbidden for this API key")
	// ErrNotFound matches an *Error for HTTP 404, and is returned by
	// ClientsService.Find when no client has the id.
	ErrNotFound = errors.New("infima: not found")
	// ErrRateLimited matches an *Error for HTTP 429. After the retries are
	// spent, such an error also arrives wrapped in *httpx.RetryAfterError,
	// whose Wait says how long the server asked to wait.
	ErrRateLimited = errors.New("infima: rate limited")
)

// IsKeyRejected reports whether err means INFIMA no longer accepts the key,
// so the caller should ask for the current key rather than retry.
func IsKeyRejected(err error) bool { return errors.Is(err, ErrKeyRejected) }

// ConfigError reports a setting that cannot work, naming the field. It never
// contains the secret itself.
type ConfigError struct {
	// Field is the setting: "APIKey" or "BaseURL".
	Field string
	// Problem says what is wrong and what to do.
	Problem string
}

// Error reads "infima: <Field> <Problem>".
func (e *ConfigError) Error() string { return "infima: " + e.Field + " " + e.Problem }

// Error is an error status returned by the Reporting API.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method and Path identify the endpoint (no host, no query).
	Method, Path string
	// Message is the server's own explanation, scrubbed of the API key, or
	// the HTTP status text when the body had none.
	Message string
	// RetryAfter is the server's Retry-After for 429 and 503 (0 if absent).
	RetryAfter time.Duration
}

// Error names the endpoint and status; for 401 and 403 it says what to do
// instead of repeating the server's terse message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("infima: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	switch e.StatusCode {
	case http.StatusUnauthorized:
		b.WriteString(": " + KeyRejectedMessage + "; paste the current Reporting API key")
	case http.StatusForbidden:
		b.WriteString(": " + forbiddenMessage)
	default:
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
	}
	return b.String()
}

// Is lets errors.Is match the sentinel errors by status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrKeyRejected:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// DecodeError reports a 2xx response whose body is not the JSON the
// endpoint documents (a proxy's HTML page, a truncated body...).
type DecodeError struct {
	// Endpoint is "GET /v1/clients" and the like.
	Endpoint string
	// Err is the underlying decoding error.
	Err error
}

// Error names the endpoint whose body could not be read.
func (e *DecodeError) Error() string {
	return "infima: " + e.Endpoint + ": response is not the expected JSON: " + e.Err.Error()
}

// Unwrap returns the decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// CheckResponse returns nil for a 2xx response. Otherwise it reads the body
// (bounded), closes it and returns an *Error. The Reporting API documents
// no error schema, so the message is taken from the usual JSON shapes
// ({"message"}, {"error"}, {"detail"}) or from short plain text.
//
// secrets (the client passes its API key) are scrubbed from the server's
// text before it is cut to an excerpt, in case a server echoes them.
func CheckResponse(r *http.Response, secrets ...string) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	e := &Error{StatusCode: r.StatusCode}
	if r.Request != nil && r.Request.URL != nil {
		e.Method, e.Path = r.Request.Method, r.Request.URL.Path
	}
	if r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter, _ = httpx.ParseRetryAfter(r.Header.Get("Retry-After"), time.Now())
	}
	// Scrubbed before the excerpt is cut: a cut through a secret would keep
	// its prefix where scrubbing afterwards cannot find it.
	e.Message = errorMessage([]byte(httpx.Scrub(string(httpx.ReadErrorBody(r)), secrets...)))
	if e.Message == "" {
		e.Message = http.StatusText(r.StatusCode)
	}
	return e
}

// errorMessage extracts a human message from an error body.
func errorMessage(body []byte) string {
	var v struct {
		Message string          `json:"message"`
		Msg     string          `json:"Message"`
		Detail  string          `json:"detail"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil {
		for _, s := range []string{v.Message, v.Msg, v.Detail} {
			if s != "" {
				return clip(s)
			}
		}
		if len(v.Error) > 0 {
			var s string
			if json.Unmarshal(v.Error, &s) == nil && s != "" {
				return clip(s)
			}
			var inner struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(v.Error, &inner) == nil && inner.Message != "" {
				return clip(inner.Message)
			}
		}
		return ""
	}
	s := strings.TrimSpace(string(body))
	// An HTML error page says nothing useful in a log line.
	if s == "" || strings.HasPrefix(s, "<") || !utf8.ValidString(s) {
		return ""
	}
	return clip(s)
}

// clip keeps messages to one readable line.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		i := 300
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return s
}
