package conformance_test

// Resource hygiene of the four API clients built on this transport (PSA,
// INFIMA, Heimdal, Asio), checked end to end against their simulators:
//
//   - every response body is closed, and read to EOF first when it is
//     small, so a keep-alive connection could be reused: on success, API
//     error, decode error, retried 503, a server that never answers, a
//     body abandoned at a deadline, and a walk cancelled between pages;
//   - an enormous error body (100 MB, generated lazily, never allocated)
//     is read only up to MaxErrorBody plus DrainClose's bounded drain;
//   - no goroutine outlives a call: each case runs in a testing/synctest
//     bubble over an in-memory transport, and synctest.Test fails when a
//     goroutine started in the bubble is still blocked at the end;
//   - no goroutine outlives a simulator's Close over real sockets.
//
// One table covers every client; PSA-specific checks (the 100,000-ticket
// walk) are in connectwise/hygiene_test.go.

import (
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/testbody"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/security360test"
)

// hygLarge marks a fault's body as one no drain in the stack is expected
// to reach the end of (it is enormous, or stalls); every other body is
// small enough that retryablehttp's 4 KiB drain before a retry and
// DrainClose's 1 MiB must both read it to EOF.
type hygLarge struct{ *testbody.Body }

// hygFault answers the n-th (1-based) data request instead of the
// simulator; nil lets the simulator answer.
type hygFault func(n int, r *http.Request) *http.Response

// hygStall is a fault status meaning "never answer": the round trip waits
// for the request's context and fails with its error, like a server that
// accepted the request and went quiet.
const hygStall = -1

// hygTransport serves a simulator's handler in memory (no sockets, so it
// runs in synctest), lets a fault replace answers on the data path, and
// tracks every body it hands out.
type hygTransport struct {
	h        http.Handler
	dataPath string
	fault    hygFault
	mu       sync.Mutex
	calls    int
	bodies   []*testbody.Body
	small    []bool
}

func (t *hygTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	var resp *http.Response
	if t.fault != nil && strings.Contains(r.URL.Path, t.dataPath) {
		t.mu.Lock()
		t.calls++
		n := t.calls
		t.mu.Unlock()
		resp = t.fault(n, r)
		if resp != nil && resp.StatusCode == hygStall {
			<-r.Context().Done()
			return nil, r.Context().Err()
		}
	}
	if resp == nil {
		sreq := r.Clone(r.Context())
		sreq.RequestURI, sreq.Host = r.URL.RequestURI(), r.URL.Host
		if sreq.Body == nil {
			sreq.Body = http.NoBody
		}
		rec := httptest.NewRecorder()
		t.h.ServeHTTP(rec, sreq)
		if err := r.Context().Err(); err != nil {
			return nil, err // the handler gave up, as a socket would
		}
		resp = rec.Result()
		resp.Request = r
	}
	// The simulators' pages are a few kilobytes at most.
	b, small := testbody.Wrap(resp.Body), true
	if large, ok := resp.Body.(hygLarge); ok {
		b, small = large.Body, false
	}
	resp.Body = b
	t.mu.Lock()
	t.bodies = append(t.bodies, b)
	t.small = append(t.small, small)
	t.mu.Unlock()
	return resp, nil
}

// check fails t unless every body was closed, every small body was read to
// EOF before that (when drained is set), and none was read past maxRead.
func (t *hygTransport) check(tb testing.TB, drained bool, maxRead int64) {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, b := range t.bodies {
		read, eof, closed := b.State()
		if !closed || (drained && t.small[i] && !eof) || read > maxRead {
			tb.Errorf("response %d of %d: closed %v, read to EOF %v, %d bytes read (limit %d)", i+1, len(t.bodies), closed, eof, read, maxRead)
		}
	}
}

func hygResp(r *http.Request, code int, body io.ReadCloser) *http.Response {
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Request: r}
}

