package ticketsync

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// Scope is what one lock serialises: one source's tickets in one PSA. Two
// clients of the same PSA (same site and login company) share a scope
// whatever their other settings.
type Scope struct {
	// Site is the PSA's API origin, as connectwise.Client.Site returns it.
	Site string
	// Company is the PSA login company (connectwise.Config.CompanyID),
	// lower-cased: the PSA's own tenant.
	Company string
	// Source is the policy's Source.
	Source string
}

// Key is the scope as one string, "<site>|<company>|<source>"; no part can
// contain "|" (sites are URLs, login companies and sources are tokens).
func (s Scope) Key() string { return s.Site + "|" + s.Company + "|" + s.Source }

// Locker serialises the syncs (and audits) of one scope. The default,
// used when Policy.Locker is nil, serialises syncs within this process;
// connectwise/cluster offers a lease shared by many processes through
// Redis.
type Locker interface {
	// Lock blocks until the scope is held, or ctx is done.
	Lock(ctx context.Context, scope Scope) (Lease, error)
}

// Lease is a held scope.
type Lease interface {
	// Check returns nil while the lease is held and an error wrapping
	// ErrLeaseLost once another holder may have it. A sync calls it before
	// each PSA write and stops at the first error.
	Check(ctx context.Context) error
	// Lost is closed when the lease is lost before Release (its renewal
	// failed); the sync then cancels its writes in flight. Nil for leases
	// that cannot be lost.
	Lost() <-chan struct{}
	// Release frees the scope. It is called once, when the sync ends.
	Release()
}

// ErrLeaseLost reports a lease that expired or was taken over while its
// sync ran; the sync stopped writing. Running the sync again is safe.
var ErrLeaseLost = errors.New("ticketsync: lease on the scope was lost")

// processLocker serialises syncs of one scope within this process.
type processLocker struct{}

var (
	locksMu sync.Mutex
	locks   = map[string]chan struct{}{}
)

// Lock takes the scope's one-slot semaphore; a channel rather than a mutex
// so that waiting for it honours ctx.
func (processLocker) Lock(ctx context.Context, scope Scope) (Lease, error) {
	locksMu.Lock()
	l, ok := locks[scope.Key()]
	if !ok {
		l = make(chan struct{}, 1)
		locks[scope.Key()] = l
	}
	locksMu.Unlock()
	select {
	case l <- struct{}{}:
		return &processLease{slot: l}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type processLease struct {
	once sync.Once
	slot chan struct{}
}

func (*processLease) Check(context.Context) error { return nil }
func (*processLease) Lost() <-chan struct{}       { return nil }
func (l *processLease) Release()                  { l.once.Do(func() { <-l.slot }) }

// noLock is what tests of the repair of cross-process races use.
type noLock struct{}

func (noLock) Lock(context.Context, Scope) (Lease, error) {
	slot := make(chan struct{}, 1)
	slot <- struct{}{}
	return &processLease{slot: slot}, nil
}

func (s *Syncer) scope() Scope {
	return Scope{Site: s.client.Site(), Company: strings.ToLower(s.client.CompanyID()), Source: s.policy.Source}
}
