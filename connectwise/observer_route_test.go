package connectwise_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cwsystem"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// A generated method whose path holds a string identifier reports the
// spec's template, not the identifier: a route per member would make one
// metric series per record and put names into traces.
func TestObserverRouteHidesStringIdentifiers(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	var routes []string
	c := simClient(t, srv, connectwise.WithObserver(func(a bridge.Attempt) {
		mu.Lock()
		defer mu.Unlock()
		routes = append(routes, a.Route)
	}))
	// The outcome (found or 404) does not matter; the route does.
	_, _, _ = cwsystem.New(c).Members.GetByMemberIdentifier(context.Background(), "jdoe.secret", nil)
	mu.Lock()
	defer mu.Unlock()
	want := "/system/members/{memberIdentifier}"
	found := false
	for _, r := range routes {
		if r == want {
			found = true
		}
		if strings.Contains(r, "jdoe") {
			t.Errorf("route %q carries the identifier", r)
		}
	}
	if !found {
		t.Fatalf("routes %q; want one %q", routes, want)
	}
}
