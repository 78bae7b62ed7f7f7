package infima_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
)

func TestClientsAllWalksPast50OnTheWire(t *testing.T) {
	c, mt := mockClient(t)
	rec := &recorder{}
	mt.RegisterResponder("GET", base+"/v1/clients", pagedResponder(t, rec, 137, companyJSON))

	opts := &infima.ClientListOptions{}
	before := *opts
	var ids []int
	for co, err := range c.Clients.All(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, co.ID)
	}
	if len(ids) != 137 || ids[0] != 1 || ids[136] != 137 {
		t.Fatalf("walked %d clients (%v...)", len(ids), ids[:min(3, len(ids))])
	}
	if *opts != before {
		t.Fatalf("caller's options changed: %+v", *opts)
	}
	var queries []string
	for _, r := range rec.all() {
		queries = append(queries, r.URL.RawQuery)
		if r.Header.Get("X-API-Key") != testKey {
			t.Fatal("request without key")
		}
	}
	want := []string{"limit=50", "limit=50&offset=50", "limit=50&offset=100"}
	if len(queries) != len(want) {
		t.Fatalf("queries %q, want %q", queries, want)
	}
	for i := range want {
		if queries[i] != want[i] {
			t.Fatalf("queries %q, want %q", queries, want)
		}
	}
}

func TestListClampsLimitAndKeepsOptions(t *testing.T) {
	c, mt := mockClient(t)
	rec := &recorder{}
	mt.RegisterResponder("GET", base+"/v1/clients", pagedResponder(t, rec, 137, companyJSON))
	opts := &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: 500, Offset: 130}}
	items, resp, err := c.Clients.List(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.all()[0].URL.Query().Get("limit"); got != "50" {
		t.Fatalf("sent limit=%s", got)
	}
	if opts.Limit != 500 || opts.Offset != 130 {
		t.Fatalf("options mutated: %+v", opts)
	}
	if len(items) != 7 || resp.Total != 137 || resp.NextOffset != 0 || resp.Offset != 130 || resp.Limit != 50 {
		t.Fatalf("items %d resp %+v", len(items), resp)
	}
	co := items[0]
	if co.Name != "Client 131" || co.UserCount != 10 || co.InactiveUserCount != 1 || *co.PhishingClickRateTotal != 25 ||
		*co.PhishingClickRateLastYear != 12.5 || *co.TrainingOnTrackRate != 80 || co.CreatedDate.Format("2006-01-02") != "2021-03-04" {
		t.Fatalf("decoded %+v", co)
	}

	// A custom page size is honoured by the iterator, and negative values
	// are never sent.
	rec2 := &recorder{}
	mt.RegisterResponder("GET", base+"/v1/clients", pagedResponder(t, rec2, 137, companyJSON))
	n := 0
	for _, err := range c.Clients.All(context.Background(), &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: 30, Offset: -5}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 137 || len(rec2.all()) != 5 {
		t.Fatalf("%d items in %d requests", n, len(rec2.all()))
	}
	for _, r := range rec2.all() {
		if r.URL.Query().Get("limit") != "30" || r.URL.Query().Get("offset") == "-5" {
			t.Fatalf("query %q", r.URL.RawQuery)
		}
	}
}

func TestClientsAllAgainstSimulator(t *testing.T) {
	c, srv := simClient(t, []infimatest.Option{infimatest.WithClients(137, 1)})
	ctx := context.Background()
	seen := map[int]bool{}
	for co, err := range c.Clients.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[co.ID] {
			t.Fatalf("client %d twice", co.ID)
		}
		seen[co.ID] = true
	}
	if len(seen) != 137 || srv.CountRequests("", "/v1/clients") != 3 || srv.MaxLimitSeen() != 50 {
		t.Fatalf("%d clients in %d requests, max limit %d", len(seen), srv.CountRequests("", "/v1/clients"), srv.MaxLimitSeen())
	}

	// Stopping early stops fetching.
	srv.ResetRequests()
	n := 0
	for _, err := range c.Clients.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	if len(srv.Requests()) != 1 {
		t.Fatalf("%d requests for 10 clients", len(srv.Requests()))
	}
}

func TestClientsAllYieldsErrorOnce(t *testing.T) {
	c, mt := mockClient(t)
	rec := &recorder{}
	ok := pagedResponder(t, rec, 137, companyJSON)
	mt.RegisterResponder("GET", base+"/v1/clients", func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("offset") == "50" {
			return httpmock.NewStringResponse(500, `{"message":"boom"}`), nil
		}
		return ok(req)
	})
	var n, errs int
	for _, err := range c.Clients.All(context.Background(), nil) {
		if err != nil {
			errs++
			var apiErr *infima.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Message != "boom" {
				t.Fatalf("err %v", err)
			}
			continue
		}
		n++
	}
	if n != 50 || errs != 1 {
		t.Fatalf("%d items, %d errors", n, errs)
	}
}

func TestFind(t *testing.T) {
	c, srv := simClient(t, []infimatest.Option{infimatest.WithClients(120, 1)})
	ctx := context.Background()
	co, _, err := c.Clients.Find(ctx, 101)
	if err != nil || co.ID != 101 {
		t.Fatalf("Find(101) = %+v, %v", co, err)
	}
	if srv.CountRequests("", "/v1/clients") != 3 {
		t.Fatalf("%d requests", srv.CountRequests("", "/v1/clients"))
	}
	_, _, err = c.Clients.Find(ctx, 9999)
	if !errors.Is(err, infima.ErrNotFound) || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Find(9999) err %v", err)
	}
}
