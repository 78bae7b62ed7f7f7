package security360

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

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

// parseError reads the platform's or OAuth's error body and adds a hint
// for 401 and 403.
func parseError(e *Error, body []byte) {
	e.Code, e.Message = parseErrorBody(body)
	e.Hint = statusHint(e.StatusCode)
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
