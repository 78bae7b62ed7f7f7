package officeprotect

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
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
	// SkipDuplicate: the same event (tenant and id) appeared again in one
	// batch; the last occurrence is the one filed.
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

// Report is the outcome of one run (the setup backfill, a live Run, or a
// Process of events the caller holds). The embedded flow.Report is the
// core every flow shares: Created, Updated, Unchanged, Skipped (by
// reason), Failed, Calls (ticketsync's PSA calls; the lookup of tickets
// under the old key and failure diagnosis are not counted), Duration and
// Resumed.
type Report struct {
	flow.Report
	// Since is where the run read events from (zero for Process).
	Since time.Time
	// Backfill is set when the run filed (or finished filing) the setup's
	// 48-hour backfill.
	Backfill bool
	// Events is how many events the run held.
	Events int
	// Reopened counts closed tickets a run reopened.
	Reopened int
	// Adopted counts tickets filed under an event id alone (before keys
	// named the tenant) that this run took over for their tenant's event
	// instead of creating a second ticket.
	Adopted int
	// SkippedEvents and FailedEvents list the events behind Skipped and
	// Failed.
	SkippedEvents []Skipped
	FailedEvents  []FailedEvent
	// Failures lists the integration-breaking failures this run observed
	// (each also in Integration.Failures until it clears).
	Failures []Failure
	// Notified lists the emergency alerts sent during this run; a failure
	// already alerted (by this process or one before it) is not alerted
	// again.
	Notified []Alert
	// NotifyErrors lists alerts that could not be delivered; they are
	// tried again the next time the failure is seen.
	NotifyErrors []error
	// Sync is ticketsync's report; nil when no event reached the PSA.
	Sync *ticketsync.Report
}

// SkippedFor counts the skipped events with reason r.
func (r *Report) SkippedFor(reason SkipReason) int { return r.Skipped[string(reason)] }

// String summarises the run on one line.
func (r *Report) String() string {
	s := r.Report.String()
	if r.Reopened > 0 || r.Adopted > 0 {
		s += fmt.Sprintf(", %d reopened, %d adopted", r.Reopened, r.Adopted)
	}
	if len(r.Notified) > 0 {
		s += fmt.Sprintf(", %d emergency alerts", len(r.Notified))
	}
	return s
}

// snapshot is the configuration one run works with, read from the store
// once so that settings may change while a run is in flight.
type snapshot struct {
	cfg      config
	mappings map[string]Mapping
	target   target
	contact  string
}

func (in *Integration) snapshot(ctx context.Context) (*snapshot, error) {
	cfg, err := in.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	if !cfg.Confirmed {
		return nil, ErrNotConfirmed
	}
	ms, err := in.loadMappings(ctx)
	if err != nil {
		return nil, err
	}
	return &snapshot{cfg: cfg, mappings: ms, target: cfg.target(), contact: cfg.Contact}, nil
}

// Run is the integration's steady state, and what flow.RunEvery drives: it
// reads the events triggered since the last run that filed everything
// (less the overlap, see WithOverlap) or, if the setup's 48-hour backfill
// did not finish, since the backfill window's start, and files them. The watermark advances in the store only
// when every event was filed, so a failed event is retried by the next run;
// events that already have a ticket cost no write, so re-reading is safe.
// Report.Resumed says the run picked up where an earlier one (possibly in
// another process) stopped.
func (in *Integration) Run(ctx context.Context) (*Report, error) {
	in.runMu.Lock()
	defer in.runMu.Unlock()
	snap, err := in.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return in.runFromStore(ctx, snap)
}

