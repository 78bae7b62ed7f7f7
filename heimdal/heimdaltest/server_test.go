package heimdaltest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/simkit/simkittest"
)

// get sends a raw request to the started server and decodes the JSON body.
func get(t *testing.T, srv *heimdaltest.Server, path, auth string) (int, http.Header, map[string]any) {
	t.Helper()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	var body map[string]any
	resp, _ := simkittest.Do(t, nil, http.MethodGet, srv.URL+path, h, "", &body)
	return resp.StatusCode, resp.Header, body
}

func bearer(srv *heimdaltest.Server) string { return "Bearer " + srv.APIKey() }

func keysOf(item any) []string {
	var ks []string
	for k := range item.(map[string]any) {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestWireFieldNames(t *testing.T) {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	dev := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleFirewall, "ACME-WS02", "Firewall off", "Windows Firewall disabled")
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleZeroTrust, "ACME-WS02", "Blocked", "untrusted binary")
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleUserCompliance, "bob@acme.example", "MFA disabled", "")
	clientInfoID := strings.Split(dev, "/")[2]

	cases := []struct {
		path string
		want string
	}{
		{"/customers?customerId=" + heimdaltest.ResellerID, "createdAt email id name resellerId type"},
		{"/2.0/activeclients?customerId=" + heimdaltest.AcmeID, "activeModules agentVersion clientInfoId groupPolicy hostname ipAddress lastSeen operatingSystem status"},
		{"/2.0/activeclients/getNotifications?customerId=" + heimdaltest.AcmeID + "&clientInfoId=" + clientInfoID, "clientInfoId firstSeen hostname id lastUpdate message severity title type"},
		{"/2.0/alerts/getEmailAlerts?customerId=" + heimdaltest.AcmeID, "clientInfoId description firstSeen hostname id lastUpdate severity title type"},
		{"/2.0/m365/getAlerts?customerId=" + heimdaltest.AcmeID, "description firstSeen id lastUpdate severity title type userId userPrincipalName"},
	}
	for _, c := range cases {
		status, _, body := get(t, srv, heimdaltest.APIPrefix+c.path, bearer(srv))
		if status != 200 {
			t.Fatalf("%s: %d %v", c.path, status, body)
		}
		items, _ := body["items"].([]any)
		if len(items) == 0 || body["totalCount"] == nil {
			t.Fatalf("%s: body %v", c.path, body)
		}
		if got := strings.Join(keysOf(items[0]), " "); got != c.want {
			t.Errorf("%s fields:\n got  %s\n want %s", c.path, got, c.want)
		}
		if id, ok := items[0].(map[string]any)["id"]; ok {
			if _, isNum := id.(float64); !isNum {
				t.Errorf("%s: id %v is not a JSON number", c.path, id)
			}
		}
	}
}

