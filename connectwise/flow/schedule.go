package flow

import (
	"context"
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// Clock is the time source RunEvery waits on. The default is the real
// clock, which testing/synctest fakes; inject one to drive a loop by hand.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Schedule is how RunEvery paces a flow. Only Every is required.
type Schedule struct {
	// Every is the time from one run's start to the next after a success.
	Every time.Duration
	// Jitter adds a random wait in [0, Jitter) to every pause, so many
	// instances do not hit one API in step. Zero means Every/10; negative
	// means none.
	Jitter time.Duration
	// Backoff is the pause after the first failed run; it doubles with each
	// further consecutive failure up to MaxBackoff. Zero means Every.
	Backoff time.Duration
	// MaxBackoff caps the pause after failures. Zero means 8×Every.
	MaxBackoff time.Duration
	// AuditEvery is the cadence of Audit when the Runner is also an Auditor.
	// Zero means 12×Every; negative turns the audit off.
	AuditEvery time.Duration
	// OnResult, when set, sees every run and audit as it ends. It is called
	// from RunEvery's goroutine, never concurrently.
	OnResult func(Result)
	// Clock is the time source; nil means the real clock.
	Clock Clock
}

// Result is one run or audit RunEvery made.
type Result struct {
	// Audit is true for an Audit, false for a Run.
	Audit bool
	// Report is the run's core report (nil when the flow returned none).
	Report *Report
	// Err is the run's error.
	Err error
	// Failures is the count of consecutive failed runs (or audits) so far,
	// this one included; 0 after a success.
	Failures int
	// Next is when the next one of the same kind is due.
	Next time.Time
}

// Validate checks the schedule's fields, naming the bad one.
func (s Schedule) Validate() error {
	bad := func(field, problem string) error {
		return &bridge.ConfigError{API: "flow", Field: field, Problem: problem}
	}
	switch {
	case s.Every <= 0:
		return bad("Every", "must be positive")
	case s.Backoff < 0:
		return bad("Backoff", "must not be negative")
	case s.MaxBackoff < 0:
		return bad("MaxBackoff", "must not be negative")
	case s.MaxBackoff > 0 && s.Backoff > s.MaxBackoff:
		return bad("Backoff", "must not exceed MaxBackoff")
	}
	return nil
}

func (s Schedule) withDefaults() Schedule {
	if s.Jitter == 0 {
		s.Jitter = s.Every / 10
	}
	if s.Backoff == 0 {
		s.Backoff = s.Every
	}
	if s.MaxBackoff == 0 {
		s.MaxBackoff = max(8*s.Every, s.Backoff)
	}
	if s.AuditEvery == 0 {
		s.AuditEvery = 12 * s.Every
	}
	if s.Clock == nil {
		s.Clock = realClock{}
	}
	return s
}

// pause is the wait, without jitter, after failures (at least 1)
// consecutive failures.
func (s Schedule) pause(failures int) time.Duration {
	d := s.Backoff
	for i := 1; i < failures && d < s.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.MaxBackoff)
}

func (s Schedule) jitter() time.Duration {
	if s.Jitter <= 0 {
		return 0
	}
	return rand.N(s.Jitter)
}

// RunEvery runs r now and then on schedule until ctx ends, and returns nil
// then (or a *bridge.ConfigError at once for a bad schedule).
//
// After a failed run it backs off exponentially (Backoff, doubling, up to
// MaxBackoff) instead of hammering a failing API, and returns to Every after
// a success. When r is also an Auditor, Audit runs on its own cadence
// (AuditEvery, first after one AuditEvery has passed) so the race a run
// cannot see is repaired without the caller remembering it. Run and Audit
// never overlap. A run in progress when ctx ends sees ctx cancelled.
func RunEvery[R Reporter](ctx context.Context, r Runner[R], s Schedule) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s = s.withDefaults()
	audit := auditFunc(r)
	if s.AuditEvery < 0 {
		audit = nil
	}
	now := s.Clock.Now()
	nextRun := now
	var nextAudit time.Time
	if audit != nil {
		nextAudit = now.Add(s.AuditEvery + s.jitter())
	}
	var runFailures, auditFailures int
	for {
		due, isAudit := nextRun, false
		if audit != nil && nextAudit.Before(nextRun) {
			due, isAudit = nextAudit, true
		}
		if wait := due.Sub(s.Clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-s.Clock.After(wait):
			}
		} else if ctx.Err() != nil {
			return nil
		}

		start := s.Clock.Now()
		var res Result
		if isAudit {
			res.Audit = true
			res.Report, res.Err = audit(ctx)
		} else {
			rep, err := r.Run(ctx)
			res.Report, res.Err = core(rep), err
		}
		if ctx.Err() != nil {
			// A run cut short by the stop is not a failure to back off from.
			if s.OnResult != nil {
				s.OnResult(res)
			}
			return nil
		}
		failures, cadence, next := &runFailures, s.Every, &nextRun
		if isAudit {
			failures, cadence, next = &auditFailures, s.AuditEvery, &nextAudit
		}
		now := s.Clock.Now()
		if res.Err != nil {
			*failures++
			*next = now.Add(s.pause(*failures) + s.jitter())
		} else {
			*failures = 0
			*next = start.Add(cadence + s.jitter())
			if next.Before(now) { // the run took longer than its cadence
				*next = now
			}
		}
		res.Failures, res.Next = *failures, *next
		if s.OnResult != nil {
			s.OnResult(res)
		}
	}
}

// auditFunc returns r's Audit when r is an Auditor of its own report type or
// of *Report.
func auditFunc[R Reporter](r Runner[R]) func(context.Context) (*Report, error) {
	switch a := any(r).(type) {
	case Auditor[R]:
		return func(ctx context.Context) (*Report, error) {
			rep, err := a.Audit(ctx)
			return core(rep), err
		}
	case Auditor[*Report]:
		return a.Audit
	}
	return nil
}

// core returns rep's core, or nil for a nil report of any type.
func core[R Reporter](rep R) *Report {
	if v := reflect.ValueOf(rep); !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return nil
	}
	return rep.Core()
}
