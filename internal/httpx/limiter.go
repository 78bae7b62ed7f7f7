package httpx

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a client-side rate limiter that adapts to the server: a 429
// halves the rate and pauses every caller until the server's Retry-After has
// passed; each second without a 429 wins back a slice of the configured rate.
//
// The rate at which a 429 arrived is remembered as the ceiling. When that
// ceiling is below the configured rate, the server's real limit has been
// found below what the user configured (it was lowered, or another
// integration shares the budget): recovery then stops at 90% of the ceiling
// and holds there for a minute before probing higher. Without the hold the
// limiter would climb straight back through the limit, and each 429 costs
// far more than the headroom it tried to win: the whole client stops for the
// Retry-After (at least a second, as HTTP has no finer unit) and the rate is
// halved again. The net effect is that a long run settles just under the
// server's real limit instead of bouncing off it.
type Limiter struct {
	mu       sync.Mutex
	lim      *rate.Limiter
	max      rate.Limit
	floor    rate.Limit
	adaptive bool
	// pausedUntil is when the server said we may resume; zero if not paused.
	pausedUntil time.Time
	// lastChange is when the rate last moved, for gradual recovery.
	lastChange time.Time
	// lastCut is when a 429 last halved the rate: a 429 for a request sent
	// before it belongs to the same wave and must not cut again.
	lastCut time.Time
	// ceiling remembers the rate at which the server last pushed back, so
	// recovery slows down (or, below max, holds) as it approaches the level
	// that caused trouble.
	ceiling rate.Limit
	// throttled counts 429 responses seen, for reports and benchmarks.
	throttled int64
	// turn lets one caller at a time take a token, so that at most one
	// reservation is ever outstanding. Without it, every queued caller
	// books a slot at the rate in force when it arrived: after the rate
	// rises, new callers book at the new spacing between slots booked at
	// the old one, and the server sees a burst (measured: a 429 at 25/s
	// under a 30/s limit); after a cut, queued callers still go out at
	// the old rate.
	turn chan struct{}
}

// waveWindow groups 429s whose send time is unknown (Throttled) into one
// wave: in-flight requests usually answer within it.
const waveWindow = 500 * time.Millisecond

// holdFor is how long the rate stays at 90% of a ceiling found below the
// configured rate before probing higher. Rate limits change rarely, and a
// failed probe costs a pause of at least a second plus a halving, so
// probing once a minute keeps that cost to a few percent while still
// finding a limit that went back up.
const holdFor = time.Minute

// NewLimiter returns a limiter allowing perSecond requests per second with the
// given burst (at least 1). perSecond <= 0 means unlimited.
func NewLimiter(perSecond float64, burst int, adaptive bool) *Limiter {
	if burst < 1 {
		burst = 1
	}
	l := rate.Limit(perSecond)
	if perSecond <= 0 {
		l = rate.Inf
	}
	floor := l / 20
	if floor < 0.2 {
		floor = 0.2
	}
	// A 429 must never raise a rate that was configured below the floor.
	floor = min(floor, l)
	return &Limiter{lim: rate.NewLimiter(l, burst), max: l, floor: floor, adaptive: adaptive && l != rate.Inf, turn: make(chan struct{}, 1)}
}

// Wait blocks until a request may be sent, or ctx is done. Callers are
// served in arrival order, each at the rate in force when its turn comes.
// Like rate.Limiter.Wait it fails at once, with an error wrapping
// context.DeadlineExceeded, when ctx's deadline would pass before its
// token (a caller still queued behind others fails when its deadline
// passes).
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	// Blocked channel senders are served first in, first out.
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l.turn }()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// One clock reading serves the whole fast path: every call pays
		// for Wait, and reading the clock is most of its cost.
		now := time.Now()
		if pause := l.pauseEnd().Sub(now); pause > 0 {
			if err := SleepCtx(ctx, pause); err != nil {
				return err
			}
			continue
		}
		r := l.lim.ReserveN(now, 1) // burst >= 1, so one token is always reservable
		if d := r.DelayFrom(now); d > 0 {
			if err := SleepCtx(ctx, d); err != nil {
				r.Cancel()
				return err
			}
			now = time.Now()
		}
		// A 429 may have arrived while this caller queued for its token: the
		// server asked everyone to hold off, so the token does not count.
		if !now.Before(l.pauseEnd()) {
			return nil
		}
	}
}