func TestRequestValidation(t *testing.T) {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	p := heimdaltest.APIPrefix
	cases := []struct {
		path, auth string
		status     int
		msg        string
	}{
		{p + "/2.0/activeclients?customerId=200101", "", 401, "Authorization has been denied"},
		{p + "/2.0/activeclients?customerId=200101", "Bearer nope", 401, "denied"},
		{p + "/2.0/activeclients?customerId=200101", "Basic " + srv.APIKey(), 401, "denied"},
		{p + "/2.0/activeclients", bearer(srv), 400, "customerId"},
		{p + "/2.0/activeclients?customerId=1", bearer(srv), 403, "customer 1"},
		{p + "/2.0/activeclients?customerId=200101&pageNumber=0", bearer(srv), 400, "pageNumber"},
		{p + "/2.0/activeclients?customerId=200101&pageSize=x", bearer(srv), 400, "pageSize"},
		{p + "/2.0/activeclients?customerId=200101&startDate=yesterday", bearer(srv), 400, "startDate"},
		{p + "/2.0/activeclients/getNotifications?customerId=200101", bearer(srv), 400, "clientInfoId"},
		{p + "/customers?customerId=1", bearer(srv), 403, "customer 1"},
		{p + "/customers?customerId=200000&pageSize=x", bearer(srv), 400, "pageSize"},
		{p + "/2.0/nothing?customerId=200101", bearer(srv), 404, "No HTTP resource"},
		{"/elsewhere", bearer(srv), 404, "No HTTP resource"},
	}
	for _, c := range cases {
		status, hdr, body := get(t, srv, c.path, c.auth)
		if msg, _ := body["Message"].(string); status != c.status || !strings.Contains(msg, c.msg) {
			t.Errorf("%s (%q): %d %v, want %d %q", c.path, c.auth, status, body, c.status, c.msg)
		}
		if status == 401 && hdr.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("401 without WWW-Authenticate")
		}
	}
	resp, err := http.Post(srv.URL+p+"/customers?customerId=200000", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestCaseInsensitiveLikeDotNet(t *testing.T) {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	status, _, body := get(t, srv, "/API/HeimdalAPI/2.0/ActiveClients?customerid=200102&PAGESIZE=1&pagenumber=3", "bearer "+srv.APIKey())
	if status != 200 || body["totalCount"].(float64) != 3 || len(body["items"].([]any)) != 1 {
		t.Errorf("%d %v", status, body)
	}
	if host := body["items"].([]any)[0].(map[string]any)["hostname"]; host != "GLOBEX-WS02" {
		t.Errorf("page 3 of 1 = %v", host)
	}
	// A page past the end is empty, with the true total.
	_, _, body = get(t, srv, heimdaltest.APIPrefix+"/2.0/activeclients?customerId=200102&pageSize=2&pageNumber=9", bearer(srv))
	if items := body["items"].([]any); len(items) != 0 || body["totalCount"].(float64) != 3 {
		t.Errorf("past the end: %v", body)
	}
}

func TestDateFilters(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	var mu sync.Mutex
	srv := heimdaltest.NewServer(heimdaltest.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }))
	defer srv.Close()
	c, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleVectorN, "ACME-WS01", "old", "")
	mu.Lock()
	clock = now.Add(48 * time.Hour)
	mu.Unlock()
	fresh := srv.Raise(heimdaltest.AcmeID, heimdal.ModulePrivilegedAccess, "ACME-WS01", "new", "")

	got, _, err := c.CyberAlerts.List(ctx, heimdaltest.AcmeID, &heimdal.AlertListOptions{StartDate: now.Add(24 * time.Hour)})
	if err != nil || len(got) != 1 || got[0].Title != "new" {
		t.Fatalf("since yesterday: %+v %v", got, err)
	}
	if a, _ := psasync.EmailAlert(heimdaltest.AcmeID, got[0]); a.Key != fresh {
		t.Errorf("key %q, want %q", a.Key, fresh)
	}
	// Updating the old alert brings it into the window.
	srv.Update(old, "old, updated", "")
	got, _, _ = c.CyberAlerts.List(ctx, heimdaltest.AcmeID, &heimdal.AlertListOptions{StartDate: now.Add(24 * time.Hour)})
	if len(got) != 2 {
		t.Errorf("after update: %d alerts", len(got))
	}
	devs, _, err := c.Devices.List(ctx, heimdaltest.AcmeID, &heimdal.DeviceListOptions{EndDate: now.Add(-time.Hour)})
	if err != nil || len(devs) != 0 {
		t.Errorf("devices seen before the seed: %v %v", devs, err)
	}
	if !devs2(t, c).LastSeen.Equal(now) {
		t.Error("seeded lastSeen does not follow the clock")
	}
}

func devs2(t *testing.T, c *heimdal.Client) heimdal.Device {
	t.Helper()
	d, _, err := c.Devices.List(context.Background(), heimdaltest.AcmeID, &heimdal.DeviceListOptions{ListOptions: heimdal.ListOptions{PageSize: 1}})
	if err != nil || len(d) != 1 {
		t.Fatalf("%v %v", d, err)
	}
	return d[0]
}

