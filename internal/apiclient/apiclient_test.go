package apiclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/apiclient"
	"github.com/psabridge/psabridge/internal/httpx"
)

// renewOnce is an Auth whose first credential the server refuses.
type renewOnce struct{ token atomic.Value }

func (a *renewOnce) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+a.token.Load().(string))
	return nil
}

func (a *renewOnce) Renew(_ context.Context, _ *http.Request, status int) string {
	if status != http.StatusUnauthorized {
		return ""
	}
	a.token.Store("fresh-token-456")
	return "HTTP 401: token renewed"
}

func backend(t *testing.T, h http.HandlerFunc) (*apiclient.Backend, *renewOnce) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	auth := &renewOnce{}
	auth.token.Store("stale-token-123")
	return &apiclient.Backend{
		HC:   httpx.New(httpx.Settings{Unlimited: true, MaxRetries: 0}),
		API:  "test",
		Base: func(context.Context) (string, error) { return srv.URL, nil },
		Auth: auth,
		ParseError: func(e *bridge.APIError, body []byte) {
			e.Message = string(body)
		},
	}, auth
}

// TestDecodeRule: one rule for every client. An empty 2xx body where a
// value is expected is a DecodeError (a sync must not read it as "no
// records"); 204, a nil value and EmptyOK take no body.
func TestDecodeRule(t *testing.T) {
	b, _ := backend(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/empty":
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		case "/bad":
			_, _ = w.Write([]byte(`{"id":`))
		default:
			_, _ = w.Write([]byte(`{"id":7}`))
		}
	})
	ctx := context.Background()
	var v struct{ ID int }
	var de *bridge.DecodeError
	if _, err := b.Do(ctx, &apiclient.Request{Method: "GET", Path: "/empty"}, &v); !errors.As(err, &de) || !strings.Contains(err.Error(), "empty response body") || de.Endpoint != "GET /empty" {
		t.Errorf("empty 200: %v", err)
	}
	if _, err := b.Do(ctx, &apiclient.Request{Method: "GET", Path: "/bad"}, &v); !errors.As(err, &de) {
		t.Errorf("truncated JSON: %v", err)
	}
	for _, r := range []*apiclient.Request{{Method: "GET", Path: "/nocontent"}, {Method: "PATCH", Path: "/empty", EmptyOK: true}} {
		if _, err := b.Do(ctx, r, &v); err != nil {
			t.Errorf("%s %s: %v", r.Method, r.Path, err)
		}
	}
	if _, err := b.Do(ctx, &apiclient.Request{Method: "GET", Path: "/ok"}, &v); err != nil || v.ID != 7 {
		t.Errorf("ok: %v, %+v", err, v)
	}
}

// TestRenewOnceAndScrub: a refused credential is renewed and the call sent
// once more; a second refusal is reported, its text scrubbed of the
// credential the server echoed.
func TestRenewOnceAndScrub(t *testing.T) {
	var calls atomic.Int32
	b, auth := backend(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") == "Bearer fresh-token-456" && r.URL.Path == "/ok" {
			_, _ = w.Write([]byte(`{}`))
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("refused " + r.Header.Get("Authorization")))
	})
	ctx := context.Background()
	if _, err := b.Do(ctx, &apiclient.Request{Method: "POST", Path: "/ok", Body: map[string]int{"a": 1}}, &struct{}{}); err != nil || calls.Load() != 2 {
		t.Fatalf("renewed call: %v after %d calls", err, calls.Load())
	}
	auth.token.Store("stale-token-123")
	calls.Store(0)
	_, err := b.Do(ctx, &apiclient.Request{Method: "GET", Path: "/never"}, &struct{}{})
	var e *bridge.APIError
	if !errors.As(err, &e) || e.StatusCode != 401 || calls.Load() != 2 {
		t.Fatalf("refused twice: %v after %d calls", err, calls.Load())
	}
	if strings.Contains(err.Error(), "token-456") || !strings.Contains(err.Error(), httpx.Redacted) {
		t.Errorf("echoed credential not scrubbed: %v", err)
	}
}

// TestWriteOutcomeUnknownAndRateLimit: a 502 to a POST leaves its outcome
// unknown; a 429 carries the server's wait.
func TestWriteOutcomeUnknownAndRateLimit(t *testing.T) {
	b, _ := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.Header().Set("Retry-After", "9")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusBadGateway)
	})
	b.HC = httpx.New(httpx.Settings{Unlimited: true, MaxRetries: 0, MaxRetryAfter: time.Millisecond})
	ctx := context.Background()
	_, err := b.Do(ctx, &apiclient.Request{Method: "POST", Path: "/write", Body: 1}, nil)
	var ou *bridge.OutcomeUnknownError
	if !errors.As(err, &ou) || ou.StatusCode != 502 {
		t.Errorf("POST 502: %v", err)
	}
	if _, err := b.Do(ctx, &apiclient.Request{Method: "POST", Path: "/write", Body: 1, Idempotent: true}, nil); bridge.IsOutcomeUnknown(err) {
		t.Errorf("idempotent POST 502 reported outcome unknown: %v", err)
	}
	_, err = b.Do(ctx, &apiclient.Request{Method: "GET", Path: "/busy"}, nil)
	if wait, ok := bridge.RetryAfter(err); !ok || wait != 9*time.Second {
		t.Errorf("429: %v (wait %v)", err, wait)
	}
}

// TestWalk: positions of any kind; a repeated position is an error, not a
// loop; stopping the range stops fetching.
func TestWalk(t *testing.T) {
	pages := map[string][]int{"a": {1, 2}, "b": {3}, "c": {4}}
	next := map[string]string{"a": "b", "b": "c", "c": "b"}
	fetched := 0
	var got []int
	var last error
	for v, err := range apiclient.Walk("test", "a", func(at string) ([]int, string, error) {
		fetched++
		return pages[at], next[at], nil
	}) {
		if err != nil {
			last = err
			break
		}
		got = append(got, v)
	}
	if len(got) != 4 || last == nil || !strings.Contains(last.Error(), "paging loop") || fetched != 3 {
		t.Errorf("got %v, err %v after %d fetches", got, last, fetched)
	}
	fetched = 0
	for range apiclient.Walk("test", "a", func(at string) ([]int, string, error) {
		fetched++
		return pages[at], next[at], nil
	}) {
		break
	}
	if fetched != 1 {
		t.Errorf("stopping after one item fetched %d pages", fetched)
	}
}

func TestRoute(t *testing.T) {
	for in, want := range map[string]string{
		"/service/tickets/42/notes":                                "/service/tickets/{id}/notes",
		"/v1/companies/3f2b6c1e-1d2a-4c3b-9a8b-0123456789ab/sites": "/v1/companies/{id}/sites",
		"/2.0/activeclients":                                       "/2.0/activeclients",
	} {
		if got := apiclient.Route(in); got != want {
			t.Errorf("Route(%q) = %q, want %q", in, got, want)
		}
	}
}
