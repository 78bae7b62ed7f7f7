// Command officeprotect-psa walks through Office Protect's ConnectWise PSA
// setup guide end to end: check connection, organization mapping (one
// tenant disabled, one unmapped), ticket status (a closed status is
// refused), emergency contact, Confirm setup with the 48-hour backfill,
// live events filed by Run, a restart (a fresh integration on the same
// state file, which resumes and does nothing twice), and finally a
// permission revoked in the PSA, which alerts the emergency contact once,
// even across another restart.
//
// The integration's state (mappings, ticket settings, watermarks, failures
// and whether the contact was told) lives in a bbolt file: -state names it
// (default: a fresh file in a temporary directory).
//
// With no environment it runs on embedded simulators: the PSA
// (connectwise/cwtest), an in-memory Office Protect event source and a
// local SMTP server that receives the emergency email:
//
//	go run ./examples/officeprotect-psa
//
// With CW_SITE, CW_COMPANY_ID, CW_PUBLIC_KEY, CW_PRIVATE_KEY and
// CW_CLIENT_ID set it talks to that PSA instead (events still come from
// the in-memory source: Office Protect has no public API). It then stops
// before Confirm setup unless -write is given, since confirming creates
// tickets for the demo events in the companies the demo tenants map to.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/examples/internal/exampleenv"
	"github.com/psabridge/psabridge/examples/internal/psaenv"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
)

func main() {
	write := flag.Bool("write", false, "with CW_* variables: confirm the setup, creating tickets for the demo events in the real PSA")
	state := flag.String("state", "", "the integration's state file (default: a new file in a temporary directory)")
	flag.Parse()
	statePath = *state
	exampleenv.Main("officeprotect-psa", func(ctx context.Context) error {
		_, err := run(ctx, os.Stdout, os.Getenv, *write)
		return err
	})
}

// summary is what the walk-through did, for the closing table and for
// main_test.go.
type summary struct {
	Simulated        bool
	Backfilled       int // tickets created by Confirm setup
	BackfillSkipped  int
	LiveCreated      int
	DuplicatesQuiet  int // live events read again after the restart: no write
	Resumed          bool
	Alerts           int // emergency alerts delivered
	AlertRuns        int // runs that failed while the integration was broken
	Recovered        int // tickets filed once the permission was back
	TicketsPerTenant map[string]int
}

// realPSAOptions tune the client for a real PSA; empty keeps the
// client's conservative defaults (about 10 requests per second). Tests
// that stand a simulator in for the real PSA lift the limit.
var realPSAOptions []connectwise.Option

// statePath is the -state flag; empty means a temporary file.
var statePath string

// demo tenants: mapped by suggestion, except Contoso, which has no
// matching PSA company and stays unmapped, and Initech, mapped but with
// its flow disabled.
var tenants = []officeprotect.Tenant{
	{ID: "t-acme", Name: "Acme Corp", Active: true},
	{ID: "t-globex", Name: "Globex Corporation", Active: true},
	{ID: "t-initech", Name: "Initech", Active: true},
	{ID: "t-contoso", Name: "Contoso Ltd", Active: true},
}

const disabledTenant = "t-initech"

func ev(id, tenant, title string, at time.Time, sev officeprotect.Severity, cat string) officeprotect.Event {
	return officeprotect.Event{
		ID: id, TenantID: tenant, Title: title, TriggeredAt: at, Severity: sev, Category: cat,
		Description: title + ".\n\nDetected by Office Protect on " + at.UTC().Format(time.RFC1123) + ". Review the activity in the Office Protect console.",
	}
}

