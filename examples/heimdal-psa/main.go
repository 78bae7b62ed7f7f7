// Command heimdal-psa runs the Heimdal → ConnectWise PSA integration from
// setup to auto-close.
//
// With no credentials in the environment it starts the embedded PSA and
// Heimdal simulators and walks the whole flow: test connection, access
// check, save, provision the three boards, configure them, sync customers,
// raise notifications, sync, clear one Operations notification and sync
// again (its ticket closes), printing progress and a per-board summary.
// Then it restarts: the state file (saved settings, board configurations,
// customer mappings) is closed and opened again by a fresh integration,
// whose run says it resumed and writes nothing, because nothing changed.
//
//	go run ./examples/heimdal-psa [-state FILE]
//
// -state names the bbolt state file (default: a new file in a temporary
// directory, removed at the end).
//
// With HEIMDAL_API_KEY, HEIMDAL_CUSTOMER_ID and CW_SITE, CW_COMPANY_ID,
// CW_PUBLIC_KEY, CW_PRIVATE_KEY, CW_CLIENT_ID set it runs the same setup
// against the real services and one Sync: it provisions boards and files
// real tickets. A reseller account maps the customers Sync Customers
// proposes; a customer-level account needs CW_MAP_COMPANY_ID, the PSA
// company (numeric id) its tickets go to.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/examples/internal/exampleenv"
	"github.com/psabridge/psabridge/examples/internal/psaenv"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

func main() {
	flag.StringVar(&statePath, "state", "", "the integration's state file (default: a new file in a temporary directory)")
	flag.Parse()
	exampleenv.Main("heimdal-psa", func(ctx context.Context) error { return run(ctx, os.Stdout, os.Getenv) })
}

// statePath is the -state flag; empty means a temporary file.
var statePath string

// state is the integration's state file; the simulated restart closes
// and opens it again, as a new process would.
type state struct {
	store  flow.Store
	path   string
	remove func()
}

// openState opens the state file: -state, or a temporary one.
func openState() (*state, error) {
	path, remove, err := exampleenv.StateFile(statePath, "heimdal-psa")
	if err != nil {
		return nil, err
	}
	store, err := flow.Open(path)
	if err != nil {
		remove()
		return nil, err
	}
	return &state{store: store, path: path, remove: remove}, nil
}

// reopen closes the file and opens it again.
func (s *state) reopen() error {
	if err := s.store.Close(); err != nil {
		return err
	}
	store, err := flow.Open(s.path)
	if err != nil {
		return err
	}
	s.store = store
	return nil
}

// close closes the file that is open now and removes a temporary one.
func (s *state) close() {
	_ = s.store.Close()
	s.remove()
}

// credentialVars select the real services when all are set.
var credentialVars = append([]string{"HEIMDAL_API_KEY", "HEIMDAL_CUSTOMER_ID"}, psaenv.Vars...)

// run is the whole program; env replaces os.Getenv so tests choose the mode.
func run(ctx context.Context, out io.Writer, env func(string) string) error {
	real, err := exampleenv.AllOrNone(env, credentialVars...)
	switch {
	case err != nil:
		return err
	case real:
		return runReal(ctx, out, env)
	}
	return runSimulated(ctx, out)
}

// clock fixes the simulators' timestamps so that every run prints the same.
func clock() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) }

