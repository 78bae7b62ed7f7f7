// Package simkittest holds the test helpers the simulators' and clients'
// own tests share: starting a simulator with a client for it, and sending
// one raw request to a simulator. It is imported only from _test files.
package simkittest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// Serve registers srv's Close with t and returns srv, so that a test
// starts a simulator in one line and never leaks it.
func Serve[S interface{ Close() }](t testing.TB, srv S) S {
	t.Cleanup(srv.Close)
	return srv
}

// Start registers srv's Close with t and returns srv with the client
// newClient builds for it. A simulator's own settings must always make a
// valid client, so an error from newClient fails t at once.
func Start[S interface{ Close() }, C any](t testing.TB, srv S, newClient func(S) (C, error)) (S, C) {
	t.Helper()
	c, err := newClient(Serve(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// Listen returns a listener on a free loopback port, for the tests that
// hand a simulator its own socket as a sandbox does. The simulator closes
// it; t closes it too, in case the test stops before the simulator starts.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// Do sends one raw request with hc (http.DefaultClient when nil) and returns
// the response, whose body is already read and closed, with that body. When
// out is not nil the body is decoded into it. Transport, read and decode
// errors fail t: raw tests look at what the simulator answered, and a
// simulator that cannot answer, or answers something other than JSON when
// JSON was asked for, has nothing more to check.
func Do(t testing.TB, hc *http.Client, method, url string, header http.Header, body string, out any) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, url, resp.StatusCode, b, err)
		}
	}
	return resp, b
}
