// Package testbody provides HTTP response bodies for tests that must prove
// a client reads no more than a bound and closes what it opens, with
// bodies of any size costing no memory, and a Buffer for output a test
// reads while the code under test still writes it. It is shared by the
// four API clients' fuzz and hygiene tests and the tests of the packages
// that log; the same tests use Stall for a connection that goes quiet and
// CheckGoroutines to prove that closing a real server leaves nothing
// running.
package testbody

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// DrainLimit is what httpx.DrainClose discards past an error body to keep
// the connection reusable; a client may read that much beyond its own
// bound, never keeping it.
const DrainLimit = 1 << 20

// Body counts what is read from it and whether it was closed. A body from
// New makes up its padding on demand, so an enormous body costs no memory;
// one from Wrap tracks a real response body.
type Body struct {
	src    io.Reader
	mu     sync.Mutex
	read   int64
	eof    bool
	closed bool
}

// New returns a body of prefix followed by pad spaces.
func New(prefix []byte, pad int64) *Body {
	return Wrap(io.MultiReader(bytes.NewReader(prefix), &spaces{n: pad}))
}

// Wrap returns a body that reads r and records what was read; closing it
// closes r too when r is an io.Closer.
func Wrap(r io.Reader) *Body { return &Body{src: r} }

// spaces reads as n spaces.
type spaces struct{ n int64 }

func (s *spaces) Read(p []byte) (int, error) {
	if s.n == 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), s.n))
	for i := range k {
		p[i] = ' '
	}
	s.n -= int64(k)
	return k, nil
}

// Read reads the source; reading after Close fails. The lock is not held
// while reading, so a Close from another goroutine (a cancelled request)
// never waits behind a blocked read.
func (b *Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return 0, errors.New("testbody: read after close")
	}
	n, err := b.src.Read(p)
	b.mu.Lock()
	b.read += int64(n)
	if err == io.EOF {
		b.eof = true
	}
	b.mu.Unlock()
	return n, err
}

// Close records that the body was closed.
func (b *Body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	if c, ok := b.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// State reports how many bytes were read, whether the end was reached and
// whether the body was closed.
func (b *Body) State() (read int64, eof, closed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.read, b.eof, b.closed
}

// Stall returns a reader that never yields a byte: Read waits until ctx
// ends and returns its error, as a connection that stopped sending does.
// Put it after a prefix (io.MultiReader) for a body abandoned mid-way.
func Stall(ctx context.Context) io.Reader { return stall{ctx} }

type stall struct{ ctx context.Context }

func (s stall) Read([]byte) (int, error) {
	<-s.ctx.Done()
	return 0, s.ctx.Err()
}

// Status maps any fuzzed int to an HTTP status: itself when it is one,
// otherwise an error status.
func Status(n int) int {
	if n >= 100 && n <= 999 {
		return n
	}
	return 400 + int(uint(n)%200)
}

// Transport is an http.RoundTripper that answers every request in memory
// with the status and body Answer returns for it, each body a tracked
// *Body, so a test can prove a client closed every response it got. It is
// safe for concurrent use.
type Transport struct {
	// Answer gives the status and body for the n-th request (1-based).
	Answer func(n int, r *http.Request) (status int, body []byte)

	mu     sync.Mutex
	bodies []*Body
}

// RoundTrip answers r with a JSON response from Answer.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	code, body := t.Answer(len(t.bodies)+1, r)
	b := New(body, 0)
	t.bodies = append(t.bodies, b)
	return &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {"application/json"}}, Body: b, Request: r}, nil
}

// Calls reports how many requests the transport has answered.
func (t *Transport) Calls() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.bodies)
}

// Unclosed returns the 1-based numbers of the responses whose bodies are
// still open, in the order they were handed out.
func (t *Transport) Unclosed() []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	var open []int
	for k, b := range t.bodies {
		if _, _, closed := b.State(); !closed {
			open = append(open, k+1)
		}
	}
	return open
}

// Tracker wraps Base and keeps every response body it hands out, so a test
// can check that each was closed and drained. It is safe for concurrent
// use.
type Tracker struct {
	Base http.RoundTripper

	mu     sync.Mutex
	bodies []*Body
}

// RoundTrip sends r through Base and tracks the response's body.
func (t *Tracker) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	b := Wrap(resp.Body)
	resp.Body = b
	t.mu.Lock()
	t.bodies = append(t.bodies, b)
	t.mu.Unlock()
	return resp, nil
}

// Bodies returns the bodies handed out so far, in order.
func (t *Tracker) Bodies() []*Body {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.bodies)
}

// Buffer is a bytes.Buffer safe for concurrent Write and String: a log or
// output sink that a test reads while goroutines of the code under test
// may still write to it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CheckGoroutines fails tb, with every goroutine's stack to show what
// leaked, unless the goroutine count comes back to at most base (taken
// with runtime.NumGoroutine before the test started anything). Tests that
// use it must not run in parallel: they count the whole process.
func CheckGoroutines(tb testing.TB, base int) {
	tb.Helper()
	// Yield a bounded number of times rather than sleep: once a server and
	// a client's idle connections are closed, every goroutine still
	// winding down was woken by a local close, not by the network, so it
	// only needs CPU time to exit.
	n := runtime.NumGoroutine()
	for i := 0; i < 100_000 && n > base; i++ {
		runtime.Gosched()
		n = runtime.NumGoroutine()
	}
	if n > base {
		buf := make([]byte, 1<<20)
		tb.Fatalf("%d goroutines after Close, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}
