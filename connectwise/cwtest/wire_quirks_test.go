package cwtest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

const forwardOnly = "pagination-type"

// An endpoint without forward-only support answers page 1 of navigable
// paging with no Link header at all; one with it ends with an empty Link.
func TestWithoutForwardOnly(t *testing.T) {
	srv, c := newAPI(t, WithoutForwardOnly("company/companies"))
	srv.AddTickets(3, nil)
	r := c.mustStatus(c.do(http.MethodGet, "company/companies?pageSize=2&orderBy=id", nil, forwardOnly, "forward-only"), 200)
	var page []map[string]any
	r.decode(t, &page)
	if len(page) != 2 {
		t.Fatalf("%d companies, want a full first page of 2", len(page))
	}
	if _, ok := r.header["Link"]; ok {
		t.Errorf("Link header %q on an endpoint without forward-only", r.header.Values("Link"))
	}
	// Page numbers still work there, with their links.
	if r := c.do(http.MethodGet, "company/companies?pageSize=2&page=2", nil); links(r.header)["prev"] == "" {
		t.Errorf("navigable paging lost its links: %v", r.header)
	}
	// Tickets support forward-only: next link, then an empty Link.
	r = c.mustStatus(c.do(http.MethodGet, "service/tickets?pageSize=2", nil, forwardOnly, "forward-only"), 200)
	next := links(r.header)["next"]
	if next == "" {
		t.Fatalf("no next link: %v", r.header)
	}
	r = c.mustStatus(c.do(http.MethodGet, next, nil, forwardOnly, "forward-only"), 200)
	if v, ok := r.header["Link"]; !ok || len(v) != 1 || v[0] != "" {
		t.Errorf("last forward-only page: Link %q, want present and empty", v)
	}
}

func TestRawCommasInLinks(t *testing.T) {
	srv, c := newAPI(t, WithRawCommasInLinks())
	srv.AddTickets(3, nil)
	for _, fo := range []string{"", "forward-only"} {
		r := c.mustStatus(c.do(http.MethodGet, "service/tickets?pageSize=1&fields=id,summary", nil, forwardOnly, fo), 200)
		h := r.header.Get("Link")
		if !strings.Contains(h, "fields=id,summary") || strings.Contains(h, "%2C") {
			t.Errorf("%q paging: Link %q, want raw commas", fo, h)
		}
	}
}

// The create happens, but the 201's body is cut off.
func TestFaultTruncateBody(t *testing.T) {
	srv, c := newAPI(t)
	srv.InjectFault(Fault{Method: http.MethodPost, PathContains: "service/tickets", TruncateBody: true, Times: 1})
	status, body, err := c.doRaw(http.MethodPost, "service/tickets", map[string]any{"summary": "cut", "company": map[string]any{"id": 2}})
	if status != http.StatusCreated || !errors.Is(err, io.ErrUnexpectedEOF) || json.Valid(body) {
		t.Errorf("status %d, read error %v, body %q: want 201 cut short", status, err, body)
	}
	if n := len(srv.Tickets()); n != 1 {
		t.Errorf("%d tickets stored, want the one created", n)
	}
	// Only once.
	c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "whole", "company": map[string]any{"id": 2}}), 201)
}