// history is what Office Protect raised before the setup: three events
// fall in the 48-hour window (one exactly on its edge), one just outside.
func history(now time.Time) []officeprotect.Event {
	return []officeprotect.Event{
		ev("evt-1001", "t-acme", "Suspicious sign-in from an unusual country", now.Add(-3*time.Hour), officeprotect.SeverityHigh, "Identity"),
		ev("evt-1002", "t-globex", "Mailbox forwarding rule to an external address", now.Add(-26*time.Hour), officeprotect.SeverityCritical, "Exchange"),
		ev("evt-1003", "t-acme", "New inbox rule deletes incoming mail", now.Add(-48*time.Hour), officeprotect.SeverityMedium, "Exchange"),
		ev("evt-0999", "t-acme", "Multiple failed sign-ins", now.Add(-49*time.Hour), officeprotect.SeverityLow, "Identity"),
		ev("evt-1004", "t-initech", "Legacy authentication used", now.Add(-5*time.Hour), officeprotect.SeverityMedium, "Identity"),
		ev("evt-1005", "t-contoso", "Anonymous sharing link created", now.Add(-time.Hour), officeprotect.SeverityMedium, "SharePoint"),
	}
}

type env struct {
	out       io.Writer
	sim       *cwtest.Server // nil against a real PSA
	smtp      *officeprotecttest.SMTPServer
	src       *officeprotecttest.Source
	in        *officeprotect.Integration
	psa       *connectwise.Client
	store     flow.Store
	path      string
	opts      []officeprotect.Option
	now       time.Time
	sum       *summary
	companies map[string]connectwise.Ref // tenant → mapped company
}

func (e *env) printf(format string, args ...any) { fmt.Fprintf(e.out, format, args...) }

// run is the whole walk-through; main only wires it to the process.
func run(ctx context.Context, out io.Writer, getenv func(string) string, allowRealWrites bool) (*summary, error) {
	e := &env{out: out, src: officeprotecttest.NewSource(), sum: &summary{TicketsPerTenant: map[string]int{}}, companies: map[string]connectwise.Ref{}}
	for _, t := range tenants {
		e.src.AddTenant(t)
	}
	pc, err := psaenv.Config(getenv)
	if err != nil {
		return nil, err
	}
	defer pc.Close()
	cfg := pc.Config
	opts := []officeprotect.Option{}
	var cwOpts []connectwise.Option
	var notifier officeprotect.Notifier
	if pc.Simulated() {
		e.sum.Simulated = true
		e.sim = pc.Sim
		e.smtp = officeprotecttest.NewSMTPServer(officeprotecttest.WithSMTPAuth("alerts", "example-only-password"))
		defer e.smtp.Close()
		// A fixed clock keeps the output the same on every run.
		e.now = time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
		smtpN, err := officeprotect.NewSMTPNotifier(officeprotect.SMTPConfig{
			Host: e.smtp.Host, Port: e.smtp.Port, From: "alerts@psabridge.example.com",
			Username: "alerts", Password: "example-only-password",
		})
		if err != nil {
			return nil, err
		}
		notifier = smtpN
		// The simulator has no rate limit to respect.
		cwOpts = append(cwOpts, connectwise.WithRateLimit(0, 1))
		e.printf("Office Protect → ConnectWise PSA, on embedded simulators (PSA at %s, SMTP at %s)\n", e.sim.URL, e.smtp.Addr())
	} else {
		cwOpts = append(cwOpts, realPSAOptions...)
		e.now = time.Now().UTC().Truncate(time.Second)
		notifier = printNotifier{out}
		e.printf("Office Protect → ConnectWise PSA, against %s (events from the in-memory demo source)\n", cfg.Site)
	}
	opts = append(opts, officeprotect.WithNotifier(notifier))
	e.src.Add(history(e.now)...)

	e.printf("\nStep 1  API keys dedicated to Office Protect\n")
	psa, err := connectwise.NewClient(cfg, cwOpts...)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	e.psa, e.opts = psa, opts
	e.printf("        PSA %s, company %q, public key %s…\n", psa.Site(), cfg.CompanyID, cfg.PublicKey[:min(4, len(cfg.PublicKey))])
	path, remove, err := exampleenv.StateFile(statePath, "officeprotect-psa")
	if err != nil {
		return nil, err
	}
	defer remove()
	e.path = path
	if err := e.open(); err != nil {
		return nil, err
	}
	defer func() { _ = e.store.Close() }()
	e.printf("        state kept in %s\n", e.path)

	if err := e.checkConnection(ctx); err != nil {
		return nil, err
	}
	if err := e.configure(ctx); err != nil {
		return nil, err
	}
	if e.sim == nil && !allowRealWrites {
		e.printf("\nStopping before Confirm setup: against a real PSA it creates tickets for the demo events.\nRun again with -write to go on.\n")
		return e.sum, nil
	}
	if err := e.confirm(ctx); err != nil {
		return nil, err
	}
	if err := e.live(ctx); err != nil {
		return nil, err
	}
	if err := e.restart(ctx); err != nil {
		return nil, err
	}
	if e.sim != nil {
		if err := e.breakage(ctx); err != nil {
			return nil, err
		}
	}
	e.table()
	return e.sum, nil
}

