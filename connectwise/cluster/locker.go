package cluster

import (
	"context"
	rand2 "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/internal/httpx"
)

// renewScript extends the lease only while it still holds our token.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript deletes the lease only while it still holds our token: a
// late Release must not free a successor's lease.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Locker is a ticketsync.Locker whose leases are shared by every worker
// using the same Redis and prefix: at most one of them syncs a scope at a
// time. A lease is a Redis key holding a random token with an expiry (the
// lease TTL, 15 s by default), renewed every third of it while the sync
// runs, so a worker that dies (even by SIGKILL) frees its scope within one
// TTL.
//
// Fencing: before each PSA write the sync checks that the key still holds
// its token (one Redis round trip), and a renewal that finds another token,
// or no renewal confirmed for most of a TTL, cancels the sync. The PSA
// itself cannot check a token, so one window remains: a write sent just
// before the lease expired (the worker stalled for longer than the rest of
// its TTL between the check and the send) still lands after a successor
// took over. Such a write is an idempotent create, update or close of a
// keyed ticket, and the successor's duplicate repair removes a twin; see
// the package documentation.
//
// While Redis is unreachable, Check trusts the last confirmed renewal for
// up to 80% of the TTL: nobody else can take the lease before it expires.
// A Redis restart without persistence forgets the lease: the holder's next
// check or renewal finds its token gone and stops.
type Locker struct {
	rdb redis.UniversalClient
	o   options
}

var _ ticketsync.Locker = (*Locker)(nil)

// NewLocker returns a Locker; WithLeaseTTL sets the lease time.
func NewLocker(rdb redis.UniversalClient, opts ...Option) (*Locker, error) {
	if rdb == nil {
		return nil, &bridge.ConfigError{API: "cluster", Field: "rdb", Problem: "is nil"}
	}
	o := resolve(opts)
	if o.leaseTTL < 300*time.Millisecond {
		return nil, &bridge.ConfigError{API: "cluster", Field: "WithLeaseTTL", Problem: "must be at least 300ms"}
	}
	return &Locker{rdb: rdb, o: o}, nil
}

func (l *Locker) key(s ticketsync.Scope) string {
	h := sha256.Sum256([]byte(s.Key()))
	return l.o.prefix + "lease:" + hex.EncodeToString(h[:16])
}

// Lock waits until no other worker holds the scope, then holds it.
func (l *Locker) Lock(ctx context.Context, scope ticketsync.Scope) (ticketsync.Lease, error) {
	var b [16]byte
	_, _ = rand2.Read(b[:])
	le := &Lease{l: l, key: l.key(scope), token: hex.EncodeToString(b[:]), lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	poll := min(l.o.leaseTTL/10, 250*time.Millisecond)
	for {
		sent := l.o.now()
		rctx, cancel := context.WithTimeout(ctx, l.o.timeout)
		ok, err := l.rdb.SetNX(rctx, le.key, le.token, l.o.leaseTTL).Result()
		cancel()
		if err == nil && ok {
			le.confirmed = sent
			go le.renew()
			return le, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Held elsewhere, or Redis unreachable: try again, jittered so that
		// workers waiting together do not poll in step.
		d := poll/2 + rand.N(poll)
		if err := httpx.SleepCtx(ctx, d); err != nil {
			return nil, err
		}
	}
}

// Lease is one held scope; see Locker.
type Lease struct {
	l     *Locker
	key   string
	token string

	mu        sync.Mutex
	confirmed time.Time // when the last confirmed SET or renewal was sent
	lostOnce  sync.Once
	lost      chan struct{}

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

var _ ticketsync.Lease = (*Lease)(nil)

// trusted is how long after a confirmed renewal the lease is taken to be
// held without asking Redis: the TTL less a margin for clock-rate drift and
// the round trip.
func (le *Lease) trusted() time.Duration { return le.l.o.leaseTTL * 8 / 10 }

func (le *Lease) markLost() { le.lostOnce.Do(func() { close(le.lost) }) }

func (le *Lease) isLost() bool {
	select {
	case <-le.lost:
		return true
	default:
		return false
	}
}

func (le *Lease) renew() {
	defer close(le.done)
	every := le.l.o.leaseTTL / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-le.stop:
			return
		case <-t.C:
		}
		sent := le.l.o.now()
		ctx, cancel := context.WithTimeout(context.Background(), le.l.o.timeout)
		n, err := renewScript.Run(ctx, le.l.rdb, []string{le.key}, le.token, le.l.o.leaseTTL.Milliseconds()).Int64()
		cancel()
		switch {
		case err == nil && n == 1:
			le.mu.Lock()
			le.confirmed = sent
			le.mu.Unlock()
		case err == nil:
			// Expired, taken over, or forgotten by a restarted Redis.
			le.markLost()
			return
		default:
			le.mu.Lock()
			stale := le.l.o.now().Sub(le.confirmed) > le.trusted()
			le.mu.Unlock()
			if stale {
				le.markLost()
				return
			}
		}
	}
}

// Check reports whether the lease is still ours: nil, or an error wrapping
// ticketsync.ErrLeaseLost.
func (le *Lease) Check(ctx context.Context) error {
	if le.isLost() {
		return ticketsync.ErrLeaseLost
	}
	rctx, cancel := context.WithTimeout(ctx, le.l.o.timeout)
	defer cancel()
	got, err := le.l.rdb.Get(rctx, le.key).Result()
	switch {
	case err == nil && got == le.token:
		return nil
	case err == nil || errors.Is(err, redis.Nil):
		le.markLost()
		return ticketsync.ErrLeaseLost
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	le.mu.Lock()
	stale := le.l.o.now().Sub(le.confirmed) > le.trusted()
	le.mu.Unlock()
	if stale {
		le.markLost()
		return fmt.Errorf("%w: Redis unreachable and the last renewal too old", ticketsync.ErrLeaseLost)
	}
	return nil
}

// Lost is closed when a renewal finds the lease gone.
func (le *Lease) Lost() <-chan struct{} { return le.lost }

// Release stops renewing and frees the scope if it is still ours.
func (le *Lease) Release() {
	le.stopOnce.Do(func() {
		close(le.stop)
		<-le.done
		ctx, cancel := context.WithTimeout(context.Background(), le.l.o.timeout)
		defer cancel()
		_ = releaseScript.Run(ctx, le.l.rdb, []string{le.key}, le.token).Err()
	})
}
