package apiclient

import (
	"net/http"
	"net/url"
	"strings"
)

// Link is one link-value of an RFC 8288 Link header.
type Link struct {
	// Target is the URI-Reference between the angle brackets, as sent
	// (it may be relative, and may hold unencoded commas).
	Target string
	// Rels are the relation types, lower-cased ("next", "last").
	Rels []string
}

// ParseLinks reads every link-value of the Link headers in h, per RFC 8288
// §3: a target is delimited by angle brackets, never by commas, since a
// URL's query may itself hold them (the PSA's next link can carry
// "fields=id,summary" unencoded — connectwise/WIREFACTS.md §1, psa-wire-facts §1 #2);
// parameter names are case-insensitive; a parameter value is a token or a
// quoted-string with backslash escapes (so a quoted value may hold ';',
// ',' or '<'); the rel parameter may name several space-separated
// relation types, which are case-insensitive; only the first rel parameter
// of a link counts (§3.3).
func ParseLinks(h http.Header) []Link {
	var out []Link
	for _, v := range h.Values("Link") {
		out = append(out, parseLinkValue(v)...)
	}
	return out
}

func parseLinkValue(s string) []Link {
	var out []Link
	for {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			return out
		}
		end := strings.IndexByte(s[open:], '>')
		if end < 0 {
			return out
		}
		l := Link{Target: strings.TrimSpace(s[open+1 : open+end])}
		s = s[open+end+1:]
		relSeen := false
		// Parameters: *( OWS ";" OWS link-param ), up to the ',' that
		// ends this link-value.
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" || s[0] != ';' {
				break
			}
			s = strings.TrimLeft(s[1:], " \t")
			name := s
			if i := strings.IndexAny(s, "=;,"); i >= 0 {
				name = s[:i]
			}
			s = s[len(name):]
			name = strings.TrimSpace(name)
			var val string
			if rest := strings.TrimLeft(s, " \t"); strings.HasPrefix(rest, "=") {
				val, s = paramValue(strings.TrimLeft(rest[1:], " \t"))
			}
			if strings.EqualFold(name, "rel") && !relSeen {
				relSeen = true
				for rel := range strings.FieldsSeq(val) {
					l.Rels = append(l.Rels, strings.ToLower(rel))
				}
			}
		}
		out = append(out, l)
		// Skip to the next link-value; anything unparseable up to the
		// next '<' is dropped.
	}
}

// paramValue reads a token or a quoted-string at the start of s and
// returns its value and the rest of s.
func paramValue(s string) (string, string) {
	if !strings.HasPrefix(s, `"`) {
		i := strings.IndexAny(s, ";,")
		if i < 0 {
			return strings.TrimSpace(s), ""
		}
		return strings.TrimSpace(s[:i]), s[i:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), "" // unterminated: take what there is
}

// Links returns the targets of the Link headers by relation ("next",
// "last", ...), as sent (see ParseLinks); the first target named for a
// relation wins.
func Links(h http.Header) map[string]string {
	var out map[string]string
	for _, l := range ParseLinks(h) {
		for _, rel := range l.Rels {
			if out == nil {
				out = map[string]string{}
			}
			if _, seen := out[rel]; !seen {
				out[rel] = l.Target
			}
		}
	}
	return out
}

// ResolveLink resolves a link target against the URL of the request it
// answered (RFC 8288 §3.1: the context is the request URI). A target that
// does not parse as written — the PSA may leave characters unencoded — is
// parsed once more with spaces encoded; nil if it still does not.
func ResolveLink(base *url.URL, target string) *url.URL {
	u, err := url.Parse(target)
	if err != nil {
		if u, err = url.Parse(strings.ReplaceAll(target, " ", "%20")); err != nil {
			return nil
		}
	}
	if base == nil {
		return u
	}
	return base.ResolveReference(u)
}

// QueryValue reads a query parameter by name case-insensitively, as the
// PSA's ASP.NET stack reads them (a next link may spell "PageId").
func QueryValue(q url.Values, name string) string {
	if v := q.Get(name); v != "" {
		return v
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
