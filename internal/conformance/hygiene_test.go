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
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/security360test"
)

// hygDrainLimit is what DrainClose reads past an error body (its
// documented bound), discarded as it goes.
const hygDrainLimit = 1 << 20

// hygBody records what happened to one response body. Past its prefix it
// can generate pad bytes on demand, or block until ctx ends. Like a
// net/http body it refuses reads once closed.
type hygBody struct {
	mu          sync.Mutex
	prefix      io.Reader
	pad         int64
	block       context.Context
	read        int64
	eof, closed bool
	// small marks a body short enough that every drain in the stack
	// (retryablehttp's 4 KiB before a retry, DrainClose's 1 MiB) must
	// reach its end.
	small bool
}

func (b *hygBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return 0, errors.New("hygBody: read on closed response body")
	}
	n, err := b.prefix.Read(p)
	if n == 0 && err == io.EOF {
		switch {
		case b.block != nil:
			<-b.block.Done()
			return 0, b.block.Err()
		case b.pad > 0:
			n, err = int(min(int64(len(p)), b.pad)), nil
			clear(p[:n])
			b.pad -= int64(n)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.read += int64(n)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *hygBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

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
	bodies   []*hygBody
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
	b, ok := resp.Body.(*hygBody)
	if !ok {
		// The simulators' pages are a few kilobytes at most.
		b = &hygBody{prefix: resp.Body, small: true}
	}
	resp.Body = b
	t.mu.Lock()
	t.bodies = append(t.bodies, b)
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
		b.mu.Lock()
		closed, eof, read, small := b.closed, b.eof, b.read, b.small
		b.mu.Unlock()
		if !closed || (drained && small && !eof) || read > maxRead {
			tb.Errorf("response %d of %d: closed %v, read to EOF %v, %d bytes read (limit %d)", i+1, len(t.bodies), closed, eof, read, maxRead)
		}
	}
}

func hygResp(r *http.Request, code int, body *hygBody) *http.Response {
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Request: r}
}

func hygText(s string) *hygBody { return &hygBody{prefix: strings.NewReader(s), small: true} }

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

// hygWalk drains an iterator the way hygClient.walk promises.
func hygWalk[T any](seq func(func(T, error) bool), each func() bool) error {
	var out error
	seq(func(_ T, err error) bool {
		if err != nil {
			out = err
			return false
		}
		return each()
	})
	return out
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
				return hygClient{
					list: func(ctx context.Context) error { _, _, err := c.Tickets.List(ctx, nil); return err },
					walk: func(ctx context.Context, each func() bool) error {
						return hygWalk(c.Tickets.All(ctx, &connectwise.ListOptions{PageSize: 3}), each)
					},
				}
			}
		}},
		{"infima", "/v1/clients", func() (http.Handler, func(http.RoundTripper) hygClient) {
			srv := infimatest.NewUnstartedServer()
			return srv.Handler(), func(rt http.RoundTripper) hygClient {
				c := hygMust(infima.NewClient(srv.APIKey(), append(hygOptsFor[infima.Option](rt), infima.WithBaseURL("http://127.0.0.1"))...))
				return hygClient{
					list: func(ctx context.Context) error { _, _, err := c.Clients.List(ctx, nil); return err },
					walk: func(ctx context.Context, each func() bool) error {
						return hygWalk(c.Clients.All(ctx, &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: 3}}), each)
					},
				}
			}
		}},
		{"heimdal", "/customers", func() (http.Handler, func(http.RoundTripper) hygClient) {
			srv := heimdaltest.NewUnstartedServer()
			return srv.Handler(), func(rt http.RoundTripper) hygClient {
				c := hygMust(heimdal.NewClient(srv.APIKey(), hygOptsFor[heimdal.Option](rt)...))
				return hygClient{
					list: func(ctx context.Context) error {
						_, _, err := c.Customers.List(ctx, heimdaltest.ResellerID, nil)
						return err
					},
					walk: func(ctx context.Context, each func() bool) error {
						return hygWalk(c.Customers.All(ctx, heimdaltest.ResellerID, &heimdal.ListOptions{PageSize: 2}), each)
					},
				}
			}
		}},
		{"asio", "/company/companies", func() (http.Handler, func(http.RoundTripper) hygClient) {
			srv := security360test.NewUnstartedServer()
			return srv.Handler(), func(rt http.RoundTripper) hygClient {
				c := hygMust(security360.NewClient(srv.Credentials(), append(hygOptsFor[security360.Option](rt), security360.WithBaseURL("http://127.0.0.1"))...))
				return hygClient{
					list: func(ctx context.Context) error { _, _, err := c.Companies.List(ctx, nil); return err },
					walk: func(ctx context.Context, each func() bool) error {
						return hygWalk(c.Companies.All(ctx, &security360.ListOptions{Limit: 2}), each)
					},
				}
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
		name    string
		fault   hygFault
		wantErr bool
		drained bool
		maxRead int64
	}{
		{name: "success", drained: true, maxRead: hygDrainLimit},
		{name: "api error", wantErr: true, drained: true, maxRead: hygDrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 400, hygText(`{"code":"Bad","message":"bad request","errors":[{"field":"x","message":"y"}]}`))
		}},
		{name: "decode error", wantErr: true, drained: true, maxRead: hygDrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 200, hygText(`{"items":[{"id":`))
		}},
		{name: "retried 503", drained: true, maxRead: hygDrainLimit, fault: func(n int, r *http.Request) *http.Response {
			if n == 1 {
				return hygResp(r, 503, hygText(`<html>busy</html>`))
			}
			return nil
		}},
		{name: "stalled before headers", wantErr: true, maxRead: hygDrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return &http.Response{StatusCode: hygStall}
		}},
		{name: "abandoned at deadline", wantErr: true, maxRead: hygDrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 200, &hygBody{prefix: strings.NewReader(`{"items":[`), block: r.Context()})
		}},
		{name: "100 MB error", wantErr: true, drained: true, maxRead: httpx.MaxErrorBody + hygDrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 500, &hygBody{prefix: strings.NewReader(`{"message":"`), pad: huge})
		}},
		// Retried until the budget is spent, then handed to the client:
		// every attempt's body must be bounded and closed.
		{name: "100 MB 503 every time", wantErr: true, drained: true, maxRead: httpx.MaxErrorBody + hygDrainLimit, fault: func(n int, r *http.Request) *http.Response {
			return hygResp(r, 503, &hygBody{prefix: strings.NewReader(`<html>`), pad: huge})
		}},
	}
	for _, api := range hygAPIs() {
		for _, tc := range cases {
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
				tr.check(t, true, hygDrainLimit)
			})
		})
	}
}

// hygWaitGoroutines reports whether the goroutine count is back to at most
// base, yielding the processor a bounded number of times instead of
// sleeping: once a server and the client's idle connections are closed,
// every goroutine still winding down has been woken by a local close, not
// by the network, so it only needs CPU time to exit.
func hygWaitGoroutines(base int) (int, bool) {
	n := runtime.NumGoroutine()
	for i := 0; i < 100_000 && n > base; i++ {
		runtime.Gosched()
		n = runtime.NumGoroutine()
	}
	return n, n <= base
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
			if n, ok := hygWaitGoroutines(base); !ok {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines after Close, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}