func runSimulated(ctx context.Context, out io.Writer) error {
	cw := cwtest.NewServer(cwtest.WithClock(clock))
	defer cw.Close()
	hd := heimdaltest.NewServer(heimdaltest.WithClock(clock))
	defer hd.Close()

	hc, err := heimdal.NewClient(hd.APIKey(), hd.ClientOptions()...)
	if err != nil {
		return err
	}
	st, err := openState()
	if err != nil {
		return err
	}
	defer st.close()
	p := newPrinter(out)
	// The simulators do not throttle; one write at a time keeps the
	// progress lines in the same order on every run.
	cwOpts := []connectwise.Option{connectwise.WithRateLimit(0, 1), connectwise.WithRetry(5, time.Millisecond, 10*time.Millisecond)}
	opts := []psasync.Option{psasync.WithConcurrency(1), psasync.WithProgress(p.progress)}
	c := cw.Config()
	settings := psasync.Settings{CompanyID: c.CompanyID, Site: c.Site, PublicKey: c.PublicKey, PrivateKey: c.PrivateKey, ClientID: c.ClientID}

	fmt.Fprintln(out, "Heimdal → ConnectWise PSA, on the embedded simulators")
	in, err := setup(ctx, p, hc, st.store, hd.ResellerID(), settings, cwOpts, opts)
	if err != nil {
		return err
	}
	if err := customers(ctx, p, in, hd.ResellerID(), ""); err != nil {
		return err
	}

	p.step("Raise notifications in Heimdal")
	raise := func(customer string, m heimdal.Module, target, title, desc string) string {
		key := hd.Raise(customer, m, target, title, desc)
		fmt.Fprintf(out, "  %-28s %-6s %-24s %s\n", psasync.BoardOf(m), m, target, title)
		return key
	}
	disk := raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 97% full")
	raise(heimdaltest.GlobexID, heimdal.ModuleCPU, "GLOBEX-DC01", "CPU above 95% for 15 minutes", "lsass.exe")
	raise(heimdaltest.InitechID, heimdal.ModuleMicrosoftUpdates, "INITECH-WS02", "3 critical updates missing", "KB5034441, KB5034439, KB5034203")
	raise(heimdaltest.AcmeID, heimdal.ModuleRansomware, "ACME-WS02", "Encryption attempt blocked", "ransom.exe tried to encrypt 212 files")
	raise(heimdaltest.UmbrellaID, heimdal.ModuleVectorN, "UMBRELLA-DC01", "Beaconing to a known C2 domain", "")
	raise(heimdaltest.GlobexID, heimdal.ModuleLAD, "alice@globex.example", "Impossible travel", "Sign-ins from Oslo and Lima within 20 minutes")
	raise(heimdaltest.InitechID, heimdal.ModuleUserCompliance, "bob@initech.example", "MFA disabled", "")
	raise(heimdaltest.ZorgonID, heimdal.ModuleFirewall, "ZORGON-WS01", "Firewall disabled", "unmapped customer: no ticket")

	if err := syncOnce(ctx, p, in, "Sync"); err != nil {
		return err
	}

	p.step("Clear one Operations notification in Heimdal")
	hd.Clear(disk)
	fmt.Fprintf(out, "  %s (Acme Corp, ACME-WS01) is resolved\n", heimdal.ModuleDisk)
	if err := syncOnce(ctx, p, in, "Sync again"); err != nil {
		return err
	}
	for _, t := range cw.Tickets() {
		if strings.HasPrefix(t.ExternalXRef, in.Source(psasync.BoardOperations)+":"+disk+"#") {
			fmt.Fprintf(out, "  ticket #%d %q is now %s\n", t.ID, t.Summary, t.Status.Name)
		}
	}

	// A restart: the process stops, and a new one builds everything again
	// from the state file alone.
	p.step("Restart: open the state file again")
	if err := st.reopen(); err != nil {
		return err
	}
	saved, err := psasync.LoadSettings(ctx, st.store, hd.ResellerID())
	if err != nil {
		return err
	}
	pc, err := connectwise.NewClient(connectwise.Config{Site: saved.Site, CompanyID: saved.CompanyID, PublicKey: saved.PublicKey, PrivateKey: saved.PrivateKey, ClientID: saved.ClientID}, cwOpts...)
	if err != nil {
		return err
	}
	if in, err = psasync.New(hc, pc, st.store, hd.ResellerID(), opts...); err != nil {
		return err
	}
	ms, err := in.Mappings(ctx)
	if err != nil {
		return err
	}
	configured := 0
	for _, b := range psasync.Boards() {
		if bc, err := in.BoardConfig(ctx, b); err != nil {
			return err
		} else if bc != nil {
			configured++
		}
	}
	fmt.Fprintf(out, "  read back: settings for company %q, %d boards configured, %d customers mapped\n", saved.CompanyID, configured, len(ms))
	p.step("Sync after the restart")
	rep, err := in.Run(ctx)
	p.table(rep)
	if err != nil {
		return err
	}
	state := "started over"
	if rep.Resumed {
		state = "resumed"
	}
	fmt.Fprintf(out, "  %s: %d created, %d updated, %d closed, %d unchanged: nothing was done twice\n", state, rep.Created, rep.Updated, rep.Closed, rep.Unchanged)
	return nil
}

