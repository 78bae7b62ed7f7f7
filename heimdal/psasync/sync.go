package psasync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// Report is the outcome of one Run (or Audit). The embedded flow.Report is
// the core every flow shares: Created, Updated, Closed and Unchanged summed
// over the boards, Skipped by reason ("kept-closed": Cyber Alerts and M365
// tickets a technician closed), Failed, Calls (the PSA calls of ticket
// reconciliation and update notes; Heimdal reads and the company check are
// not counted), Duration and Resumed.
type Report struct {
	flow.Report
	// Boards has one entry per configured board, in configuration order.
	Boards []BoardReport
	// Customers is how many mapped customers were read from Heimdal.
	Customers int
	// Errors lists every problem met (also joined into Run's error):
	// *CompanyError, *FetchError, and ticket writes that failed.
	Errors []error
}

// Board returns the report of board b, if it was synced.
func (r *Report) Board(b Board) (BoardReport, bool) {
	for _, br := range r.Boards {
		if br.Board == b {
			return br, true
		}
	}
	return BoardReport{}, false
}

// sum fills the core from the boards' ticketsync reports.
func (r *Report) sum() {
	for _, br := range r.Boards {
		t := br.Tickets
		if t == nil {
			continue
		}
		r.Created += t.Created
		r.Updated += t.Updated + t.Reopened
		r.Closed += t.Closed
		r.Unchanged += t.Unchanged
		r.Calls += t.Calls + br.Notes
		for range t.KeptClosed {
			r.Skip("kept-closed")
		}
		for _, f := range t.Failed {
			r.Fail(br.Board.String()+": "+f.Key, f.Err)
		}
	}
}

// lastRun is what the store remembers of the last Run that completed.
type lastRun struct {
	At      time.Time `json:"at"`
	Created int       `json:"created"`
}

// BoardReport is what one board's sync did.
type BoardReport struct {
	Board    Board
	PSABoard connectwise.Ref
	// Source is the ticketsync source of the board's tickets.
	Source string
	// Alerts is how many open alerts Heimdal showed for the board.
	Alerts int
	// Tickets is ticketsync's report: created, updated, closed... Never
	// nil once the board was synced.
	Tickets *ticketsync.Report
	// Notes is how many update notes were added to tickets whose alert
	// changed (the initial description cannot be edited).
	Notes int
	// Skipped counts Cyber Alerts and M365 alerts whose ticket a technician
	// closed: those tickets stay closed although Heimdal still lists the
	// alert.
	Skipped int
	// AutoClose reports whether tickets of vanished alerts were closed.
	// Always false for Cyber Alerts and M365; false for Operations when
	// CloseSkipped says why.
	AutoClose    bool
	CloseSkipped string
	// Err is the error that stopped the board's sync, if any.
	Err error
}

