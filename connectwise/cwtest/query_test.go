package cwtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func seedTickets(srv *Server, n int) {
	srv.AddTickets(n, func(i int, t *Ticket) {
		t.ExternalXRef = "hd:" + strconv.Itoa(i)
		if i%2 == 1 {
			t.Board = &Ref{ID: 2} // Help Desk
		}
	})
}

func TestPageNumberPaging(t *testing.T) {
	srv, c := newAPI(t)
	seedTickets(srv, 2500)
	cond := url.QueryEscape(`externalXRef like "hd:%"`)

	var first []Ticket
	r := c.get("service/tickets?conditions="+cond+"&pageSize=1000", &first)
	l := links(r.header)
	if _, ok := l["first"]; ok {
		t.Errorf("page 1 has a first link: %v", l)
	}
	if _, ok := l["prev"]; ok {
		t.Errorf("page 1 has a prev link: %v", l)
	}
	if l["next"] == "" || l["last"] == "" {
		t.Fatalf("page 1 links = %v", l)
	}
	last, _ := url.Parse(l["last"])
	if last.Query().Get("page") != "3" || last.Query().Get("conditions") != `externalXRef like "hd:%"` || last.Scheme != "http" || last.Host == "" {
		t.Errorf("last link %s does not keep conditions or is not absolute", l["last"])
	}

	// Follow next links to the end, as a generic client would.
	seen := map[int]bool{}
	for _, tk := range first {
		seen[tk.ID] = true
	}
	next, pages := l["next"], 1
	for next != "" {
		var page []Ticket
		r := c.get(next, &page)
		pages++
		for _, tk := range page {
			if seen[tk.ID] {
				t.Fatalf("ticket %d seen twice", tk.ID)
			}
			seen[tk.ID] = true
		}
		l := links(r.header)
		if pages == 2 && (l["first"] == "" || l["prev"] == "" || l["next"] == "" || l["last"] == "") {
			t.Errorf("middle page links = %v", l)
		}
		if pages == 3 {
			if _, ok := l["next"]; ok {
				t.Errorf("last page has a next link: %v", l)
			}
			if len(page) != 500 {
				t.Errorf("last page has %d tickets", len(page))
			}
		}
		next = l["next"]
	}
	if pages != 3 || len(seen) != 2500 {
		t.Errorf("walked %d pages, %d tickets", pages, len(seen))
	}

	var past []Ticket
	r = c.get("service/tickets?page=99&pageSize=1000", &past)
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("page past the end = %s, want []", r.body)
	}
	var def []Ticket
	c.get("service/tickets", &def)
	if len(def) != 25 || def[0].ID != 1 || def[24].ID != 25 {
		t.Errorf("default page: %d tickets", len(def))
	}
	var big []Ticket
	r = c.get("service/tickets?pageSize=5000", &big)
	if len(big) != 1000 {
		t.Errorf("pageSize=5000 returned %d, want clamp to 1000", len(big))
	}
	if q, _ := url.Parse(links(r.header)["next"]); q.Query().Get("pageSize") != "1000" {
		t.Errorf("clamped next link %v", q)
	}
	if r := c.do(http.MethodGet, "service/tickets?page=two", nil); r.status != 400 || r.err(t).Code != "InvalidObject" {
		t.Errorf("page=two: %d %s", r.status, r.body)
	}
}

