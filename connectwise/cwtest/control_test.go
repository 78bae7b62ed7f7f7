package cwtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestRateLimit(t *testing.T) {
	// A frozen clock makes the limiter deterministic: no token refills.
	srv, c := newAPI(t, WithRateLimit(0.5, 2), WithClock(fixedClock()))
	c.get("system/info", nil)
	c.get("system/info", nil)
	r := c.do(http.MethodGet, "system/info", nil)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("third request: %d", r.status)
	}
	if ra := r.header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After = %q, want 2 (ceil of 1/0.5 s)", ra)
	}
	if got := string(r.body); got != `{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 2 seconds."}` {
		t.Errorf("429 body = %s", got)
	}
	// Rejected requests do not consume tokens, so the wait does not grow.
	r = c.do(http.MethodGet, "system/info", nil)
	if r.status != 429 || r.header.Get("Retry-After") != "2" {
		t.Errorf("second rejection: %d %s", r.status, r.header.Get("Retry-After"))
	}
	srv.SetRateLimit(0, 0)
	c.get("system/info", nil)
	srv.SetRateLimit(1000, 1)
	c.get("system/info", nil)
	if r := c.do(http.MethodGet, "system/info", nil); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("sub-second wait: %d Retry-After %q, want 429 and 1", r.status, r.header.Get("Retry-After"))
	}
	if n := srv.CountRequests("GET", "system/info"); n != 7 {
		t.Errorf("CountRequests = %d, want 7 (429s included)", n)
	}
}

func TestRateLimitRecovers(t *testing.T) {
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, c := newAPI(t, WithRateLimit(1, 1), WithClock(clock))
	c.get("system/info", nil)
	if r := c.do(http.MethodGet, "system/info", nil); r.status != 429 {
		t.Fatalf("no 429: %d", r.status)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	c.get("system/info", nil)
}

func TestInjectedStatusFaults(t *testing.T) {
	srv, c := newAPI(t)
	srv.InjectFault(Fault{Method: "GET", PathContains: "/Service/Tickets", Status: 503, RetryAfter: "7", Times: 2})
	for i := range 2 {
		r := c.do(http.MethodGet, "service/tickets", nil)
		if r.status != 503 || r.header.Get("Retry-After") != "7" || r.err(t).Code != "ConnectWiseApi" {
			t.Errorf("fault %d: %d %s", i, r.status, r.body)
		}
	}
	c.get("service/tickets", nil) // Times exhausted
	c.get("service/boards", nil)  // never matched

	srv.InjectFault(Fault{Status: 429})
	r := c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": 2}})
	if r.status != 429 || string(r.body) != `{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."}` {
		t.Errorf("429 storm: %d %s", r.status, r.body)
	}
	if len(srv.Tickets()) != 0 {
		t.Error("a faulted request was processed")
	}
	if r := c.do(http.MethodGet, "system/info", nil); r.status != 429 {
		t.Errorf("Times 0 must persist: %d", r.status)
	}
	srv.ClearFaults()
	srv.InjectFault(Fault{Method: "PATCH", Status: 502, Body: "<html>Bad Gateway</html>", Times: 1})
	if r := c.do(http.MethodPatch, "service/tickets/1", "[]"); r.status != 502 || string(r.body) != "<html>Bad Gateway</html>" {
		t.Errorf("custom body: %d %s", r.status, r.body)
	}
}

func TestDropAfterWrite(t *testing.T) {
	srv, c := newAPI(t)
	srv.InjectFault(Fault{Method: "POST", PathContains: "service/tickets", DropAfterWrite: true, Times: 1})
	body, _ := json.Marshal(map[string]any{"summary": "Ransomware blocked", "company": map[string]any{"id": 2}, "externalXRef": "heimdal:rep:1"})
	req, _ := http.NewRequest(http.MethodPost, c.base+"service/tickets", bytes.NewReader(body))
	req.Header = c.header.Clone()
	resp, err := c.hc.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("client got a response (%d) through a dropped connection", resp.StatusCode)
	}
	// The write happened all the same.
	tks := srv.Tickets()
	if len(tks) != 1 || tks[0].ExternalXRef != "heimdal:rep:1" {
		t.Fatalf("tickets after the drop: %+v", tks)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; !last.Dropped || last.Status != 201 || last.Method != "POST" {
		t.Errorf("log entry %+v", last)
	}
	// The fault was used up; the lookup a careful client does next works.
	var found []Ticket
	c.get("service/tickets?conditions="+urlq(`externalXRef = "heimdal:rep:1"`), &found)
	if len(found) != 1 {
		t.Errorf("lookup found %d", len(found))
	}
}

func TestTransportDropAfterWrite(t *testing.T) {
	srv := NewUnstartedServer()
	hc := &http.Client{Transport: srv.Transport()}
	srv.InjectFault(Fault{DropAfterWrite: true, Times: 1})
	req, _ := http.NewRequest(http.MethodPost, "http://cw.invalid/v2025_1/apis/3.0/service/tickets",
		strings.NewReader(`{"summary":"in memory","company":{"id":2}}`))
	req.Header = clientFor(t, srv).header
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("no error from a dropped in-memory request")
	}
	if len(srv.Tickets()) != 1 {
		t.Error("write not applied")
	}
}