// Run files every mapped customer's open Heimdal alerts as tickets: it
// reads each mapped customer's alerts for each configured board, builds the
// desired tickets (company from the mapping; board, statuses, item and
// priority from the board's configuration; type and subtype from the
// module's route) and reconciles each board with ticketsync under its own
// source, so the boards never touch each other's tickets. Customers without
// a mapping are not read and get no tickets.
//
// Heimdal Operations tickets are closed when their notification is gone and
// moved to the status on update when it changes, but only when every mapped
// customer's notifications were read and every mapped company is usable:
// otherwise nothing is closed in this run (BoardReport.CloseSkipped) because
// an alert missing from an incomplete read is not a resolved alert. Cyber
// Alerts and M365 tickets are never closed.
//
// The report is never nil. The error joins every problem: a *CompanyError or
// *FetchError per affected customer, the error that stopped a board, and
// each failed ticket write.
//
// Nothing about tickets is kept between runs: the PSA is the state, so a
// run stopped at any point is completed by the next one, in this process
// or another on the same store (Report.Resumed says a run completed
// before), without duplicating a ticket.
func (in *Integration) Run(ctx context.Context) (*Report, error) {
	started := time.Now()
	c := in.psa
	rep := &Report{Report: flow.Report{Flow: Flow}}
	defer func() {
		rep.sum()
		rep.Duration = time.Since(started)
	}()
	boards, mappings, err := in.configured(ctx)
	if err != nil {
		return rep, err
	}
	if len(boards) == 0 {
		return rep, &StateError{Op: "Run", Err: ErrNoBoards}
	}
	_, err = in.store.Get(ctx, in.key("last-run"))
	rep.Resumed = err == nil
	slices.SortFunc(mappings, func(a, b Mapping) int { return strings.Compare(a.CustomerID, b.CustomerID) })

	var errs []error
	var closeSkipped []string
	valid, err := checkCompanies(ctx, c, mappings)
	if err != nil {
		return rep, err
	}
	for _, v := range valid {
		if v.err != nil {
			errs = append(errs, v.err)
			closeSkipped = append(closeSkipped, "customer "+customerLabel(v.CustomerID, v.CustomerName)+"'s company "+v.err.Problem)
		}
	}

	desired := map[Board][]ticketsync.Alert{}
	descs := map[string]string{}
	for _, m := range valid {
		if m.err != nil {
			continue
		}
		rep.Customers++
		for _, b := range Boards() {
			bc := boards[b]
			if bc == nil {
				continue
			}
			for a, err := range OpenAlerts(ctx, in.heimdal, m.CustomerID, b) {
				if err != nil {
					errs = append(errs, &FetchError{CustomerID: m.CustomerID, CustomerName: m.CustomerName, Board: b, Err: err})
					if b == BoardOperations {
						closeSkipped = append(closeSkipped, "customer "+customerLabel(m.CustomerID, m.CustomerName)+"'s notifications could not be read")
					}
					break
				}
				if a.Board() != b {
					continue
				}
				t := ticketFor(a, m.Mapping, bc)
				desired[b] = append(desired[b], t)
				descs[a.Key] = t.Description
			}
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
	}

	for _, b := range Boards() {
		bc := boards[b]
		if bc == nil {
			continue
		}
		br := in.syncBoard(ctx, c, bc, desired[b], descs, closeSkipped)
		for _, f := range br.Tickets.Failed {
			errs = append(errs, fmt.Errorf("psasync: %s: alert %s: %w", b, f.Key, f.Err))
		}
		if br.Err != nil {
			errs = append(errs, br.Err)
		}
		rep.Boards = append(rep.Boards, br)
		if err := ctx.Err(); err != nil {
			break
		}
	}
	rep.Errors = errs
	if len(errs) == 0 && ctx.Err() == nil {
		created := 0
		for _, br := range rep.Boards {
			created += br.Tickets.Created
		}
		if err := flow.PutJSON(ctx, in.store, in.key("last-run"), lastRun{At: time.Now().UTC(), Created: created}); err != nil {
			return rep, fmt.Errorf("psasync: recording the run: %w", err)
		}
	}
	return rep, errors.Join(errs...)
}

func (in *Integration) syncBoard(ctx context.Context, c *connectwise.Client, bc *BoardConfig, alerts []ticketsync.Alert, descs map[string]string, closeSkipped []string) BoardReport {
	b := bc.Board
	br := BoardReport{Board: b, PSABoard: bc.Settings.Board, Source: in.sources[b], Alerts: len(alerts), Tickets: &ticketsync.Report{Source: in.sources[b]}}
	if b == BoardOperations {
		br.AutoClose = len(closeSkipped) == 0
		br.CloseSkipped = strings.Join(closeSkipped, "; ")
	}
	// Cyber Alerts and M365 tickets are closed by technicians while Heimdal
	// may still list the alert: reopening them on every Run would undo
	// their work.
	p := ticketsync.Policy{Source: br.Source, AutoClose: br.AutoClose, KeepClosed: b != BoardOperations, Concurrency: in.opts.concurrency}
	if bc.Settings.Close.ID != 0 {
		p.CloseStatus = map[int]connectwise.Ref{bc.Settings.Board.ID: bc.Settings.Close}
	}
	if f := in.opts.progress; f != nil {
		p.Progress = func(pr ticketsync.Progress) {
			in.progressMu.Lock()
			defer in.progressMu.Unlock()
			f(flow.Progress{Flow: Flow, Step: b.String(), Done: pr.Done, Total: pr.Total, Key: pr.Key})
		}
	}
	s, err := ticketsync.New(c, p)
	if err != nil {
		br.Err = fmt.Errorf("psasync: %s: %w", b, err)
		return br
	}
	tr, err := s.Sync(ctx, alerts)
	if tr != nil {
		br.Tickets = tr
		br.Skipped = tr.KeptClosed
	}
	if err != nil {
		br.Err = fmt.Errorf("psasync: syncing %s: %w", b, err)
		return br
	}
	// The PSA keeps a ticket's initial description as its first note, so a
	// changed alert's new text goes into a note of its own. Re-filing after
	// a settings change is not news about the alert: no note.
	for _, r := range tr.Results {
		news := r.Action == ticketsync.ActionReopened || r.Action == ticketsync.ActionUpdated && r.ContentChanged
		if !news || r.Err != nil || r.TicketID == 0 {
			continue
		}
		text := "Heimdal updated this alert:\n\n" + descs[r.Key]
		if r.Action == ticketsync.ActionReopened {
			text = "Heimdal reports this alert again:\n\n" + descs[r.Key]
		}
		if _, _, err := c.Tickets.CreateNote(ctx, r.TicketID, &connectwise.Note{Text: text, DetailDescriptionFlag: true}); err != nil {
			br.Err = errors.Join(br.Err, fmt.Errorf("psasync: %s: adding the update note to ticket %d: %w", b, r.TicketID, err))
			continue
		}
		br.Notes++
	}
	return br
}

// checkedMapping is a mapping with its company re-read from the PSA.
type checkedMapping struct {
	Mapping
	err *CompanyError
}

// companyBatch ids fit in one URL with room to spare.
const companyBatch = 100

// checkCompanies re-reads every mapped company in one query, because a
// company deleted or deactivated since it was mapped can no longer receive
// tickets.
func checkCompanies(ctx context.Context, c *connectwise.Client, mappings []Mapping) ([]checkedMapping, error) {
	if len(mappings) == 0 {
		return nil, nil
	}
	ids := make([]int, 0, len(mappings))
	for _, m := range mappings {
		ids = append(ids, m.Company.ID)
	}
	found := map[int]connectwise.Company{}
	// Companies have no search endpoint: batches keep the URL short.
	for batch := range slices.Chunk(ids, companyBatch) {
		for co, err := range c.Companies.All(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("id in ?", batch)}) {
			if err != nil {
				return nil, fmt.Errorf("psasync: reading the mapped PSA companies: %w", err)
			}
			found[co.ID] = co
		}
	}
	out := make([]checkedMapping, 0, len(mappings))
	for _, m := range mappings {
		cm := checkedMapping{Mapping: m}
		co, ok := found[m.Company.ID]
		switch {
		case !ok:
			cm.err = &CompanyError{CustomerID: m.CustomerID, CustomerName: m.CustomerName, Company: m.Company, Problem: "does not exist"}
		case companyProblem(co) != "":
			cm.err = &CompanyError{CustomerID: m.CustomerID, CustomerName: m.CustomerName, Company: companyRef(co), Problem: companyProblem(co)}
		default:
			cm.Company = companyRef(co)
		}
		out = append(out, cm)
	}
	return out, nil
}

