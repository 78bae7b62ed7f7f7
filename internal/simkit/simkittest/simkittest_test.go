package simkittest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/psabridge/psabridge/internal/simkit/simkittest"
)

type closer struct{ closed bool }

func (c *closer) Close() { c.closed = true }

func TestStartClosesTheServerWithTheTest(t *testing.T) {
	srv := &closer{}
	t.Run("inner", func(t *testing.T) {
		got, c := simkittest.Start(t, srv, func(s *closer) (string, error) { return "client", nil })
		if got != srv || c != "client" || srv.closed {
			t.Fatalf("Start = %p, %q, closed %v", got, c, srv.closed)
		}
	})
	if !srv.closed {
		t.Error("server still open after its test ended")
	}
}

// fatalTB records Fatal and stops its goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Helper()        {}
func (f *fatalTB) Cleanup(func()) {}
func (f *fatalTB) Fatal(...any)   { f.failed = true; runtime.Goexit() }

func TestStartFailsWhenTheClientIsRefused(t *testing.T) {
	srv := &closer{}
	inner := &fatalTB{TB: t}
	// Fatal stops the goroutine it runs on, so run Start on its own.
	done := make(chan struct{})
	go func() {
		defer close(done)
		simkittest.Start(inner, srv, func(*closer) (int, error) { return 0, errors.New("refused") })
	}()
	<-done
	if !inner.failed {
		t.Error("a refused client did not fail the test")
	}
}

func TestDoSendsHeadersAndDecodes(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Method+" "+r.Header.Get("X-Api-Key"))
		_, _ = w.Write([]byte(`{"n":3}`))
	})
	srv := simkittest.Serve(t, httptest.NewServer(h))
	var out struct{ N int }
	resp, b := simkittest.Do(t, srv.Client(), http.MethodPost, srv.URL+"/x", http.Header{"X-Api-Key": {"k"}}, "body", &out)
	if resp.Header.Get("X-Seen") != "POST k" || string(b) != `{"n":3}` || out.N != 3 {
		t.Errorf("Do = %q, %q, %+v", resp.Header.Get("X-Seen"), b, out)
	}
}
