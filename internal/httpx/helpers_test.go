package httpx_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

// call is one request as the fake server saw it.
type call struct {
	method, host, path string
	header             http.Header
	body               string
	at                 time.Time
}

// fakeServer is an in-memory http.RoundTripper. Unlike a socket, nothing in
// it blocks non-durably, so it runs inside synctest bubbles on the fake clock.
type fakeServer struct {
	mu    sync.Mutex
	calls []call
	// answer gives the n-th (1-based) request its response or error.
	answer func(n int, r *http.Request) (*http.Response, error)
}

func (f *fakeServer) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		_ = r.Body.Close()
	}
	f.mu.Lock()
	f.calls = append(f.calls, call{method: r.Method, host: r.URL.Host, path: r.URL.Path, header: r.Header.Clone(), body: string(body), at: time.Now()})
	n := len(f.calls)
	f.mu.Unlock()
	resp, err := f.answer(n, r)
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

func (f *fakeServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeServer) get(i int) call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[i]
}

// step answers one request.
type step func(r *http.Request) (*http.Response, error)

// script answers request n with steps[n-1]; past the end it repeats the
// last step.
func script(steps ...step) *fakeServer {
	return &fakeServer{answer: func(n int, r *http.Request) (*http.Response, error) {
		return steps[min(n, len(steps))-1](r)
	}}
}

// status answers with code and header pairs ("Retry-After", "2", ...).
func status(code int, kv ...string) step {
	return statusBody(code, http.StatusText(code), kv...)
}

func statusBody(code int, body string, kv ...string) step {
	return func(*http.Request) (*http.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return &http.Response{
			StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		}, nil
	}
}

func fail(err error) step {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

var (
	// errReset is a connection dropped after the request went out.
	errReset = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	// errRefused is a dial failure: nothing was sent.
	errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
)

// blockUntilDone is a server that never answers: the attempt ends only with
// its context.
func blockUntilDone(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// newClient builds a client over fs with fast, deterministic-enough retry
// waits and no rate limit unless opts say otherwise.
func newClient(fs http.RoundTripper, opts ...httpx.Option) *httpx.Client {
	base := []httpx.Option{
		httpx.WithHTTPClient(&http.Client{Transport: fs}),
		httpx.WithRetry(3, 100*time.Millisecond, time.Second),
		httpx.WithRateLimit(0, 0),
	}
	return httpx.New(httpx.Resolve(httpx.Settings{}, append(base, opts...)...))
}

func newReq(t *testing.T, ctx context.Context, method, url, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// do sends one request and returns the status (0 on error), the body and
// the error; it always closes the body.
func do(t *testing.T, c *httpx.Client, req *http.Request) (int, string, error) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		if resp != nil {
			t.Errorf("Do returned both a response and an error: %v", err)
		}
		return 0, "", err
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(resp.Body)
	if rerr != nil {
		t.Errorf("reading body: %v", rerr)
	}
	return resp.StatusCode, string(b), nil
}

const api = "https://api-na.myconnectwise.net"

// near reports d within a millisecond of want: x/time/rate computes token
// times in float seconds, which can land a nanosecond short.
func near(d, want time.Duration) bool {
	return d > want-time.Millisecond && d < want+time.Millisecond
}
