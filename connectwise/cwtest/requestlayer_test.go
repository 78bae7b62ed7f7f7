package cwtest

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The behaviours of wire.go, as a third-party client sees them on the wire.

func TestForwardOnlyIgnoredWhereUnsupported(t *testing.T) {
	srv, c := newAPI(t, WithoutForwardOnly("company/companies"))
	var all, got []Company
	c.get("company/companies?pageSize=3", &all)
	// pageId is ignored: the answer is page 1 of page-number paging, with
	// no Link header at all.
	r := c.mustStatus(c.do(http.MethodGet, "company/companies?pageSize=3&pageId=2", nil, "pagination-type", "forward-only"), 200)
	r.decode(t, &got)
	if _, ok := r.header["Link"]; ok || len(got) != 3 || got[0].ID != all[0].ID {
		t.Fatalf("Link %q, %d companies from %d, want page 1 without Link", r.header.Values("Link"), len(got), got[0].ID)
	}
	// Tickets still do forward-only, and end it with an empty Link.
	srv.AddTickets(2, nil)
	r = c.mustStatus(c.do(http.MethodGet, "service/tickets?pageSize=5", nil, "pagination-type", "forward-only"), 200)
	if v, ok := r.header["Link"]; !ok || len(v) != 1 || v[0] != "" {
		t.Fatalf("last forward-only page: Link %q present=%v, want present and empty", v, ok)
	}
	// The default set names the audit trail.
	if !strings.Contains(strings.Join(DefaultNoForwardOnly, ","), "system/audittrail") {
		t.Fatal("audit trail missing from DefaultNoForwardOnly")
	}
}

func TestLooseLinkStyle(t *testing.T) {
	srv, c := newAPI(t, WithLinkStyle(LinkStyle{RawCommas: true, PageIDCase: "PageId", Relative: true, BareRel: true}))
	srv.AddTickets(3, nil)
	r := c.mustStatus(c.do(http.MethodGet, "service/tickets?pageSize=2&fields=id,summary", nil, "pagination-type", "forward-only"), 200)
	link := r.header.Get("Link")
	if !strings.HasPrefix(link, "</v2025_1/apis/3.0/service/tickets?") || !strings.Contains(link, "fields=id,summary") || !strings.Contains(link, "PageId=") || !strings.HasSuffix(link, "; rel=next") {
		t.Fatalf("Link = %q", link)
	}
}

// The search body carries filters only: fields and paging members of the
// body are ignored, the query string's are honoured.
func TestSearchBodyFieldsIgnored(t *testing.T) {
	srv, c := newAPI(t)
	srv.AddTickets(3, nil)
	var got []map[string]any
	c.mustStatus(c.do(http.MethodPost, "service/tickets/search", map[string]any{"conditions": "id > 0", "fields": "id", "pageSize": 1}), 200).decode(t, &got)
	if len(got) != 3 || got[0]["summary"] == nil {
		t.Fatalf("body fields/pageSize were applied: %v", got)
	}
	got = nil
	c.mustStatus(c.do(http.MethodPost, "service/tickets/search?fields=id&pageSize=1", map[string]any{"conditions": "id > 0"}), 200).decode(t, &got)
	if len(got) != 1 || len(got[0]) != 1 {
		t.Fatalf("query fields/pageSize were not applied: %v", got)
	}
}

func TestDatabaseTimeoutFault(t *testing.T) {
	srv, c := newAPI(t)
	srv.InjectFault(DatabaseTimeout(1))
	r := c.do(http.MethodGet, "service/tickets", nil)
	if r.status != 500 || string(r.body) != DatabaseTimeoutBody || r.err(t).Code != "ConnectWiseApi" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	c.mustStatus(c.do(http.MethodGet, "service/tickets", nil), 200)
}

func TestTruncatedSuccessFault(t *testing.T) {
	srv, c := newAPI(t)
	before := len(srv.Tickets())
	srv.InjectFault(TruncatedSuccess(1))
	status, _, err := c.doRaw(http.MethodPost, "service/tickets", map[string]any{"summary": "cut", "company": map[string]any{"id": srv.Companies()[0].ID}})
	if status != 201 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("status %d, read error %v; want 201 and an unexpected EOF", status, err)
	}
	if len(srv.Tickets()) != before+1 {
		t.Fatal("the create was not applied")
	}
}

func TestMoveCodebase(t *testing.T) {
	srv, c := newAPI(t)
	c.mustStatus(c.do(http.MethodGet, "/v2024_1/apis/3.0/system/info", nil), 200) // any codebase before a move
	srv.MoveCodebase("v2026_1")
	r := c.do(http.MethodGet, "system/info", nil)
	if r.status != 404 || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("old codebase: %d %s", r.status, r.header.Get("Content-Type"))
	}
	c.mustStatus(c.do(http.MethodGet, "/v2026_1/apis/3.0/system/info", nil), 200)
	var info map[string]any
	c.get("/login/companyinfo/"+companyID, &info)
	if info["Codebase"] != "v2026_1/" {
		t.Fatalf("companyinfo = %v", info)
	}
	// A missing record is the PSA's JSON 404.
	e := c.do(http.MethodGet, "/v2026_1/apis/3.0/service/tickets/987654", nil).err(t)
	if e.Code != "NotFound" || e.Message != "Ticket 987654 not found" {
		t.Fatalf("record 404 = %+v", e)
	}
}
