package officeprotect

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// SkipReason says why an event got no ticket without anything failing.
type SkipReason string

// Reasons an event is skipped.
const (
	// SkipUnmapped: the event's tenant is not mapped to a PSA company.
	SkipUnmapped SkipReason = "tenant-unmapped"
	// SkipDisabled: the tenant is mapped but its flow is disabled.
	SkipDisabled SkipReason = "tenant-disabled"
	// SkipOutsideWindow: the source returned an event older than asked
	// for (older than 48 hours during the setup backfill).
	SkipOutsideWindow SkipReason = "outside-window"
	// SkipDuplicate: the same event id appeared again in one batch; the
	// last occurrence is the one filed.
	SkipDuplicate SkipReason = "duplicate-in-batch"
	// SkipInvalid: the event has no id, so it cannot be filed idempotently.
	SkipInvalid SkipReason = "invalid-event"
)

// Skipped is an event that got no ticket, on purpose.
type Skipped struct {
	EventID, TenantID string
	Reason            SkipReason
}

// FailedEvent is an event whose ticket could not be written.
type FailedEvent struct {
	EventID, TenantID string
	Err               error
}

// RunReport is the outcome of one batch of events (a backfill or a live
// run).
type RunReport struct {
	// Events is how many events the batch held.
	Events int
	// Created, Updated, Reopened and Unchanged count tickets by what the
	// run did to them. Unchanged tickets already existed: re-processing an
	// event costs no write.
	Created, Updated, Reopened, Unchanged int
	Skipped                               []Skipped
	Failed                                []FailedEvent
	// Failures lists the integration-breaking failures this run observed
	// (each also in Integration.Failures until it clears).
	Failures []Failure
	// Notified lists the emergency alerts sent during this run; a failure
	// already alerted is not alerted again.
	Notified []Alert
	// NotifyErrors lists alerts that could not be delivered; they are
	// tried again the next time the failure is seen.
	NotifyErrors []error
	// Sync is ticketsync's report; nil when no event reached the PSA.
	Sync *ticketsync.Report
}

// SkippedFor counts the skipped events with reason r.
func (r *RunReport) SkippedFor(reason SkipReason) int {
	n := 0
	for _, s := range r.Skipped {
		if s.Reason == reason {
			n++
		}
	}
	return n
}

// String summarises the run on one line.
func (r *RunReport) String() string {
	return fmt.Sprintf("%d events: %d created, %d updated, %d reopened, %d unchanged, %d skipped, %d failed, %d emergency alerts",
		r.Events, r.Created, r.Updated, r.Reopened, r.Unchanged, len(r.Skipped), len(r.Failed), len(r.Notified))
}

// snapshot is the configuration one run works with, copied under the lock
// so that settings may change while a run is in flight.
type snapshot struct {
	mappings map[string]Mapping
	target   target
	contact  string
}

func (in *Integration) snapshot() (*snapshot, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.confirmed || in.target == nil {
		return nil, ErrNotConfirmed
	}
	s := &snapshot{mappings: make(map[string]Mapping, len(in.mappings)), target: *in.target, contact: in.contact}
	for k, v := range in.mappings {
		s.mappings[k] = v
	}
	return s, nil
}

// Process files live events as tickets. Events of unmapped or disabled
// tenants are skipped (and counted, with the reason); events that already
// have a ticket cost no write. The error is non-nil when the run could not
// complete (credentials or permissions revoked, PSA unreachable); the
// report says what was done before. Failures that mean the integration is
// broken alert the emergency contact once each.
func (in *Integration) Process(ctx context.Context, events []Event) (*RunReport, error) {
	snap, err := in.snapshot()
	if err != nil {
		return nil, err
	}
	return in.run(ctx, snap, events, time.Time{}, "", nil)
}

