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
// The net effect is that a long run settles just under the server's real
// limit instead of bouncing off it.
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
	// recovery slows down as it approaches the level that caused trouble.
	ceiling rate.Limit
	// throttled counts 429 responses seen, for reports and benchmarks.
	throttled int64
}

// waveWindow groups 429s whose send time is unknown (Throttled) into one
// wave: in-flight requests usually answer within it.
const waveWindow = 500 * time.Millisecond

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
	return &Limiter{lim: rate.NewLimiter(l, burst), max: l, floor: floor, adaptive: adaptive && l != rate.Inf}
}

// Wait blocks until a request may be sent, or ctx is done. Like
// rate.Limiter.Wait it fails at once, with an error wrapping
// context.DeadlineExceeded, when ctx's deadline would pass first.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sleepCtx(ctx, time.Until(l.pauseEnd())); err != nil {
			return err
		}
		r := l.lim.Reserve() // burst >= 1, so one token is always reservable
		if err := sleepCtx(ctx, r.Delay()); err != nil {
			r.Cancel()
			return err
		}
		// A 429 may have arrived while this caller queued for its token: the
		// server asked everyone to hold off, so the token does not count.
		if !time.Now().Before(l.pauseEnd()) {
			return nil
		}
	}
}

func (l *Limiter) pauseEnd() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pausedUntil
}

// sleepCtx waits d, giving up as soon as ctx is done, or at once when ctx's
// deadline comes first (waiting would only end in the same error, later).
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("httpx: rate limiter wait of %s would pass the context deadline: %w", d, context.DeadlineExceeded)
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
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.lim.Limit()
	if cur >= l.max {
		return
	}
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
	// Additive increase: 5% of the configured rate per second, slowing to
	// 1% once past 90% of the level that last drew a 429.
	step := l.max / 20
	if l.ceiling > 0 && cur >= l.ceiling*9/10 {
		step = l.max / 100
	}
	next := cur + step*rate.Limit(elapsed.Seconds())
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
