package httpx

import "strings"

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

// Scrub replaces every occurrence of each non-trivial secret in s. Clients
// run server-supplied error text through it, because some APIs echo
// credentials back in error messages.
func Scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		// Very short values would redact innocent text and protect nothing.
		if len(sec) < 4 {
			continue
		}
		s = strings.ReplaceAll(s, sec, Redacted)
	}
	return s
}
