package credcheck

import (
	"net"
	"net/url"
	"strings"
)

// knownSchemes are shown by name in messages; any other scheme is not,
// because a key pasted in front of "://" would be quoted back.
var knownSchemes = map[string]bool{"http": true, "https": true, "ftp": true, "ftps": true, "sftp": true, "ssh": true, "ws": true, "wss": true, "file": true, "mailto": true}

// Hidden stands for the parts of a URL that messages leave out.
const Hidden = "…"

// ShowURL returns a form of a URL-shaped setting that is safe to quote in
// an error or a log line: the scheme (when it is a well-known one) and the
// host name, with every part that may hold a pasted key (user name and
// password, path, query, fragment, and a host or scheme that is not shaped
// like one) replaced by Hidden. A setting typed without a scheme
// ("api-eu.myconnectwise.net/x") is shown without one. It returns Hidden
// for text that is not a URL at all, which is then most likely a key.
func ShowURL(raw string) string {
	if raw == "" {
		return ""
	}
	schemeless := !strings.Contains(raw, "://")
	parse := raw
	if schemeless {
		parse = "//" + raw
	}
	u, err := url.Parse(strings.TrimSpace(parse))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return Hidden
	}
	var b strings.Builder
	switch {
	case schemeless:
	case knownSchemes[strings.ToLower(u.Scheme)]:
		b.WriteString(strings.ToLower(u.Scheme) + "://")
	default:
		b.WriteString(Hidden + "://")
	}
	if u.User != nil {
		b.WriteString(Hidden + "@")
	}
	if hostShaped(u.Hostname()) {
		b.WriteString(u.Host)
	} else {
		b.WriteString(Hidden)
	}
	if strings.Trim(u.EscapedPath(), "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.Contains(raw, "#") {
		b.WriteString("/" + Hidden)
	}
	return b.String()
}

// ShowScheme returns the scheme for quoting when it is a well-known one,
// else Hidden.
func ShowScheme(scheme string) string {
	if knownSchemes[strings.ToLower(scheme)] {
		return strings.ToLower(scheme)
	}
	return Hidden
}

// hostShaped reports whether h reads as a host rather than a pasted key: a
// dotted name, an IP address or localhost. A single word is as likely a
// key as a host and is not shown.
func hostShaped(h string) bool {
	return IsLoopback(h) || net.ParseIP(h) != nil || (strings.Contains(h, ".") && !strings.ContainsAny(h, "%"))
}
