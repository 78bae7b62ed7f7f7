package testbody_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/psabridge/psabridge/internal/testbody"
)

func TestTransportNumbersCallsAndTracksBodies(t *testing.T) {
	rt := &testbody.Transport{Answer: func(n int, r *http.Request) (int, []byte) {
		return 200 + n, []byte(r.URL.Path)
	}}
	hc := &http.Client{Transport: rt}
	var resps []*http.Response
	for _, p := range []string{"/a", "/b", "/c"} {
		resp, err := hc.Get("http://example.invalid" + p)
		if err != nil {
			t.Fatal(err)
		}
		resps = append(resps, resp)
	}
	b, _ := io.ReadAll(resps[1].Body)
	if resps[1].StatusCode != 202 || string(b) != "/b" {
		t.Errorf("second answer: %d %q", resps[1].StatusCode, b)
	}
	resps[0].Body.Close()
	resps[2].Body.Close()
	if got := rt.Unclosed(); rt.Calls() != 3 || !slices.Equal(got, []int{2}) {
		t.Errorf("Calls %d, Unclosed %v; want 3 and [2]", rt.Calls(), got)
	}
}

// closeCounter is a response body that counts its closes.
type closeCounter struct {
	io.Reader
	closes int
}

func (c *closeCounter) Close() error { c.closes++; return nil }

func TestTrackerRecordsEachBodyAndClosesTheReal(t *testing.T) {
	var under []*closeCounter
	tr := &testbody.Tracker{Base: roundTrip(func(r *http.Request) (*http.Response, error) {
		c := &closeCounter{Reader: strings.NewReader(`{"a":1}`)}
		under = append(under, c)
		return &http.Response{StatusCode: 200, Body: c, Request: r}, nil
	})}
	hc := &http.Client{Transport: tr}
	for range 2 {
		resp, err := hc.Get("http://example.invalid/")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// The third is left half read and open, as a leaking client would.
	resp, err := hc.Get("http://example.invalid/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resp.Body.Read(make([]byte, 3)); err != nil {
		t.Fatal(err)
	}
	bodies := tr.Bodies()
	if len(bodies) != 3 {
		t.Fatalf("%d bodies tracked, want 3", len(bodies))
	}
	for i, want := range []struct {
		read      int64
		eof, done bool
	}{{7, true, true}, {7, true, true}, {3, false, false}} {
		if read, eof, closed := bodies[i].State(); read != want.read || eof != want.eof || closed != want.done {
			t.Errorf("body %d: read %d, eof %v, closed %v; want %+v", i+1, read, eof, closed, want)
		}
		if under[i].closes != map[bool]int{true: 1}[want.done] {
			t.Errorf("body %d: real body closed %d times", i+1, under[i].closes)
		}
	}
	resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
		t.Error("read after close succeeded")
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBufferTakesConcurrentWrites(t *testing.T) {
	var b testbody.Buffer
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				_, _ = b.Write([]byte("x"))
				_ = b.String()
			}
		}()
	}
	for range 4 {
		<-done
	}
	if n := len(b.String()); n != 400 {
		t.Fatalf("%d bytes written, want 400", n)
	}
}

func TestStallWaitsForTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		b := testbody.Wrap(io.MultiReader(strings.NewReader("ab"), testbody.Stall(ctx)))
		got := make(chan error, 1)
		go func() {
			_, err := io.ReadAll(b)
			got <- err
		}()
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("read ended before the context: %v", err)
		default:
		}
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Errorf("read ended with %v, want context.Canceled", err)
		}
		if read, eof, _ := b.State(); read != 2 || eof {
			t.Errorf("read %d bytes, eof %v; want the 2-byte prefix and no end", read, eof)
		}
	})
}

// fatalRecorder is a testing.TB whose Fatalf only records, so a test can
// see CheckGoroutines fail without failing itself.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

// TestCheckGoroutinesSeesALeak is not parallel: it counts goroutines. It
// leaks many so that goroutines of earlier tests still winding down
// cannot hide the leak.
func TestCheckGoroutinesSeesALeak(t *testing.T) {
	const leaked = 50
	base := runtime.NumGoroutine()
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range leaked {
		wg.Go(func() { <-release })
	}
	var rec fatalRecorder
	testbody.CheckGoroutines(&rec, base)
	if !strings.Contains(rec.msg, "goroutines after Close") || !strings.Contains(rec.msg, "TestCheckGoroutinesSeesALeak") {
		t.Errorf("%d blocked goroutines: CheckGoroutines reported %q, want the count and the leaked goroutines' stacks", leaked, rec.msg)
	}
	close(release)
	wg.Wait()
	rec.msg = ""
	testbody.CheckGoroutines(&rec, base)
	if rec.msg != "" {
		t.Errorf("after the goroutines returned: CheckGoroutines reported %q", rec.msg)
	}
}
