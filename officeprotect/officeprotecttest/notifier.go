package officeprotecttest

import (
	"context"
	"sync"

	"github.com/psabridge/psabridge/officeprotect"
)

// Recorder is an officeprotect.Notifier that keeps every alert. The zero
// value is ready to use and safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	alerts []officeprotect.Alert
	err    error
}

// Notify records a, or fails with the error given to InjectFault
// (recording nothing, like an undeliverable mail).
func (r *Recorder) Notify(ctx context.Context, a officeprotect.Alert) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.alerts = append(r.alerts, a)
	return nil
}

// InjectFault makes later deliveries fail with err until ClearFaults (the
// simulators' names for the same control).
func (r *Recorder) InjectFault(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// ClearFaults restores delivery.
func (r *Recorder) ClearFaults() { r.InjectFault(nil) }

// Alerts returns the alerts delivered so far, oldest first: empty, never
// nil, before the first, as Messages is.
func (r *Recorder) Alerts() []officeprotect.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]officeprotect.Alert{}, r.alerts...)
}
