package infima_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/internal/testnet"
)

// noKey fails the test if the key shows up in any printed form of err.
func noKey(t *testing.T, err error, keys ...string) {
	t.Helper()
	keys = append(keys, testKey)
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, k := range keys {
			if strings.Contains(s, k) {
				t.Fatalf("key leaked: %s", s)
			}
		}
	}
}

func TestKeyRotationGives401(t *testing.T) {
	c, srv := simClient(t, nil)
	ctx := context.Background()
	old := srv.APIKey()
	if _, err := c.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	srv.RotateKey()
	srv.ResetRequests()
	_, err := c.TestConnection(ctx)
	if !infima.IsKeyRejected(err) || !errors.Is(err, infima.ErrKeyRejected) {
		t.Fatalf("err %v", err)
	}
	var apiErr *infima.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("err %#v", err)
	}
	if !strings.Contains(err.Error(), "INFIMA API key invalid or regenerated in INFIMA (a new key invalidates the old one)") {
		t.Fatalf("message %q", err)
	}
	noKey(t, err, old)
	if len(srv.Requests()) != 1 {
		t.Fatalf("401 was retried: %d requests", len(srv.Requests()))
	}
	// A client built with the new key works again.
	c2, err := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	// Iterators and lookups surface the same typed error.
	for _, err := range c.Clients.All(ctx, nil) {
		if !infima.IsKeyRejected(err) {
			t.Fatalf("All: %v", err)
		}
	}
	if _, _, err := c.Clients.Find(ctx, 1); !infima.IsKeyRejected(err) {
		t.Fatalf("Clients.Find: %v", err)
	}
}

func TestErrorStatuses(t *testing.T) {
	cases := []struct {
		status   int
		body     string
		sentinel error
		want     string
	}{
		{401, `{"message":"Unauthorized"}`, infima.ErrKeyRejected, "a new key invalidates the old one"},
		{403, `{"message":"Forbidden"}`, infima.ErrForbidden, "scoped to one client"},
		{404, `{"message":"Not Found"}`, infima.ErrNotFound, "Not Found"},
		{400, `{"error":{"message":"limit must be between 1 and 50"}}`, nil, "limit must be between 1 and 50"},
		{400, `{"error":"bad offset"}`, nil, "bad offset"},
		{400, `{"detail":"bad status"}`, nil, "bad status"},
		{500, `<html><body>Internal error</body></html>`, nil, "HTTP 500: Internal Server Error"},
		{500, `{"message":"echo ` + testKey + `"}`, nil, "echo [REDACTED]"},
		{418, `plain text reason`, nil, "plain text reason"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status, tc.want), func(t *testing.T) {
			c, mt := mockClient(t, infima.WithRetry(0, time.Millisecond, time.Millisecond))
			mt.RegisterResponder("GET", base+"/v1/partner", httpmock.NewStringResponder(tc.status, tc.body))
			_, resp, err := c.Partner.Get(context.Background())
			var apiErr *infima.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
				t.Fatalf("err %v", err)
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("resp %v", resp)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Fatalf("%v is not %v", err, tc.sentinel)
			}
			for _, s := range []error{infima.ErrKeyRejected, infima.ErrForbidden, infima.ErrNotFound, infima.ErrRateLimited} {
				if s != tc.sentinel && errors.Is(err, s) {
					t.Fatalf("%v wrongly matches %v", err, s)
				}
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "GET /v1/partner") {
				t.Fatalf("message %q lacks %q", err, tc.want)
			}
			noKey(t, err)
		})
	}
}

