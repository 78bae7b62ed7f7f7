package connectwise_test

// Resource hygiene of the PSA client against the cwtest simulator: no
// goroutine outlives a closed server or a cancelled context, every
// response body is closed (and read to the end, so a real connection
// could be reused), and walking a large list holds one page at a time.
//
// Leaks are found two ways. In-memory tests run inside a testing/synctest
// bubble over cwtest's Transport: synctest.Test fails if any goroutine
// started in the bubble is still blocked when the test function returns,
// which is exactly a leak. The real-socket test compares
// runtime.NumGoroutine with its starting value after closing the server
// and the client's idle connections; see testbody.CheckGoroutines for
// why that needs no sleep. That every body is closed on every way a
// response can end (the PSA's 404 and codebase rediscovery among them) is
// checked for all four clients in internal/conformance/hygiene_test.go.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/internal/cwtestkit"
	"github.com/psabridge/psabridge/internal/testbody"
)

// hygCheck fails t unless every body tr handed out was closed and, since
// these bodies are small, read to EOF first: what a keep-alive connection
// needs to be reused rather than torn down.
func hygCheck(t *testing.T, tr *testbody.Tracker) {
	t.Helper()
	bodies := tr.Bodies()
	if len(bodies) == 0 {
		t.Fatal("no response was tracked")
	}
	for i, b := range bodies {
		if read, eof, closed := b.State(); !closed || !eof {
			t.Errorf("response %d of %d: closed %v, drained to EOF %v after %d bytes", i+1, len(bodies), closed, eof, read)
		}
	}
}

// hygMemClient returns a client talking to srv in memory (no sockets,
// so it runs inside synctest) with every body tracked.
func hygMemClient(t *testing.T, srv *cwtest.Server) (*connectwise.Client, *testbody.Tracker) {
	t.Helper()
	tr := &testbody.Tracker{Base: hygCtxAware{srv.Transport()}}
	// The later WithHTTPClient wins: requests go through the tracker.
	c := cwtestkit.MemClient(t, srv, connectwise.WithHTTPClient(&http.Client{Transport: tr}),
		connectwise.WithRateLimit(0, 1), connectwise.WithRetry(2, time.Millisecond, 2*time.Millisecond))
	return c, tr
}

// TestCancelMidIterationAndMidRequestLeavesNoGoroutines cancels a walk in
// the middle of a page, lets a request's deadline pass while the server
// is still "thinking", and stops a walk early with break; the synctest
// bubble fails the test if any of that leaves a goroutine behind, and
// every body must have been closed and drained.
func TestCancelMidIterationAndMidRequestLeavesNoGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := cwtest.NewUnstartedServer()
		srv.AddTickets(250, nil)
		c, tr := hygMemClient(t, srv)

		// Mid-iteration: cancel halfway through the second page of 100.
		ctx, cancel := context.WithCancel(t.Context())
		n := 0
		var iterErr error
		for _, err := range c.Tickets.All(ctx, &connectwise.ListOptions{PageSize: 100, ForwardOnly: true}) {
			if err != nil {
				iterErr = err
				break
			}
			if n++; n == 150 {
				cancel()
			}
		}
		// The page in hand is finished; the next request is never sent.
		if n != 200 || !errors.Is(iterErr, context.Canceled) {
			t.Errorf("walk cancelled at 150 yielded %d tickets then %v; want 200 then context.Canceled", n, iterErr)
		}

		// Early break: the iterator must not keep anything running.
		n = 0
		for _, err := range c.Tickets.All(t.Context(), &connectwise.ListOptions{PageSize: 100}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 10 {
				break
			}
		}

		// Mid-request: the server takes an hour, the caller one second.
		srv.SetLatency(time.Hour)
		ctx, cancel = context.WithTimeout(t.Context(), time.Second)
		start := time.Now()
		_, _, err := c.Tickets.List(ctx, nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Errorf("List with a 1s deadline against a 1h server: %v after %v", err, time.Since(start))
		}
		srv.SetLatency(0)
		hygCheck(t, tr)
	})
}

// hygCtxAware fails a round trip whose context ended while the handler
// ran, as net/http does over a socket. cwtest's in-memory Transport
// instead returns whatever the handler left behind (an empty 200 when it
// gave up waiting out its latency), which the client would take for an
// empty list.
type hygCtxAware struct{ base http.RoundTripper }

func (t hygCtxAware) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil && r.Context().Err() != nil {
		resp.Body.Close()
		return nil, r.Context().Err()
	}
	return resp, err
}

// TestSimulatorCloseLeavesNoGoroutines runs discovery, a list, a walk
// stopped early and a request cancelled while the server is still working
// over real HTTP, then closes the server and the client's idle
// connections: the goroutine count must return to where it started.
func TestSimulatorCloseLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	srv := cwtest.NewServer()
	transport := &http.Transport{} // the test's own, so it can close its idle connections
	c, err := connectwise.NewClient(srv.Config(), connectwise.WithHTTPClient(&http.Client{Transport: transport}), connectwise.WithRateLimit(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, _, err := c.Tickets.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, err := range c.Companies.All(ctx, &connectwise.ListOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	// Cancel a request the moment it has been written, while the server
	// sits out its latency: no timing involved.
	srv.SetLatency(time.Hour)
	rctx, cancel := context.WithCancel(ctx)
	rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }})
	if _, _, err := c.Tickets.List(rctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled List: %v", err)
	}
	srv.Close()
	transport.CloseIdleConnections()
	testbody.CheckGoroutines(t, base)
}

