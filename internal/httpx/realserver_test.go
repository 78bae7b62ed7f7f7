package httpx_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/testnet"
)

// These tests use real sockets, so they run outside synctest; retry waits
// are a nanosecond so nothing really sleeps.

// dropAfterWrite is a server that reads the whole request, as if it had
// processed the write, then drops the connection without answering. Later
// requests get 201.
func dropAfterWrite(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1) > 1 {
			w.WriteHeader(http.StatusCreated)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func realClient(opts ...httpx.Option) *httpx.Client {
	base := []httpx.Option{httpx.WithRetry(3, time.Nanosecond, time.Nanosecond), httpx.WithRateLimit(0, 0)}
	return httpx.New(httpx.Resolve(httpx.Settings{}, append(base, opts...)...))
}

func TestRealServerDroppedWrite(t *testing.T) {
	srv, n := dropAfterWrite(t)
	req := newReq(t, context.Background(), http.MethodPost, srv.URL+"/service/tickets", `{"summary":"printer on fire"}`)
	_, _, err := do(t, realClient(), req)
	var ou *httpx.OutcomeUnknownError
	if !errors.As(err, &ou) || ou.Method != http.MethodPost || ou.Path != "/service/tickets" {
		t.Fatalf("err = %v (%T); want *OutcomeUnknownError for POST /service/tickets", err, err)
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("server saw %d requests; a maybe-applied write must be sent once", got)
	}
}

func TestRealServerDroppedReadRetried(t *testing.T) {
	srv, n := dropAfterWrite(t)
	code, _, err := do(t, realClient(), newReq(t, context.Background(), http.MethodGet, srv.URL+"/service/tickets/1", ""))
	if err != nil || code != http.StatusCreated {
		t.Fatalf("got %d, %v; want the retry's answer", code, err)
	}
	if got := n.Load(); got != 2 {
		t.Fatalf("server saw %d requests, want 2", got)
	}
}

func TestRealServerRefusedWriteRetried(t *testing.T) {
	// A port nobody listens on: the dial fails before anything is sent.
	addr := testnet.ClosedAddr(t)
	_, _, err := do(t, realClient(httpx.WithRetry(2, time.Nanosecond, time.Nanosecond)), newReq(t, context.Background(), http.MethodPost, "http://"+addr+"/t", "{}"))
	if err == nil || httpx.IsOutcomeUnknown(err) {
		t.Fatalf("err = %v; a refused connection sent nothing, so it is not outcome unknown", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("err = %v; want the dial error", err)
	}
}

func TestRealServerWriteTimeout(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	_, _, err := do(t, realClient(httpx.WithTimeout(50*time.Millisecond)), newReq(t, context.Background(), http.MethodPost, srv.URL+"/t", "{}"))
	var ne net.Error
	if !httpx.IsOutcomeUnknown(err) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v; a timed-out write is outcome unknown and a timeout", err)
	}
	if n.Load() != 1 {
		t.Errorf("server saw %d requests, want 1", n.Load())
	}
}

func TestRealServerCancelDuringDialIsNotOutcomeUnknown(t *testing.T) {
	// A dial that hangs until the context ends: nothing can have been sent.
	dialer := func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	tr := &http.Transport{DialContext: dialer}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := do(t, realClient(httpx.WithHTTPClient(&http.Client{Transport: tr})), newReq(t, ctx, http.MethodPost, "http://192.0.2.1/t", "{}"))
	if !errors.Is(err, context.DeadlineExceeded) || httpx.IsOutcomeUnknown(err) {
		t.Fatalf("err = %v; want DeadlineExceeded and not outcome unknown", err)
	}
}

// An untrusted certificate is permanent: one connection, no backoff.
func TestUntrustedCertificateIsNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
	srv.StartTLS()
	defer srv.Close()
	c := httpx.New(httpx.Resolve(httpx.Settings{}, httpx.WithRetry(3, time.Millisecond, time.Millisecond)))
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		conns.Store(0)
		req, _ := http.NewRequest(method, srv.URL+"/x", strings.NewReader("{}"))
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: untrusted certificate accepted", method)
		}
		if httpx.IsOutcomeUnknown(err) {
			t.Errorf("%s: a refused handshake sent nothing, yet the outcome is called unknown: %v", method, err)
		}
		if n := conns.Load(); n != 1 {
			t.Errorf("%s: %d connections, want 1 (no retry)", method, n)
		}
	}
	if hits.Load() != 0 {
		t.Fatal("handler reached")
	}
}