func TestForwardOnlyPaging(t *testing.T) {
	srv, c := newAPI(t)
	seedTickets(srv, 2500)
	fo := []string{"pagination-type", "forward-only"}
	url0 := "service/tickets?pageSize=1000&page=7&conditions=" + url.QueryEscape("board/name = 'Service Desk'")
	next, pages, total, lastID := url0, 0, 0, 0
	for next != "" {
		r := c.mustStatus(c.do(http.MethodGet, next, nil, fo...), 200)
		var page []Ticket
		r.decode(t, &page)
		pages++
		for _, tk := range page {
			if tk.ID <= lastID {
				t.Fatalf("ids not increasing: %d after %d", tk.ID, lastID)
			}
			if tk.Board.Name != "Service Desk" {
				t.Fatalf("ticket %d on %s", tk.ID, tk.Board.Name)
			}
			lastID = tk.ID
		}
		total += len(page)
		l := links(r.header)
		if n := l["next"]; n != "" {
			u, _ := url.Parse(n)
			if u.Query().Get("pageId") != strconv.Itoa(lastID) || u.Query().Get("conditions") == "" || u.Query().Has("page") {
				t.Errorf("next link %s", n)
			}
		}
		next = l["next"]
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if total != 1250 || pages != 2 {
		t.Errorf("forward-only: %d tickets in %d pages, want 1250 in 2", total, pages)
	}
	var after []Ticket
	c.mustStatus(c.do(http.MethodGet, "service/tickets?pageSize=10&pageId=2495", nil, fo...), 200).decode(t, &after)
	if len(after) != 5 || after[0].ID != 2496 {
		t.Errorf("pageId=2495 gave %d tickets starting at %v", len(after), after)
	}
	r := c.do(http.MethodGet, "service/tickets?orderBy=id+desc", nil, fo...)
	if r.status != 400 || r.err(t).Code != "InvalidObject" {
		t.Errorf("orderBy with forward-only: %d %s", r.status, r.body)
	}
	r = c.mustStatus(c.do(http.MethodGet, "service/tickets?pageId=999999", nil, fo...), 200)
	if strings.TrimSpace(string(r.body)) != "[]" || r.header.Get("Link") != "" {
		t.Errorf("past the end: %s, Link %q", r.body, r.header.Get("Link"))
	}
}

func TestCountAndSearch(t *testing.T) {
	srv, c := newAPI(t)
	seedTickets(srv, 300)
	var n struct{ Count int }
	c.get("service/tickets/count?conditions="+url.QueryEscape("board/id = 2"), &n)
	if n.Count != 150 {
		t.Errorf("count = %d, want 150", n.Count)
	}
	c.get("service/tickets/count", &n)
	if n.Count != 300 {
		t.Errorf("count = %d, want 300", n.Count)
	}
	var found []Ticket
	// Paging goes in the query string of a search, as on the PSA.
	r := c.mustStatus(c.do(http.MethodPost, "service/tickets/search?page=1&pageSize=2", map[string]any{
		"conditions": `board/id = 2 and externalXRef in ("hd:1", "hd:3", "hd:5", "hd:6")`,
		"orderBy":    "id desc",
	}), 200)
	r.decode(t, &found)
	if len(found) != 2 || found[0].ExternalXRef != "hd:5" || found[1].ExternalXRef != "hd:3" {
		t.Errorf("search found %+v", found)
	}
	if l := links(r.header); l["next"] == "" {
		t.Errorf("search Link = %v", l)
	}
	r = c.do(http.MethodPost, "service/tickets/search", map[string]any{"conditions": "id = "})
	if r.status != 400 {
		t.Errorf("bad search conditions: %d", r.status)
	}
	r = c.do(http.MethodPost, "service/tickets/search", "{not json")
	if r.status != 400 {
		t.Errorf("bad search body: %d", r.status)
	}
	var all []Ticket
	c.mustStatus(c.do(http.MethodPost, "company/companies/search", ""), 200).decode(t, &all)
	if len(all) != 8 {
		t.Errorf("empty search body returned %d companies", len(all))
	}
}

func TestConditions(t *testing.T) {
	srv, c := newAPI(t)
	for _, s := range []string{`say "hi"`, `it's`, `C:\temp\`, `100% sure`, `plain`} {
		s := s
		srv.AddTickets(1, func(_ int, t *Ticket) { t.Summary = s; t.ExternalXRef = s })
	}
	for _, tc := range []struct {
		cond string
		want []string
	}{
		{`summary = 'say "hi"'`, []string{`say "hi"`}},
		{`summary = "it's"`, []string{`it's`}},
		{`summary = "C:\temp\"`, []string{`C:\temp\`}},
		{`summary contains '\'`, []string{`C:\temp\`}},
		{`summary like "100[%]%"`, []string{`100% sure`}},
		{`externalXRef = "PLAIN"`, []string{`plain`}},
		{`board/name = "service desk" and (summary = "plain" or summary = "it's")`, []string{`it's`, `plain`}},
		{`company/identifier = "AcmeCorp" and summary not in ("plain", "it's", 'say "hi"', "100% sure")`, []string{`C:\temp\`}},
		{`status/name = "New" and closedFlag = false and summary like "%t%"`, []string{`it's`, `C:\temp\`}},
		{`_info/dateEntered > [2000-01-01T00:00:00Z] and priority/name like "Priority 3%" and summary = "plain"`, []string{"plain"}},
		{`type = null and summary = "plain"`, []string{"plain"}},
		{`board != null and summary = "plain"`, []string{"plain"}},
	} {
		var got []Ticket
		c.get("service/tickets?orderBy=id&conditions="+url.QueryEscape(tc.cond), &got)
		var sums []string
		for _, tk := range got {
			sums = append(sums, tk.Summary)
		}
		// Results come in id order; compare as sets of summaries.
		if strings.Join(sortStrings(sums), "|") != strings.Join(sortStrings(tc.want), "|") {
			t.Errorf("%s: got %q, want %q", tc.cond, sums, tc.want)
		}
	}
	for _, bad := range []string{`summary = "unterminated`, `summary ==  1`, `(id = 1`, `summary like 5`} {
		r := c.do(http.MethodGet, "service/tickets?conditions="+url.QueryEscape(bad), nil)
		e := r.err(t)
		if r.status != 400 || e.Code != "InvalidObject" || !strings.Contains(e.Message, "Expected") || !strings.Contains(e.Message, "position") {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	r := c.do(http.MethodGet, "service/tickets?conditions="+url.QueryEscape(`nosuch/field = 1`), nil)
	if e := r.err(t); r.status != 400 || e.Code != "InvalidObject" || !strings.Contains(e.Message, "nosuch/field") {
		t.Errorf("unknown field: %d %s", r.status, r.body)
	}
	r = c.do(http.MethodGet, "service/tickets/count?conditions="+url.QueryEscape(`id >`), nil)
	if r.status != 400 {
		t.Errorf("count with bad conditions: %d", r.status)
	}
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestOrderBy(t *testing.T) {
	srv, c := newAPI(t)
	seedTickets(srv, 6)
	var got []Ticket
	c.get("service/tickets?orderBy="+url.QueryEscape("board/name asc, id desc"), &got)
	var ids []int
	for _, tk := range got {
		ids = append(ids, tk.ID)
	}
	// Help Desk (even ids) sorts before Service Desk; ids descend within.
	if want := []int{6, 4, 2, 5, 3, 1}; !equalInts(ids, want) {
		t.Errorf("orderBy board/name asc, id desc = %v, want %v", ids, want)
	}
	var comps []Company
	c.get("company/companies?orderBy=identifier+DESC&pageSize=3", &comps)
	if len(comps) != 3 || comps[0].Identifier != "Umbrella" {
		t.Errorf("companies by identifier desc: %+v", comps)
	}
	for _, bad := range []string{"nosuch asc", "id sideways"} {
		if r := c.do(http.MethodGet, "service/tickets?orderBy="+url.QueryEscape(bad), nil); r.status != 400 {
			t.Errorf("orderBy %q: %d", bad, r.status)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFieldsPruning(t *testing.T) {
	srv, c := newAPI(t)
	seedTickets(srv, 3)
	r := c.get("service/tickets?fields="+url.QueryEscape("id,summary,status/id,_info/lastUpdated"), nil)
	var rows []map[string]json.RawMessage
	r.decode(t, &rows)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, row := range rows {
		if len(row) != 4 || row["id"] == nil || row["summary"] == nil {
			t.Errorf("row keys %v", keys(row))
		}
		var st map[string]any
		_ = json.Unmarshal(row["status"], &st)
		if len(st) != 1 || st["id"] == nil {
			t.Errorf("status pruned to %v", st)
		}
		var info map[string]any
		_ = json.Unmarshal(row["_info"], &info)
		if len(info) != 1 || info["lastUpdated"] == nil {
			t.Errorf("_info pruned to %v", info)
		}
	}
	var one map[string]any
	c.get("service/tickets/1?fields=id,board", &one)
	if len(one) != 2 || one["board"].(map[string]any)["name"] != "Service Desk" {
		t.Errorf("single record pruned to %v", one)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}
