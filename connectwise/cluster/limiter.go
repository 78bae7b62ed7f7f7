package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/httpx"
)

// The budget lives in one Redis hash per credential. Every time is Redis's
// own clock (TIME, in microseconds), never a worker's, so workers whose
// clocks disagree still share one schedule. Fields:
//
//	tat     GCRA theoretical arrival time (µs)
//	rate    the current shared rate, in thousandths of a request per second
//	paused  until when the server's Retry-After holds everyone back (µs)
//	lastCut, lastChange, ceiling: the adaptive state, as in the in-process
//	        limiter (internal/httpx)
//	throttled  429s seen by all workers
//
// reserveScript books one request unless its slot lies more than horizon
// ahead: a booked slot is sent whatever happens meanwhile, so bookings far
// ahead would go out at a rate a 429 has since halved. Returns {booked,
// wait µs, rate milli}.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max, burst, horizon, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'tat', 'rate', 'paused')
local rate = tonumber(s[2]) or max
if rate > max then rate = max end
local paused = tonumber(s[3]) or 0
if now < paused then
  return {0, paused - now, rate}
end
local T = 1000000000 / rate
local tat = tonumber(s[1]) or now
if tat < now then tat = now end
local at = tat - (burst - 1) * T
if at < now then at = now end
if at - now > horizon then
  return {0, math.floor(at - now - horizon), rate}
end
redis.call('HSET', KEYS[1], 'tat', math.floor(tat + T), 'rate', rate)
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, math.floor(at - now), rate}
`)

// throttleScript records a 429: pauses everyone for the server's wait and,
// once per wave, halves the shared rate (not below floor).
var throttleScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max, floor, wait, wave, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'rate', 'paused', 'lastCut')
local rate = tonumber(s[1]) or max
if rate > max then rate = max end
redis.call('HINCRBY', KEYS[1], 'throttled', 1)
if wait > 0 and now + wait > (tonumber(s[2]) or 0) then
  redis.call('HSET', KEYS[1], 'paused', now + wait)
end
local lastCut = tonumber(s[3])
if lastCut == nil or now - lastCut >= wave then
  local next = math.floor(rate / 2)
  if next < floor then next = floor end
  redis.call('HSET', KEYS[1], 'ceiling', rate, 'rate', next, 'lastChange', now, 'lastCut', now)
  rate = next
end
redis.call('PEXPIRE', KEYS[1], ttl)
return rate
`)

// recoverScript wins back rate after a second or more without a 429,
// exactly as internal/httpx's Limiter.Succeeded does; concurrent callers
// from many workers each count only the time since the last change.
var recoverScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max, hold = tonumber(ARGV[1]), tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'rate', 'paused', 'lastChange', 'lastCut', 'ceiling')
local cur = tonumber(s[1]) or max
if cur >= max then return max end
local from = tonumber(s[3]) or 0
local paused = tonumber(s[2]) or 0
if paused > from then from = paused end
local elapsed = now - from
if elapsed < 1000000 then return cur end
local ceiling = tonumber(s[5]) or 0
local lastCut = tonumber(s[4]) or 0
local step = max / 20
local holdAt = ceiling * 9 / 10
if ceiling > 0 and ceiling < max and ceiling / 5 > step then step = ceiling / 5 end
if ceiling > 0 and cur >= holdAt then
  if ceiling < max and now - lastCut < hold then
    redis.call('HSET', KEYS[1], 'lastChange', now)
    return cur
  end
  step = max / 100
