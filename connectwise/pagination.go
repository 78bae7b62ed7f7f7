package connectwise

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/internal/apiclient"
)

// MaxPageSize is the largest page the PSA serves.
const MaxPageSize = 1000

// maxURL is where the PSA (and proxies in front of it) start refusing
// request lines; longer conditions go to POST .../search instead.
const maxURL = 2000

// ListOptions filter, order and page a list call. The zero value lists the
// first page of 25 in the server's order.
type ListOptions struct {
	// Conditions filters on the object's fields; build with Where.
	Conditions Conditions
	// ChildConditions filters on child collections, as the PSA defines them.
	ChildConditions Conditions
	// CustomFieldConditions filters on custom fields.
	CustomFieldConditions Conditions
	// OrderBy is a sort such as "board/name asc, id desc". Not allowed with
	// forward-only paging.
	OrderBy string
	// Fields restricts the returned fields ("id,summary,status/id").
	Fields string
	// Page is the 1-based page number (page-number paging).
	Page int
	// PageSize is 1..1000; 0 means the server default (25) for List and
	// 1000 for All.
	PageSize int
	// ForwardOnly selects forward-only paging: results in id order after
	// PageID. It is faster and stable under concurrent inserts, which makes
	// it the right choice for full syncs.
	ForwardOnly bool
	// PageID is the last id already seen, for forward-only paging.
	PageID int
}

// values encodes the options as the PSA's query parameters.
func (o *ListOptions) values() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	for _, c := range []struct {
		name string
		c    Conditions
	}{{"conditions", o.Conditions}, {"childConditions", o.ChildConditions}, {"customFieldConditions", o.CustomFieldConditions}} {
		if c.c.err != nil {
			return nil, c.c.err
		}
		if c.c.expr != "" {
			q.Set(c.name, c.c.expr)
		}
	}
	if o.OrderBy != "" {
		if o.ForwardOnly {
			return nil, configError("ListOptions.OrderBy", "cannot be used with forward-only paging (results come in id order)")
		}
		q.Set("orderBy", o.OrderBy)
	}
	if o.Fields != "" {
		q.Set("fields", o.Fields)
	}
	if o.PageSize < 0 || o.PageSize > MaxPageSize {
		return nil, configError("ListOptions.PageSize", fmt.Sprintf("%d is outside 1..%d (0 means the default)", o.PageSize, MaxPageSize))
	}
	if o.PageSize > 0 {
		q.Set("pageSize", strconv.Itoa(o.PageSize))
	}
	if o.ForwardOnly {
		if o.PageID > 0 {
			q.Set("pageId", strconv.Itoa(o.PageID))
		}
	} else if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	return q, nil
}

// listRequest builds the request for one page, switching to POST
// {path}/search when the conditions would make the URL too long.
func (c *Client) listRequest(path string, searchable bool, opts *ListOptions) (request, error) {
	q, err := opts.values()
	if err != nil {
		return request{}, err
	}
	r := request{method: http.MethodGet, path: path, query: q}
	if opts != nil && opts.ForwardOnly {
		r.header = http.Header{"Pagination-Type": {"forward-only"}}
	}
	// Origin and codebase add well under 100 characters.
	if len(c.origin)+len(path)+len(q.Encode())+40 <= maxURL {
		return r, nil
	}
	if !searchable {
		return request{}, fmt.Errorf("connectwise: conditions for %s are too long for a URL (%d characters) and the PSA has no search endpoint for it", path, len(q.Encode()))
	}
	body := map[string]any{}
	for _, k := range []string{"conditions", "childConditions", "customFieldConditions", "orderBy", "fields"} {
		if v := q.Get(k); v != "" {
			body[k] = v
			q.Del(k)
		}
	}
	r.method, r.path, r.body, r.query = http.MethodPost, path+"/search", body, q
	r.idempotent = true
	return r, nil
}

func list[T any](ctx context.Context, c *Client, path string, searchable bool, opts *ListOptions) ([]T, *Response, error) {
	r, err := c.listRequest(path, searchable, opts)
	if err != nil {
		return nil, nil, err
	}
	var out []T
	resp, err := c.do(ctx, r, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// all walks every page lazily. It copies opts, so the caller's value is
// never changed, and holds one page in memory at a time. The position is
// the page number, or the last id seen with forward-only paging.
func all[T any](ctx context.Context, c *Client, path string, searchable bool, opts *ListOptions) iter.Seq2[T, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	if o.PageSize == 0 {
		o.PageSize = MaxPageSize
	}
	start := o.PageID
	if !o.ForwardOnly {
		start = max(o.Page, 1)
	}
	return apiclient.Walk("connectwise", start, func(at int) ([]T, int, error) {
		if o.ForwardOnly {
			o.PageID = at
		} else {
			o.Page = at
		}
		page, resp, err := list[T](ctx, c, path, searchable, &o)
		if err != nil || len(page) == 0 {
			return page, 0, err
		}
		switch {
		case o.ForwardOnly:
			if resp.NextPageID != 0 && resp.NextPageID <= at {
				return page, 0, fmt.Errorf("connectwise: %s: the next pageId %d does not advance past %d; stopping", path, resp.NextPageID, at)
			}
			return page, resp.NextPageID, nil
		case resp.NextPage > 0 && resp.NextPage <= at:
			return page, 0, fmt.Errorf("connectwise: %s: the next page %d does not advance past page %d; stopping", path, resp.NextPage, at)
		case resp.NextPage > 0:
			return page, resp.NextPage, nil
		case resp.Header.Get("Link") == "" && len(page) == o.PageSize:
			// No Link header (some proxies strip it): keep going until a
			// short page.
			return page, at + 1, nil
		}
		return page, 0, nil
	})
}

func get[T any](ctx context.Context, c *Client, path string) (*T, *Response, error) {
	v := new(T)
	resp, err := c.do(ctx, request{method: http.MethodGet, path: path}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

func create[T any](ctx context.Context, c *Client, path string, body *T) (*T, *Response, error) {
	if body == nil {
		return nil, nil, fmt.Errorf("connectwise: nil body for %s", path)
	}
	v := new(T)
	resp, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

func patch[T any](ctx context.Context, c *Client, path string, ops []PatchOp) (*T, *Response, error) {
	if err := checkPatch(ops); err != nil {
		return nil, nil, err
	}
	v := new(T)
	idem := true
	for _, op := range ops {
		idem = idem && op.Op != "add"
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: path, body: ops, idempotent: idem}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

func remove(ctx context.Context, c *Client, path string) (*Response, error) {
	return c.do(ctx, request{method: http.MethodDelete, path: path}, nil)
}

func count(ctx context.Context, c *Client, path string, cond Conditions) (int, *Response, error) {
	r, err := c.listRequest(path+"/count", false, &ListOptions{Conditions: cond})
	if err != nil {
		return 0, nil, err
	}
	var out struct {
		Count int `json:"count"`
	}
	resp, err := c.do(ctx, r, &out)
	return out.Count, resp, err
}

func idPath(base string, id int, rest ...string) string {
	var p strings.Builder
	p.WriteString(base + "/" + strconv.Itoa(id))
	for _, r := range rest {
		p.WriteString("/" + r)
	}
	return p.String()
}

func itoa(i int) string { return strconv.Itoa(i) }
