package officeprotect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
)

// Stage is a step of ConfirmSetup or a run, as flow.Progress.Step names it.
type Stage string

// ConfirmSetup's stages, in order, and the stage of a live run.
const (
	StageCheck          Stage = "check-connection"
	StageMappings       Stage = "mappings"
	StageTicketSettings Stage = "ticket-settings"
	StageBackfill       Stage = "backfill"
	StageLive           Stage = "live"
)

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
	Backfill *Report
}

// ConfirmSetup is the guide's "Confirm setup" button. It refuses to run
// until CheckConnection has passed and an emergency contact is set, then
// validates everything against the live PSA: the credentials and rights
// again, every enabled mapping's company (it must exist and be active),
// the board (the API member's default service board, else the PSA's
// default board; the result explains which) and the ticket status. Only
// then is the integration up and running, and the security events raised
// in the last 48 hours (BackfillWindow, inclusive) are filed as tickets,
// reporting progress to the WithProgress function.
//
// A validation problem returns a nil result and a *bridge.ConfigError
// (through errors.As; several joined with errors.Join for mappings), or a
// *connectwise.AccessError.
// If the backfill itself fails, the setup stays confirmed and the result
// comes back with the error: re-running ConfirmSetup or ProcessSince is
// safe. The confirmed setup, and how far the backfill got, are kept in the
// store: a process stopped during the backfill finishes it in its next Run,
// over the same window.
func (in *Integration) ConfirmSetup(ctx context.Context) (*SetupResult, error) {
	emit := func(st Stage, msg string) { in.emit(flow.Progress{Step: string(st), Key: msg}) }
	in.mu.Lock()
	prior := in.check
	in.mu.Unlock()
	cfg, err := in.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	contact, status := cfg.Contact, cfg.Status
	if prior == nil || !prior.OK() {
		return nil, ErrNotChecked
	}
	if contact == "" {
		return nil, settingError("EmergencyContact", "", "is required before the setup can be confirmed: enter the address to alert when the integration breaks", nil)
	}

	emit(StageCheck, "verifying the credentials and the API member's rights")
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

	mappings, err := in.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	emit(StageMappings, fmt.Sprintf("checking the PSA companies of %d mapped tenants", len(mappings)))
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
			problems = append(problems, settingError("Mapping", m.TenantID,
				fmt.Sprintf("PSA company %q (id %d) is %s and cannot receive tickets; map the tenant to another company or disable its flow", m.Company.Identifier, m.Company.ID, st), nil))
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

	emit(StageTicketSettings, "choosing the board and checking the ticket status")
	tg, warnings, err := in.resolveTarget(ctx, chk.DefaultBoard, "", status)
	res.Warnings = append(res.Warnings, warnings...)
	if err != nil {
		return nil, err
	}
	res.Board, res.Status = tg.board, tg.status
	emit(StageTicketSettings, tg.board.Explanation)

	res.BackfillSince = in.now().Add(-BackfillWindow)
	in.runMu.Lock()
	defer in.runMu.Unlock()
	if err := in.updateConfig(ctx, func(c *config) error {
		c.Confirmed, c.Board, c.TargetStatus = true, tg.board, tg.status
		c.BackfillSince, c.BackfillDone, c.Watermark = res.BackfillSince, false, time.Time{}
		return nil
	}); err != nil {
		return nil, err
	}
	// Everything was just verified: past failures no longer stand.
	if err := in.clearFailures(ctx, func(Failure) bool { return true }); err != nil {
		return res, err
	}
	snap, err := in.snapshot(ctx)
	if err != nil {
		return res, err
	}
	emit(StageBackfill, "reading the security events raised since "+res.BackfillSince.UTC().Format(time.RFC3339))
	res.Backfill, err = in.runFromStore(ctx, snap)
	if err != nil {
		return res, fmt.Errorf("officeprotect: backfill: %w", err)
	}
	return res, nil
}