func (e *env) checkConnection(ctx context.Context) error {
	e.printf("\nStep 2  Check connection\n")
	chk, err := e.in.CheckConnection(ctx)
	if err != nil {
		return err
	}
	e.printf("        API member %q\n", chk.Member.Identifier)
	for _, p := range chk.Permissions {
		mark := "ok  "
		switch {
		case p.Status != connectwise.AccessGranted && p.Optional:
			mark = "warn"
		case p.Status != connectwise.AccessGranted:
			mark = "FAIL"
		}
		opt := ""
		if p.Optional {
			opt = " (optional)"
		}
		e.printf("        %s %s%s\n", mark, p, opt)
	}
	for _, w := range chk.Warnings() {
		e.printf("        without %s: %s\n", w.Function, w.Impact)
	}
	return chk.Err()
}

func (e *env) configure(ctx context.Context) error {
	e.printf("\nStep 3  Configure the integration\n        Organization mapping:\n")
	sugg, err := e.in.SuggestMappings(ctx)
	if err != nil {
		return err
	}
	for _, s := range sugg {
		switch {
		case s.Suggested.ID == 0:
			e.printf("        %-20s no matching PSA company: left unmapped (no tickets)\n", s.Tenant.Name)
			continue
		case s.Tenant.ID == disabledTenant:
			e.printf("        %-20s → %-20s (suggested, score %.2f) flow disabled (no tickets)\n", s.Tenant.Name, s.Suggested.Name, s.Score)
		default:
			e.printf("        %-20s → %-20s (suggested, score %.2f) flow enabled\n", s.Tenant.Name, s.Suggested.Name, s.Score)
		}
		if err := e.in.SetMapping(ctx, s.Tenant.ID, s.Suggested.ID, s.Tenant.ID != disabledTenant); err != nil {
			return err
		}
		e.companies[s.Tenant.ID] = s.Suggested
	}

	e.printf("        Ticket status:\n")
	board, statuses, err := e.in.TicketStatuses(ctx)
	if err != nil {
		return err
	}
	var closed *connectwise.BoardStatus
	for i, st := range statuses {
		if st.ClosedStatus && (closed == nil || strings.EqualFold(st.Name, "Closed")) {
			closed = &statuses[i]
		}
	}
	if closed != nil {
		err := e.in.SetTicketStatus(ctx, connectwise.Ref{ID: closed.ID})
		var ce *connectwise.ConfigError
		if !errors.As(err, &ce) {
			return fmt.Errorf("closed status %q was not refused: %v", closed.Name, err)
		}
		e.printf("        %q refused: %s\n", closed.Name, ce.Problem)
	}
	e.printf("        left at the default status of board %q\n", board.Board.Name)

	e.printf("        Emergency contact:\n")
	if err := e.in.SetEmergencyContact(ctx, "SOC Team <soc@msp.example.com>"); err != nil {
		e.printf("        refused: %v\n", err)
	}
	if err := e.in.SetEmergencyContact(ctx, "soc@msp.example.com"); err != nil {
		return err
	}
	contact, err := e.in.EmergencyContact(ctx)
	if err != nil {
		return err
	}
	e.printf("        set to %s\n", contact)
	return nil
}

