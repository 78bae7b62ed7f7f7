package infimatest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/internal/simkit/simkittest"
)

var fixedNow = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

type page struct {
	Items  []map[string]any `json:"items"`
	Total  int              `json:"total"`
	Limit  int              `json:"limit"`
	Offset int              `json:"offset"`
}

// get calls the simulator with the current key unless key is given.
func get(t *testing.T, hc *http.Client, srv *infimatest.Server, path string, key ...string) (int, http.Header, []byte) {
	t.Helper()
	base := srv.URL
	if base == "" {
		base = "http://127.0.0.1"
	}
	k := srv.APIKey()
	if len(key) > 0 {
		k = key[0]
	}
	h := http.Header{}
	if k != "" {
		h.Set("X-API-Key", k)
	}
	resp, b := simkittest.Do(t, hc, http.MethodGet, base+path, h, "", nil)
	return resp.StatusCode, resp.Header, b
}

func decodePage(t *testing.T, b []byte) page {
	t.Helper()
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return p
}

func TestDefaultDataSet(t *testing.T) {
	srv := infimatest.NewServer(infimatest.WithClock(func() time.Time { return fixedNow }))
	defer srv.Close()
	addr := srv.Listener.Addr()
	if !strings.HasPrefix(addr.String(), "127.0.0.1:") {
		t.Fatalf("listener %s is not loopback", addr)
	}
	code, _, b := get(t, http.DefaultClient, srv, "/v1/clients?limit=50")
	if code != 200 {
		t.Fatalf("status %d: %s", code, b)
	}
	p := decodePage(t, b)
	if p.Total != 12 || len(p.Items) != 12 || p.Limit != 50 || p.Offset != 0 {
		t.Fatalf("got total %d items %d limit %d offset %d", p.Total, len(p.Items), p.Limit, p.Offset)
	}
	fresh := srv.FreshClientID()
	if fresh == 0 {
		t.Fatal("no fresh client")
	}
	for _, c := range p.Items {
		for _, f := range []string{"id", "client_name", "user_count", "inactive_user_count", "phishing_click_rate_total", "phishing_click_rate_last_year", "training_on_track_rate", "created_date"} {
			if _, ok := c[f]; !ok {
				t.Errorf("client %v lacks %s", c["id"], f)
			}
		}
		isFresh := int(c["id"].(float64)) == fresh
		if got := c["training_on_track_rate"] == nil; got != isFresh {
			t.Errorf("client %v: training_on_track_rate %v, fresh=%v", c["client_name"], c["training_on_track_rate"], isFresh)
		}
		if got := c["phishing_click_rate_total"] == nil; got != isFresh {
			t.Errorf("client %v: phishing_click_rate_total %v, fresh=%v", c["client_name"], c["phishing_click_rate_total"], isFresh)
		}
		if c["user_count"].(float64) < 1 {
			t.Errorf("client %v has no users", c["client_name"])
		}
	}

	code, _, b = get(t, http.DefaultClient, srv, "/v1/partner")
	if code != 200 || !strings.Contains(string(b), `"partner_name"`) || !strings.Contains(string(b), `"admins"`) {
		t.Fatalf("partner: %d %s", code, b)
	}
}