// ticketFor is the ticket alert a should be.
func ticketFor(a Alert, m Mapping, bc *BoardConfig) ticketsync.Alert {
	r := bc.route(a.Module)
	t := ticketsync.Alert{
		Key:         a.Key,
		Company:     connectwise.Ref{ID: m.Company.ID},
		Board:       connectwise.Ref{ID: bc.Settings.Board.ID},
		Status:      connectwise.Ref{ID: bc.Settings.Status.ID},
		Type:        connectwise.Ref{ID: r.Type.ID},
		SubType:     connectwise.Ref{ID: r.SubType.ID},
		Item:        connectwise.Ref{ID: bc.Settings.Item.ID},
		Priority:    connectwise.Ref{ID: bc.Settings.Priority.ID},
		Summary:     summary(a),
		Description: description(a, m),
		Start:       a.FirstSeen,
	}
	// Only Operations tickets follow their alert's changes with a status.
	if bc.Board == BoardOperations {
		t.UpdateStatus = connectwise.Ref{ID: bc.Settings.UpdateStatus.ID}
	}
	return t
}

// summary reads like "[DISK] ACME-WS01: Low disk space"; ticketsync cuts it
// to the PSA's 100 characters.
func summary(a Alert) string {
	title := strings.TrimSpace(a.Title)
	if title == "" {
		title = TypeName(a.Module)
	}
	if t := strings.TrimSpace(a.Target); t != "" {
		return fmt.Sprintf("[%s] %s: %s", a.Module, t, title)
	}
	return fmt.Sprintf("[%s] %s", a.Module, title)
}