func TestRaiseValidation(t *testing.T) {
	srv := heimdaltest.NewUnstartedServer()
	bad := []heimdaltest.Event{
		{CustomerID: "42", Module: heimdal.ModuleCPU, Target: "x"},
		{CustomerID: heimdaltest.ResellerID, Module: heimdal.ModuleCPU, Target: "x"},
		{CustomerID: heimdaltest.AcmeID, Module: "NOPE", Target: "x"},
		{CustomerID: heimdaltest.AcmeID, Module: heimdal.ModuleCPU},
	}
	for _, e := range bad {
		if _, err := srv.RaiseEvent(e); err == nil {
			t.Errorf("RaiseEvent(%+v) accepted", e)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Raise with an unknown customer must panic")
		}
	}()
	srv.Raise("42", heimdal.ModuleCPU, "x", "t", "d")
}

func TestRaiseCreatesTargetsAndKeys(t *testing.T) {
	srv := heimdaltest.NewUnstartedServer()
	c, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	k1 := srv.Raise(heimdaltest.ZorgonID, heimdal.ModuleMicrosoftUpdates, "ZORGON-NEW-PC", "Updates pending", "7 updates")
	k2 := srv.Raise(heimdaltest.ZorgonID, heimdal.ModuleForwardingRules, "carol@zorgon.example", "Forwarding rule", "to gmail")
	k3, err := srv.RaiseEvent(heimdaltest.Event{CustomerID: heimdaltest.ZorgonID, Module: heimdal.ModuleDNSPoisoning, Target: "zorgon-new-pc", Title: "DNS", Severity: "Critical"})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Keys(); !slices.Equal(got, slices.Sorted(slices.Values([]string{k1, k2, k3}))) {
		t.Errorf("Keys() = %v", got)
	}
	if strings.Split(k1, "/")[2] != strings.Split(k3, "/")[2] {
		t.Error("the same hostname (any case) must resolve to the same device")
	}
	var n int
	for d, err := range c.Devices.All(context.Background(), heimdaltest.ZorgonID, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		_ = d
	}
	if n != 4 {
		t.Errorf("Zorgon has %d devices, want 3 seeded + 1 created", n)
	}
	alerts := map[string]psasync.Alert{}
	for a, err := range psasync.OpenAlerts(context.Background(), c, heimdaltest.ZorgonID) {
		if err != nil {
			t.Fatal(err)
		}
		alerts[a.Key] = a
	}
	if len(alerts) != 3 || alerts[k3].Severity != "Critical" || alerts[k1].Severity != "Warning" || alerts[k2].Severity != "Medium" {
		t.Errorf("alerts %+v", alerts)
	}
	if _, err := srv.AddDevice("nope", "x"); err == nil {
		t.Error("AddDevice on an unknown customer accepted")
	}
}

func TestInjectStatusQueue(t *testing.T) {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	srv.InjectStatus(503, 1)
	srv.InjectStatus(418, 2)
	srv.InjectStatus(500, 0) // ignored
	want := []int{503, 418, 418, 200}
	for i, w := range want {
		status, hdr, _ := get(t, srv, heimdaltest.APIPrefix+"/customers?customerId=200000", bearer(srv))
		if status != w {
			t.Errorf("request %d: %d, want %d", i, status, w)
		}
		if (status == 503) != (hdr.Get("Retry-After") == "1") {
			t.Errorf("request %d: Retry-After %q", i, hdr.Get("Retry-After"))
		}
	}
	if n := srv.CountRequests("", "/customers"); n != 4 {
		t.Errorf("counted %d", n)
	}
}