func TestUsersAndStatusFilter(t *testing.T) {
	srv := infimatest.NewServer(infimatest.WithClock(func() time.Time { return fixedNow }))
	defer srv.Close()
	var inactiveSeen, onTrackFalse, onDemand, automatic bool
	outcomes := map[string]bool{}
	for _, id := range srv.ClientIDs() {
		path := "/v1/clients/" + itoa(id) + "/users?limit=50"
		all := decodePage(t, mustGet(t, srv, path+"&status=all"))
		active := decodePage(t, mustGet(t, srv, path))
		inactive := decodePage(t, mustGet(t, srv, path+"&status=inactive"))
		if all.Total != active.Total+inactive.Total {
			t.Fatalf("client %d: all %d != active %d + inactive %d", id, all.Total, active.Total, inactive.Total)
		}
		if all.Total != len(srv.UserEmails(id)) {
			t.Fatalf("client %d: total %d, emails %d", id, all.Total, len(srv.UserEmails(id)))
		}
		for _, u := range active.Items {
			if u["status"] != "active" {
				t.Fatalf("default filter returned %v", u["status"])
			}
		}
		inactiveSeen = inactiveSeen || inactive.Total > 0
		for _, u := range all.Items {
			if u["training_on_track"] == false {
				onTrackFalse = true
			}
			for _, pt := range u["phishing_tests"].([]any) {
				m := pt.(map[string]any)
				outcomes[m["status"].(string)] = true
				switch m["campaign_type"] {
				case "on_demand":
					onDemand = true
				case "automatic":
					automatic = true
				}
			}
			if id == srv.FreshClientID() {
				if u["training_on_track"] != nil || u["next_course"] != nil || len(u["phishing_tests"].([]any)) != 0 || u["phishing_click_rate_total"] != nil || u["risk_score"] != nil {
					t.Fatalf("fresh user has data: %v", u)
				}
			}
		}
	}
	if !inactiveSeen || !onTrackFalse || !onDemand || !automatic {
		t.Fatalf("data not varied: inactive %v behind %v onDemand %v automatic %v", inactiveSeen, onTrackFalse, onDemand, automatic)
	}
	for _, o := range infima.PhishingOutcomes {
		if !outcomes[string(o)] {
			t.Errorf("outcome %q never generated", o)
		}
	}
	if code, _, _ := get(t, http.DefaultClient, srv, "/v1/clients/1/users?status=deleted"); code != 400 {
		t.Fatalf("bad status filter: %d", code)
	}
	if code, _, _ := get(t, http.DefaultClient, srv, "/v1/clients/9999/users"); code != 404 {
		t.Fatalf("unknown client: %d", code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustGet(t *testing.T, srv *infimatest.Server, path string) []byte {
	t.Helper()
	code, _, b := get(t, http.DefaultClient, srv, path)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, b)
	}
	return b
}

func TestPagingRules(t *testing.T) {
	srv := infimatest.NewServer(infimatest.WithClients(45, 1))
	defer srv.Close()
	for _, q := range []string{"limit=51", "limit=0", "limit=-1", "limit=ten", "offset=-1", "offset=x"} {
		if code, _, b := get(t, http.DefaultClient, srv, "/v1/clients?"+q); code != 400 || !strings.Contains(string(b), "message") {
			t.Errorf("%s: %d %s", q, code, b)
		}
	}
	p := decodePage(t, mustGet(t, srv, "/v1/clients"))
	if len(p.Items) != infima.DefaultLimit || p.Total != 45 {
		t.Fatalf("default page: %d items, total %d", len(p.Items), p.Total)
	}
	p = decodePage(t, mustGet(t, srv, "/v1/clients?limit=50&offset=40"))
	if len(p.Items) != 5 || p.Offset != 40 {
		t.Fatalf("last page: %d items offset %d", len(p.Items), p.Offset)
	}
	p = decodePage(t, mustGet(t, srv, "/v1/clients?offset=1000"))
	if len(p.Items) != 0 || p.Total != 45 {
		t.Fatalf("past the end: %d items total %d", len(p.Items), p.Total)
	}
	if got := srv.MaxLimitSeen(); got != 50 {
		t.Fatalf("MaxLimitSeen %d", got)
	}
}

func TestAuthAndRotation(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	old := srv.APIKey()
	if code, _, _ := get(t, http.DefaultClient, srv, "/v1/partner", ""); code != 401 {
		t.Fatalf("no key: %d", code)
	}
	if code, _, _ := get(t, http.DefaultClient, srv, "/v1/partner", "wrong"); code != 401 {
		t.Fatalf("wrong key: %d", code)
	}
	nk := srv.RotateKey()
	if nk == old || nk != srv.APIKey() {
		t.Fatal("RotateKey did not change the key")
	}
	if code, _, _ := get(t, http.DefaultClient, srv, "/v1/partner", old); code != 401 {
		t.Fatalf("old key after rotation: %d", code)
	}
	if code, _, _ := get(t, http.DefaultClient, srv, "/v1/partner", nk); code != 200 {
		t.Fatalf("new key: %d", code)
	}
	fixed := infimatest.NewServer(infimatest.WithAPIKey("sandbox-key-123"))
	defer fixed.Close()
	if fixed.APIKey() != "sandbox-key-123" {
		t.Fatal("WithAPIKey ignored")
	}
}

func TestDeterministicDataSets(t *testing.T) {
	t.Parallel()
	a := infimatest.NewServer(infimatest.WithClients(60, 12), infimatest.WithClock(func() time.Time { return fixedNow }))
	defer a.Close()
	b := infimatest.NewServer(infimatest.WithClients(60, 12), infimatest.WithClock(func() time.Time { return fixedNow }))
	defer b.Close()
	for _, path := range []string{"/v1/clients?limit=50&offset=10", "/v1/clients/17/users?status=all&limit=50", "/v1/partner"} {
		if x, y := mustGet(t, a, path), mustGet(t, b, path); string(x) != string(y) {
			t.Fatalf("%s differs between identical servers", path)
		}
	}
	c := infimatest.NewServer(infimatest.WithClients(60, 12), infimatest.WithClock(func() time.Time { return fixedNow }), infimatest.WithRandomSeed(2))
	defer c.Close()
	if x, y := mustGet(t, a, "/v1/clients/17/users?status=all"), mustGet(t, c, "/v1/clients/17/users?status=all"); string(x) == string(y) {
		t.Fatal("WithSeed has no effect")
	}
}

// The benchmark's data set: 200 clients × 50 users.
func TestLargeDataSet(t *testing.T) {
	t.Parallel()
	a := infimatest.NewServer(infimatest.WithClients(200, 50), infimatest.WithClock(func() time.Time { return fixedNow }))
	defer a.Close()
	if len(a.ClientIDs()) != 200 {
		t.Fatalf("%d clients", len(a.ClientIDs()))
	}
	p := decodePage(t, mustGet(t, a, "/v1/clients/17/users?status=all&limit=50"))
	if p.Total != 50 || len(p.Items) != 50 {
		t.Fatalf("users: total %d items %d", p.Total, len(p.Items))
	}
	names := map[string]bool{}
	for off := 0; off < 200; off += 50 {
		for _, c := range decodePage(t, mustGet(t, a, "/v1/clients?limit=50&offset="+itoa(off))).Items {
			names[c["client_name"].(string)] = true
		}
	}
	if len(names) != 200 {
		t.Fatalf("%d distinct names", len(names))
	}
	if a.FreshClientID() != 200 {
		t.Fatalf("fresh client %d, want the last", a.FreshClientID())
	}
}

func TestControls(t *testing.T) {
	srv := infimatest.NewServer(infimatest.WithClock(func() time.Time { return fixedNow }))
	defer srv.Close()
	fresh := srv.FreshClientID()
	email := srv.UserEmails(fresh)[0]
	if err := srv.SetUserTraining(fresh, email, false, 2); err != nil {
		t.Fatal(err)
	}
	due := fixedNow.Add(72 * time.Hour)
	if err := srv.SetNextCourse(fresh, email, "Password Security", due); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddPhishingTest(fresh, email, infima.PhishingTest{Kind: infima.CampaignOnDemand, Outcome: infima.OutcomeCredentialsSubmitted}); err != nil {
		t.Fatal(err)
	}
	u := decodePage(t, mustGet(t, srv, "/v1/clients/"+itoa(fresh)+"/users?limit=1")).Items[0]
	if u["training_on_track"] != false || u["courses_behind"].(float64) != 2 {
		t.Fatalf("training not applied: %v", u)
	}
	if nc := u["next_course"].(map[string]any); nc["name"] != "Password Security" || nc["due_date"] != "2025-06-05T00:00:00Z" {
		t.Fatalf("next course: %v", nc)
	}
	if tests := u["phishing_tests"].([]any); len(tests) != 1 || tests[0].(map[string]any)["status"] != "Credentials Submitted" || tests[0].(map[string]any)["campaign_type"] != "on_demand" {
		t.Fatalf("tests: %v", tests)
	}
	if u["phishing_click_rate_total"].(float64) != 100 {
		t.Fatalf("click rate %v", u["phishing_click_rate_total"])
	}
	if err := srv.SetUserStatus(fresh, email, infima.StatusInactive); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetUserStatus(fresh, email, "gone"); err == nil {
		t.Fatal("bad status accepted")
	}
	if err := srv.SetUserTraining(fresh, "nobody@example.com", true, 0); err == nil {
		t.Fatal("unknown user accepted")
	}
	if err := srv.SetUserTraining(424242, email, true, 0); err == nil {
		t.Fatal("unknown client accepted")
	}
	id := srv.AddClient(infimatest.ClientSpec{Name: "New Co", Users: 3})
	if len(srv.ClientIDs()) != 13 || len(srv.UserEmails(id)) != 3 {
		t.Fatalf("AddClient: %d clients, %d users", len(srv.ClientIDs()), len(srv.UserEmails(id)))
	}
	if err := srv.RemoveClient(id); err != nil || len(srv.ClientIDs()) != 12 {
		t.Fatalf("RemoveClient: %v", err)
	}
	if err := srv.RemoveClient(id); err == nil {
		t.Fatal("double remove accepted")
	}
}

func TestFaultsAndCounters(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	srv.InjectStatus(http.StatusServiceUnavailable, 2)
	srv.InjectFault(infimatest.Fault{Status: 200, Body: `{"items": [`, Times: 1})
	for i, want := range []int{503, 503, 200, 200} {
		code, h, b := get(t, http.DefaultClient, srv, "/v1/clients")
		if code != want {
			t.Fatalf("request %d: %d, want %d", i, code, want)
		}
		if code == 503 && h.Get("Retry-After") != "1" {
			t.Fatalf("503 without Retry-After")
		}
		if i == 2 && string(b) != `{"items": [` {
			t.Fatalf("injected body %q", b)
		}
	}
	get(t, http.DefaultClient, srv, "/v1/clients/1/users")
	get(t, http.DefaultClient, srv, "/nope")
	if len(srv.Requests()) != 6 || srv.CountRequests("", "/v1/clients") != 5 || srv.CountRequests("", "/users") != 1 {
		t.Fatalf("counts: %d %d %d", len(srv.Requests()), srv.CountRequests("", "/v1/clients"), srv.CountRequests("", "/users"))
	}
	if code, _, _ := get(t, http.DefaultClient, srv, "/nope"); code != 404 {
		t.Fatalf("unknown path %d", code)
	}
	resp, _ := simkittest.Do(t, nil, http.MethodPost, srv.URL+"/v1/clients", http.Header{"X-Api-Key": {srv.APIKey()}}, "", nil)
	if resp.StatusCode != 405 {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	srv.ResetRequests()
	if len(srv.Requests()) != 0 || srv.CountRequests("", "/") != 0 {
		t.Fatal("reset failed")
	}
}

func TestRateLimitAndLatencyOnFakeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := infimatest.NewUnstartedServer(infimatest.WithRateLimit(1, 2), infimatest.WithLatency(300*time.Millisecond))
		hc := &http.Client{Transport: srv.Transport()}
		start := time.Now()
		var codes []int
		var retryAfter string
		for range 3 {
			code, h, _ := get(t, hc, srv, "/v1/partner")
			codes = append(codes, code)
			if code == 429 {
				retryAfter = h.Get("Retry-After")
			}
		}
		if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || retryAfter != "1" {
			t.Fatalf("codes %v retry-after %q", codes, retryAfter)
		}
		if got := time.Since(start); got != 900*time.Millisecond {
			t.Fatalf("latency: %v elapsed, want 900ms", got)
		}
		time.Sleep(time.Second)
		if code, _, _ := get(t, hc, srv, "/v1/partner"); code != 200 {
			t.Fatalf("after waiting: %d", code)
		}
		if srv.Throttled() != 1 {
			t.Fatalf("Throttled %d", srv.Throttled())
		}

		// A cancelled request stops waiting out the latency.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1/v1/partner", nil)
		if _, err := hc.Do(req); err == nil {
			t.Fatal("cancelled request succeeded")
		}
	})
}

