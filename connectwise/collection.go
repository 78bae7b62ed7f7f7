package connectwise

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/internal/apiclient"
	"github.com/psabridge/psabridge/internal/httpx"
)

// This file is the exported generic machinery under the generated
// per-area packages (cwcompany, cwservice, cwfinance, ...). Each generated
// method is one call to one of the *At functions below with the operation's
// path already filled in, so the 2,814 operations of the PSA add signatures
// and documentation, not code paths: every one of them goes through the same
// request layer (auth, codebase discovery, rate limit, retry, typed errors)
// as the hand-written services.

// Endpoint names one operation's target: a path relative to apis/3.0/
// ("company/contacts/12/notes") and the operation-specific query
// parameters beyond ListOptions (nil for almost every operation).
type Endpoint struct {
	// Path is relative to apis/3.0/, without a leading slash or a query.
	Path string
	// Query holds operation-specific parameters (recordType, recordId,
	// managedIdentifier...). They are sent as given, after ListOptions.
	Query url.Values
	// Searchable marks a list whose path has a POST {Path}/search twin, so
	// conditions too long for a URL are sent in a body instead.
	Searchable bool
	// Err, when set, is returned by the call before anything is sent (a
	// parameter that could not be encoded).
	Err error
	// Check selects the spec's rules (required fields, maximum lengths)
	// that the body must pass before it is sent.
	Check Check
	// Route is the template observers see ("/system/members/{memberIdentifier}").
	// Empty means the path with its numeric ids replaced by {id}, which is
	// right unless the path holds a string identifier.
	Route string
}

// ListAt returns one page of the list at e.
func ListAt[T any](ctx context.Context, c *Client, e Endpoint, opts *ListOptions) ([]T, *Response, error) {
	if e.Err != nil {
		return nil, nil, e.Err
	}
	if len(e.Query) == 0 {
		return list[T](ctx, c, e.Path, e.Searchable, opts)
	}
	r, err := c.endpointRequest(http.MethodGet, e, opts)
	if err != nil {
		return nil, nil, err
	}
	return sendPage[T](ctx, c, e.Path, opts, r)
}

// AllAt walks every item of the list at e lazily, one page in memory at a
// time, without changing opts. With operation-specific parameters
// (e.Query) it pages by page number, which every PSA list supports, even
// if opts asks for forward-only paging.
func AllAt[T any](ctx context.Context, c *Client, e Endpoint, opts *ListOptions) iter.Seq2[T, error] {
	if e.Err == nil && len(e.Query) == 0 {
		return all[T](ctx, c, e.Path, e.Searchable, opts)
	}
	// Operation-specific parameters ride along on every page: the walk
	// pages with page numbers, which every PSA list supports. Each
	// iteration starts from its own copy of opts.
	return func(yield func(T, error) bool) {
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		if o.PageSize == 0 {
			o.PageSize = MaxPageSize
		}
		o.ForwardOnly = false
		apiclient.Walk("connectwise", max(o.Page, 1), func(at int) ([]T, int, error) {
			o.Page = at
			page, resp, err := ListAt[T](ctx, c, e, &o)
			if err != nil {
				return nil, 0, err
			}
			if len(page) < o.PageSize {
				return page, 0, nil
			}
			// A full page whose Link points back is a server (or proxy)
			// fault; ending quietly would pass for a complete walk.
			if resp.NextPage > 0 && resp.NextPage <= at {
				return page, 0, fmt.Errorf("connectwise: %s: the next page %d does not advance past page %d; stopping", e.Path, resp.NextPage, at)
			}
			return page, at + 1, nil
		})(yield)
	}
}

