package connectwise_test

// Issue 14, the request-layer items: real PSA behaviours the simulator
// used to hide. Each test fails on the code before the fix.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/internal/cwtestkit"
)

func companyIDs(t *testing.T, seq func(func(connectwise.Company, error) bool)) []int {
	t.Helper()
	var ids []int
	for co, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, co.ID)
	}
	return ids
}

// Item 1: an endpoint without forward-only support answers page 1 with no
// Link header. The walk must not end there: it starts over with page
// numbers before yielding anything, so nothing is lost or repeated.
func TestForwardOnlyUnsupportedFallsBackToPageNumbers(t *testing.T) {
	srv, c := newSim(t, cwtest.WithoutForwardOnly("company/companies"))
	ctx := context.Background()

	want := companyIDs(t, c.Companies.All(ctx, &connectwise.ListOptions{PageSize: 3}))
	if len(want) < 7 {
		t.Fatalf("seed has %d companies; the test needs more than two pages", len(want))
	}
	opts := &connectwise.ListOptions{ForwardOnly: true, PageSize: 3}
	srv.ResetRequests()
	got := companyIDs(t, c.Companies.All(ctx, opts))
	if !slices.Equal(got, want) {
		t.Fatalf("forward-only walk on an endpoint without it = %v, want %v", got, want)
	}
	if !opts.ForwardOnly || opts.Page != 0 {
		t.Fatalf("the caller's options were changed: %+v", opts)
	}
	// One ignored forward-only request, then ceil(n/3) pages.
	if n, pages := srv.CountRequests("GET", "company/companies"), 1+(len(want)+2)/3; n != pages {
		t.Errorf("requests = %d, want %d", n, pages)
	}

	// Resuming after an id keeps the meaning of pageId: id > PageID.
	got = companyIDs(t, c.Companies.All(ctx, &connectwise.ListOptions{ForwardOnly: true, PageSize: 3, PageID: want[2]}))
	if !slices.Equal(got, want[3:]) {
		t.Fatalf("resume after %d = %v, want %v", want[2], got, want[3:])
	}

	// A single page cannot fall back: it says so with a typed error.
	_, _, err := c.Companies.List(ctx, &connectwise.ListOptions{ForwardOnly: true, PageSize: 3})
	var fo *connectwise.ForwardOnlyUnsupportedError
	if !errors.As(err, &fo) || fo.Path != "company/companies" {
		t.Fatalf("List err = %v, want *ForwardOnlyUnsupportedError", err)
	}
	// A short first page is the whole list whatever the paging.
	page, _, err := c.Companies.List(ctx, &connectwise.ListOptions{ForwardOnly: true, PageSize: 1000})
	if err != nil || len(page) != len(want) {
		t.Fatalf("short page: %d companies, %v", len(page), err)
	}
}

