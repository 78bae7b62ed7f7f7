package simkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// testVendor is a minimal simulator: a key in the X-Key header, a route
// that counts what it served, plain-text error bodies.
type testVendor struct {
	served atomic.Int64
}

func (v *testVendor) kit(cfg Config) *Kit {
	return New(cfg, Vendor{
		Name: "simkit-test",
		Route: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v.served.Add(1)
			WriteJSON(w, http.StatusOK, "", map[string]string{"path": r.URL.Path})
		}),
		Auth: func(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
			if r.Header.Get("X-Key") != "k" {
				WriteBody(w, http.StatusUnauthorized, "text/plain", []byte("no key"))
				return r, false
			}
			return r, true
		},
		Exempt: func(r *http.Request) bool { return r.URL.Path == "/token" },
		WriteFault: func(w http.ResponseWriter, f Fault) {
			WriteBody(w, f.Status, "text/plain", []byte("fault "+strconv.Itoa(f.Status)+f.Body))
		},
		WriteTooManyRequests: func(w http.ResponseWriter, seconds int) {
			WriteBody(w, http.StatusTooManyRequests, "text/plain", []byte("slow down "+strconv.Itoa(seconds)))
		},
	})
}

func get(t *testing.T, c *http.Client, path string, key bool) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://sim.invalid"+path, nil)
	if key {
		req.Header.Set("X-Key", "k")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestPipelineOrder(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var seen []Request
	v := &testVendor{}
	k := v.kit(Config{RatePerSecond: 1, Burst: 1, Clock: func() time.Time { return now }, Observe: func(r Request) { seen = append(seen, r) }})
	c := k.Client() // not started: in memory

	// A fault answers before authentication.
	k.InjectFault(Fault{Status: 503, RetryAfter: "4", Times: 1})
	if r := get(t, c, "/a", false); r.StatusCode != 503 || r.Header.Get("Retry-After") != "4" {
		t.Fatalf("fault: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// A rejected key costs no rate-limit token...
	for range 3 {
		if r := get(t, c, "/a", false); r.StatusCode != 401 {
			t.Fatalf("no key: %d", r.StatusCode)
		}
	}
	// ...so the one token of the burst is still there.
	if r := get(t, c, "/a", true); r.StatusCode != 200 {
		t.Fatalf("first keyed call: %d", r.StatusCode)
	}
	if r := get(t, c, "/a", true); r.StatusCode != 429 || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("over the limit: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// Exempt requests skip faults and the limit, and are still logged.
	k.InjectFault(Fault{Status: 500})
	if r := get(t, c, "/token", true); r.StatusCode != 200 {
		t.Fatalf("exempt: %d", r.StatusCode)
	}
	k.ClearFaults()
	// The frozen clock never refills the bucket; advancing it does.
	now = now.Add(time.Second)
	if r := get(t, c, "/a", true); r.StatusCode != 200 {
		t.Fatalf("after a second: %d", r.StatusCode)
	}

	if v.served.Load() != 3 {
		t.Errorf("route served %d, want 3", v.served.Load())
	}
	if k.CountRequests("", "") != 8 || k.CountRequests("get", "/A") != 7 || k.CountRequests("POST", "") != 0 {
		t.Errorf("counts: %d", k.CountRequests("", ""))
	}
	if k.Throttled() != 1 {
		t.Errorf("Throttled = %d", k.Throttled())
	}
	want := []int{503, 401, 401, 401, 200, 429, 200, 200}
	reqs := k.Requests()
	if len(reqs) != len(want) || len(seen) != len(want) {
		t.Fatalf("%d logged, %d observed", len(reqs), len(seen))
	}
	for i, w := range want {
		if reqs[i].Status != w || seen[i] != reqs[i] {
			t.Errorf("request %d: %+v, observed %+v, want status %d", i, reqs[i], seen[i], w)
		}
	}
	k.ResetRequests()
	if len(k.Requests()) != 0 || k.CountRequests("", "") != 0 || k.Throttled() != 0 {
		t.Error("ResetRequests left something")
	}
}

func TestFaultTimesAndOrder(t *testing.T) {
	k := (&testVendor{}).kit(Config{})
	c := k.Client()
	k.InjectFault(Fault{Method: "POST", Status: 418})
	k.InjectFault(Fault{PathContains: "/B", Status: 502, Times: 2})
	k.InjectFault(Fault{Status: 500, Times: 1, Body: "!"})
	for i, w := range []int{502, 502, 500, 200} {
		if r := get(t, c, "/x/b", true); r.StatusCode != w {
			t.Errorf("call %d: %d, want %d", i, r.StatusCode, w)
		}
	}
}

func TestDropAfterWrite(t *testing.T) {
	v := &testVendor{}
	k := v.kit(Config{})
	k.InjectFault(Fault{DropAfterWrite: true, Times: 1})
	req, _ := http.NewRequest(http.MethodGet, "http://sim.invalid/w", nil)
	req.Header.Set("X-Key", "k")
	_, err := k.Transport().RoundTrip(req)
	if err == nil {
		t.Fatal("in memory: no error for a dropped connection")
	}
	if v.served.Load() != 1 {
		t.Errorf("the request was not processed before the drop")
	}
	if r := k.Requests(); len(r) != 1 || !r[0].Dropped || r[0].Status != 200 {
		t.Errorf("log: %+v", r)
	}

	// Over a socket the client sees a transport error too.
	k.InjectFault(Fault{DropAfterWrite: true, Times: 1})
	_, url := k.Start(nil)
	defer k.Close()
	req, _ = http.NewRequest(http.MethodGet, url+"/w", nil)
	req.Header.Set("X-Key", "k")
	if resp, err := k.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("socket: got %d, want a transport error", resp.StatusCode)
	}
	if v.served.Load() != 2 {
		t.Errorf("served %d, want 2", v.served.Load())
	}
}

func TestLatencyCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := (&testVendor{}).kit(Config{Latency: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://sim.invalid/slow", nil)
		start := time.Now()
		_, err := k.Transport().RoundTrip(req)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		if r := k.Requests(); len(r) != 1 || r[0].Status != 0 {
			t.Errorf("log: %+v", r)
		}
		k.SetLatency(0)
		if r := get(t, k.Client(), "/fast", true); r.StatusCode != 200 || time.Since(start) != time.Second {
			t.Errorf("after SetLatency(0): %d", r.StatusCode)
		}
	})
}

func TestRequestLogRing(t *testing.T) {
	k := (&testVendor{}).kit(Config{LogSize: 2})
	for i := range 3 {
		get(t, k.Client(), fmt.Sprintf("/r/%d", i), true)
	}
	r := k.Requests()
	if len(r) != 2 || r[0].Path != "/r/1" || r[1].Path != "/r/2" {
		t.Errorf("ring: %+v", r)
	}
	if k.CountRequests("", "/r/") != 3 {
		t.Errorf("counters are bounded by the ring: %d", k.CountRequests("", "/r/"))
	}
}

func TestCountersStayBounded(t *testing.T) {
	l := newRequestLog(1, 100)
	for i := range 150 {
		l.add(Request{Method: "GET", Path: "/v2025_1/apis/3.0/service/tickets/" + strconv.Itoa(i)})
	}
	if n := len(l.counts); n > 101 {
		t.Errorf("%d counter keys", n)
	}
	if got := l.count("GET", "/service/tickets/"); got != 150 {
		t.Errorf("count = %d", got)
	}
}

func TestStartTwicePanics(t *testing.T) {
	k := (&testVendor{}).kit(Config{})
	ln, url := k.Start(nil)
	defer k.Close()
	if ln == nil || url == "" {
		t.Fatal("no listener or URL")
	}
	defer func() {
		if recover() == nil {
			t.Error("second Start did not panic")
		}
	}()
	k.Start(nil)
}
