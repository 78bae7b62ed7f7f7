package flowtest

import (
	"fmt"
	"sync"
	"testing"
)

// RestartProof tallies a restart proof over its trials: the restarts tried
// and the invariant violations found. Trials report into one RestartProof
// from their subtests, in parallel or not; the parent test then reports the
// totals, so a proof that tried no restart is visible in the log.
type RestartProof struct {
	mu         sync.Mutex
	restarts   int
	violations int
}

// Restarted counts n more restarts tried.
func (p *RestartProof) Restarted(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.restarts += n
}

// Violation fails t with the message and counts one violation.
func (p *RestartProof) Violation(t testing.TB, format string, args ...any) {
	t.Helper()
	p.mu.Lock()
	p.violations++
	p.mu.Unlock()
	t.Errorf(format, args...)
}

// Violations returns the violations counted so far.
func (p *RestartProof) Violations() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.violations
}

// Report logs the totals to t, with extra (when given) appended, and fails
// t when any violation was found.
func (p *RestartProof) Report(t testing.TB, extra ...any) {
	t.Helper()
	p.mu.Lock()
	restarts, violations := p.restarts, p.violations
	p.mu.Unlock()
	msg := fmt.Sprintf("restart proof: %d restarts tried, %d violations found", restarts, violations)
	if len(extra) > 0 {
		msg += "; " + fmt.Sprint(extra...)
	}
	t.Log(msg)
	if violations != 0 {
		t.Fatalf("%d violations", violations)
	}
}
