package httpx

import (
	"net/http"
	"strings"
)

// Redacted is what secrets are replaced with in every printed form.
const Redacted = "[REDACTED]"

// RedactSecret returns a printable stand-in for a secret: empty stays empty
// (so a missing key is visible as missing), anything else is Redacted.
func RedactSecret(s string) string {
	if s == "" {
		return ""
	}
	return Redacted
}

// Scrub replaces every occurrence of each non-trivial secret in s, written
// literally, JSON-escaped (`\u002B`, `\/`: decoding would put the secret
// back in clear) or percent-encoded. Clients run server-supplied error text
// through it, because some APIs echo credentials back in error messages.
func Scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		// Very short values would redact innocent text and protect nothing.
		if len(sec) < 4 {
			continue
		}
		s = strings.ReplaceAll(s, sec, Redacted)
	}
	return scrubEncoded(s, secrets) // JSON-escaped or percent-encoded echoes
}

// credentialHeaders are removed from requests handed back to callers.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"}

// WithoutCredentials returns a shallow copy of r whose headers lack every
// credential (Authorization, Proxy-Authorization, Cookie, X-API-Key), for
// the *http.Request a client's Response exposes: printing or logging
// resp.Request must not print a key. nil stays nil.
func WithoutCredentials(r *http.Request) *http.Request {
	if r == nil {
		return nil
	}
	c := *r
	c.Header = r.Header.Clone()
	for _, h := range credentialHeaders {
		c.Header.Del(h)
	}
	return &c
}
