package heimdal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

// Error is an error answer from the Heimdal API. Inspect it with errors.As;
// a 429 that outlived every retry arrives wrapped in *httpx.RetryAfterError,
// which carries the server's requested wait.
type Error struct {
	// StatusCode is the HTTP status. It is 200 for the "message instead of
	// items" answer Heimdal gives some failures with a success status.
	StatusCode int
	// Message says what went wrong, from the server's body where it had one.
	Message string
	// Method is the HTTP method of the call.
	Method string
	// Path is the endpoint, without host, API root or query.
	Path string
}

// Error describes the call and the server's answer.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("heimdal: ")
	if e.Path != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// MessageKeyRejected is the Message of a 401: Heimdal's own text is a
// generic framework message that does not say which credential failed.
const MessageKeyRejected = "Heimdal API key rejected (check the key in the Heimdal Dashboard and that it is still active)"

// CheckResponse returns nil for a 2xx response and otherwise reads the body
// (size-limited, then closed) into an *Error. A 429 is returned as an
// *httpx.RetryAfterError wrapping the *Error, with the Retry-After wait.
// secrets (the client passes its own) are scrubbed from the server's text
// before anything is cut, in case a server echoes them.
func CheckResponse(r *http.Response, secrets ...string) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	// Scrubbed before the excerpt is cut: a cut through a secret would keep
	// its prefix where scrubbing afterwards cannot find it.
	e := &Error{StatusCode: r.StatusCode, Message: errorMessage([]byte(httpx.Scrub(string(httpx.ReadErrorBody(r)), secrets...)))}
	if r.Request != nil {
		e.Method, e.Path = r.Request.Method, r.Request.URL.Path
	}
	switch r.StatusCode {
	case http.StatusUnauthorized:
		e.Message = MessageKeyRejected
	case http.StatusTooManyRequests:
		wait, _ := httpx.ParseRetryAfter(r.Header.Get("Retry-After"), time.Now())
		return &httpx.RetryAfterError{Wait: wait, Err: e}
	}
	if e.Message == "" {
		e.Message = http.StatusText(r.StatusCode)
	}
	return e
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

// ConfigError reports an invalid client setting. It names the setting and
// never includes its value.
type ConfigError struct {
	// Field is the setting: "APIKey" or "BaseURL".
	Field string
	// Reason says what is wrong and how to fix it.
	Reason string
}

// Error names the setting and what is wrong with it.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("heimdal: invalid %s: %s", e.Field, e.Reason)
}