func TestCountRequestsBounded(t *testing.T) {
	srv := heimdaltest.NewUnstartedServer()
	h := srv.Handler()
	for i := range 1500 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://x/junk/%d", i), nil)
		h.ServeHTTP(discard{}, req)
	}
	if n := srv.CountRequests("", ""); n != 1500 {
		t.Errorf("total %d", n)
	}
	// Past the kit's bound on distinct paths (tested in internal/simkit),
	// numeric segments fold to "#", so a prefix still counts them all.
	if n := srv.CountRequests("GET", "/junk/"); n != 1500 {
		t.Errorf("junk %d", n)
	}
	srv.ResetRequests()
	if srv.CountRequests("", "") != 0 || len(srv.Requests()) != 0 {
		t.Error("ResetRequests")
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func TestRateLimitAnd429Recovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := heimdaltest.NewUnstartedServer(heimdaltest.WithRateLimit(1, 2))
		// A client that does not pace itself, to meet the server's limit.
		c, err := heimdal.NewClient(srv.APIKey(),
			heimdal.WithHTTPClient(&http.Client{Transport: srv.Transport()}),
			heimdal.WithRateLimit(0, 1), heimdal.WithRetry(5, time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range 4 {
			if _, _, err := c.Customers.List(context.Background(), heimdaltest.ResellerID, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Burst 2, then one per second: the 3rd and 4th calls each met a
		// 429 with Retry-After: 1 and succeeded after waiting.
		if d := time.Since(start); d < 2*time.Second || d > 3*time.Second {
			t.Errorf("4 calls took %v", d)
		}
		if n := srv.CountRequests("", ""); n != 6 {
			t.Errorf("%d requests, want 4 + 2 rejected", n)
		}

		// With no retries left, the 429 surfaces with its wait.
		c2, _ := heimdal.NewClient(srv.APIKey(), heimdal.WithHTTPClient(&http.Client{Transport: srv.Transport()}),
			heimdal.WithRateLimit(0, 1), heimdal.WithRetry(0, time.Millisecond, time.Millisecond))
		_, _, err = c2.Customers.List(context.Background(), heimdaltest.ResellerID, nil)
		var ra *httpx.RetryAfterError
		if !errors.As(err, &ra) || ra.Wait != time.Second {
			t.Errorf("err = %v, want RetryAfterError of 1s", err)
		}
	})
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := heimdaltest.NewUnstartedServer(heimdaltest.WithLatency(3 * time.Second))
		c, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, _, err := c.Customers.List(context.Background(), heimdaltest.ResellerID, nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("took %v, want 3s", d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, _, err := c.Customers.List(ctx, heimdaltest.ResellerID, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want deadline exceeded", err)
		}
	})
}

func TestUnstartedServerWithOwnListener(t *testing.T) {
	srv := heimdaltest.NewUnstartedServer(heimdaltest.WithAPIKey("custom-key-123"))
	l := simkittest.Listen(t)
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	if !strings.HasSuffix(srv.URL, l.Addr().String()) || srv.BaseURL() != srv.URL+heimdaltest.APIPrefix {
		t.Errorf("URL %q, BaseURL %q", srv.URL, srv.BaseURL())
	}
	c, err := heimdal.NewClient("custom-key-123", srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if cs, _, err := c.Customers.List(context.Background(), heimdaltest.ResellerID, nil); err != nil || len(cs) != 5 {
		t.Errorf("%v %v", cs, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("second Start must panic")
		}
	}()
	srv.Start()
}

func TestConcurrentUse(t *testing.T) {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	c, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				k := srv.Raise(heimdaltest.GlobexID, heimdal.Modules()[(w+i)%16], "GLOBEX-LT01", "t", "d")
				srv.Update(k, "t2", fmt.Sprint(i))
				if i%2 == 0 {
					srv.Clear(k)
				}
			}
		})
		wg.Go(func() {
			for range 5 {
				for _, err := range psasync.OpenAlerts(context.Background(), c, heimdaltest.GlobexID) {
					if err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if n := len(srv.Keys()); n != 40 {
		t.Errorf("%d alerts left, want 40", n)
	}
	if srv.CountRequests("", "") == 0 {
		t.Error("no requests counted")
	}
	srv.ClearAll()
	if len(srv.Keys()) != 0 {
		t.Error("ClearAll")
	}
}

func TestWithoutSeedData(t *testing.T) {
	srv := heimdaltest.NewUnstartedServer(heimdaltest.WithoutSeedData())
	cs := srv.Customers()
	if len(cs) != 1 || cs[0].ID != heimdaltest.ResellerID || cs[0].Type != "RESELLER" {
		t.Fatalf("Customers = %+v, want the reseller alone", cs)
	}
	if _, err := srv.RaiseEvent(heimdaltest.Event{CustomerID: heimdaltest.AcmeID, Module: heimdal.ModuleDisk, Target: "ACME-WS01"}); err == nil {
		t.Error("a seeded customer exists without seed data")
	}
}