// runFromStore reads and files the events the stored progress calls for.
// The caller holds runMu.
func (in *Integration) runFromStore(ctx context.Context, snap *snapshot) (*Report, error) {
	start := in.now()
	since, stage, resumed := snap.cfg.Watermark, StageLive, !snap.cfg.Watermark.IsZero()
	if !snap.cfg.BackfillDone {
		since, stage = snap.cfg.BackfillSince, StageBackfill
	}
	events, err := in.source.Events(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("officeprotect: reading events since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	rep, err := in.run(ctx, snap, events, since, stage)
	rep.Resumed = resumed
	rep.Since, rep.Backfill = since, stage == StageBackfill
	if err != nil || len(rep.FailedEvents) > 0 {
		return rep, err
	}
	if err := in.updateConfig(ctx, func(c *config) error {
		c.BackfillDone = true
		if w := start.Add(-in.overlap); w.After(c.Watermark) {
			c.Watermark = w
		}
		return nil
	}); err != nil {
		return rep, err
	}
	return rep, nil
}

// Process files events the caller holds (pushed by Office Protect, say).
// Events of unmapped or disabled tenants are skipped (and counted, with
// the reason); events that already have a ticket cost no write. The error
// is non-nil when the run could not complete (credentials or permissions
// revoked, PSA unreachable); the report says what was done before.
// Failures that mean the integration is broken alert the emergency contact
// once each. Process does not move Run's watermark.
func (in *Integration) Process(ctx context.Context, events []Event) (*Report, error) {
	snap, err := in.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return in.run(ctx, snap, events, time.Time{}, StageLive)
}

// ProcessSince reads the events triggered at or after since from the
// event source and processes them, without moving Run's watermark.
// Overlapping windows are safe: events that already have a ticket are left
// alone.
func (in *Integration) ProcessSince(ctx context.Context, since time.Time) (*Report, error) {
	snap, err := in.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	events, err := in.source.Events(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("officeprotect: reading events since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	rep, err := in.run(ctx, snap, events, since, StageLive)
	rep.Since = since
	return rep, err
}

// fallbackTitle stands in for a missing alert title: the PSA requires a
// summary, and a security event must not be dropped for want of one.
const fallbackTitle = "Office Protect security event"

// pending is one event on its way to becoming a ticket.
type pending struct {
	ev      Event
	key     string
	mapping Mapping
}

func (in *Integration) emit(p flow.Progress) {
	if in.progress == nil {
		return
	}
	in.progressMu.Lock()
	defer in.progressMu.Unlock()
	p.Flow = Source
	in.progress(p)
}

// run files events. since, when set, drops events older than it; stage
// names the step in progress reports. The report is never nil.
func (in *Integration) run(ctx context.Context, snap *snapshot, events []Event, since time.Time, stage Stage) (*Report, error) {
	started := time.Now()
	rep := &Report{Report: flow.Report{Flow: Source}, Events: len(events)}
	defer func() { rep.Duration = time.Since(started) }()
	last := map[string]int{}
	for i, e := range events {
		last[TicketKey(e.TenantID, e.ID)] = i
	}
	byKey := map[string]pending{}
	var order []string
	for i, e := range events {
		skip := func(r SkipReason) {
			rep.Skip(string(r))
			rep.SkippedEvents = append(rep.SkippedEvents, Skipped{EventID: e.ID, TenantID: e.TenantID, Reason: r})
		}
		key := TicketKey(e.TenantID, e.ID)
		m, mapped := snap.mappings[e.TenantID]
		switch {
		case strings.TrimSpace(e.ID) == "":
			skip(SkipInvalid)
		case last[key] != i:
			skip(SkipDuplicate)
		case !since.IsZero() && e.TriggeredAt.Before(since):
			skip(SkipOutsideWindow)
		case !mapped:
			skip(SkipUnmapped)
		case !m.Enabled:
			skip(SkipDisabled)
		default:
			byKey[key] = pending{ev: e, key: key, mapping: m}
			order = append(order, key)
		}
	}
	in.emit(flow.Progress{Step: string(stage), Total: len(order)})
	if len(order) == 0 {
		return rep, nil
	}

	// Events raised before this store first filed tenant-keyed tickets may
	// have a ticket under the event id alone: adopt it, never duplicate it.
	keysSince := snap.cfg.KeysSince
	if keysSince.IsZero() {
		keysSince = in.now()
		if err := in.updateConfig(ctx, func(c *config) error {
			if c.KeysSince.IsZero() {
				c.KeysSince = keysSince
			}
			keysSince = c.KeysSince
			return nil
		}); err != nil {
			return rep, err
		}
	}
	var cands []pending
	for _, k := range order {
		if p := byKey[k]; !p.ev.TriggeredAt.After(keysSince) {
			cands = append(cands, p)
		}
	}
	// A failed lookup stops the run like a failed sync: settle sees it, so
	// revoked keys or a removed right alert the contact either way.
	adopted, serr := in.adoptLegacy(ctx, cands, snap.mappings)
	rep.Adopted = adopted
	if serr == nil {
		serr = in.file(ctx, snap, rep, order, byKey, stage)
	}
	if err := in.settle(ctx, snap, rep, byKey, serr); err != nil {
		return rep, err
	}
	if serr != nil {
		return rep, fmt.Errorf("officeprotect: %w", serr)
	}
	return rep, nil
}

// settle classifies what the run saw, alerts the contact about new
// failures, and re-arms failures the run proved cleared.
func (in *Integration) settle(ctx context.Context, snap *snapshot, rep *Report, byKey map[string]pending, serr error) error {
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
	for _, f := range rep.FailedEvents {
		if connectwise.IsForbidden(f.Err) && !forbidden {
			forbidden = true
			seen = append(seen, in.diagnosePermission(ctx, now, f.Err))
		}
		for _, k := range fieldKinds(f.Err) {
			switch k {
			case FailureCompany:
				p := byKey[TicketKey(f.TenantID, f.EventID)]
				id := p.mapping.Company.ID
				if !slices.Contains(companies[id], p.ev.TenantID) {
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

	if err := in.rearm(ctx, rep, byKey, serr, forbidden); err != nil {
		return err
	}

	// Runs in this process tell the contact one at a time, so two at once
	// cannot both see a failure as untold.
	in.notifyMu.Lock()
	defer in.notifyMu.Unlock()
	dup := map[string]bool{}
	for _, f := range seen {
		if dup[f.Key()] {
			continue
		}
		dup[f.Key()] = true
		// The failure is stored before anyone is told, and marked told only
		// after the mail went out: a process stopped in between tells the
		// contact on its next run, and one that told them never does again.
		f, tell, err := in.observe(ctx, f)
		if err != nil {
			return err
		}
		rep.Failures = append(rep.Failures, f)
		if !tell || in.notifier == nil || snap.contact == "" {
			continue
		}
		if err := in.beforeNotify(ctx); err != nil {
			return err
		}
		a := alertFor(snap.contact, in.client.Site(), f)
		if err := in.notifier.Notify(ctx, a); err != nil {
			rep.NotifyErrors = append(rep.NotifyErrors, fmt.Errorf("officeprotect: alerting %s about %s: %w", snap.contact, f.Key(), err))
			continue
		}
		rep.Notified = append(rep.Notified, a)
		if err := in.markNotified(ctx, f); err != nil {
			return fmt.Errorf("officeprotect: recording that %s was told about %s: %w", snap.contact, f.Key(), err)
		}
	}
	return nil
}

// rearm clears failures the run has shown to be fixed: a failure alerts
// again only if it comes back after that.
func (in *Integration) rearm(ctx context.Context, rep *Report, byKey map[string]pending, serr error, forbidden bool) error {
	if serr == nil || forbidden {
		// The PSA authenticated every call (a 403 comes after
		// authentication): the keys work.
		if err := in.clearFailures(ctx, func(f Failure) bool { return f.Kind == FailureCredentials }); err != nil {
			return err
		}
	}
	if serr == nil && !forbidden && in.hasFailure(ctx, FailurePermission) {
		// Only a fresh look at the role tells whether the rights are back:
		// this run may simply not have needed them.
		if chk, err := in.checkAccess(ctx); err == nil && chk.OK() {
			if err := in.clearFailures(ctx, func(f Failure) bool { return f.Kind == FailurePermission }); err != nil {
				return err
			}
		}
	}
	if rep.Sync == nil {
		return nil
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
	return in.clearFailures(ctx, func(f Failure) bool {
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

// Audit repairs duplicate tickets that no run can see: a ticket the PSA
// created late (after a crash) whose twin a technician has since closed.
// It reads every Office Protect ticket, open and closed, so run it
// occasionally (daily, or after a crash), not with every event. See
// ticketsync's Syncer.Audit.
func (in *Integration) Audit(ctx context.Context) (*Report, error) {
	if _, err := in.snapshot(ctx); err != nil {
		return nil, err
	}
	sy, err := ticketsync.New(in.client, ticketsync.Policy{Source: Source, KeepClosed: true})
	if err != nil {
		return nil, fmt.Errorf("officeprotect: %w", err)
	}
	srep, err := sy.Audit(ctx)
	rep := &Report{Report: flow.Report{Flow: Source}, Sync: srep}
	if srep != nil {
		rep.Calls, rep.Duration, rep.Closed = srep.Calls, srep.Duration, srep.Repaired
		rep.Unchanged = srep.Unchanged
		for _, f := range srep.Failed {
			rep.Fail(f.Key, f.Err)
		}
	}
	return rep, err
}

// file hands the events to ticketsync and records what it did in rep; the
// error is the one that stopped the sync, if any.
func (in *Integration) file(ctx context.Context, snap *snapshot, rep *Report, order []string, byKey map[string]pending, stage Stage) error {
	alerts := make([]ticketsync.Alert, 0, len(order))
	for _, k := range order {
		p := byKey[k]
		title := strings.TrimSpace(p.ev.Title)
		if title == "" {
			title = fallbackTitle
			if c := strings.TrimSpace(p.ev.Category); c != "" {
				title += ": " + c
			}
		}
		alerts = append(alerts, ticketsync.Alert{
			Key:         k,
			Company:     connectwise.Ref{ID: p.mapping.Company.ID},
			Board:       connectwise.Ref{ID: snap.target.board.Board.ID},
			Status:      connectwise.Ref{ID: snap.target.status.ID},
			Summary:     title,
			Description: p.ev.Description,
			Start:       p.ev.TriggeredAt,
		})
	}
	// Technicians close these tickets; processing an event again must not
	// undo their work.
	policy := ticketsync.Policy{Source: Source, KeepClosed: true}
	if in.progress != nil {
		policy.Progress = func(p ticketsync.Progress) {
			in.emit(flow.Progress{Step: string(stage), Done: p.Done, Total: p.Total, Key: p.Key})
		}
	}
	sy, err := ticketsync.New(in.client, policy)
	if err != nil {
		return fmt.Errorf("officeprotect: %w", err)
	}
	srep, serr := sy.Sync(ctx, alerts)
	rep.Sync = srep
	if srep != nil {
		rep.Created, rep.Updated, rep.Reopened, rep.Unchanged = srep.Created, srep.Updated, srep.Reopened, srep.Unchanged
		rep.Calls += srep.Calls
		for range srep.KeptClosed {
			rep.Skip("kept-closed")
		}
		for _, f := range srep.Failed {
			p := byKey[f.Key]
			rep.Fail(f.Key, f.Err)
			rep.FailedEvents = append(rep.FailedEvents, FailedEvent{EventID: p.ev.ID, TenantID: p.ev.TenantID, Err: f.Err})
		}
	}
	return serr
}