// description carries everything the ticket should show. Severity is part
// of it so that a change of severity alone updates the ticket too; times
// that move without the alert changing (last update) are left out.
func description(a Alert, m Mapping) string {
	var b strings.Builder
	if d := strings.TrimSpace(a.Description); d != "" {
		b.WriteString(d)
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "Heimdal customer: %s\n", customerLabel(m.CustomerID, m.CustomerName))
	fmt.Fprintf(&b, "Module: %s (%s)\n", TypeName(a.Module), a.Module)
	if a.Severity != "" {
		fmt.Fprintf(&b, "Severity: %s\n", a.Severity)
	}
	if a.Target != "" {
		fmt.Fprintf(&b, "Target: %s\n", a.Target)
	}
	if !a.FirstSeen.IsZero() {
		fmt.Fprintf(&b, "First seen: %s\n", a.FirstSeen.UTC().Format(time.RFC3339))
	}
	return strings.TrimRight(b.String(), "\n")
}

// Audit repairs, on every configured board, duplicate tickets that no Run
// can see: a ticket the PSA created late (after a crash) whose twin has
// since been closed. It reads every ticket of the integration, open and
// closed, so run it occasionally (daily, or after a crash). See
// ticketsync's Syncer.Audit.
//
// The report's Boards carry each board's ticketsync audit report; Closed
// counts the duplicates removed.
func (in *Integration) Audit(ctx context.Context) (*Report, error) {
	started := time.Now()
	rep := &Report{Report: flow.Report{Flow: Flow}}
	defer func() { rep.Duration = time.Since(started) }()
	configured, err := in.boards(ctx)
	if err != nil {
		return rep, err
	}
	for _, b := range Boards() {
		bc := configured[b]
		if bc == nil {
			continue
		}
		s, err := ticketsync.New(in.psa, ticketsync.Policy{Source: in.sources[b], KeepClosed: b != BoardOperations})
		if err != nil {
			return rep, fmt.Errorf("psasync: %s: %w", b, err)
		}
		tr, err := s.Audit(ctx)
		br := BoardReport{Board: b, PSABoard: bc.Settings.Board, Source: in.sources[b], Tickets: tr}
		if tr != nil {
			rep.Closed += tr.Repaired
			rep.Calls += tr.Calls
			for _, f := range tr.Failed {
				rep.Fail(b.String()+": "+f.Key, f.Err)
			}
		}
		rep.Boards = append(rep.Boards, br)
		if err != nil {
			return rep, fmt.Errorf("psasync: auditing %s: %w", b, err)
		}
	}
	return rep, nil
}