func hygText(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// hygAPI adapts one client and its simulator to the table.
type hygAPI struct {
	name string
	// dataPath is a substring of the list endpoint's path.
	dataPath string
	// start returns a fresh simulator's handler and a function that
	// builds a client for that simulator over rt.
	start func() (http.Handler, func(rt http.RoundTripper) hygClient)
}

// hygClient is what the tests do with any of the four clients.
type hygClient struct {
	// list makes one list call.
	list func(ctx context.Context) error
	// walk iterates the list through All, calling each for every item
	// until it returns false, and returns the error the walk ended with.
	walk func(ctx context.Context, each func() bool) error
}

// hygClientOf builds a hygClient from one list call and the client's All
// for the same list; walk drains all's iterator the way hygClient.walk
// promises, whatever the item type.
func hygClientOf[T any](list func(ctx context.Context) error, all func(ctx context.Context) iter.Seq2[T, error]) hygClient {
	return hygClient{list: list, walk: func(ctx context.Context, each func() bool) error {
		for _, err := range all(ctx) {
			if err != nil {
				return err
			}
			if !each() {
				break
			}
		}
		return nil
	}}
}

// hygRetries is the retry budget every client gets; backoff is a
// millisecond, on synctest's fake clock anyway, and there is no
// client-side rate limit.
const hygRetries = 2

// The constructors below panic on a configuration error: the values come
// from the simulators, so an error is a broken test, not a finding.
func hygMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// hygOpts are what every client gets: the transport under test, no
// client-side rate limit and hygRetries quick retries.
func hygOpts(rt http.RoundTripper) []connectwise.Option {
	return []connectwise.Option{
		connectwise.WithHTTPClient(&http.Client{Transport: rt}),
		connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(hygRetries, time.Millisecond, 2*time.Millisecond),
	}
}

// hygOptsFor is hygOpts as another client's options: they are transport
// settings only, which httpx.AdaptAll carries across.
func hygOptsFor[O ~func(P), P httpx.Carrier](rt http.RoundTripper) []O {
	return httpx.AdaptAll[O](hygOpts(rt))
}

func hygAPIs() []hygAPI {
	return []hygAPI{
		{"psa", "/service/tickets", func() (http.Handler, func(http.RoundTripper) hygClient) {
			srv := cwtest.NewUnstartedServer()
			srv.AddTickets(7, nil)
			return srv.Handler(), func(rt http.RoundTripper) hygClient {
				cfg := srv.Config()
				cfg.Site = "http://127.0.0.1" // never dialled
				c := hygMust(connectwise.NewClient(cfg, hygOpts(rt)...))
				return hygClientOf(func(ctx context.Context) error { _, _, err := c.Tickets.List(ctx, nil); return err },
					func(ctx context.Context) iter.Seq2[connectwise.Ticket, error] {
						return c.Tickets.All(ctx, &connectwise.ListOptions{PageSize: 3})
					})
			}
		}},
		{"infima", "/v1/clients", func() (http.Handler, func(http.RoundTripper) hygClient) {
			srv := infimatest.NewUnstartedServer()
			return srv.Handler(), func(rt http.RoundTripper) hygClient {
				c := hygMust(infima.NewClient(srv.APIKey(), append(hygOptsFor[infima.Option](rt), infima.WithBaseURL("http://127.0.0.1"))...))
				return hygClientOf(func(ctx context.Context) error { _, _, err := c.Clients.List(ctx, nil); return err },
					func(ctx context.Context) iter.Seq2[infima.Company, error] {
						return c.Clients.All(ctx, &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: 3}})
					})
			}
		}},
		{"heimdal", "/customers", func() (http.Handler, func(http.RoundTripper) hygClient) {
			srv := heimdaltest.NewUnstartedServer()
			return srv.Handler(), func(rt http.RoundTripper) hygClient {
				c := hygMust(heimdal.NewClient(srv.APIKey(), hygOptsFor[heimdal.Option](rt)...))
				list := func(ctx context.Context) error {
					_, _, err := c.Customers.List(ctx, heimdaltest.ResellerID, nil)
					return err
				}
				return hygClientOf(list, func(ctx context.Context) iter.Seq2[heimdal.Customer, error] {
					return c.Customers.All(ctx, heimdaltest.ResellerID, &heimdal.ListOptions{PageSize: 2})
				})
			}
		}},
		{"asio", "/company/companies", func() (http.Handler, func(http.RoundTripper) hygClient) {
			srv := security360test.NewUnstartedServer()
			return srv.Handler(), func(rt http.RoundTripper) hygClient {
				c := hygMust(security360.NewClient(srv.Credentials(), append(hygOptsFor[security360.Option](rt), security360.WithBaseURL("http://127.0.0.1"))...))
				return hygClientOf(func(ctx context.Context) error { _, _, err := c.Companies.List(ctx, nil); return err },
					func(ctx context.Context) iter.Seq2[security360.Company, error] {
						return c.Companies.All(ctx, &security360.ListOptions{Limit: 2})
					})
			}
		}},
	}
}