// GetAt returns the single object at e. On a single-object GET the PSA
// honours opts.Fields; the other list options are accepted (the spec lists
// them on every GET) and have no effect there.
func GetAt[T any](ctx context.Context, c *Client, e Endpoint, opts *ListOptions) (*T, *Response, error) {
	r, err := c.endpointRequest(http.MethodGet, e, opts)
	if err != nil {
		return nil, nil, err
	}
	r.header = nil
	v := new(T)
	resp, err := c.do(ctx, r, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// CountAt returns the count a /count endpoint answers. Conditions,
// ChildConditions and CustomFieldConditions of opts apply; paging does not.
func CountAt(ctx context.Context, c *Client, e Endpoint, opts *ListOptions) (int, *Response, error) {
	var o ListOptions
	if opts != nil {
		o = ListOptions{Conditions: opts.Conditions, ChildConditions: opts.ChildConditions, CustomFieldConditions: opts.CustomFieldConditions}
	}
	r, err := c.endpointRequest(http.MethodGet, e, &o)
	if err != nil {
		return 0, nil, err
	}
	return sendCount(ctx, c, r)
}

// SendAt sends body (JSON-encoded; nil sends no body) with method to e and
// decodes the answer into a new T. It serves POST (create and actions such
// as merge or copy) and PUT (whole-object update).
func SendAt[T any](ctx context.Context, c *Client, method string, e Endpoint, body any) (*T, *Response, error) {
	if err := checkBody(e, body); err != nil {
		return nil, nil, err
	}
	v := new(T)
	resp, err := c.do(ctx, request{method: method, path: e.Path, query: e.Query, body: body}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// SearchAt posts the conditions of opts as the PSA's FilterValues body to
// e.Path (a .../search endpoint) and returns the matching page. Paging and
// fields stay in the URL, where the PSA reads them.
func SearchAt[T any](ctx context.Context, c *Client, e Endpoint, opts *ListOptions) ([]T, *Response, error) {
	if e.Err != nil {
		return nil, nil, e.Err
	}
	q, err := opts.values()
	if err != nil {
		return nil, nil, err
	}
	// The body is the spec's FilterValues, which spells two of its
	// members in lower case.
	body := map[string]string{}
	for k, member := range map[string]string{"conditions": "conditions", "childConditions": "childconditions", "customFieldConditions": "customfieldconditions", "orderBy": "orderBy"} {
		if v := q.Get(k); v != "" {
			body[member] = v
			q.Del(k)
		}
	}
	for k, vs := range e.Query {
		q[k] = vs
	}
	var out []T
	resp, err := c.do(ctx, request{method: http.MethodPost, path: e.Path, query: q, body: body, idempotent: true}, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// PatchAt applies JSON Patch operations to the object at e and returns it
// as the PSA answers.
func PatchAt[T any](ctx context.Context, c *Client, e Endpoint, ops ...PatchOp) (*T, *Response, error) {
	if e.Err != nil {
		return nil, nil, e.Err
	}
	if len(e.Query) == 0 {
		return patch[T](ctx, c, e.Path, ops)
	}
	if err := checkPatch(ops); err != nil {
		return nil, nil, err
	}
	v := new(T)
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: e.Path, query: e.Query, body: ops}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// DoAt sends body with method to e and discards any answer: DELETE, and
// actions the PSA answers with 204.
func DoAt(ctx context.Context, c *Client, method string, e Endpoint, body any) (*Response, error) {
	if err := checkBody(e, body); err != nil {
		return nil, err
	}
	return c.do(ctx, request{method: method, path: e.Path, query: e.Query, body: body}, nil)
}

// checkBody refuses a nil pointer, slice or map passed as a body: it would
// reach the PSA as the JSON null. A nil interface means "no body".
func checkBody(e Endpoint, body any) error {
	if e.Err != nil {
		return e.Err
	}
	if body == nil {
		return nil
	}
	switch rv := reflect.ValueOf(body); rv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if rv.IsNil() {
			return fmt.Errorf("connectwise: nil body for %s", e.Path)
		}
	}
	return checkRules(body, e.Check)
}

// maxDownload caps a downloaded document, image or PDF.
const maxDownload = 64 << 20

// DownloadAt returns the raw bytes at e: document downloads, thumbnails,
// images and invoice PDFs, which the PSA does not send as JSON.
func DownloadAt(ctx context.Context, c *Client, e Endpoint, opts *ListOptions) ([]byte, *Response, error) {
	r, err := c.endpointRequest(http.MethodGet, e, opts)
	if err != nil {
		return nil, nil, err
	}
	base, err := c.baseURL(ctx)
	if err != nil {
		return nil, nil, err
	}
	u := base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("connectwise: %w", err)
	}
	req.Header.Set("Authorization", c.cred.auth)
	req.Header.Set("clientId", c.cred.clientID)
	req.Header.Set("Accept", "*/*")
	hr, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	hr.Request = httpx.WithoutCredentials(hr.Request)
	resp := newResponse(hr)
	if err := CheckResponse(hr, c.secrets()...); err != nil {
		return nil, resp, err
	}
	defer httpx.DrainClose(hr.Body)
	b, err := io.ReadAll(io.LimitReader(hr.Body, maxDownload+1))
	switch {
	case err != nil:
		return nil, resp, fmt.Errorf("connectwise: GET %s: reading download: %w", req.URL.Path, err)
	case len(b) > maxDownload:
		return nil, resp, fmt.Errorf("connectwise: GET %s: download larger than %d MB", req.URL.Path, maxDownload>>20)
	}
	return b, resp, nil
}

// endpointRequest builds a GET with opts and e.Query on e.Path.
func (c *Client) endpointRequest(method string, e Endpoint, opts *ListOptions) (request, error) {
	if e.Err != nil {
		return request{}, e.Err
	}
	q, err := opts.values()
	if err != nil {
		return request{}, err
	}
	for k, vs := range e.Query {
		q[k] = vs
	}
	r := request{method: method, path: e.Path, query: q, route: e.Route}
	if opts != nil && opts.ForwardOnly {
		r.header = http.Header{"Pagination-Type": {"forward-only"}}
	}
	return r, nil
}

// QueryValue adds one operation-specific parameter to q, formatted as the
// PSA reads it: numbers and booleans bare, times in RFC 3339, and structs
// (the spec declares a few complex query parameters, such as the audit
// trail's request) flattened into one parameter per JSON property, as the
// PSA's ASP.NET model binding expects. A nil pointer adds nothing.
func QueryValue(q url.Values, name string, v any) error {
	if rv := reflect.ValueOf(v); !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return nil
	} else if rv.Kind() == reflect.Pointer {
		v = rv.Elem().Interface()
	}
	switch x := v.(type) {
	case string:
		q.Set(name, x)
		return nil
	case int:
		q.Set(name, strconv.Itoa(x))
		return nil
	case bool:
		q.Set(name, strconv.FormatBool(x))
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("connectwise: query parameter %s: %w", name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		// A scalar of a named type: send its JSON text without quotes.
		if string(b) != "null" {
			q.Set(name, strings.Trim(string(b), `"`))
		}
		return nil
	}
	for k, val := range m {
		switch y := val.(type) {
		case string:
			q.Set(k, y)
		case nil:
		case map[string]any, []any:
			return fmt.Errorf("connectwise: query parameter %s.%s is not a scalar", name, k)
		default:
			jb, _ := json.Marshal(y)
			q.Set(k, string(jb))
		}
	}
	return nil
}

// PathID formats a numeric path parameter; PathString escapes a textual
// one. Generated code builds every path with these two.
func PathID(id int) string { return strconv.Itoa(id) }

// PathString escapes s as one path segment.
func PathString(s string) string { return url.PathEscape(s) }

// Collection is a typed handle on one PSA collection path, for code that
// works with any resource generically (the generated packages give each
// operation its own named method; a Collection offers the same calls
// keyed by path). The zero value is not usable; build one with
// NewCollection.
type Collection[T any] struct {
	c    *Client
	path string
}

// NewCollection returns the collection at path (relative to apis/3.0/,
// e.g. "company/contacts" or "company/contacts/12/notes").
func NewCollection[T any](c *Client, path string) Collection[T] {
	return Collection[T]{c: c, path: strings.Trim(path, "/")}
}

// Path returns the collection's path.
func (l Collection[T]) Path() string { return l.path }

func (l Collection[T]) at(rest ...string) Endpoint {
	p := l.path
	for _, r := range rest {
		p += "/" + r
	}
	return Endpoint{Path: p, Searchable: l.path == ticketsPath || l.path == "project/tickets"}
}

// List returns one page.
func (l Collection[T]) List(ctx context.Context, opts *ListOptions) ([]T, *Response, error) {
	return ListAt[T](ctx, l.c, l.at(), opts)
}

// All walks every matching item lazily.
func (l Collection[T]) All(ctx context.Context, opts *ListOptions) iter.Seq2[T, error] {
	return AllAt[T](ctx, l.c, l.at(), opts)
}

// Count returns how many items match the conditions of opts (including
// CustomFieldConditions).
func (l Collection[T]) Count(ctx context.Context, opts *ListOptions) (int, *Response, error) {
	return CountAt(ctx, l.c, l.at("count"), opts)
}

// Get returns one item; opts may restrict Fields.
func (l Collection[T]) Get(ctx context.Context, id int, opts *ListOptions) (*T, *Response, error) {
	return GetAt[T](ctx, l.c, l.at(PathID(id)), opts)
}

// Create posts a new item. Only the fields set in v are sent, so the
// PSA's defaults apply to the rest. Fields whose cw tag (the generated
// models carry the spec's rules in one) says required or max=N are
// checked first; a failure is a *BodyError and nothing is sent.
func (l Collection[T]) Create(ctx context.Context, v *T) (*T, *Response, error) {
	if v == nil {
		return nil, nil, fmt.Errorf("connectwise: nil body for %s", l.path)
	}
	e := l.at()
	e.Check = CheckCreate
	return SendAt[T](ctx, l.c, http.MethodPost, e, v)
}

// Update replaces an item (PUT). The PSA resets what v leaves out; prefer
// Patch to change some fields. As for Create, the cw rules are checked
// first, including the fields required on updates.
func (l Collection[T]) Update(ctx context.Context, id int, v *T) (*T, *Response, error) {
	if v == nil {
		return nil, nil, fmt.Errorf("connectwise: nil body for %s/%d", l.path, id)
	}
	e := l.at(PathID(id))
	e.Check = CheckUpdate
	return SendAt[T](ctx, l.c, http.MethodPut, e, v)
}

// Patch changes some fields of an item with JSON Patch operations.
func (l Collection[T]) Patch(ctx context.Context, id int, ops ...PatchOp) (*T, *Response, error) {
	return PatchAt[T](ctx, l.c, l.at(PathID(id)), ops...)
}

// Delete deletes an item.
func (l Collection[T]) Delete(ctx context.Context, id int) (*Response, error) {
	return DoAt(ctx, l.c, http.MethodDelete, l.at(PathID(id)), nil)
}

// Search posts conditions to {path}/search (only service/tickets and
// project/tickets have one).
func (l Collection[T]) Search(ctx context.Context, opts *ListOptions) ([]T, *Response, error) {
	return SearchAt[T](ctx, l.c, l.at("search"), opts)
}
