package connectwise

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
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
	// it the right choice for full syncs. The PSA supports it per endpoint:
	// where it does not, List returns *ForwardOnlyUnsupportedError and All
	// falls back to page numbers.
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
	r := request{method: http.MethodGet, path: path, query: q, read: true}
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
	// The search body is the PSA's FilterValues — conditions, orderBy,
	// childconditions, customfieldconditions, spelled as the official spec
	// spells them (as the generated Collection does) — and nothing else
	// (connectwise/WIREFACTS.md §4). Projection and paging stay in the query string of
	// the POST, as ConnectWiseManageAPI's Invoke-CWMSearchMaster.ps1
	// L18-38 and pyconnectwise send them: a "fields" member of the body is
	// not part of the model and whole records would come back.
	body := map[string]any{}
	for query, member := range map[string]string{"conditions": "conditions", "childConditions": "childconditions", "customFieldConditions": "customfieldconditions", "orderBy": "orderBy"} {
		if v := q.Get(query); v != "" {
			body[member] = v
			q.Del(query)
		}
	}
	r.method, r.path, r.body, r.query = http.MethodPost, path+"/search", body, q
	r.idempotent, r.read = true, true
	return r, nil
}

// ForwardOnlyUnsupportedError reports that the PSA ignored forward-only
// paging on an endpoint: it answered a forward-only request without any
// Link header (the PSA sends an empty one on the last forward-only page)
// while the page was full or a PageID was asked for. The PSA supports
// forward-only per endpoint (the audit trail does not), and where it does
// not it serves page 1 of page-number paging instead, so the answer is
// not the page asked for and must not be read as the last one
// (connectwise/WIREFACTS.md §1; christaylorcodes/ConnectWiseManageAPI
// Invoke-CWMAllResult.ps1 L18-20 raises the same). All falls back to page
// numbers by itself; a caller of List should do the same.
type ForwardOnlyUnsupportedError struct {
	// Path is the endpoint, relative to apis/3.0/ ("system/audittrail").
	Path string
}

// Error names the endpoint and the way out.
func (e *ForwardOnlyUnsupportedError) Error() string {
	return fmt.Sprintf("connectwise: %s: the PSA ignored forward-only paging on this endpoint (no Link header in the answer); list it with page numbers (ForwardOnly false)", e.Path)
}

func list[T any](ctx context.Context, c *Client, path string, searchable bool, opts *ListOptions) ([]T, *Response, error) {
	r, err := c.listRequest(path, searchable, opts)
	if err != nil {
		return nil, nil, err
	}
	return sendPage[T](ctx, c, path, opts, r)
}