func TestUnstartedServerOnChosenListener(t *testing.T) {
	l := simkittest.Listen(t)
	srv := infimatest.NewUnstartedServer()
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	if srv.URL != "http://"+l.Addr().String() {
		t.Fatalf("URL %s, listener %s", srv.URL, l.Addr())
	}
	mustGet(t, srv, "/v1/partner")

	// Closing a server that never started releases its listener.
	idle := infimatest.NewUnstartedServer()
	idle.Close()
}

func TestConcurrentUse(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	fresh := srv.FreshClientID()
	emails := srv.UserEmails(fresh)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/clients/"+itoa(fresh)+"/users?status=all", nil)
				req.Header.Set("X-API-Key", srv.APIKey())
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
				_ = srv.SetUserTraining(fresh, emails[(i+j)%len(emails)], j%2 == 0, j%3)
				if j == 5 && i == 0 {
					srv.AddClient(infimatest.ClientSpec{Users: 2})
				}
				_ = srv.CountRequests("", "/users")
			}
		})
	}
	wg.Wait()
	if srv.CountRequests("", "/users") != 80 {
		t.Fatalf("%d user requests", srv.CountRequests("", "/users"))
	}
}

func TestWithoutSeedData(t *testing.T) {
	srv := infimatest.NewUnstartedServer(infimatest.WithoutSeedData())
	if ids := srv.ClientIDs(); len(ids) != 0 {
		t.Fatalf("ClientIDs = %v, want none", ids)
	}
	id := srv.AddClient(infimatest.ClientSpec{Name: "Solo Ltd", Users: 3})
	if ids := srv.ClientIDs(); len(ids) != 1 || ids[0] != id || len(srv.UserEmails(id)) != 3 {
		t.Errorf("after AddClient: %v, %d users", ids, len(srv.UserEmails(id)))
	}
}