func runReal(ctx context.Context, out io.Writer, env func(string) string) error {
	hc, err := heimdal.NewClient(env("HEIMDAL_API_KEY"))
	if err != nil {
		return err
	}
	p := newPrinter(out)
	settings := psasync.Settings{
		CompanyID: env("CW_COMPANY_ID"), Site: env("CW_SITE"),
		PublicKey: env("CW_PUBLIC_KEY"), PrivateKey: env("CW_PRIVATE_KEY"), ClientID: env("CW_CLIENT_ID"),
	}
	fmt.Fprintln(out, "Heimdal → ConnectWise PSA, on the real services")
	// Settings are checked before the state file is touched or anything sent.
	if err := settings.Validate(); err != nil {
		return err
	}
	st, err := openState()
	if err != nil {
		return err
	}
	defer st.close()
	in, err := setup(ctx, p, hc, st.store, env("HEIMDAL_CUSTOMER_ID"), settings, nil, []psasync.Option{psasync.WithProgress(p.progress)})
	if err != nil {
		return err
	}
	if err := customers(ctx, p, in, env("HEIMDAL_CUSTOMER_ID"), env("CW_MAP_COMPANY_ID")); err != nil {
		return err
	}
	return syncOnce(ctx, p, in, "Sync")
}

// setup runs the dashboard's setup screen (Test Connection, check, Save),
// builds the integration on the saved connection, then provisions and
// configures the boards.
func setup(ctx context.Context, p *printer, hc *heimdal.Client, store flow.Store, customerID string, s psasync.Settings, cwOpts []connectwise.Option, opts []psasync.Option) (*psasync.Integration, error) {
	out := p.out
	p.step("Test connection")
	su, err := psasync.NewSetup(store, customerID, cwOpts...)
	if err != nil {
		return nil, err
	}
	if err := su.UpdateSettings(s); err != nil {
		return nil, err
	}
	info, err := su.TestConnection(ctx)
	if err != nil {
		return nil, err
	}
	where := "on-premise"
	if info.IsCloud {
		where = "cloud"
	}
	fmt.Fprintf(out, "  connected: ConnectWise PSA %s (%s)\n", info.Version, where)

	p.step("Check the API member's security role")
	rep, err := su.CheckAccess(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "  %d rights checked, %d missing\n", len(rep.Checks), len(rep.Missing()))
	for _, c := range rep.Missing() {
		fmt.Fprintf(out, "  missing: %s (%s)\n", c, c.Impact)
	}
	if !rep.OK() {
		return nil, rep.Err()
	}

	p.step("Save settings")
	pc, err := su.Save(ctx)
	if err != nil {
		return nil, err
	}
	saved, err := psasync.LoadSettings(ctx, store, customerID)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "  saved company %q (private key %s)\n", saved.CompanyID, strings.Repeat("*", 8))
	in, err := psasync.New(hc, pc, store, customerID, opts...)
	if err != nil {
		return nil, err
	}

	p.step("Provision boards")
	prov, err := in.ProvisionBoards(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range prov.Boards {
		fmt.Fprintf(out, "  %-28s %s\n", b.Board, summarizeCreated(b.Created))
	}

	p.step("Configure ticket settings")
	for _, b := range psasync.Boards() {
		bc, err := in.ConfigureBoard(ctx, b, psasync.DefaultBoardSettings(b))
		if err != nil {
			return nil, err
		}
		s := bc.Settings
		line := fmt.Sprintf("  %-28s status on creation %s", b, s.Status.Name)
		if s.UpdateStatus.Name != "" {
			line += ", on update " + s.UpdateStatus.Name + ", closed with " + s.Close.Name
		}
		fmt.Fprintf(out, "%s; %d module types\n", line, len(bc.Routes))
	}
	return in, nil
}

