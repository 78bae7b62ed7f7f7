package infima

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// MessageKeyRejected is what a 401 says. Rotation is the usual cause: the
// seed's FAQ ("Sync stopped working out of nowhere") points at a key
// regenerated in INFIMA but not re-pasted where it is used.
const MessageKeyRejected = "INFIMA API key invalid or regenerated in INFIMA (a new key invalidates the old one)"

// forbiddenMessage explains a 403: keys can be scoped to a single client.
const forbiddenMessage = "INFIMA refused access with this API key: a key scoped to one client cannot read the partner or other clients (generate a \"Partner Level - All Clients\" key)"

var (
	// ErrKeyRejected matches (errors.Is) an *Error for HTTP 401: the key is
	// wrong, revoked or was replaced by a newer one.
	ErrKeyRejected = bridge.StatusSentinel(http.StatusUnauthorized, "infima: API key rejected")
	// ErrForbidden matches an *Error for HTTP 403: the key is valid but its
	// scope does not cover the data asked for.
	ErrForbidden = bridge.StatusSentinel(http.StatusForbidden, "infima: access forbidden for this API key")
	// ErrNotFound matches an *Error for HTTP 404, and is returned by
	// ClientsService.Get when no client has the id.
	ErrNotFound = bridge.StatusSentinel(http.StatusNotFound, "infima: not found")
	// ErrRateLimited matches an *Error for HTTP 429. After the retries are
	// spent, such an error also arrives wrapped in *RateLimitError, whose
	// Wait says how long the server asked to wait (see RetryAfter).
	ErrRateLimited = bridge.StatusSentinel(http.StatusTooManyRequests, "infima: rate limited")
)

// IsKeyRejected reports whether err means INFIMA no longer accepts the key,
// so the caller should ask for the current key rather than retry.
func IsKeyRejected(err error) bool { return errors.Is(err, ErrKeyRejected) }

// IsNotFound reports a 404, or a client Get found no client with the id.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// parseError reads the server's message; for 401 and 403, whose server
// text is terse, the message says what to do about the key instead.
func parseError(e *Error, body []byte) {
	e.Message = errorMessage(body)
	switch e.StatusCode {
	case http.StatusUnauthorized:
		e.Message = MessageKeyRejected + "; paste the current Reporting API key"
	case http.StatusForbidden:
		e.Message = forbiddenMessage
	}
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