// TestForwardOnlyWalkOf100kTicketsKeepsHeapBounded walks 100,000 tickets
// with forward-only paging (pages of MaxPageSize = 1000) and samples the
// live heap every 10,000 tickets. A lazy walk holds one page (about a
// megabyte); a walk that kept what it had yielded would grow by about
// 50 MB here, so 16 MB is a generous bound that still fails on retention.
// Fields is restricted to id and summary only to keep the test quick under
// the race detector; a decoded Ticket is the same size either way.
func TestForwardOnlyWalkOf100kTicketsKeepsHeapBounded(t *testing.T) {
	const tickets, bound = 100_000, 16 << 20
	srv := cwtest.NewUnstartedServer()
	srv.AddTickets(tickets, nil)
	c, _ := hygMemClient(t, srv)
	cwtestkit.WalkKeepsHeapBounded(t, c.Tickets.All(t.Context(), &connectwise.ListOptions{ForwardOnly: true, Fields: "id,summary"}), tickets, bound)
}

// TestSuccessBodyIsBounded: the PSA client decodes a 2xx body with no size
// limit (client.go, do: json.NewDecoder(hr.Body)), so a proxy or server
// that streams an endless 200 makes the client read, and buffer, without
// end; INFIMA (32 MiB), Heimdal (64 MiB) and Asio (32 MiB) all cap it.
func TestSuccessBodyIsBounded(t *testing.T) {
	const bound = 64<<20 + 1<<20 // the largest cap the other clients use, plus DrainClose
	body := &hygEndless{prefix: []byte(`[`), unit: []byte(`{"id":1,"summary":"x"},`), limit: bound + 1}
	rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Path, "/login/") {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"Codebase":"v2025_1/"}`)), Request: r}, nil
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(body), Request: r}, nil
	})
	cfg := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: "acme", PublicKey: "PUBKEY12", PrivateKey: fzSecret, ClientID: "11111111-2222-3333-4444-555555555555"}
	c, err := connectwise.NewClient(cfg, connectwise.WithHTTPClient(&http.Client{Transport: rt}), connectwise.WithRateLimit(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Tickets.List(t.Context(), nil)
	if err == nil || body.overrun {
		t.Errorf("List read %d bytes of an endless body (overrun %v), err %v; want an error within %d bytes", body.read, body.overrun, err, bound)
	}
}

// hygEndless is a JSON array that never ends, generated on demand. Past
// limit bytes it stops with an error and records the overrun, so a client
// without a bound fails the test quickly instead of exhausting memory.
type hygEndless struct {
	prefix, unit []byte
	limit, read  int64
	overrun      bool
	pos          int
}

func (e *hygEndless) Read(p []byte) (int, error) {
	if e.read >= e.limit {
		e.overrun = true
		return 0, errors.New("hygEndless: read past the bound")
	}
	n := 0
	if e.read == 0 {
		n = copy(p, e.prefix)
	}
	for n < len(p) {
		c := copy(p[n:], e.unit[e.pos:])
		n += c
		e.pos = (e.pos + c) % len(e.unit)
	}
	e.read += int64(n)
	return n, nil
}

// TestAllStopsWhenNextPageDoesNotAdvance: All follows the server's next
// link (or next pageId) without checking that it moves forward, so a proxy
// or cache that answers every page with the same Link header makes the
// walk request the same page forever. The security360 client stops with
// an error in that case.
func TestAllStopsWhenNextPageDoesNotAdvance(t *testing.T) {
	for _, forwardOnly := range []bool{false, true} {
		rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
			h := http.Header{}
			body := `{"Codebase":"v2025_1/"}`
			if !strings.HasPrefix(r.URL.Path, "/login/") {
				body = `[{"id":1}]`
				h.Set("Link", `<https://api-na.myconnectwise.net/v2025_1/apis/3.0/service/tickets?page=1&pageId=1>; rel="next"`)
			}
			return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(bytes.NewReader([]byte(body))), Request: r}, nil
		})
		cfg := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: "acme", PublicKey: "PUBKEY12", PrivateKey: fzSecret, ClientID: "11111111-2222-3333-4444-555555555555"}
		c, err := connectwise.NewClient(cfg, connectwise.WithHTTPClient(&http.Client{Transport: rt}), connectwise.WithRateLimit(0, 1))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range c.Tickets.All(t.Context(), &connectwise.ListOptions{ForwardOnly: forwardOnly, PageID: 1}) {
			if n++; err != nil || n > 100 {
				break
			}
		}
		if n > 100 {
			t.Errorf("forwardOnly=%v: the walk was still going after %d pages of the same ticket", forwardOnly, n)
		}
	}
}