// summarizeCreated turns ["board", "status New", "type CPU", ...] into
// "created board, 2 statuses, 7 types, 7 subtypes".
func summarizeCreated(created []string) string {
	if len(created) == 0 {
		return "already provisioned"
	}
	counts := map[string]int{}
	var order []string
	for _, c := range created {
		kind, _, _ := strings.Cut(c, " ")
		if counts[kind] == 0 {
			order = append(order, kind)
		}
		counts[kind]++
	}
	var parts []string
	for _, k := range order {
		switch n := counts[k]; {
		case k == "board":
			parts = append(parts, "board")
		case k == "status":
			parts = append(parts, fmt.Sprintf("%d statuses", n))
		default:
			parts = append(parts, fmt.Sprintf("%d %ss", n, k))
		}
	}
	return "created " + strings.Join(parts, ", ")
}

// customers maps the reseller's customers as Sync Customers proposes, or,
// for a customer-level account, the account's own customer to mapCompany.
func customers(ctx context.Context, p *printer, in *psasync.Integration, customerID, mapCompany string) error {
	out := p.out
	p.step("Sync customers")
	cs, err := in.SyncCustomers(ctx)
	if errors.Is(err, psasync.ErrNotReseller) {
		if mapCompany == "" {
			return fmt.Errorf("%w; set CW_MAP_COMPANY_ID to the PSA company id for this customer", err)
		}
		id, perr := strconv.Atoi(mapCompany)
		if perr != nil {
			return fmt.Errorf("CW_MAP_COMPANY_ID %q is not a numeric PSA company id", mapCompany)
		}
		if err := in.MapCustomer(ctx, customerID, id); err != nil {
			return err
		}
		fmt.Fprintf(out, "  customer %s mapped to PSA company %d\n", customerID, id)
		return nil
	}
	if err != nil {
		return err
	}
	for _, m := range cs.Proposals() {
		fmt.Fprintf(out, "  %-22s → %s (%s), score %.2f\n", m.Customer.Name, m.Proposed.Name, m.Proposed.Identifier, m.Score)
	}
	for _, m := range cs.Unmatched() {
		fmt.Fprintf(out, "  %-22s → no matching PSA company: not mapped, no tickets\n", m.Customer.Name)
	}
	if err := in.Accept(ctx, cs.Proposals()...); err != nil {
		return err
	}
	ms, err := in.Mappings(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d customers mapped\n", len(ms))
	return nil
}

func syncOnce(ctx context.Context, p *printer, in *psasync.Integration, title string) error {
	p.step(title)
	rep, err := in.Run(ctx)
	p.table(rep)
	return err
}

// printer numbers the steps and prints progress and summaries.
type printer struct {
	out io.Writer
	n   int
}

func newPrinter(out io.Writer) *printer { return &printer{out: out} }

func (p *printer) step(title string) {
	p.n++
	fmt.Fprintf(p.out, "\n%d. %s\n", p.n, title)
}

// progress is psasync's progress callback; it is never called concurrently.
func (p *printer) progress(pr flow.Progress) {
	fmt.Fprintf(p.out, "  %-28s %d/%d %s\n", pr.Step, pr.Done, pr.Total, pr.Key)
}

func (p *printer) table(rep *psasync.Report) {
	if rep == nil || len(rep.Boards) == 0 {
		return
	}
	fmt.Fprintln(p.out)
	tw := tabwriter.NewWriter(p.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  Board\tAlerts\tCreated\tUpdated\tReopened\tClosed\tUnchanged\tLeft closed\tFailed\tAuto-close")
	for _, br := range rep.Boards {
		t := br.Tickets
		auto := "never"
		if br.Board == psasync.BoardOperations {
			auto = "yes"
			if !br.AutoClose {
				auto = "skipped"
			}
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", br.Board, br.Alerts, t.Created, t.Updated, t.Reopened, t.Closed, t.Unchanged, br.Skipped, len(t.Failed), auto)
	}
	_ = tw.Flush()
	for _, err := range rep.Errors {
		fmt.Fprintf(p.out, "  problem: %v\n", err)
	}
}