// sendPage sends one single-page list request r and applies the rule every
// single-page call shares (forwardOnlyIgnored), whoever built r: List, or
// the generated ListAt with its operation-specific parameters.
func sendPage[T any](ctx context.Context, c *Client, path string, opts *ListOptions, r request) ([]T, *Response, error) {
	var out []T
	resp, err := c.do(ctx, r, &out)
	if err != nil {
		return nil, resp, err
	}
	if err := forwardOnlyIgnored(path, opts, resp, len(out)); err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// forwardOnlyIgnored returns *ForwardOnlyUnsupportedError when resp, an
// answer of n items to a list request with opts, shows that the endpoint
// ignored forward-only paging. Every single-page list call checks it. A
// short first page without Link is the whole list whichever paging the
// server used; a full page, or any page after a PageID, may be a page the
// caller did not ask for.
func forwardOnlyIgnored(path string, opts *ListOptions, resp *Response, n int) error {
	if opts != nil && opts.ForwardOnly && !resp.hasLinkHeader() && (n >= pageSize(opts) || opts.PageID > 0) {
		return &ForwardOnlyUnsupportedError{Path: path}
	}
	return nil
}

func fetchPage[T any](ctx context.Context, c *Client, path string, searchable bool, opts *ListOptions) ([]T, *Response, error) {
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

func pageSize(o *ListOptions) int {
	if o.PageSize == 0 {
		return defaultPageSize
	}
	return o.PageSize
}

// defaultPageSize is the page size the PSA uses when none is sent.
const defaultPageSize = 25

// cursor is a position of a walk: a page number, or (page 0) the last id
// seen by forward-only paging. Positions of the two kinds never compare
// equal, so a walk that switches kind cannot mistake one for the other.
type cursor struct{ page, pageID int }

func (c cursor) String() string {
	if c.page > 0 {
		return "page " + strconv.Itoa(c.page)
	}
	return "pageId " + strconv.Itoa(c.pageID)
}

// all walks every page lazily. It copies opts, so the caller's value is
// never changed, and holds one page in memory at a time.
//
// A forward-only walk on an endpoint that ignores forward-only (see
// ForwardOnlyUnsupportedError) is detected on its first page, before any
// item is yielded, and restarts with page numbers from page 1; a PageID to
// resume after becomes the condition "id > PageID", which is what the PSA
// makes of a pageId. Later in a walk, once the endpoint has shown it does
// forward-only, a full page without a usable next link (its empty Link
// header lost to a proxy, or a pageId the walk cannot read) is followed by
// a request after its last record's id, never read as the end.
func all[T any](ctx context.Context, c *Client, path string, searchable bool, opts *ListOptions) iter.Seq2[T, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	if o.PageSize == 0 {
		o.PageSize = MaxPageSize
	}
	start := cursor{pageID: o.PageID}
	if !o.ForwardOnly {
		start = cursor{page: max(o.Page, 1)}
	}
	return apiclient.Walk("connectwise", start, func(at cursor) ([]T, cursor, error) {
		if at.page == 0 {
			o.ForwardOnly, o.PageID = true, at.pageID
		} else {
			o.ForwardOnly, o.Page = false, at.page
		}
		page, resp, err := fetchPage[T](ctx, c, path, searchable, &o)
		if err != nil {
			return nil, cursor{}, err
		}
		full := len(page) >= o.PageSize
		if o.ForwardOnly && !resp.hasLinkHeader() {
			switch {
			case at == start && !full && o.PageID == 0:
				return page, cursor{}, nil // the whole list, whatever the paging
			case at == start:
				// Nothing yielded yet: start over with page numbers.
				if o.PageID > 0 {
					o.Conditions = o.Conditions.And(Where("id > ?", o.PageID))
				}
				return nil, cursor{page: 1}, nil
			case !full:
				return page, cursor{}, nil
			}
			// The endpoint has shown it pages forward-only, so a full page
			// without Link is a last page whose empty header got lost, or
			// not the last: ask after its last id, which is what a pageId
			// means.
			next, err := afterLast(path, page, at)
			return page, next, err
		}
		if len(page) == 0 {
			return nil, cursor{}, nil
		}
		switch {
		case o.ForwardOnly:
			if resp.NextPageID != 0 && resp.NextPageID <= at.pageID {
				return page, cursor{}, fmt.Errorf("connectwise: %s: the next pageId %d does not advance past %d; stopping", path, resp.NextPageID, at.pageID)
			}
			if resp.NextPageID == 0 && resp.next != nil {
				// A next link without a readable pageId: reading it as
				// the end would lose the rest.
				next, err := afterLast(path, page, at)
				return page, next, err
			}
			return page, cursor{pageID: resp.NextPageID}, nil
		case resp.NextPage > 0 && resp.NextPage <= at.page:
			return page, cursor{}, fmt.Errorf("connectwise: %s: the next page %d does not advance past page %d; stopping", path, resp.NextPage, at.page)
		case resp.NextPage > 0:
			return page, cursor{page: resp.NextPage}, nil
		case resp.Header.Get("Link") == "" && len(page) == o.PageSize:
			// No Link header (some proxies strip it): keep going until a
			// short page.
			return page, cursor{page: at.page + 1}, nil
		}
		return page, cursor{}, nil
	})
}

// afterLast is the forward-only position after the last record of page,
// for when the PSA named none. Records without an id past at leave no way
// on, and stopping there could return a partial list: an error.
func afterLast[T any](path string, page []T, at cursor) (cursor, error) {
	if id := recordID(page[len(page)-1]); id > at.pageID {
		return cursor{pageID: id}, nil
	}
	return cursor{}, fmt.Errorf("connectwise: %s: a full forward-only page after %v named no next page and its records no id to continue from; stopping rather than returning a partial list", path, at)
}

// recordID reads the "id" field of a PSA record; 0 when it has none.
func recordID(v any) int {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return 0
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return 0
	}
	t := rv.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "id" && rv.Field(i).CanInt() {
			return int(rv.Field(i).Int())
		}
	}
	return 0
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
	return sendCount(ctx, c, r)
}

// sendCount sends r, a request to a /count endpoint, and reads the
// PSA's {"count": n}.
func sendCount(ctx context.Context, c *Client, r request) (int, *Response, error) {
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
