package flow

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
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

// Add appends an item: every flow's Check builds its report with it.
func (r *CheckReport) Add(name string, st Status, detail, lost string) {
	r.Items = append(r.Items, CheckItem{Name: name, Status: st, Detail: detail, Lost: lost})
}

// AddConnection appends the item name of one end's connection test and
// reports whether the Check can go on: granted, with granted's detail
// (granted reads the test's answer, so it runs only when err is nil), or
// missing, with err and lost. When ctx has ended it adds nothing and
// reports false: a call cut short says nothing about the connection, so
// the Check returns ctx.Err() instead of a misleading item.
func (r *CheckReport) AddConnection(ctx context.Context, name string, err error, granted func() string, lost string) bool {
	switch {
	case err == nil:
		r.Add(name, Granted, granted(), "")
	case ctx.Err() != nil:
		return false
	default:
		r.Add(name, Missing, err.Error(), lost)
	}
	return true
}

// AddAccess appends one item per right, named "<module> / <function>:
// <right>" as the setup guides list them, so every flow reports the PSA
// role the same way. A right not granted is missing, or a warning when it
// is optional (the flow works without it), or unknown when the PSA could
// not tell; its Impact is what is lost.
func (r *CheckReport) AddAccess(checks ...connectwise.AccessCheck) {
	for _, c := range checks {
		st, lost := Granted, c.Impact
		switch {
		case c.Status == connectwise.AccessGranted:
			lost = ""
		case c.Optional:
			st = Warning
		case c.Status == connectwise.AccessUnknown:
			st = Unknown
		default:
			st = Missing
		}
		r.Add(c.Module+" / "+c.Function+": "+string(c.Right), st, c.String(), lost)
	}
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

// Item returns the item of that name, so a dashboard (or a test) can show
// one line of the check without walking Items; ok is false when the check
// has no such item.
func (r *CheckReport) Item(name string) (it CheckItem, ok bool) {
	for _, it := range r.Items {
		if it.Name == name {
			return it, true
		}
	}
	return CheckItem{}, false
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
	// Flow and Step name what advances ("infima-security360", "Sync
	// customers"); steps keep the setup guides' own words.
	Flow string
	Step string
	// Done of Total items are finished.
	Done  int
	Total int
	// Key names the item just finished (a client, a ticket).
	Key string
	// Detail is a short note on that item ("3 sent, 0 unchanged").
	Detail string
	// Err is the item's failure, if any.
	Err error
}

// ProgressFunc receives progress; it is never called concurrently.
type ProgressFunc func(Progress)

// Reporter is what every flow's run report is: a struct that embeds Report
// (so *Report itself is one). Core returns the embedded core.
type Reporter interface {
	Core() *Report
}

// Core returns r itself; a flow report embedding Report inherits it.
func (r *Report) Core() *Report { return r }

// Runner is what RunEvery drives: every flow implements it, returning its own
// report type R (which embeds Report).
type Runner[R Reporter] interface {
	Run(ctx context.Context) (R, error)
}

// Auditor is implemented by flows that can repair what a run cannot see.
// RunEvery calls Audit on its own cadence when the Runner is an Auditor
// returning the same report type as Run, or *Report.
type Auditor[R Reporter] interface {
	Audit(ctx context.Context) (R, error)
}

// Skip counts one item left alone on purpose, by reason.
func (r *Report) Skip(reason string) {
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[reason]++
}

// Fail records one item the run could not complete. Reason is err's message
// (the clients' errors never quote secrets).
func (r *Report) Fail(key string, err error) {
	f := Failure{Key: key, Err: err}
	if err != nil {
		f.Reason = err.Error()
	}
	r.Failed = append(r.Failed, f)
}

// SkippedTotal is the sum of Skipped over every reason.
func (r *Report) SkippedTotal() int {
	n := 0
	for _, c := range r.Skipped {
		n += c
	}
	return n
}

// String is one line for a log: "infima-security360: resumed, 3 created,
// 1 updated, 0 closed, 5 unchanged, 2 skipped (no mapping 2), 1 failed,
// 14 calls in 1.2s".
func (r *Report) String() string {
	if r == nil {
		return "<nil report>"
	}
	var b strings.Builder
	if r.Flow != "" {
		b.WriteString(r.Flow)
		b.WriteString(": ")
	}
	if r.Resumed {
		b.WriteString("resumed, ")
	}
	fmt.Fprintf(&b, "%d created, %d updated, %d closed, %d unchanged, %d skipped",
		r.Created, r.Updated, r.Closed, r.Unchanged, r.SkippedTotal())
	if len(r.Skipped) > 0 {
		reasons := slices.Sorted(maps.Keys(r.Skipped))
		parts := make([]string, 0, len(reasons))
		for _, k := range reasons {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.Skipped[k]))
		}
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	fmt.Fprintf(&b, ", %d failed, %d calls in %s", len(r.Failed), r.Calls, r.Duration.Round(time.Millisecond))
	return b.String()
}