// ProcessSince reads the events triggered at or after since from the
// event source and processes them. Overlapping windows are safe: events
// that already have a ticket are left alone, so a caller can simply
// re-read from its last successful run's start.
func (in *Integration) ProcessSince(ctx context.Context, since time.Time) (*RunReport, error) {
	snap, err := in.snapshot()
	if err != nil {
		return nil, err
	}
	events, err := in.source.Events(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("officeprotect: reading events since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return in.run(ctx, snap, events, since, "", nil)
}

// fallbackTitle stands in for a missing alert title: the PSA requires a
// summary, and a security event must not be dropped for want of one.
const fallbackTitle = "Office Protect security event"

// pending is one event on its way to becoming a ticket.
type pending struct {
	ev      Event
	mapping Mapping
}

// run files events. since, when set, drops events older than it; stage
// and progress report advance during the setup backfill.
func (in *Integration) run(ctx context.Context, snap *snapshot, events []Event, since time.Time, stage Stage, progress func(Progress)) (*RunReport, error) {
	rep := &RunReport{Events: len(events)}
	last := map[string]int{}
	for i, e := range events {
		last[e.ID] = i
	}
	byKey := map[string]pending{}
	var alerts []ticketsync.Alert
	for i, e := range events {
		skip := func(r SkipReason) {
			rep.Skipped = append(rep.Skipped, Skipped{EventID: e.ID, TenantID: e.TenantID, Reason: r})
		}
		m, mapped := snap.mappings[e.TenantID]
		switch {
		case strings.TrimSpace(e.ID) == "":
			skip(SkipInvalid)
		case last[e.ID] != i:
			skip(SkipDuplicate)
		case !since.IsZero() && e.TriggeredAt.Before(since):
			skip(SkipOutsideWindow)
		case !mapped:
			skip(SkipUnmapped)
		case !m.Enabled:
			skip(SkipDisabled)
		default:
			byKey[e.ID] = pending{ev: e, mapping: m}
			title := strings.TrimSpace(e.Title)
			if title == "" {
				title = fallbackTitle
				if c := strings.TrimSpace(e.Category); c != "" {
					title += ": " + c
				}
			}
			alerts = append(alerts, ticketsync.Alert{
				Key:         e.ID,
				Company:     connectwise.Ref{ID: m.Company.ID},
				Board:       connectwise.Ref{ID: snap.target.board.Board.ID},
				Status:      connectwise.Ref{ID: snap.target.status.ID},
				Summary:     title,
				Description: e.Description,
				Start:       e.TriggeredAt,
			})
		}
	}
	emit := func(p Progress) {
		if progress != nil {
			p.Stage = stage
			progress(p)
		}
	}
	emit(Progress{Total: len(alerts), Message: fmt.Sprintf("%d events to file, %d skipped", len(alerts), len(rep.Skipped))})
	if len(alerts) == 0 {
		return rep, nil
	}
	// Technicians close these tickets; processing an event again must not
	// undo their work.
	policy := ticketsync.Policy{Source: Source, KeepClosed: true}
	if progress != nil {
		policy.Progress = func(p ticketsync.Progress) {
			emit(Progress{Done: p.Done, Total: p.Total, EventID: p.Key, Action: p.Action})
		}
	}
	sy, err := ticketsync.New(in.client, policy)
	if err != nil {
		return rep, fmt.Errorf("officeprotect: %w", err)
	}
	srep, serr := sy.Sync(ctx, alerts)
	rep.Sync = srep
	if srep != nil {
		rep.Created, rep.Updated, rep.Reopened, rep.Unchanged = srep.Created, srep.Updated, srep.Reopened, srep.Unchanged
		for _, f := range srep.Failed {
			rep.Failed = append(rep.Failed, FailedEvent{EventID: f.Key, TenantID: byKey[f.Key].ev.TenantID, Err: f.Err})
		}
	}
	in.settle(ctx, snap, rep, byKey, serr)
	if serr != nil {
		return rep, fmt.Errorf("officeprotect: %w", serr)
	}
	return rep, nil
}

// settle classifies what the run saw, alerts the contact about new
// failures, and re-arms failures the run proved cleared.
func (in *Integration) settle(ctx context.Context, snap *snapshot, rep *RunReport, byKey map[string]pending, serr error) {
	now := in.now()
	var seen []Failure
	forbidden := connectwise.IsForbidden(serr)
	switch {
	case connectwise.IsUnauthorized(serr):
		seen = append(seen, credentialsFailure(now, in.client.Site()))
	case forbidden:
		seen = append(seen, in.diagnosePermission(ctx, now, serr))
	}
	companies := map[int][]string{}
	companyErr := map[int]error{}
	for _, f := range rep.Failed {
		if connectwise.IsForbidden(f.Err) && !forbidden {
			forbidden = true
			seen = append(seen, in.diagnosePermission(ctx, now, f.Err))
		}
		for _, k := range fieldKinds(f.Err) {
			switch k {
			case FailureCompany:
				p := byKey[f.EventID]
				id := p.mapping.Company.ID
				if !contains(companies[id], p.ev.TenantID) {
					companies[id] = append(companies[id], p.ev.TenantID)
				}
				companyErr[id] = f.Err
			case FailureBoard:
				seen = append(seen, boardFailure(now, snap.target.board.Board, f.Err))
			case FailureStatus:
				seen = append(seen, statusFailure(now, snap.target.board.Board, snap.target.status, f.Err))
			}
		}
	}
	ids := make([]int, 0, len(companies))
	for id := range companies {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		var co connectwise.Ref
		for _, p := range byKey {
			if p.mapping.Company.ID == id {
				co = p.mapping.Company
				break
			}
		}
		seen = append(seen, companyFailure(now, co, companies[id], companyErr[id]))
	}

	in.rearm(ctx, rep, byKey, serr, forbidden)

	dup := map[string]bool{}
	for _, f := range seen {
		if dup[f.Key()] {
			continue
		}
		dup[f.Key()] = true
		f, tell := in.health.observe(f)
		rep.Failures = append(rep.Failures, f)
		if !tell || in.notifier == nil || snap.contact == "" {
			continue
		}
		a := alertFor(snap.contact, in.client.Site(), f)
		if err := in.notifier.Notify(ctx, a); err != nil {
			rep.NotifyErrors = append(rep.NotifyErrors, fmt.Errorf("officeprotect: alerting %s about %s: %w", snap.contact, f.Key(), err))
			continue
		}
		in.health.markNotified(f.Key())
		rep.Notified = append(rep.Notified, a)
	}
}

// rearm clears failures the run has shown to be fixed: a failure alerts
// again only if it comes back after that.
func (in *Integration) rearm(ctx context.Context, rep *RunReport, byKey map[string]pending, serr error, forbidden bool) {
	if serr == nil || forbidden {
		// The PSA authenticated every call (a 403 comes after
		// authentication): the keys work.
		in.health.clear(func(f Failure) bool { return f.Kind == FailureCredentials })
	}
	if serr == nil && !forbidden && in.health.has(FailurePermission) {
		// Only a fresh look at the role tells whether the rights are back:
		// this run may simply not have needed them.
		if chk, err := in.checkAccess(ctx); err == nil && chk.OK() {
			in.health.clear(func(f Failure) bool { return f.Kind == FailurePermission })
		}
	}
	if rep.Sync == nil {
		return
	}
	// Only a create always sends company, board and status (an update
	// patches them only when they change), so only creates prove them.
	created := map[string]bool{}
	statusWorks := false
	for _, r := range rep.Sync.Results {
		switch r.Action {
		case ticketsync.ActionCreated:
			if p, ok := byKey[r.Key]; ok {
				created[strconv.Itoa(p.mapping.Company.ID)] = true
			}
			statusWorks = true
		case ticketsync.ActionReopened:
			statusWorks = true
		}
	}
	in.health.clear(func(f Failure) bool {
		switch f.Kind {
		case FailureCompany:
			return created[f.Subject]
		case FailureBoard:
			return len(created) > 0
		case FailureStatus:
			return statusWorks
		}
		return false
	})
}

// diagnosePermission asks the PSA which required rights are missing, so
// the alert can say what to grant and two different removals alert
// separately.
func (in *Integration) diagnosePermission(ctx context.Context, now time.Time, cause error) Failure {
	chk, err := in.checkAccess(ctx)
	if err != nil {
		return permissionFailure(now, nil, cause)
	}
	return permissionFailure(now, chk.Missing(), cause)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Audit repairs duplicate tickets that no run can see: a ticket the PSA
// created late (after a crash) whose twin a technician has since closed.
// It reads every Office Protect ticket, open and closed, so run it
// occasionally (daily, or after a crash), not with every event. See
// ticketsync's Syncer.Audit.
func (in *Integration) Audit(ctx context.Context) (*ticketsync.Report, error) {
	if _, err := in.snapshot(); err != nil {
		return nil, err
	}
	sy, err := ticketsync.New(in.client, ticketsync.Policy{Source: Source, KeepClosed: true})
	if err != nil {
		return nil, fmt.Errorf("officeprotect: %w", err)
	}
	return sy.Audit(ctx)
}
