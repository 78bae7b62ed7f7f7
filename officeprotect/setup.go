package officeprotect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// Stage is a step of ConfirmSetup.
type Stage string

// ConfirmSetup's stages, in order.
const (
	StageCheck          Stage = "check-connection"
	StageMappings       Stage = "mappings"
	StageTicketSettings Stage = "ticket-settings"
	StageBackfill       Stage = "backfill"
)

// Progress reports ConfirmSetup's advance. During the backfill, Done and
// Total count ticket writes (events that already have a ticket cost none)
// and EventID and Action say what was just done.
type Progress struct {
	Stage   Stage
	Message string
	Done    int
	Total   int
	EventID string
	Action  ticketsync.Action
}

// SetupResult is what ConfirmSetup validated and did.
type SetupResult struct {
	// Check is the fresh connection check.
	Check *ConnectionCheck
	// Board is where tickets go, and why (the API member's default board
	// or the PSA's default board).
	Board BoardChoice
	// Status is the status tickets are created in.
	Status connectwise.Ref
	// Enabled and Disabled count the mapped tenants by flow state.
	Enabled, Disabled int
	// Warnings are problems that do not stop the integration: optional
	// rights missing, disabled mappings to unavailable companies, no
	// tenant enabled.
	Warnings []string
	// BackfillSince is the start of the backfill window: exactly
	// BackfillWindow before confirmation, inclusive.
	BackfillSince time.Time
	// Backfill reports the tickets created for the last 48 hours' events;
	// nil if the backfill could not start.
	Backfill *RunReport
}

// ConfirmSetup is the guide's "Confirm setup" button. It refuses to run
// until CheckConnection has passed and an emergency contact is set, then
// validates everything against the live PSA: the credentials and rights
// again, every enabled mapping's company (it must exist and be active),
// the board (the API member's default service board, else the PSA's
// default board; the result explains which) and the ticket status. Only
// then is the integration up and running, and the security events raised
// in the last 48 hours (BackfillWindow, inclusive) are filed as tickets,
// reporting progress to progress (which may be nil).
//
// A validation problem returns a nil result and a *SettingError (several
// joined with errors.Join for mappings), or a *connectwise.AccessError.
// If the backfill itself fails, the setup stays confirmed and the result
// comes back with the error: re-running ConfirmSetup or ProcessSince is
// safe.
func (in *Integration) ConfirmSetup(ctx context.Context, progress func(Progress)) (*SetupResult, error) {
	emit := func(p Progress) {
		if progress != nil {
			progress(p)
		}
	}
	in.mu.Lock()
	prior, contact, status := in.check, in.contact, in.status
	in.mu.Unlock()
	if prior == nil || !prior.OK() {
		return nil, ErrNotChecked
	}
	if contact == "" {
		return nil, &SettingError{Setting: "EmergencyContact", Problem: "is required before the setup can be confirmed: enter the address to alert when the integration breaks"}
	}

	emit(Progress{Stage: StageCheck, Message: "verifying the credentials and the API member's rights"})
	chk, err := in.checkAccess(ctx)
	if err != nil {
		return nil, err
	}
	in.mu.Lock()
	in.check = chk
	in.mu.Unlock()
	if err := chk.Err(); err != nil {
		return nil, fmt.Errorf("officeprotect: confirm setup: %w", err)
	}
	res := &SetupResult{Check: chk}
	for _, w := range chk.Warnings() {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s / %s: %s is not granted: %s", w.Module, w.Function, w.Right, w.Impact))
	}

	mappings := in.Mappings()
	emit(Progress{Stage: StageMappings, Message: fmt.Sprintf("checking the PSA companies of %d mapped tenants", len(mappings))})
	var problems []error
	for _, m := range mappings {
		co, _, err := in.client.Companies.Get(ctx, m.Company.ID)
		if err != nil && !connectwise.IsNotFound(err) {
			return nil, fmt.Errorf("officeprotect: reading PSA company %d: %w", m.Company.ID, err)
		}
		if err != nil {
			co = nil
		}
		st := companyState(co)
		switch {
		case st == CompanyActive && m.Enabled:
			res.Enabled++
		case st == CompanyActive:
			res.Disabled++
		case m.Enabled:
			problems = append(problems, &SettingError{Setting: "Mapping", Subject: m.TenantID,
				Problem: fmt.Sprintf("PSA company %q (id %d) is %s and cannot receive tickets; map the tenant to another company or disable its flow", m.Company.Identifier, m.Company.ID, st)})
		default:
			res.Disabled++
			res.Warnings = append(res.Warnings, fmt.Sprintf("tenant %q is mapped (disabled) to PSA company %q, which is %s", m.TenantID, m.Company.Identifier, st))
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if res.Enabled == 0 {
		res.Warnings = append(res.Warnings, "no tenant is mapped with its flow enabled: no ticket will be created")
	}

	emit(Progress{Stage: StageTicketSettings, Message: "choosing the board and checking the ticket status"})
	tg, warnings, err := in.resolveTarget(ctx, chk.DefaultBoard, "", status)
	res.Warnings = append(res.Warnings, warnings...)
	if err != nil {
		return nil, err
	}
	res.Board, res.Status = tg.board, tg.status
	emit(Progress{Stage: StageTicketSettings, Message: tg.board.Explanation})

	in.mu.Lock()
	in.target = tg
	in.confirmed = true
	in.mu.Unlock()
	// Everything was just verified: past failures no longer stand.
	in.health.clear(func(Failure) bool { return true })

	snap, err := in.snapshot()
	if err != nil {
		return res, err
	}
	res.BackfillSince = in.now().Add(-BackfillWindow)
	emit(Progress{Stage: StageBackfill, Message: "reading the security events raised since " + res.BackfillSince.UTC().Format(time.RFC3339)})
	events, err := in.source.Events(ctx, res.BackfillSince)
	if err != nil {
		return res, fmt.Errorf("officeprotect: backfill: reading events: %w", err)
	}
	res.Backfill, err = in.run(ctx, snap, events, res.BackfillSince, StageBackfill, emit)
	if err != nil {
		return res, fmt.Errorf("officeprotect: backfill: %w", err)
	}
	return res, nil
}
