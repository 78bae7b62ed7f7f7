package heimdal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"

	"github.com/google/go-querystring/query"

	"github.com/psabridge/psabridge/internal/apiclient"
)

// DefaultPageSize is the page size the All iterators request when the
// options leave PageSize at 0.
const DefaultPageSize = 200

// MaxPageSize is the largest page the iterators request. Heimdal documents
// no maximum; community tooling pages by 1,000 without trouble.
const MaxPageSize = 1000

// ListOptions pages a list call. The zero value asks for the first page in
// the server's default size.
type ListOptions struct {
	// PageNumber is 1-based; 0 means 1.
	PageNumber int `url:"pageNumber,omitempty"`
	// PageSize is the number of items per page; 0 means the server default
	// for List and DefaultPageSize for All.
	PageSize int `url:"pageSize,omitempty"`
}

// page returns the paging part of a list's options: o itself, and the
// embedded ListOptions of the options that extend it.
func (o *ListOptions) page() *ListOptions { return o }

// pager is a list's options: ListOptions, or a struct that embeds it.
type pager[O any] interface {
	*O
	page() *ListOptions
}

// orZero returns *opts, or the zero options when opts is nil.
func orZero[O any](opts *O) O {
	if opts == nil {
		var zero O
		return zero
	}
	return *opts
}

// allPages walks every page of a list lazily. opts is not modified, and
// each page is asked for with its own copy of it, so one Seq can be
// ranged concurrently.
func allPages[T, O any, P pager[O]](opts P, list func(P) ([]T, *Response, error)) iter.Seq2[T, error] {
	o := orZero[O](opts)
	return walk(*P(&o).page(), func(p ListOptions) ([]T, *Response, error) {
		page := o
		*P(&page).page() = p
		return list(&page)
	})
}

func (o ListOptions) check() error {
	if o.PageNumber < 0 {
		return fmt.Errorf("heimdal: PageNumber %d is negative", o.PageNumber)
	}
	if o.PageSize < 0 || o.PageSize > MaxPageSize {
		return fmt.Errorf("heimdal: PageSize %d is outside 1..%d", o.PageSize, MaxPageSize)
	}
	return nil
}

// errNoCustomer is returned by calls made without a customer: every Heimdal
// endpoint is scoped by customerId, even for a reseller's own data.
var errNoCustomer = errors.New("heimdal: customerID is required (use the reseller's own id to list its customers)")

// values encodes opts (a pointer to an options struct, possibly nil) with
// go-querystring and adds the customerId every endpoint requires.
func values(customerID string, opts any) (url.Values, error) {
	if customerID == "" {
		return nil, errNoCustomer
	}
	q, err := query.Values(opts)
	if err != nil {
		return nil, fmt.Errorf("heimdal: encoding options: %w", err)
	}
	q.Set("customerId", customerID)
	return q, nil
}

// page is Heimdal's list body. Some failures come back as 200 with only a
// "message", so the fields are pointers to tell "absent" from "empty".
type page[T any] struct {
	Items      *[]T    `json:"items"`
	TotalCount *int    `json:"totalCount"`
	Message    *string `json:"message"`
}

// pageBody decodes either {items, totalCount} or a bare JSON array, the
// shape of some older Heimdal endpoints.
type pageBody[T any] struct {
	items []T
	total int
	// paged is false for a bare array, which cannot be paged further.
	paged bool
	// message is set when the body held a message and no items.
	message string
}

// UnmarshalJSON accepts both body shapes.
func (p *pageBody[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &p.items); err != nil {
			return err
		}
		p.total = len(p.items)
		return nil
	}
	var pg page[T]
	if err := json.Unmarshal(b, &pg); err != nil {
		return err
	}
	if pg.Items == nil && pg.Message != nil {
		p.message = *pg.Message
		return nil
	}
	if pg.Items != nil {
		p.items = *pg.Items
	}
	p.paged = true
	p.total = len(p.items)
	if pg.TotalCount != nil {
		p.total = *pg.TotalCount
	}
	return nil
}

// list fetches one page from path.
func list[T any](ctx context.Context, c *Client, path string, q url.Values, lo ListOptions) ([]T, *Response, error) {
	if err := lo.check(); err != nil {
		return nil, nil, err
	}
	var body pageBody[T]
	resp, err := c.get(ctx, path, q, &body)
	if err != nil {
		return nil, resp, err
	}
	if body.message != "" {
		return nil, resp, &Error{API: "heimdal", StatusCode: resp.StatusCode, Message: body.message, Method: http.MethodGet, Path: path}
	}
	resp.TotalCount = body.total
	resp.PageNumber = max(lo.PageNumber, 1)
	resp.PageSize = lo.PageSize
	if body.paged && len(body.items) > 0 {
		size := lo.PageSize
		if size == 0 {
			// Unknown server default: assume this page was a full one.
			size = len(body.items)
		}
		if resp.PageNumber*size < body.total {
			resp.NextPage = resp.PageNumber + 1
		}
	}
	return body.items, resp, nil
}

// walk pages through every result lazily, starting at lo's page. It works on
// its own copy of the paging fields; fetch receives the page to load.
func walk[T any](lo ListOptions, fetch func(ListOptions) ([]T, *Response, error)) iter.Seq2[T, error] {
	if lo.PageSize == 0 {
		lo.PageSize = DefaultPageSize
	}
	return apiclient.Walk("heimdal", max(lo.PageNumber, 1), func(n int) ([]T, int, error) {
		lo.PageNumber = n
		items, resp, err := fetch(lo)
		if err != nil {
			return nil, 0, err
		}
		return items, resp.NextPage, nil
	})
}