func (e *env) confirm(ctx context.Context) error {
	e.printf("\n        Confirm setup\n")
	res, err := e.in.ConfirmSetup(ctx)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		e.printf("        warning: %s\n", w)
	}
	b := res.Backfill
	e.printf("        Integration up and running. Board: %s.\n", res.Board.Explanation)
	e.printf("        Backfill of the events raised since %s (48 h, inclusive): %d tickets created, %d skipped (%d disabled tenant, %d unmapped tenant); evt-0999, 49 h old, is not included\n",
		res.BackfillSince.Format(time.RFC3339), b.Created, len(b.SkippedEvents), b.SkippedFor(officeprotect.SkipDisabled), b.SkippedFor(officeprotect.SkipUnmapped))
	e.sum.Backfilled, e.sum.BackfillSkipped = b.Created, len(b.SkippedEvents)
	return nil
}

func (e *env) live(ctx context.Context) error {
	e.printf("\nStep 4  Tickets for live security events\n")
	live := []officeprotect.Event{
		ev("evt-2001", "t-globex", "Global administrator role assigned to a newly created account", e.now.Add(-2*time.Minute), officeprotect.SeverityCritical, "Identity"),
		ev("evt-2002", "t-acme", "Impossible travel: sign-ins for j.doe@acme.example from Lisbon and Singapore within 14 minutes, the second from an anonymising proxy", e.now.Add(-time.Minute), officeprotect.SeverityHigh, "Identity"),
		ev("evt-2003", "t-initech", "Mass file download from OneDrive", e.now.Add(-time.Minute), officeprotect.SeverityHigh, "OneDrive"),
	}
	e.src.Add(live...)
	// A later clock: the run reads from the backfill's watermark.
	e.now = e.now.Add(time.Minute)
	rep, err := e.in.Run(ctx)
	if err != nil {
		return err
	}
	e.printf("        Run: %s\n", rep)
	e.sum.LiveCreated = rep.Created
	if e.sim != nil {
		for _, t := range e.sim.Tickets() {
			if strings.HasPrefix(t.ExternalXRef, "officeprotect:"+officeprotect.TicketKey("t-acme", "evt-2002")+"#") {
				e.printf("        long title cut to the PSA's 100 characters: %q\n", t.Summary)
			}
		}
	}
	return nil
}

// open opens the state file and builds the integration on it, as a process
// starting up does.
func (e *env) open() error {
	store, err := flow.Open(e.path)
	if err != nil {
		return err
	}
	now := func() time.Time { return e.now }
	in, err := officeprotect.New(e.psa, e.src, store, append(e.opts, officeprotect.WithClock(now))...)
	if err != nil {
		_ = store.Close()
		return err
	}
	e.store, e.in = store, in
	return nil
}

// restart stops the integration (closing its state file) and starts a
// fresh one on the same file: it must resume, not start over.
func (e *env) restart(ctx context.Context) error {
	e.printf("\nRestart  the process stops; a new one opens %s\n", filepath.Base(e.path))
	if err := e.store.Close(); err != nil {
		return err
	}
	if err := e.open(); err != nil {
		return err
	}
	ms, err := e.in.Mappings(ctx)
	if err != nil {
		return err
	}
	contact, err := e.in.EmergencyContact(ctx)
	if err != nil {
		return err
	}
	e.printf("        read back: %d tenant mappings, emergency contact %s, setup confirmed\n", len(ms), contact)
	// The source re-serves the live events (an overlapping read): they
	// already have tickets.
	rep, err := e.in.ProcessSince(ctx, e.now.Add(-5*time.Minute))
	if err != nil {
		return err
	}
	e.sum.DuplicatesQuiet = rep.Unchanged
	e.now = e.now.Add(time.Minute)
	run, err := e.in.Run(ctx)
	if err != nil {
		return err
	}
	e.sum.Resumed = run.Resumed
	state := "started over"
	if run.Resumed {
		state = "resumed from the stored watermark"
	}
	e.printf("        Run: %s; nothing was done twice (%d events read again, %d unchanged)\n", state, rep.Events, rep.Unchanged)
	return nil
}

