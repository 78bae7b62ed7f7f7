// Package credcheck checks settings that people paste from vendor consoles
// (API keys, client secrets, server URLs) before any client uses them.
// Every API client in psabridge shares it, so a key with a trailing line
// break or an http:// URL is described the same way whichever API it is
// for. Problems are returned as text for the caller to wrap in its own
// typed error naming the field; they never contain the value itself.
package credcheck

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Secret returns what is wrong with a pasted credential, or "" when it
// looks usable: empty, only whitespace, whitespace at either end (the most
// common setup mistake: a line break copied along), or characters that
// cannot be sent in an HTTP header.
func Secret(v string) string {
	trimmed := strings.TrimSpace(v)
	switch {
	case v == "":
		return "is required"
	case trimmed == "":
		return "is only whitespace"
	case trimmed != v:
		end, r := "trailing", lastRune(v)
		if first, _ := utf8.DecodeRuneInString(v); unicode.IsSpace(first) {
			end, r = "leading", first
		}
		return fmt.Sprintf("has %s whitespace (%s): copy it again without spaces or line breaks", end, describe(r))
	}
	for _, r := range v {
		if r < 0x21 || r > 0x7e {
			return "contains whitespace, control or non-ASCII characters, which cannot be sent in an HTTP header: copy it again"
		}
	}
	return ""
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func describe(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '\n', '\r':
		return "a line break"
	}
	return "an invisible character"
}

// IsLoopback reports whether host is this machine, the only place plain
// http is allowed (for the simulators).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL parses a server URL: https (plain http only to loopback), with a
// host, no credentials, query or fragment, and a path prefix only when
// allowPath is set (a trailing slash is always fine). It returns the URL
// without a trailing slash, or the problem; the problem never shows
// userinfo, which may hold a password.
func BaseURL(raw string, allowPath bool) (*url.URL, string) {
	if raw == "" {
		return nil, "is required"
	}
	if strings.TrimSpace(raw) != raw {
		return nil, "has leading or trailing whitespace"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, "is not an absolute URL"
	}
	if u.User != nil {
		return nil, "must not contain credentials"
	}
	shown := *u
	shown.User = nil
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Sprintf("%q uses plain http, which would send credentials in clear: use https:// (http is allowed only for loopback simulators)", shown.String())
		}
	default:
		return nil, fmt.Sprintf("scheme %q is not supported: use https://", u.Scheme)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Sprintf("%q must not have a query or fragment", shown.String())
	}
	path := strings.TrimRight(u.Path, "/")
	if path != "" && !allowPath {
		return nil, fmt.Sprintf("%q must be the server only, without a path", shown.String())
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}, ""
}