func TestRequestLog(t *testing.T) {
	srv, c := newAPI(t, WithRequestLogSize(3))
	for i := range 5 {
		c.get("service/boards?page="+strconv.Itoa(i+1), nil)
	}
	c.do(http.MethodGet, "service/tickets/42", nil)
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("ring holds %d", len(reqs))
	}
	if reqs[0].RawQuery != "page=4" || reqs[2].Path != "/v2025_1/apis/3.0/service/tickets/42" || reqs[2].Status != 404 || reqs[2].Time.IsZero() {
		t.Errorf("ring = %+v", reqs)
	}
	if n := srv.CountRequests("get", "SERVICE/BOARDS"); n != 5 {
		t.Errorf("CountRequests(boards) = %d, want 5 beyond the ring size", n)
	}
	if n := srv.CountRequests("", ""); n != 6 {
		t.Errorf("CountRequests(all) = %d", n)
	}
	if n := srv.CountRequests("POST", ""); n != 0 {
		t.Errorf("CountRequests(POST) = %d", n)
	}
	srv.ResetRequests()
	if len(srv.Requests()) != 0 || srv.CountRequests("", "") != 0 {
		t.Error("ResetRequests kept entries")
	}
}

func TestLatencyInSyncTest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := NewUnstartedServer(WithLatency(3 * time.Second))
		hc := &http.Client{Transport: srv.Transport()}
		req, _ := http.NewRequest(http.MethodGet, "http://cw.invalid/v2025_1/apis/3.0/system/info", nil)
		req.Header = clientFor(t, srv).header
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("latency %v, want 3s", d)
		}
		// A cancelled request stops waiting at once.
		srv.SetLatency(time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		resp, err = hc.Do(req.WithContext(ctx))
		if err == nil {
			resp.Body.Close()
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("cancelled request waited %v", d)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	srv, c := newAPI(t, WithLatency(time.Millisecond))
	srv.AddTickets(200, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 15 {
				switch i % 5 {
				case 0:
					c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "c" + strconv.Itoa(g), "company": map[string]any{"id": 2}})
				case 1:
					c.do(http.MethodPatch, "service/tickets/"+strconv.Itoa(1+i*g), []map[string]any{{"op": "replace", "path": "summary", "value": "p"}})
				case 2:
					c.do(http.MethodGet, "service/tickets?pageSize=100&conditions="+urlq("summary = 'p'"), nil)
				case 3:
					c.do(http.MethodGet, "service/tickets/count", nil, "pagination-type", "forward-only")
				case 4:
					srv.SetLatency(time.Duration(i) * time.Microsecond)
					srv.SetRateLimit(float64(1000+i), 100)
					_ = srv.Tickets()
					_ = srv.Requests()
					srv.AddTickets(2, nil)
				}
			}
		})
	}
	wg.Wait()
	var n struct{ Count int }
	c.get("service/tickets/count", &n)
	if n.Count != len(srv.Tickets()) || n.Count < 200+8*3 {
		t.Errorf("count %d, snapshot %d", n.Count, len(srv.Tickets()))
	}
}

func TestHundredThousandTickets(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	srv, c := newAPI(t)
	n := 100000
	if raceEnabled {
		n = 20000 // the race detector makes encoding ten times slower
	}
	// How fast AddTickets is, BenchmarkAddTickets measures: a wall-clock
	// bound here failed on a busy machine without a slower simulator.
	first := srv.AddTickets(n, func(i int, t *Ticket) { t.ExternalXRef = "k" + strconv.Itoa(i) })
	if first != 1 {
		t.Errorf("first id %d", first)
	}
	pageID, total := 0, 0
	for {
		var page []struct {
			ID int `json:"id"`
		}
		r := c.mustStatus(c.do(http.MethodGet, "service/tickets?fields=id&pageSize=1000&pageId="+strconv.Itoa(pageID), nil, "pagination-type", "forward-only"), 200)
		r.decode(t, &page)
		total += len(page)
		if len(page) > 0 {
			pageID = page[len(page)-1].ID
		}
		if links(r.header)["next"] == "" {
			break
		}
	}
	if total != n {
		t.Errorf("listed %d tickets, want %d", total, n)
	}
	var cnt struct{ Count int }
	c.get("service/tickets/count?conditions="+urlq(`externalXRef like "k1999%"`), &cnt)
	if cnt.Count != 11 {
		t.Errorf("count = %d, want 11", cnt.Count)
	}
}

