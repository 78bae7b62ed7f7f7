package flowtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
)

// FastPSA returns client options for tests against the PSA simulator:
// no client-side rate limit, and retries and Retry-After waits of a few
// milliseconds, so fault and 429 scenarios run at test speed. extra come
// last and so win over the defaults.
func FastPSA(extra ...connectwise.Option) []connectwise.Option {
	return append([]connectwise.Option{
		connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(8, time.Millisecond, 4*time.Millisecond),
		connectwise.WithMaxRetryAfter(5 * time.Millisecond),
	}, extra...)
}

// PSAClient returns a client of srv built with FastPSA(extra...), as a
// host application builds the client it hands a flow.
func PSAClient(t testing.TB, srv *cwtest.Server, extra ...connectwise.Option) *connectwise.Client {
	t.Helper()
	c, err := connectwise.NewClient(srv.Config(), FastPSA(extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Checker is a flow with the uniform Check verb.
type Checker interface {
	Check(ctx context.Context) (*flow.CheckReport, error)
}

// Check runs c.Check under the test's context and fails the test when it
// returns an error: a flow's Check errs only when its stored state cannot
// be read, so every other problem must show as an item instead.
func Check(t testing.TB, c Checker) *flow.CheckReport {
	t.Helper()
	rep, err := c.Check(t.Context())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return rep
}

// CheckOK is Check that also fails the test at once unless the report's
// verdict (flow.CheckReport.OK) is ok, printing every item: the verdict is
// what a setup screen shows first, and the items say why it is wrong.
func CheckOK(t testing.TB, c Checker, ok bool) *flow.CheckReport {
	t.Helper()
	rep := Check(t, c)
	if rep.OK() != ok {
		t.Fatalf("%s check: OK = %v, want %v: %+v", rep.Flow, rep.OK(), ok, rep.Items)
	}
	return rep
}

// WantItems fails the test unless each item named in want has its status,
// and each item not granted says what is lost: an operator reading a
// missing or warning item needs to know what stops working.
func WantItems(t testing.TB, rep *flow.CheckReport, want map[string]flow.Status) {
	t.Helper()
	for name, st := range want {
		it := WantStatus(t, rep, name, st)
		if st != flow.Granted && it.Lost == "" {
			t.Errorf("check item %q is %s without what is lost: %+v", name, st, it)
		}
	}
}

// Item returns the item of rep named name, failing the test when rep has
// none: a check that silently dropped an item would otherwise pass.
func Item(t testing.TB, rep *flow.CheckReport, name string) flow.CheckItem {
	t.Helper()
	it, ok := rep.Item(name)
	if !ok {
		t.Fatalf("check has no item %q: %+v", name, rep.Items)
	}
	return it
}

// WantStatus returns the item of rep named name, failing the test unless
// its status is st.
func WantStatus(t testing.TB, rep *flow.CheckReport, name string, st flow.Status) flow.CheckItem {
	t.Helper()
	it := Item(t, rep, name)
	if it.Status != st {
		t.Errorf("check item %q is %s (%s), want %s", name, it.Status, it.Detail, st)
	}
	return it
}

// StatusID returns the id of the simulator's status named name on board
// boardID, failing the test when the board has none: tests name statuses
// as the setup guides do, while the PSA takes ids.
func StatusID(t testing.TB, srv *cwtest.Server, boardID int, name string) int {
	t.Helper()
	for _, st := range srv.Statuses(boardID) {
		if st.Name == name {
			return st.ID
		}
	}
	t.Fatalf("board %d has no status %q", boardID, name)
	return 0
}

// Tickets returns the simulator's tickets of one ticketsync source by
// alert key: the part of externalXRef between "<source>:" and the last
// "#" (after which ticketsync writes the alert's fingerprint). Tests
// assert "exactly one ticket per key" on it.
func Tickets(srv *cwtest.Server, source string) map[string][]cwtest.Ticket {
	out := map[string][]cwtest.Ticket{}
	for _, t := range srv.Tickets() {
		rest, ok := strings.CutPrefix(t.ExternalXRef, source+":")
		if i := strings.LastIndexByte(rest, '#'); ok && i >= 0 {
			out[rest[:i]] = append(out[rest[:i]], t)
		}
	}
	return out
}