func (e *env) breakage(ctx context.Context) error {
	e.printf("\nStep 5  The integration breaks: an administrator removes Service Tickets from the API member's role\n")
	e.sim.RevokePermission("Service Tickets")
	pending := []officeprotect.Event{
		ev("evt-3001", "t-acme", "Suspicious OAuth application consent", e.now.Add(-30*time.Second), officeprotect.SeverityHigh, "Identity"),
		ev("evt-3002", "t-globex", "Audit logging disabled", e.now.Add(-20*time.Second), officeprotect.SeverityCritical, "Compliance"),
	}
	e.src.Add(pending...)
	for i, batch := range [][]officeprotect.Event{pending[:1], pending[1:], pending} {
		if i == 2 {
			// A restart between two failing runs: the store remembers that
			// the contact was told.
			if err := e.store.Close(); err != nil {
				return err
			}
			if err := e.open(); err != nil {
				return err
			}
			e.printf("        (process restarted)\n")
		}
		rep, err := e.in.Process(ctx, batch)
		if err == nil {
			return fmt.Errorf("run %d succeeded with the permission revoked", i+1)
		}
		e.sum.AlertRuns++
		e.sum.Alerts += len(rep.Notified)
		for _, nerr := range rep.NotifyErrors {
			e.printf("        alert not delivered: %v\n", nerr)
		}
		if len(rep.Notified) > 0 {
			e.printf("        run %d failed: emergency alert sent to %s\n", i+1, rep.Notified[0].To)
		} else {
			e.printf("        run %d failed: already alerted, no new email\n", i+1)
		}
	}
	for _, m := range e.smtp.Messages() {
		e.printf("        ── email received by the SMTP server ──\n        To: %s\n        Subject: %s\n", strings.Join(m.To, ", "), m.Subject())
		for l := range strings.SplitSeq(strings.TrimSpace(m.Text()), "\n") {
			e.printf("        | %s\n", l)
		}
	}
	e.sim.SetPermission("Service Tickets", "All", "All", "All", "All")
	rep, err := e.in.ProcessSince(ctx, e.now.Add(-time.Minute))
	if err != nil {
		return err
	}
	e.sum.Recovered = rep.Created
	failures, err := e.in.Failures(ctx)
	if err != nil {
		return err
	}
	e.printf("        permission granted again: %s; active failures: %d\n", rep, len(failures))
	return nil
}

func (e *env) table() {
	if e.sim != nil {
		for _, t := range e.sim.Tickets() {
			if !strings.HasPrefix(t.ExternalXRef, officeprotect.Source+":") {
				continue
			}
			for tenant, co := range e.companies {
				if t.Company != nil && t.Company.ID == co.ID {
					e.sum.TicketsPerTenant[tenant]++
				}
			}
		}
	}
	e.printf("\nSummary\n")
	w := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  TENANT\tPSA COMPANY\tFLOW\tTICKETS")
	mapped := map[string]officeprotect.Mapping{}
	ms, _ := e.in.Mappings(context.Background())
	for _, m := range ms {
		mapped[m.TenantID] = m
	}
	for _, t := range tenants {
		m, ok := mapped[t.ID]
		co, flow := "-", "unmapped"
		if ok {
			co, flow = m.Company.Name, "disabled"
			if m.Enabled {
				flow = "enabled"
			}
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%d\n", t.Name, co, flow, e.sum.TicketsPerTenant[t.ID])
	}
	_ = w.Flush()
	e.printf("  backfilled %d, skipped %d, live %d, read again after the restart without writes %d, emergency alerts %d (over %d failed runs), filed after recovery %d\n",
		e.sum.Backfilled, e.sum.BackfillSkipped, e.sum.LiveCreated, e.sum.DuplicatesQuiet, e.sum.Alerts, e.sum.AlertRuns, e.sum.Recovered)
}

// printNotifier shows alerts on the console when no mail server is
// configured (real-PSA mode).
type printNotifier struct{ out io.Writer }

func (p printNotifier) Notify(_ context.Context, a officeprotect.Alert) error {
	_, err := fmt.Fprintf(p.out, "        EMERGENCY ALERT to %s: %s\n%s\n", a.To, a.Subject, a.Body)
	return err
}