func (l *Limiter) pauseEnd() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil
}

// SleepCtx waits d, giving up as soon as ctx is done, or at once when ctx's
// deadline comes first (waiting would only end in the same error, later).
// Every limiter of the module waits through it, in-process or shared.
func SleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("rate limiter: a wait of %s would pass the context deadline: %w", d, context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Throttled records a 429. wait is the server's Retry-After (0 if absent).
func (l *Limiter) Throttled(wait time.Duration) {
	l.throttledAt(time.Time{}, wait)
}

// throttledAt records a 429 for a request sent at sent (zero: unknown).
func (l *Limiter) throttledAt(sent time.Time, wait time.Duration) {
	if l == nil {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.throttled++
	if wait > 0 {
		if until := now.Add(wait); until.After(l.pausedUntil) {
			l.pausedUntil = until
		}
	}
	if !l.adaptive {
		return
	}
	// Several in-flight requests usually hit the same 429 wave; only the
	// first cuts the rate, or it would collapse to the floor. A request sent
	// before the last cut never saw the lower rate, so its 429 says nothing
	// new, however late it arrives.
	if !l.lastCut.IsZero() {
		sameWave := now.Sub(l.lastCut) < waveWindow
		if !sent.IsZero() && !sent.After(l.lastCut) {
			sameWave = true
		}
		if sameWave {
			return
		}
	}
	cur := l.lim.Limit()
	l.ceiling = cur
	next := max(cur/2, l.floor)
	l.lim.SetLimitAt(now, next)
	l.lastChange = now
	l.lastCut = now
}

// Succeeded records a response that was not a 429 and lets the rate recover.
func (l *Limiter) Succeeded() {
	if l == nil || !l.adaptive {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.lim.Limit()
	if cur >= l.max {
		// The common case, at full rate: no clock reading needed.
		return
	}
	now := time.Now()
	// Time spent paused by the server's Retry-After is not time without a
	// 429: counting it would restore the full rate on the first success.
	from := l.lastChange
	if l.pausedUntil.After(from) {
		from = l.pausedUntil
	}
	elapsed := now.Sub(from)
	if elapsed < time.Second {
		return
	}
	// Additive increase: 5% of the configured rate per second up to 90% of
	// the level that last drew a 429, then 1%. Below a ceiling found under
	// the configured rate, the way back to 90% of it is known to be safe:
	// it takes about two seconds instead of up to ten.
	step := l.max / 20
	hold := l.ceiling * 9 / 10
	if l.ceiling > 0 && l.ceiling < l.max {
		step = max(step, l.ceiling/5)
	}
	if l.ceiling > 0 && cur >= hold {
		if l.ceiling < l.max && now.Sub(l.lastCut) < holdFor {
			// The server's limit was found below the configured rate:
			// stay under it. Moving lastChange keeps the probe that
			// follows the hold from counting the hold as recovery time.
			l.lastChange = now
			return
		}
		step = l.max / 100
	}
	next := cur + step*rate.Limit(elapsed.Seconds())
	if cur < hold && next > hold {
		// A step may span several seconds; it must not carry the rate
		// past the hold level in one go.
		next = hold
	}
	if l.ceiling > 0 && next > l.ceiling {
		// Past the last trouble without a 429: the limit went back up.
		l.ceiling = l.max
	}
	if next > l.max {
		next = l.max
	}
	l.lim.SetLimitAt(now, next)
	l.lastChange = now
}

// Limit returns the current rate in requests per second.
func (l *Limiter) Limit() float64 {
	if l == nil {
		return 0
	}
	return float64(l.lim.Limit())
}

// ThrottledCount returns how many 429 responses the limiter has seen.
func (l *Limiter) ThrottledCount() int64 {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.throttled
}