// Item 1: endpoints that do forward-only end the walk with an empty Link
// header, and a walk that is complete on a page boundary still ends.
func TestForwardOnlyExactMultipleOfPageSize(t *testing.T) {
	srv, c := newSim(t, cwtest.WithoutSeedData())
	srv.AddTickets(6, nil)
	n := 0
	for _, err := range c.Tickets.All(context.Background(), &connectwise.ListOptions{ForwardOnly: true, PageSize: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 6 || srv.CountRequests("GET", "service/tickets") != 2 {
		t.Fatalf("walked %d tickets in %d requests, want 6 in 2", n, srv.CountRequests("GET", "service/tickets"))
	}
}

// Item 1: next links written loosely — commas unencoded, "PageId",
// relative, bare rel — are still followed to the end.
func TestForwardOnlyLooseNextLinks(t *testing.T) {
	srv, c := newSim(t, cwtest.WithoutSeedData(), cwtest.WithLinkStyle(cwtest.LinkStyle{RawCommas: true, PageIDCase: "PageId", Relative: true, BareRel: true}))
	srv.AddTickets(7, nil)
	var ids []int
	for tk, err := range c.Tickets.All(context.Background(), &connectwise.ListOptions{ForwardOnly: true, PageSize: 2, Fields: "id,summary"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	if len(ids) != 7 {
		t.Fatalf("walked %v, want 7 tickets", ids)
	}
	// The link really was loose, or this test proves nothing.
	_, resp, err := c.Tickets.List(context.Background(), &connectwise.ListOptions{ForwardOnly: true, PageSize: 2, Fields: "id,summary"})
	if err != nil {
		t.Fatal(err)
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, "fields=id,summary") || !strings.Contains(link, "PageId=") || strings.Contains(link, "://") || resp.NextPageID == 0 {
		t.Fatalf("Link %q, NextPageID %d", link, resp.NextPageID)
	}
}

// Item 1: the Link header of page-number paging, parsed per RFC 8288.
func TestPageLinksParsedPerRFC8288(t *testing.T) {
	c, mt := setup(t)
	mt.RegisterResponder("GET", testBase+"service/tickets", jsonResponder(200, `[{"id":1}]`, "Link",
		`<?fields=id,summary&Page=2&pageSize=1>; TITLE="a, b; <c>"; REL=next, </v2025_1/apis/3.0/service/tickets?page=5&pageSize=1>; rel="LAST first"`))
	_, resp, err := c.Tickets.List(context.Background(), &connectwise.ListOptions{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if resp.NextPage != 2 || resp.LastPage != 5 || resp.FirstPage != 5 {
		t.Fatalf("next %d last %d first %d", resp.NextPage, resp.LastPage, resp.FirstPage)
	}
}

// Item 4: the search body carries the filters only; fields and paging go
// in the query string, where the PSA reads them.
func TestSearchKeepsFieldsAndPagingInQuery(t *testing.T) {
	c, mt := setup(t)
	var body map[string]any
	var query url.Values
	mt.RegisterResponder("POST", `=~^`+testBase+`service/tickets/search`, func(r *http.Request) (*http.Response, error) {
		query = r.URL.Query()
		_ = json.NewDecoder(r.Body).Decode(&body)
		return jsonResponder(200, `[]`)(r)
	})
	keys := make([]string, 150)
	for i := range keys {
		keys[i] = fmt.Sprintf("heimdal:customer-%04d:alert", i)
	}
	_, _, err := c.Tickets.List(context.Background(), &connectwise.ListOptions{
		Conditions: connectwise.Where("externalXRef in ?", keys), OrderBy: "id desc", Fields: "id,externalXRef", Page: 2, PageSize: 50,
		ChildConditions: connectwise.Where("x = 1"), CustomFieldConditions: connectwise.Where("y = 2"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if query.Get("fields") != "id,externalXRef" || query.Get("page") != "2" || query.Get("pageSize") != "50" {
		t.Errorf("query = %v", query)
	}
	if len(body) != 4 || body["childconditions"] != "x = 1" || body["customfieldconditions"] != "y = 2" {
		t.Errorf("search body = %v, want the four FilterValues members only", body)
	}
	if query.Has("conditions") || query.Has("orderBy") || query.Has("childConditions") {
		t.Errorf("filters left in the query: %v", query)
	}
	if body["orderBy"] != "id desc" || body["conditions"] == nil {
		t.Errorf("body = %v", body)
	}
}

// Item 4 over the simulator, which ignores a fields member of the body as
// the PSA's model binding does: a long-conditions list still comes back
// projected.
func TestSearchFieldsHonouredBySimulator(t *testing.T) {
	srv, c := newSim(t, cwtest.WithoutSeedData())
	first := srv.AddTickets(3, func(i int, tk *cwtest.Ticket) { tk.ExternalXRef = fmt.Sprintf("k:%d", i) })
	keys := make([]string, 150)
	for i := range keys {
		keys[i] = fmt.Sprintf("k:%d", i)
	}
	got, _, err := c.Tickets.List(context.Background(), &connectwise.ListOptions{Conditions: connectwise.Where("externalXRef in ?", keys), Fields: "id,externalXRef"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.CountRequests("POST", "service/tickets/search") != 1 {
		t.Fatal("the list did not go through search")
	}
	if len(got) != 3 || got[0].ID != first || got[0].ExternalXRef != "k:0" || got[0].Summary != "" {
		t.Fatalf("got %+v, want 3 tickets with only id and externalXRef", got)
	}
}

// Item 6: a read that meets the PSA's database-timeout 500 is retried; a
// write is not, and stays outcome-unknown; another 500 is not retried.
func TestDatabaseTimeoutRetriedForReadsOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := cwtest.NewUnstartedServer()
		c := cwtestkit.MemClient(t, srv, connectwise.WithRetry(3, 100*time.Millisecond, time.Second))
		ctx := context.Background()
		id := srv.AddTickets(1, nil)
		if _, _, err := c.System.Info(ctx); err != nil { // discovery out of the way
			t.Fatal(err)
		}

		f := cwtest.DatabaseTimeout(2)
		f.Method = "GET"
		srv.InjectFault(f)
		srv.ResetRequests()
		if _, _, err := c.Tickets.Get(ctx, id); err != nil {
			t.Fatalf("GET after two database timeouts: %v", err)
		}
		if n := srv.CountRequests("GET", "service/tickets"); n != 3 {
			t.Errorf("GET sent %d times, want 3", n)
		}

		// A search POST only reads.
		keys := make([]string, 150)
		for i := range keys {
			keys[i] = fmt.Sprintf("nothing:%d", i)
		}
		f = cwtest.DatabaseTimeout(1)
		f.PathContains = "/search"
		srv.InjectFault(f)
		if _, _, err := c.Tickets.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("externalXRef in ?", keys)}); err != nil {
			t.Fatalf("search after a database timeout: %v", err)
		}

		f = cwtest.DatabaseTimeout(1)
		f.Method = "POST"
		srv.InjectFault(f)
		srv.ResetRequests()
		before := len(srv.Tickets())
		_, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: "x", Company: connectwise.Ref{ID: srv.Companies()[0].ID}})
		if !connectwise.IsOutcomeUnknown(err) || srv.CountRequests("POST", "service/tickets") != 1 || len(srv.Tickets()) != before {
			t.Fatalf("create: %v after %d requests", err, srv.CountRequests("POST", "service/tickets"))
		}

		srv.InjectFault(cwtest.Fault{Method: "GET", Status: 500, Times: 1, Body: `{"code":"ConnectWiseApi","message":"Error converting value \"x\" to type 'y'. Path 'z', line 1, position 1."}`})
		srv.ResetRequests()
		_, _, err = c.Tickets.Get(ctx, id)
		var ce *connectwise.Error
		if !errors.As(err, &ce) || ce.StatusCode != 500 || srv.CountRequests("GET", "service/tickets") != 1 {
			t.Fatalf("other 500: %v after %d requests", err, srv.CountRequests("GET", "service/tickets"))
		}
	})
}

// Item 9: a create answered 201 whose body is cut off was applied; the
// caller must look it up, not create it again.
func TestTruncatedCreateIsOutcomeUnknown(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	srv.AddTickets(1, nil)
	before := len(srv.Tickets())
	f := cwtest.TruncatedSuccess(1)
	f.Method = "POST"
	srv.InjectFault(f)
	_, resp, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: "cut off", Company: connectwise.Ref{ID: srv.Companies()[0].ID}})
	var de *connectwise.DecodeError
	if !connectwise.IsOutcomeUnknown(err) || !errors.As(err, &de) || resp == nil || resp.StatusCode != 201 {
		t.Fatalf("err = %v (resp %v), want outcome unknown wrapping a decode error", err, resp)
	}
	if len(srv.Tickets()) != before+1 {
		t.Fatal("the create did not happen on the server; the fault proves nothing")
	}
	// A read with a cut-off body is a plain decode error: nothing to look up.
	f = cwtest.TruncatedSuccess(1)
	f.Method = "GET"
	srv.InjectFault(f)
	_, _, err = c.Tickets.Get(ctx, srv.Tickets()[0].ID)
	if !errors.As(err, &de) || connectwise.IsOutcomeUnknown(err) {
		t.Fatalf("GET err = %v, want a decode error only", err)
	}
}

// Item 9 with httpmock: a body that breaks mid-read after a 201.
func TestCreateBodyReadErrorIsOutcomeUnknown(t *testing.T) {
	c, mt := setup(t)
	mt.RegisterResponder("POST", testBase+"service/tickets", func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(201, "")
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"id":42,"summ`), errReader{}))
		return resp, nil
	})
	_, _, err := c.Tickets.Create(context.Background(), &connectwise.Ticket{Summary: "x", Company: connectwise.Ref{ID: 1}})
	var ou *connectwise.OutcomeUnknownError
	if !errors.As(err, &ou) || ou.StatusCode != 201 || ou.Method != "POST" {
		t.Fatalf("err = %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// Item 14: the PSA's own 404 for a missing record costs one request; a
// moved codebase is found again and the request repeated there.
func TestNotFoundRediscoversOnlyForMovedCodebase(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	srv.AddTickets(1, nil)
	if _, _, err := c.System.Info(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	for range 3 {
		if _, _, err := c.Tickets.Get(ctx, 987654); !connectwise.IsNotFound(err) {
			t.Fatalf("err = %v", err)
		}
	}
	if n, d := srv.CountRequests("", ""), srv.CountRequests("GET", "companyinfo"); n != 3 || d != 0 {
		t.Fatalf("3 missing records cost %d requests (%d discoveries), want 3 (0)", n, d)
	}

	srv.MoveCodebase("v2026_1/")
	srv.ResetRequests()
	tk := srv.Tickets()[0]
	got, _, err := c.Tickets.Get(ctx, tk.ID)
	if err != nil || got.ID != tk.ID {
		t.Fatalf("after a move: %v", err)
	}
	if d, api := srv.CountRequests("GET", "companyinfo"), srv.CountRequests("GET", "/v2026_1/apis/3.0/"); d != 1 || api != 1 {
		t.Fatalf("discoveries %d, requests on the new codebase %d; want 1 and 1", d, api)
	}
}

// Item 14: 404s that are not the PSA's and find the codebase unchanged
// do not rediscover on every request.
func TestForeign404RediscoversAtMostOncePerWindow(t *testing.T) {
	c, mt := setup(t)
	mt.RegisterResponder("GET", testBase+"service/tickets/1", httpmock.NewStringResponder(404, `<html>Not Found</html>`))
	for range 3 {
		if _, _, err := c.Tickets.Get(context.Background(), 1); !connectwise.IsNotFound(err) {
			t.Fatalf("err = %v", err)
		}
	}
	// One discovery on first use, one rediscovery for the first 404.
	if n := mt.GetCallCountInfo()["GET "+testOrigin+"/login/companyinfo/acme"]; n != 2 {
		t.Fatalf("companyinfo asked %d times, want 2", n)
	}
	if n := mt.GetCallCountInfo()["GET "+testBase+"service/tickets/1"]; n != 3 {
		t.Fatalf("ticket asked %d times, want 3 (no repeat when the codebase is unchanged)", n)
	}
}

// Item 6 through Raw: a POST .../search is a read wherever it is built.
func TestRawSearchIsARead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := cwtest.NewUnstartedServer()
		c := cwtestkit.MemClient(t, srv, connectwise.WithRetry(3, 100*time.Millisecond, time.Second))
		f := cwtest.DatabaseTimeout(1)
		f.PathContains = "/search"
		srv.InjectFault(f)
		var out []connectwise.Ticket
		if _, err := c.Raw(context.Background(), http.MethodPost, "service/tickets/search", nil, map[string]string{"conditions": "id > 0"}, &out); err != nil {
			t.Fatalf("raw search after a database timeout: %v", err)
		}
		if n := srv.CountRequests("POST", "/search"); n != 2 {
			t.Fatalf("search sent %d times, want 2", n)
		}
	})
}

// Item 1 for the generated API: ListAt with operation-specific parameters
// builds its own request, and must refuse a full page that ignored
// forward-only paging just as List does.
func TestListAtWithParamsRefusesIgnoredForwardOnly(t *testing.T) {
	_, c := newSim(t, cwtest.WithoutForwardOnly("company/companies"))
	e := connectwise.Endpoint{Path: "company/companies", Query: url.Values{"extra": {"1"}}}
	_, _, err := connectwise.ListAt[connectwise.Company](context.Background(), c, e, &connectwise.ListOptions{ForwardOnly: true, PageSize: 3})
	var fo *connectwise.ForwardOnlyUnsupportedError
	if !errors.As(err, &fo) || fo.Path != "company/companies" {
		t.Fatalf("ListAt err = %v, want *ForwardOnlyUnsupportedError", err)
	}
}
