// Package soak_test is the randomized fault soak of psabridge's two PSA
// flows: Heimdal → ConnectWise PSA (heimdal/psasync) and Office Protect →
// ConnectWise PSA (officeprotect), each against the simulators
// (connectwise/cwtest, heimdal/heimdaltest, officeprotecttest.Source).
//
// One run is one seed. A seeded math/rand/v2 PCG stream decides
// everything the test controls: which customers or tenants are mapped,
// enabled or disabled, which alerts appear, change and vanish between
// syncs, which tickets a technician closes, which faults are injected
// before each sync (429 storms with and without Retry-After, 500/502/503/
// 504, latency with short per-attempt timeouts, a server-side rate limit,
// writes processed but never answered, Heimdal errors), whether the sync
// "crashes" (its context is cancelled at a chosen request or ticket
// write, then a fresh sync starts), and whether two syncs run at once,
// either in one process (serialised by ticketsync) or as a twin that plays
// a second process (its PSA client reaches the simulator as "localhost",
// so ticketsync's in-process lock does not serialise it and the duplicate
// repair after the fact is what keeps one ticket per key).
//
// The draws never depend on outcomes (what succeeded, which tickets exist),
// so a seed replays the same scenario; timing under faults is real, so a
// replay is faithful in what is injected, not in every interleaving.
//
// The simulator runs behind a loopback server of the test's own, which
// counts open connections: after each step the clients close theirs and
// the test waits until the server has closed its side too, so every write
// that will ever land (including one a crashed or timed-out client sent
// and stopped waiting for) has landed before anything is checked. This
// waits for a condition; the only sleeps are the simulator's injected
// latencies and a 50µs poll.
//
// After every step the invariants that hold mid-way are checked against
// the simulator; after a final clean sync (faults cleared; for Office
// Protect a ProcessSince re-read, since Process with no enabled tenant's
// event does not run the engine), all of them:
//
//   - at most one ticket per alert key, and exactly one for every key that
//     was present during a sync that succeeded; retired "dup-" tickets are
//     counted apart and must be closed;
//   - never two open tickets for one key. Mid-way that needs a second
//     writer: the twin (when one of its syncs failed), or a write the
//     client sent and stopped waiting for, which the PSA may apply after
//     the next sync has looked. ticketsync repairs such duplicates after
//     the fact, so they are tolerated (and counted) until a clean step
//     without either has run the engine; then the strict check resumes;
//   - every present alert has an open ticket, except Cyber Alerts, M365 and
//     Office Protect tickets a technician closed, which stay closed (the
//     technician only closes a key's ticket while it has exactly one: see
//     testdata/repro_closed_duplicate_test.go for why);
//   - every vanished Heimdal Operations alert's ticket is closed, and no
//     other ticket is ever closed by the integration;
//   - no ticket for an unmapped customer (Zorgon and any left unmapped) or
//     a disabled or unmapped tenant; every ticket is on its board and its
//     mapped company, and open tickets show the alert's current title;
//   - a second clean sync writes nothing.
//
// Short version (CI, a few dozen runs):
//
//	go test -race -run Soak ./internal/soak/
//
// Long version and replay:
//
//	go test -run Soak ./internal/soak/ -soak.runs=1000 -timeout=30m
//	PSABRIDGE_SOAK_RUNS=1000 go test -run Soak ./internal/soak/ -timeout=30m
//	go test -race -run Soak ./internal/soak/ -soak.seed=S -v
//
// -soak.base moves the window of seeds; -soak.v logs every step of every
// run (a replayed or failing run logs its steps anyway).
package soak_test