func BenchmarkAddTickets(b *testing.B) {
	for b.Loop() {
		srv := NewUnstartedServer()
		srv.AddTickets(100000, nil)
	}
}

func BenchmarkForwardOnlyPage(b *testing.B) {
	srv := NewServer()
	defer srv.Close()
	srv.AddTickets(100000, nil)
	c := clientFor(&testing.T{}, srv)
	hc := c.hc
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, c.base+"service/tickets?pageSize=1000&pageId=50000", nil)
		req.Header = c.header.Clone()
		req.Header.Set("pagination-type", "forward-only")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func TestUnstartedServerOnChosenListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewUnstartedServer(WithoutSeedData())
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	if srv.URL != "http://"+ln.Addr().String() || srv.Config().Site != srv.URL {
		t.Fatalf("URL %s, listener %s", srv.URL, ln.Addr())
	}
	c := clientFor(t, srv)
	var boards []Board
	c.get("service/boards", &boards)
	var cos []Company
	c.get("company/companies", &cos)
	if len(boards) != 1 || len(cos) != 0 || len(srv.Priorities()) != 1 || len(srv.Statuses(1)) != 5 {
		t.Errorf("WithoutSeedData: %d boards, %d companies", len(boards), len(cos))
	}
	// The bare data set still takes tickets once a company exists.
	co := srv.AddCompany(Company{Identifier: "Solo", Name: "Solo Ltd"})
	c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": co.ID}}), 201)
}

func TestHandlerWithRecorder(t *testing.T) {
	srv := NewUnstartedServer()
	req := httptest.NewRequest(http.MethodGet, "/v2025_1/apis/3.0/service/priorities/count", nil)
	req.Header = clientFor(t, srv).header
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"count":4}` {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestFallbackServesUnknownPaths(t *testing.T) {
	served := 0
	prev := fallback
	fallback = func(c *call, rest string) bool {
		if rest != "procurement/catalog" {
			return false
		}
		served++
		if e := c.s.authorize(c.member, fnServiceTickets, levelInquire); e != nil {
			writeError(c.w, e)
			return true
		}
		writeJSON(c.w, http.StatusOK, []map[string]any{{"id": 1}})
		return true
	}
	t.Cleanup(func() { fallback = prev })
	_, c := newAPI(t)
	var items []map[string]any
	c.get("procurement/catalog", &items)
	if len(items) != 1 || served != 1 {
		t.Fatalf("fallback: %v, served %d", items, served)
	}
	// A path the fallback does not know either gets the PSA's 404; a
	// hand-written route never reaches the fallback, nor does an
	// unauthenticated call.
	c.mustStatus(c.do(http.MethodGet, "procurement/nothing", nil), 404)
	c.mustStatus(c.do(http.MethodGet, "service/boards", nil), 200)
	c.header.Del("Authorization")
	c.mustStatus(c.do(http.MethodGet, "procurement/catalog", nil), 401)
	if served != 1 {
		t.Errorf("fallback served %d requests, want 1", served)
	}
}

func TestAPIMemberGrants(t *testing.T) {
	// Read-only tickets and nothing else: what a reporting tool would ask
	// for. The role holds exactly that, and the PSA's 403s follow.
	srv, c := newAPI(t, WithAPIMemberGrants(Grant{Function: "Service Tickets", Inquire: "All", Add: "None", Edit: "None", Delete: "None"}))
	c.get("service/tickets", nil)
	if r := c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": 2}}); r.status != 403 || r.err(t).Code != "Security" {
		t.Errorf("POST with inquire-only grant: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodGet, "company/companies", nil); r.status != 403 {
		t.Errorf("companies without a grant: %d", r.status)
	}
	levels := map[string]string{}
	for _, p := range srv.Permissions() {
		levels[p.ModuleFunctionName] = p.AddLevel + "/" + p.InquireLevel
	}
	if levels["Service Tickets"] != "None/All" || levels["Company Maintenance"] != "None/None" {
		t.Errorf("permissions = %v", levels)
	}

	// The default is DefaultGrants, and it is the role's content.
	def := NewUnstartedServer()
	if got, want := len(def.Permissions()), len(catalogue); got != want {
		t.Fatalf("%d permissions, want one per catalogue function (%d)", got, want)
	}
	for _, g := range DefaultGrants() {
		found := false
		for _, p := range def.Permissions() {
			if p.ModuleFunctionName == g.Function {
				found = p.AddLevel == g.Add && p.EditLevel == g.Edit && p.DeleteLevel == g.Delete && p.InquireLevel == g.Inquire
			}
		}
		if !found {
			t.Errorf("default role does not hold %+v", g)
		}
	}
}
