package flow

import (
	"context"
	"time"
)

// Status is the outcome of one Check item.
type Status string

// Check item outcomes.
const (
	Granted Status = "granted" // works as needed
	Missing Status = "missing" // will not work; Lost says what breaks
	Unknown Status = "unknown" // could not be determined (the check itself failed)
	Warning Status = "warning" // works, but Lost says what is degraded
)

// CheckItem is one line of a Check: a connection, a permission or a setting.
type CheckItem struct {
	// Name is what was checked ("connection", "Service Desk / Tickets: Add",
	// "Boards[0].Status").
	Name   string
	Status Status
	// Detail explains the outcome.
	Detail string
	// Lost says what the flow cannot do while the item is not granted.
	Lost string
}

// CheckReport is the result of a flow's Check.
type CheckReport struct {
	Flow  string
	Items []CheckItem
}

// OK reports whether nothing is missing or unknown (warnings allowed).
func (r *CheckReport) OK() bool {
	for _, it := range r.Items {
		if it.Status == Missing || it.Status == Unknown {
			return false
		}
	}
	return true
}

// Failure is one item a run could not complete, with its reason.
type Failure struct {
	Key    string
	Reason string
	Err    error
}

// Report is the core every flow's run report shares.
type Report struct {
	Flow      string
	Created   int
	Updated   int
	Closed    int
	Unchanged int
	// Skipped counts items left alone on purpose, by reason.
	Skipped map[string]int
	Failed  []Failure
	// Calls is the number of API calls the run made.
	Calls    int
	Duration time.Duration
	// Resumed is true when the run picked up state a previous run left.
	Resumed bool
}

// Progress reports a long step's advance.
type Progress struct {
	Flow  string
	Step  string
	Done  int
	Total int
	Key   string
}

// ProgressFunc receives progress; it is never called concurrently.
type ProgressFunc func(Progress)

// Runner is what RunEvery drives: every flow implements it.
type Runner interface {
	Run(ctx context.Context) (*Report, error)
}

// Auditor is implemented by flows that can repair what a run cannot see.
type Auditor interface {
	Audit(ctx context.Context) (*Report, error)
}
