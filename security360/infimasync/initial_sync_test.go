package infimasync_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
)

// The INFIMA client's default rate limit (see the infima package docs).
const defaultRate, defaultBurst = 5, 5

// initialSyncCalls is the cost of an initial sync of 200 clients with 50
// active-or-fewer users each: 4 client pages of 50, one users page per
// client.
const initialSyncCalls = 200/infima.MaxLimit + 200

func checkInitialSync(t testing.TB, rep *infimasync.Report, err error, store *infimasynctest.Recorder) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	// The 200th client is freshly onboarded: read, but nothing to send.
	if rep.Clients != 200 || rep.Synced != 200 || rep.NoData != 1 || rep.Delivered() != 199*3 || store.Len() != 199*3 {
		t.Errorf("report: %s; store holds %d", rep, store.Len())
	}
	if rep.Calls != initialSyncCalls {
		t.Errorf("APICalls = %d, want %d", rep.Calls, initialSyncCalls)
	}
}

// TestInitialSync200x50 runs the initial sync over real HTTP without a
// client-side rate limit: correctness and request count.
func TestInitialSync200x50(t *testing.T) {
	t.Parallel() // the two large syncs are the package's slowest tests
	srv := infimatest.NewServer(infimatest.WithClients(200, 50))
	defer srv.Close()
	store := infimasynctest.NewRecorder()
	s := newSyncer(t, newInfima(t, srv), nil, store, syntheticMappings(srv))
	srv.ResetRequests()
	rep, err := s.Run(t.Context())
	checkInitialSync(t, rep, err, store)
	if srv.Requests() != initialSyncCalls || srv.MaxLimitSeen() != infima.MaxLimit {
		t.Errorf("server saw %d requests (largest page %d), want %d", srv.Requests(), srv.MaxLimitSeen(), initialSyncCalls)
	}
}

// TestInitialSync200x50UnderDefaultRateLimit runs the same sync under the
// INFIMA client's default rate limit, with 150 ms of server latency, on
// synctest's fake clock: the elapsed fake time is what a real partner would
// wait. The setup guide allows 15 minutes.
func TestInitialSync200x50UnderDefaultRateLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := infimatest.NewUnstartedServer(infimatest.WithClients(200, 50), infimatest.WithLatency(150*time.Millisecond))
		in, err := infima.NewClient(srv.APIKey(), append(srv.InMemoryOptions(), infima.WithRateLimit(defaultRate, defaultBurst))...)
		if err != nil {
			t.Fatal(err)
		}
		store := infimasynctest.NewRecorder()
		s := newSyncer(t, in, nil, store, syntheticMappings(srv))
		start := time.Now()
		rep, err := s.Run(t.Context())
		elapsed := time.Since(start)
		checkInitialSync(t, rep, err, store)
		// 204 requests, the first 5 from the burst, then 5 per second.
		floor := time.Duration(initialSyncCalls-defaultBurst) * time.Second / defaultRate
		if elapsed < floor || elapsed > floor+10*time.Second {
			t.Errorf("initial sync took %s, want about %s", elapsed, floor)
		}
		if elapsed >= 15*time.Minute {
			t.Errorf("initial sync took %s, beyond the 15-minute window", elapsed)
		}
		t.Logf("200 clients × 50 users: %d requests in %s at %d req/s (%.0f%% of the 15-minute window)",
			rep.Calls, elapsed.Round(time.Second), defaultRate, 100*elapsed.Minutes()/15)
	})
}

// BenchmarkInitialSync200x50 measures the sync's own overhead over real HTTP
// without a client-side rate limit, and reports the wall time the default
// rate limit imposes (requests / 5 per second), which dominates in
// production: about 41 s, against the 15-minute window.
func BenchmarkInitialSync200x50(b *testing.B) {
	srv := infimatest.NewServer(infimatest.WithClients(200, 50))
	defer srv.Close()
	in := newInfima(b, srv)
	var calls int
	for b.Loop() {
		store := infimasynctest.NewRecorder()
		s := newSyncer(b, in, nil, store, syntheticMappings(srv))
		rep, err := s.Run(b.Context())
		checkInitialSync(b, rep, err, store)
		calls = rep.Calls
	}
	b.ReportMetric(float64(calls), "calls/op")
	projected := float64(calls) / defaultRate
	b.ReportMetric(projected, "s@5req/s")
	b.ReportMetric(projected/60/15*100, "%of15min")
}
