package security360

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/internal/apiclient"
)

// ListOptions asks for one page of a list. The zero value asks for the
// server's default, which for companies and sites is usually everything in
// one answer.
type ListOptions struct {
	// Limit is the page size; 0 leaves it to the server.
	Limit int
	// Cursor continues a previous list (Response.NextCursor).
	Cursor string
}

func (o *ListOptions) query() url.Values {
	if o == nil {
		return nil
	}
	q := url.Values{}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Cursor != "" {
		q.Set("cursor", o.Cursor)
	}
	return q
}

// listBody accepts the list shapes seen from the platform: a bare JSON
// array, or an object holding the array under a conventional key.
type listBody[T any] struct{ items []T }

var listKeys = []string{"data", "items", "results", "companies", "sites"}

func (l *listBody[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	if b[0] == '[' {
		return json.Unmarshal(b, &l.items)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	for _, k := range listKeys {
		if raw, ok := obj[k]; ok && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			return json.Unmarshal(raw, &l.items)
		}
	}
	return fmt.Errorf("no list in object with keys %s", strings.Join(mapKeys(obj), ", "))
}

func mapKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// list fetches one page of T from rawURL.
func list[T any](ctx context.Context, c *Client, rawURL string) ([]T, *Response, error) {
	var body listBody[T]
	resp, err := c.get(ctx, rawURL, &body)
	if err != nil {
		return nil, resp, err
	}
	return body.items, resp, nil
}

// all walks every page lazily: it follows the server's next link and stops
// at the first page without one, and fails rather than loop when a server
// names a page it already served.
func all[T any](ctx context.Context, c *Client, first string, fix func(*T)) iter.Seq2[T, error] {
	return apiclient.Walk("security360", nextLink(first), func(at nextLink) ([]T, nextLink, error) {
		items, resp, err := list[T](ctx, c, string(at))
		if err != nil {
			return nil, "", err
		}
		if fix != nil {
			for i := range items {
				fix(&items[i])
			}
		}
		return items, nextLink(resp.NextURL), nil
	})
}

// nextLink is a page's URL; errors name it without its query.
type nextLink string

func (l nextLink) String() string {
	if i := strings.IndexByte(string(l), '?'); i >= 0 {
		return string(l)[:i] + "?…"
	}
	return string(l)
}

// parseNextLink returns the target of rel="next" in RFC 8288 Link headers.
// Targets are delimited by angle brackets rather than split on commas, since
// a URL's query may itself contain commas.
func parseNextLink(values []string) string {
	for _, v := range values {
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
					if strings.EqualFold(rel, "next") {
						return target
					}
				}
			}
		}
	}
	return ""
}