// TestClientsCloseBodiesOnEveryPath runs one list call per client through
// each way a response can end, inside a synctest bubble (so a leaked
// goroutine fails the test), and checks every body was closed, drained
// when small, and read no further than the bound when huge.
func TestClientsCloseBodiesOnEveryPath(t *testing.T) {
	const huge = 100 << 20 // never allocated: generated as it is read
	cases := []struct {
		name string
		// only, when set, names the one API the case applies to.
		only    string
		fault   hygFault
		wantErr bool
		drained bool
		maxRead int64
	}{
		{name: "success", drained: true, maxRead: testbody.DrainLimit},
		{name: "api error", wantErr: true, drained: true, maxRead: testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 400, hygText(`{"code":"Bad","message":"bad request","errors":[{"field":"x","message":"y"}]}`))
		}},
		{name: "decode error", wantErr: true, drained: true, maxRead: testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 200, hygText(`{"items":[{"id":`))
		}},
		{name: "retried 503", drained: true, maxRead: testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			if n == 1 {
				return hygResp(r, 503, hygText(`<html>busy</html>`))
			}
			return nil
		}},
		{name: "stalled before headers", wantErr: true, maxRead: testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return &http.Response{StatusCode: hygStall}
		}},
		{name: "abandoned at deadline", wantErr: true, maxRead: testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 200, hygLarge{testbody.Wrap(io.MultiReader(strings.NewReader(`{"items":[`), testbody.Stall(r.Context())))})
		}},
		{name: "100 MB error", wantErr: true, drained: true, maxRead: httpx.MaxErrorBody + testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 500, hygLarge{testbody.New([]byte(`{"message":"`), huge)})
		}},
		// The PSA client answers a 404 by rediscovering its codebase; the
		// simulator's does not change, so the 404 stands.
		{name: "404 and codebase rediscovery", only: "psa", wantErr: true, drained: true, maxRead: testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			if n == 1 {
				return hygResp(r, 404, hygText(`<html>gone</html>`))
			}
			return nil
		}},
		// Retried until the budget is spent, then handed to the client:
		// every attempt's body must be bounded and closed.
		{name: "100 MB 503 every time", wantErr: true, drained: true, maxRead: httpx.MaxErrorBody + testbody.DrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 503, hygLarge{testbody.New([]byte(`<html>`), huge)})
		}},
	}
	for _, api := range hygAPIs() {
		for _, tc := range cases {
			if tc.only != "" && tc.only != api.name {
				continue
			}
			t.Run(api.name+"/"+tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					h, client := api.start()
					tr := &hygTransport{h: h, dataPath: api.dataPath, fault: tc.fault}
					ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
					defer cancel()
					err := client(tr).list(ctx)
					if (err != nil) != tc.wantErr {
						t.Fatalf("list: err = %v, want error %v", err, tc.wantErr)
					}
					tr.mu.Lock()
					calls := tr.calls
					tr.mu.Unlock()
					if tc.fault != nil && calls == 0 {
						t.Fatal("the fault was never reached")
					}
					tr.check(t, tc.drained, tc.maxRead)
				})
			})
		}
	}
}

// TestClientsCancelMidWalk cancels each client's All between pages and
// breaks out of another walk early: the walk must end with
// context.Canceled, nothing may keep running (synctest), and every body
// must be closed and drained.
func TestClientsCancelMidWalk(t *testing.T) {
	for _, api := range hygAPIs() {
		t.Run(api.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, client := api.start()
				tr := &hygTransport{h: h, dataPath: api.dataPath}
				c := client(tr)
				ctx, cancel := context.WithCancel(t.Context())
				n := 0
				err := c.walk(ctx, func() bool {
					if n++; n == 1 {
						cancel() // the rest of this page is in hand; no next page
					}
					return true
				})
				if !errors.Is(err, context.Canceled) || n < 1 {
					t.Errorf("walk cancelled after the first item: %d items, err %v; want context.Canceled", n, err)
				}
				n = 0
				if err := c.walk(t.Context(), func() bool { n++; return false }); err != nil || n != 1 {
					t.Errorf("walk stopped after one item: %d items, err %v", n, err)
				}
				tr.check(t, true, testbody.DrainLimit)
			})
		})
	}
}

// TestSimulatorsCloseLeaveNoGoroutines makes a few calls to each of the
// INFIMA, Heimdal and Asio simulators over real HTTP (cwtest has its own
// test in connectwise), closes the server and the client's idle
// connections, and checks the goroutine count is back to its start.
func TestSimulatorsCloseLeaveNoGoroutines(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, transport *http.Transport) (closeServer func())
	}{
		{"infima", func(t *testing.T, transport *http.Transport) func() {
			srv := infimatest.NewServer()
			c, err := infima.NewClient(srv.APIKey(), infima.WithBaseURL(srv.URL), infima.WithHTTPClient(&http.Client{Transport: transport}), infima.WithRateLimit(0, 1))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Clients.List(t.Context(), nil); err != nil {
				t.Error(err)
			}
			for _, err := range c.Clients.All(t.Context(), nil) {
				if err != nil {
					t.Error(err)
				}
				break
			}
			return srv.Close
		}},
		{"heimdal", func(t *testing.T, transport *http.Transport) func() {
			srv := heimdaltest.NewServer()
			c, err := heimdal.NewClient(srv.APIKey(), heimdal.WithBaseURL(srv.BaseURL()), heimdal.WithHTTPClient(&http.Client{Transport: transport}), heimdal.WithRateLimit(0, 1))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Customers.List(t.Context(), heimdaltest.ResellerID, nil); err != nil {
				t.Error(err)
			}
			return srv.Close
		}},
		{"asio", func(t *testing.T, transport *http.Transport) func() {
			srv := security360test.NewServer()
			c, err := security360.NewClient(srv.Credentials(), security360.WithBaseURL(srv.URL), security360.WithHTTPClient(&http.Client{Transport: transport}), security360.WithRateLimit(0, 1))
			if err != nil {
				t.Fatal(err)
			}
			for _, err := range c.Companies.All(t.Context(), &security360.ListOptions{Limit: 2}) {
				if err != nil {
					t.Error(err)
				}
			}
			return srv.Close
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			transport := &http.Transport{} // the test's own, so its idle connections can be closed
			closeServer := tc.run(t, transport)
			closeServer()
			transport.CloseIdleConnections()
			testbody.CheckGoroutines(t, base)
		})
	}
}