end
local next = cur + step * elapsed / 1000000
if cur < holdAt and next > holdAt then next = holdAt end
if ceiling > 0 and next > ceiling then redis.call('HSET', KEYS[1], 'ceiling', max) end
if next > max then next = max end
next = math.floor(next)
redis.call('HSET', KEYS[1], 'rate', next, 'lastChange', now)
return next
`)

// Tuning shared with the in-process limiter (internal/httpx), so that one
// worker and many behave alike.
const (
	waveWindow = 500 * time.Millisecond
	holdFor    = time.Minute
	// horizon: how far ahead a slot may be booked; see reserveScript.
	horizon = 100 * time.Millisecond
	// probeEvery: how often a limiter pacing locally tries Redis again.
	probeEvery = time.Second
	// stateTTL drops a budget nobody used for a day.
	stateTTL = 24 * time.Hour
)

// Limiter is a bridge.Limiter whose budget every worker using the same
// Redis and budget name shares: the requests of all of them together keep
// to perSecond, a 429 seen by any of them halves the rate for all, and the
// rate recovers as the in-process limiter's does (5% of the budget per
// quiet second, holding at 90% of a limit found below the budget).
//
// Each request costs one Redis round trip (two or more only while waiting
// for a slot more than 100 ms ahead). If Redis is unreachable or slower
// than the timeout, the limiter paces this process alone at the fallback
// rate, logs that once, and goes back to the shared budget as soon as Redis
// answers again (probed at most once a second).
//
// Limitations: the shared state is not persisted by design; a Redis restart
// forgets a lowered rate, and the next 429 finds it again.
type Limiter struct {
	rdb    redis.UniversalClient
	key    string
	max    float64
	burst  int
	floor  float64
	o      options
	local  *httpx.Limiter
	logger *slog.Logger

	// rate is the shared rate (milli-requests/s) the last reply carried.
	rate atomic.Int64
	// lastRecover is when this process last asked Redis to recover (ns).
	lastRecover atomic.Int64
	throttled   atomic.Int64

	mu        sync.Mutex
	degraded  bool
	lastProbe time.Time
	// pausedUntil honours a Retry-After this process saw even while Redis
	// is unreachable.
	pausedUntil time.Time
}

var _ bridge.Limiter = (*Limiter)(nil)

// NewLimiter returns a limiter sharing budget (see Budget and PSABudget)
// at perSecond requests per second with the given burst among every
// process that uses the same Redis, prefix and budget. All of them must
// pass the same perSecond and burst.
func NewLimiter(rdb redis.UniversalClient, budget string, perSecond float64, burst int, opts ...Option) (*Limiter, error) {
	switch {
	case rdb == nil:
		return nil, &bridge.ConfigError{API: "cluster", Field: "rdb", Problem: "is nil"}
	case budget == "":
		return nil, &bridge.ConfigError{API: "cluster", Field: "budget", Problem: "is empty (use Budget or PSABudget)"}
	case perSecond <= 0 || perSecond > 1e6:
		return nil, &bridge.ConfigError{API: "cluster", Field: "perSecond", Problem: "must be above 0 and at most 1,000,000"}
	case burst < 1:
		return nil, &bridge.ConfigError{API: "cluster", Field: "burst", Problem: "must be at least 1"}
	}
	o := resolve(opts)
	if o.fallback == 0 {
		o.fallback = perSecond / 10
	}
	if o.fallback < 0 || o.fallback > perSecond {
		return nil, &bridge.ConfigError{API: "cluster", Field: "WithFallbackRate", Problem: "must be above 0 and at most perSecond"}
	}
	floor := max(perSecond/20, 0.2)
	floor = min(floor, perSecond)
	l := &Limiter{
		rdb: rdb, key: o.prefix + "budget:{" + budget + "}", max: perSecond, burst: burst, floor: floor, o: o,
		local:  httpx.NewLimiter(o.fallback, 1, true),
		logger: o.logger,
	}
	l.rate.Store(int64(perSecond * 1000))
	return l, nil
}

// Wait blocks until one request may be sent under the shared budget, or
// ctx is done. Like the in-process limiter it fails at once, with an error
// wrapping context.DeadlineExceeded, when ctx's deadline would pass first.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		pause := l.pausedUntil.Sub(l.o.now())
		useLocal := l.degraded && l.o.now().Sub(l.lastProbe) < probeEvery
		if l.degraded && !useLocal {
			// This caller probes; the others keep pacing locally.
			l.lastProbe = l.o.now()
		}
		l.mu.Unlock()
		if pause > 0 {
			if err := httpx.SleepCtx(ctx, pause); err != nil {
				return err
			}
			continue
		}
		if useLocal {
			return l.local.Wait(ctx)
		}
		booked, wait, err := l.reserve(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			l.fail(err)
			return l.local.Wait(ctx)
		}
		l.ok()
		if !booked {
			// Every caller refused in one instant is told the same time:
			// jitter spreads them so they do not all poll Redis at once
			// and book in a burst of round trips.
			wait += rand.N(horizon / 2)
		}
		if err := httpx.SleepCtx(ctx, wait); err != nil {
			return err
		}
		if booked {
			return nil
		}
	}
}

func (l *Limiter) reserve(ctx context.Context) (booked bool, wait time.Duration, err error) {
	rctx, cancel := context.WithTimeout(ctx, l.o.timeout)
	defer cancel()
	v, err := reserveScript.Run(rctx, l.rdb, []string{l.key},
		int64(l.max*1000), l.burst, horizon.Microseconds(), stateTTL.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(v) != 3 {
		return false, 0, fmt.Errorf("cluster: reserve script answered %d values", len(v))
	}
	l.rate.Store(v[2])
	return v[0] == 1, time.Duration(v[1]) * time.Microsecond, nil
}

// Throttled records a 429 for every worker sharing the budget.
func (l *Limiter) Throttled(wait time.Duration) {
	l.throttled.Add(1)
	if wait > 0 {
		l.mu.Lock()
		if until := l.o.now().Add(wait); until.After(l.pausedUntil) {
			l.pausedUntil = until
		}
		l.mu.Unlock()
	}
	l.local.Throttled(wait)
	if l.isDegraded() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.o.timeout)
	defer cancel()
	rate, err := throttleScript.Run(ctx, l.rdb, []string{l.key},
		int64(l.max*1000), int64(l.floor*1000), wait.Microseconds(), waveWindow.Microseconds(), stateTTL.Milliseconds()).Int64()
	if err != nil {
		l.fail(err)
		return
	}
	l.rate.Store(rate)
}

// Succeeded lets the shared rate recover. It asks Redis at most once a
// second per process, and only while the rate is below the budget.
func (l *Limiter) Succeeded() {
	l.local.Succeeded()
	if l.rate.Load() >= int64(l.max*1000) || l.isDegraded() {
		return
	}
	now := l.o.now().UnixNano()
	last := l.lastRecover.Load()
	if now-last < int64(time.Second) || !l.lastRecover.CompareAndSwap(last, now) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.o.timeout)
	defer cancel()
	rate, err := recoverScript.Run(ctx, l.rdb, []string{l.key}, int64(l.max*1000), holdFor.Microseconds()).Int64()
	if err != nil {
		l.fail(err)
		return
	}
	l.rate.Store(rate)
}

// Rate is the shared rate in requests per second as this process last saw
// it.
func (l *Limiter) Rate() float64 { return float64(l.rate.Load()) / 1000 }

// ThrottledCount is how many 429s this process reported.
func (l *Limiter) ThrottledCount() int64 { return l.throttled.Load() }

// Shared reports whether the limiter is pacing through Redis (false while
// it paces locally because Redis is unreachable).
func (l *Limiter) Shared() bool { return !l.isDegraded() }

func (l *Limiter) isDegraded() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.degraded
}

// fail switches to local pacing, logging only the first failure.
func (l *Limiter) fail(err error) {
	l.mu.Lock()
	first := !l.degraded
	l.degraded = true
	l.lastProbe = l.o.now()
	l.mu.Unlock()
	if first {
		l.logger.Warn("cluster: Redis unreachable, pacing this process alone at the fallback rate until it answers",
			"budget", l.key, "fallback_per_second", l.o.fallback, "err", redactErr(err))
	}
}

func (l *Limiter) ok() {
	l.mu.Lock()
	was := l.degraded
	l.degraded = false
	l.mu.Unlock()
	if was {
		l.logger.Info("cluster: Redis answers again, back on the shared budget", "budget", l.key)
	}
}

// redactErr keeps Redis errors short; they carry addresses, never secrets
// of ours (the password, if any, is in the caller's redis.Options).
func redactErr(err error) string {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return err.Error()
}
