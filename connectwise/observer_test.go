package connectwise_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cwsystem"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// TestObserverSeesEveryAttempt checks the observer hook: one Attempt per
// send, retries included, with the route template (not the id), the
// attempt number, the status and why a retry was sent, and nothing that
// could carry a credential.
func TestObserverSeesEveryAttempt(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	c, attempts := observed(t, srv)
	ctx := context.Background()
	co := srv.Companies()[0]
	srv.InjectFault(cwtest.Fault{Method: http.MethodGet, PathContains: "/company/companies/", Status: http.StatusServiceUnavailable, Times: 1})
	if _, _, err := c.Companies.Get(ctx, co.ID); err != nil {
		t.Fatal(err)
	}
	seen := attempts()
	var got []bridge.Attempt
	for _, a := range seen {
		if strings.HasPrefix(a.Route, "/company/companies") {
			got = append(got, a)
		}
	}
	if len(got) != 2 {
		t.Fatalf("observer saw %d attempts on the company route, want 2 (503, then 200): %+v", len(got), seen)
	}
	for i, want := range []struct {
		status  int
		attempt int
		reason  string
	}{{503, 1, ""}, {200, 2, "HTTP 503"}} {
		a := got[i]
		if a.API != "connectwise" || a.Method != http.MethodGet || a.Route != "/company/companies/{id}" || a.StatusCode != want.status || a.Attempt != want.attempt || a.RetryReason != want.reason || a.Err != nil {
			t.Errorf("attempt %d = %+v; want route /company/companies/{id}, status %d, attempt %d, reason %q", i, a, want.status, want.attempt, want.reason)
		}
		if a.Duration <= 0 || a.LimiterWait < 0 {
			t.Errorf("attempt %d: duration %v, limiter wait %v", i, a.Duration, a.LimiterWait)
		}
	}
}

// observed builds a client on srv whose observer records every attempt;
// the returned func gives a copy of what it saw so far.
func observed(t *testing.T, srv *cwtest.Server) (*connectwise.Client, func() []bridge.Attempt) {
	t.Helper()
	var mu sync.Mutex
	var seen []bridge.Attempt
	c := simClient(t, srv, connectwise.WithObserver(func(a bridge.Attempt) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, a)
	}))
	return c, func() []bridge.Attempt {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// A generated method whose path holds a string identifier reports the
// spec's template, not the identifier: a route per member would make one
// metric series per record and put names into traces.
func TestObserverRouteHidesStringIdentifiers(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	c, attempts := observed(t, srv)
	// The outcome (found or 404) does not matter; the route does.
	_, _, _ = cwsystem.New(c).Members.GetByMemberIdentifier(context.Background(), "jdoe.secret", nil)
	want := "/system/members/{memberIdentifier}"
	found := false
	for _, a := range attempts() {
		if a.Route == want {
			found = true
		}
		if strings.Contains(a.Route, "jdoe") {
			t.Errorf("route %q carries the identifier", a.Route)
		}
	}
	if !found {
		t.Fatalf("attempts %+v; want one on route %q", attempts(), want)
	}
}
