package apiclient

import (
	"net/http"
	"strings"
)

// Links returns the targets of RFC 8288 Link headers by relation ("next",
// "last", ...); the first target named for a relation wins. Targets are
// delimited by angle brackets rather than split on commas, since a URL's
// query may itself contain commas.
func Links(h http.Header) map[string]string {
	var out map[string]string
	for _, v := range h.Values("Link") {
		for {
			open := strings.IndexByte(v, '<')
			if open < 0 {
				break
			}
			end := strings.IndexByte(v[open:], '>')
			if end < 0 {
				break
			}
			target := v[open+1 : open+end]
			v = v[open+end+1:]
			params := v
			if nextOpen := strings.IndexByte(v, '<'); nextOpen >= 0 {
				params = v[:nextOpen]
			}
			for param := range strings.SplitSeq(params, ";") {
				name, val, ok := strings.Cut(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(param), ",")), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(val), `"`)) {
					rel = strings.ToLower(rel)
					if out == nil {
						out = map[string]string{}
					}
					if _, seen := out[rel]; !seen {
						out[rel] = target
					}
				}
			}
		}
	}
	return out
}
