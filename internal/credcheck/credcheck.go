// Package credcheck checks settings that people paste from vendor consoles
// (API keys, client secrets, server URLs) before any client uses them.
// Every API client in psabridge shares it, so a key with a trailing line
// break or an http:// URL is described the same way whichever API it is
// for. Problems come back as text (Secret, BaseURL) or, for a client
// setting, as the shared *bridge.ConfigError naming the field (SecretSetting,
// BaseURLSetting); they never contain the value itself.
package credcheck

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// Secret returns what is wrong with a pasted credential, or "" when it
// looks usable: empty, only whitespace, whitespace at either end (the most
// common setup mistake: a line break copied along, invisible to whoever
// pasted it, so the message names it), or characters that cannot be sent
// in an HTTP header.
func Secret(v string) string {
	lead := len(v) - len(strings.TrimLeftFunc(v, unicode.IsSpace))
	trail := len(v) - len(strings.TrimRightFunc(v, unicode.IsSpace))
	switch {
	case v == "":
		return "is required"
	case v == "[REDACTED]" || strings.HasSuffix(v, "…"): // httpx.Redacted, or a shortened key
		return "is the placeholder that printing and json.Marshal show instead of a key: the settings were saved in their printed form; save them with MarshalJSONWithSecrets and paste the key again"
	case lead == len(v):
		return "is only whitespace"
	case lead > 0 || trail > 0:
		var where []string
		if lead > 0 {
			where = append(where, "leading whitespace ("+describe(v[:lead])+")")
		}
		if trail > 0 {
			where = append(where, "trailing whitespace ("+describe(v[len(v)-trail:])+")")
		}
		return "has " + strings.Join(where, " and ") + ": copy it again without spaces or line breaks"
	}
	for _, r := range v {
		if r < 0x21 || r > 0x7e {
			return "contains whitespace, control or non-ASCII characters, which cannot be sent in an HTTP header: copy it again"
		}
	}
	return ""
}

// describe names the kinds of whitespace in s: "a space", "a line break"...
func describe(s string) string {
	var kinds []string
	for _, r := range s {
		k := "an invisible character"
		switch r {
		case ' ':
			k = "a space"
		case '\t':
			k = "a tab"
		case '\n', '\r':
			k = "a line break"
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return strings.Join(kinds, ", ")
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
// without a trailing slash, or the problem; the problem quotes the URL only
// as ShowURL does, never its userinfo, path, query or fragment, where a
// pasted key may sit.
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
	shown := ShowURL(raw) // never the userinfo, path, query or fragment: they may hold a key
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Sprintf("%q uses plain http, which would send credentials in clear: use https:// (http is allowed only for loopback simulators)", shown)
		}
	default:
		return nil, fmt.Sprintf("scheme %q is not supported: use https://", ShowScheme(u.Scheme))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Sprintf("%q must not have a query or fragment (not shown: it may hold a key)", shown)
	}
	path := strings.TrimRight(u.Path, "/")
	if path != "" && !allowPath {
		return nil, fmt.Sprintf("%q must be the server only, without a path (not shown: it may hold a key)", shown)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}, ""
}

// SecretSetting is Secret for a client setting: nil when v looks usable,
// else a *bridge.ConfigError naming field, with ifEmpty (where to find the
// value) as the problem of an empty one. The value is never quoted.
func SecretSetting(api, field, v, ifEmpty string) error {
	problem := Secret(v)
	if v == "" && ifEmpty != "" {
		problem = ifEmpty
	}
	if problem == "" {
		return nil
	}
	return &bridge.ConfigError{API: api, Field: field, Problem: problem}
}

// BaseURLSetting is BaseURL for a client's "BaseURL" setting: the problem
// comes back as a *bridge.ConfigError that shows example, the server to
// use.
func BaseURLSetting(api, raw string, allowPath bool, example string) (*url.URL, error) {
	u, problem := BaseURL(raw, allowPath)
	if problem != "" {
		return nil, &bridge.ConfigError{API: api, Field: "BaseURL", Problem: problem + " (" + example + ")"}
	}
	return u, nil
}
