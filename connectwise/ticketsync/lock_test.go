package ticketsync_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// testLocker hands out leases that fail their check after allow passes,
// or whose Lost channel a test closes.
type testLocker struct {
	allow  int64
	scopes []ticketsync.Scope
	mu     sync.Mutex
	lease  *testLease
}

type testLease struct {
	checks   atomic.Int64
	allow    int64
	lost     chan struct{}
	released atomic.Bool
}

func (l *testLocker) Lock(_ context.Context, s ticketsync.Scope) (ticketsync.Lease, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.scopes = append(l.scopes, s)
	l.lease = &testLease{allow: l.allow, lost: make(chan struct{})}
	return l.lease, nil
}

func (l *testLease) Check(context.Context) error {
	if l.checks.Add(1) > l.allow {
		return ticketsync.ErrLeaseLost
	}
	return nil
}
func (l *testLease) Lost() <-chan struct{} { return l.lost }
func (l *testLease) Release()              { l.released.Store(true) }

func TestLockerGetsTheScopeNotTheClient(t *testing.T) {
	f := newFixture(t)
	lk := &testLocker{allow: 1 << 30}
	s := f.syncer(t, ticketsync.Policy{Source: "scoped", Locker: lk})
	if _, err := s.Sync(context.Background(), f.alerts(2, "x")); err != nil {
		t.Fatal(err)
	}
	want := ticketsync.Scope{Site: f.client.Site(), Company: strings.ToLower(f.srv.Config().CompanyID), Source: "scoped"}
	if len(lk.scopes) != 1 || lk.scopes[0] != want {
		t.Fatalf("scopes locked %+v, want [%+v]", lk.scopes, want)
	}
	if !lk.lease.released.Load() {
		t.Fatal("lease not released after the sync")
	}
	// Two creates checked the lease before writing.
	if got := lk.lease.checks.Load(); got != 2 {
		t.Fatalf("lease checked %d times for 2 creates", got)
	}
}

// A lease that fails its check stops the sync before the write: the PSA
// sees exactly as many writes as checks that passed.
func TestLostLeaseStopsWrites(t *testing.T) {
	f := newFixture(t)
	lk := &testLocker{allow: 5}
	s := f.syncer(t, ticketsync.Policy{Source: "fenced", Locker: lk, Concurrency: 1})
	rep, err := s.Sync(context.Background(), f.alerts(20, "x"))
	if !errors.Is(err, ticketsync.ErrLeaseLost) {
		t.Fatalf("err = %v, want ErrLeaseLost", err)
	}
	if n := len(f.sourceTickets("fenced")); n != 5 || rep.Created != 5 {
		t.Fatalf("%d tickets, %d reported created; want the 5 writes whose check passed", n, rep.Created)
	}
	// Another holder finishes the job without duplicates.
	if _, err := f.syncer(t, ticketsync.Policy{Source: "fenced"}).Sync(context.Background(), f.alerts(20, "x")); err != nil {
		t.Fatal(err)
	}
	f.checkOnePerKey(t, "fenced", f.alerts(20, "x"))
}

// A lease whose renewal fails (Lost closes) cancels the sync mid-way.
func TestLeaseLostMidSyncCancels(t *testing.T) {
	f := newFixture(t)
	lk := &testLocker{allow: 1 << 30}
	var once sync.Once
	s := f.syncer(t, ticketsync.Policy{Source: "renew", Locker: lk, Concurrency: 1, Progress: func(p ticketsync.Progress) {
		if p.Done == 3 {
			once.Do(func() { close(lk.lease.lost) })
		}
	}})
	_, err := s.Sync(context.Background(), f.alerts(30, "x"))
	if !errors.Is(err, ticketsync.ErrLeaseLost) {
		t.Fatalf("err = %v, want ErrLeaseLost", err)
	}
	if n := len(f.sourceTickets("renew")); n >= 30 {
		t.Fatalf("%d tickets: the sync went on after losing its lease", n)
	}
}

func TestScopeKey(t *testing.T) {
	a := ticketsync.Scope{Site: "https://api-na.myconnectwise.net", Company: "acme", Source: "heimdal"}
	b := a
	b.Company = "other"
	if a.Key() == b.Key() {
		t.Fatal("two PSA tenants on one site share a scope key")
	}
}
