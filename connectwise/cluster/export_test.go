package cluster

import "time"

// WithClock replaces the process clock of a Limiter or Locker, so that a
// test can run workers whose clocks disagree.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}