func TestMalformedJSON(t *testing.T) {
	for name, body := range map[string]string{
		"truncated":  `{"items": [{"id": 1, "client_name": "A"`,
		"html":       `<html>maintenance</html>`,
		"no items":   `{"total": 3}`,
		"wrong type": `{"items": [{"id": "not a number"}], "total": 1}`,
		"bad date":   `{"items": [{"id": 1, "created_date": "yesterday"}], "total": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, mt := mockClient(t)
			mt.RegisterResponder("GET", base+"/v1/clients", httpmock.NewStringResponder(200, body))
			_, _, err := c.Clients.List(context.Background(), nil)
			var de *infima.DecodeError
			if !errors.As(err, &de) || de.Endpoint != "GET /v1/clients" || !strings.Contains(err.Error(), "GET /v1/clients") {
				t.Fatalf("err %v", err)
			}
			for range c.Clients.All(context.Background(), nil) {
			}
		})
	}
	// And over real HTTP from the simulator.
	c, srv := simClient(t, nil)
	srv.InjectFault(infimatest.Fault{Status: 200, Body: `{"partner_name": `, Times: 1})
	_, _, err := c.Partner.Get(context.Background())
	var de *infima.DecodeError
	if !errors.As(err, &de) || de.Endpoint != "GET /v1/partner" {
		t.Fatalf("err %v", err)
	}
}

func Test429ThenSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := mockClient(t, infima.WithRetry(4, time.Second, 30*time.Second), infima.WithRateLimit(5, 5))
		mt.RegisterResponder("GET", base+"/v1/partner",
			httpmock.NewStringResponder(429, `{"message":"Too Many Requests"}`).
				HeaderSet(http.Header{"Retry-After": {"3"}}).Once().
				Then(httpmock.NewStringResponder(200, `{"partner_name":"Partner Co"}`)))
		start := time.Now()
		p, _, err := c.Partner.Get(context.Background())
		if err != nil || p.Name != "Partner Co" {
			t.Fatalf("%+v %v", p, err)
		}
		if d := time.Since(start); d < 3*time.Second || d > 4*time.Second {
			t.Fatalf("waited %v, want the 3s Retry-After", d)
		}
		if mt.GetTotalCallCount() != 2 {
			t.Fatalf("%d calls", mt.GetTotalCallCount())
		}
		if c.Throttled() != 1 {
			t.Fatalf("limiter saw %d 429s", c.Throttled())
		}
	})
}

func Test429ExhaustsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := mockClient(t, infima.WithRetry(4, time.Second, 30*time.Second))
		mt.RegisterResponder("GET", base+"/v1/clients",
			httpmock.NewStringResponder(429, `{"message":"Too Many Requests"}`).HeaderSet(http.Header{"Retry-After": {"7"}}))
		start := time.Now()
		_, _, err := c.Clients.List(context.Background(), nil)
		var ra *infima.RateLimitError
		if !errors.As(err, &ra) || ra.Wait != 7*time.Second {
			t.Fatalf("err %v", err)
		}
		if !errors.Is(err, infima.ErrRateLimited) {
			t.Fatalf("%v is not ErrRateLimited", err)
		}
		var apiErr *infima.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter != 7*time.Second {
			t.Fatalf("err %v", err)
		}
		// 429s have their own budget: 4 × the default 4 retries.
		if mt.GetTotalCallCount() != 17 {
			t.Fatalf("%d calls, want 1 + 16 throttle retries", mt.GetTotalCallCount())
		}
		if d := time.Since(start); d < 28*time.Second {
			t.Fatalf("retried after %v only", d)
		}
		if !strings.Contains(err.Error(), "retry after 7s") {
			t.Fatalf("message %q", err)
		}
	})
}

func TestSimulatorRateLimitOnFakeClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := infimatest.NewUnstartedServer(infimatest.WithClients(30, 60), infimatest.WithRateLimit(2, 2))
		c, err := infima.NewClient(srv.APIKey(), append(srv.InMemoryOptions(), infima.WithRateLimit(50, 10))...)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		n := 0
		for co, err := range c.Clients.All(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range c.Users.All(ctx, co.ID, &infima.UserListOptions{Status: infima.StatusAll}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if co.ID == 5 {
				break
			}
		}
		if n != 5*60 {
			t.Fatalf("%d users", n)
		}
		if srv.Throttled() == 0 || c.Throttled() == 0 {
			t.Fatalf("server throttled %d, client saw %d", srv.Throttled(), c.Throttled())
		}
	})
}

func Test5xxRetriedThenSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := infimatest.NewUnstartedServer(infimatest.WithClock(func() time.Time { return fixedNow }))
		c, err := infima.NewClient(srv.APIKey(), srv.InMemoryOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		srv.InjectStatus(http.StatusBadGateway, 2)
		if _, _, err := c.Partner.Get(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(srv.Requests()) != 3 {
			t.Fatalf("%d requests", len(srv.Requests()))
		}
	})
}

func TestTransportErrorsAndCancellation(t *testing.T) {
	addr := testnet.ClosedAddr(t)
	c, err := infima.NewClient(testKey, infima.WithBaseURL("http://"+addr), infima.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.TestConnection(context.Background())
	if err == nil || !strings.Contains(err.Error(), "egress") || !strings.Contains(err.Error(), "GET /v1/partner") {
		t.Fatalf("err %v", err)
	}
	var apiErr *infima.Error
	if errors.As(err, &apiErr) || infima.IsKeyRejected(err) {
		t.Fatalf("transport error typed as API error: %v", err)
	}
	noKey(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c2, mt := mockClient(t)
	mt.RegisterResponder("GET", base+"/v1/partner", httpmock.NewStringResponder(200, `{}`))
	_, err = c2.TestConnection(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), "egress") {
		t.Fatalf("cancellation blamed on the network: %v", err)
	}
}
