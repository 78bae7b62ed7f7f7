// Command infima-security360 walks through the INFIMA → ConnectWise
// Security 360 integration as an administrator meets it, on a durable
// store: Test Connection, map INFIMA clients to Asio sites, Sync customers;
// then the process stops in the middle of a sync, a new one starts on the
// same store file, and its run says it resumed and delivers nothing twice.
//
// Without environment variables it runs on the embedded INFIMA and Asio
// simulators, so it works anywhere:
//
//	go run ./examples/infima-security360
//
// INFIMA_API_KEY selects a real INFIMA partner (INFIMA_BASE_URL overrides the
// server, as examples/sandbox prints it); ASIO_CLIENT_ID and
// ASIO_CLIENT_SECRET select a real Asio (ASIO_BASE_URL overrides the
// server). Mappings and delivery state live in a bbolt file in a temporary
// directory, sealed with a key made for the run. Security 360's ingestion
// API is not public, so deliveries land in a local stand-in for the Training
// screen (infimasynctest.Recorder).
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/examples/internal/exampleenv"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
	"github.com/psabridge/psabridge/security360/security360test"
)

func main() {
	exampleenv.Main("infima-security360", func(ctx context.Context) error { return run(ctx, os.Stdout, os.Getenv) })
}

// simToday fixes the INFIMA simulator's calendar so the output is the same
// on every run.
var simToday = time.Date(2025, time.June, 2, 0, 0, 0, 0, time.UTC)

// demo holds what the steps share.
type demo struct {
	out      io.Writer
	inf      *infimatest.Server // nil against a real INFIMA
	asioSim  *security360test.Server
	settings infimasync.Settings
	opts     []infimasync.Option
	asio     *security360.Client
	// training stands in for the Security 360 Training screen; it outlives
	// the "processes", as the real screen would.
	training *infimasynctest.Recorder
	path     string
	key      []byte
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	d := &demo{out: out, training: infimasynctest.NewRecorder()}
	path, remove, err := exampleenv.StateFile("", "infima-security360")
	if err != nil {
		return err
	}
	defer remove()
	d.path = path
	// A real host keeps this key in its secrets manager, never in the store.
	d.key = make([]byte, 32)
	_, _ = rand.Read(d.key)

	d.setUpINFIMA(getenv)
	defer d.close()
	if err := d.setUpAsio(getenv); err != nil {
		return err
	}
	fmt.Fprintf(out, "Store:  %s (bbolt, values sealed with AES-256-GCM)\n", filepath.Base(d.path))

	section(out, "1. Test Connection")
	if err := d.testConnection(ctx); err != nil {
		return err
	}
	section(out, "2. Map INFIMA clients to Asio sites")
	mappings, err := d.mapClients(ctx)
	if err != nil {
		return err
	}
	section(out, "3. Sync customers, stopped halfway")
	if err := d.stoppedSync(ctx, len(mappings)); err != nil {
		return err
	}
	section(out, "4. A new process on the same store")
	s, closeStore, err := d.restart(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := s.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s\n", rep)
	fmt.Fprintf(out, "  Delivered twice: %d of %d deliveries.\n", len(d.training.Duplicates()), d.training.Len())

	section(out, "5. The Security 360 Training screen")
	d.table(mappings)

	section(out, "6. Later syncs send only changes")
	return d.laterSync(ctx, s, mappings)
}

func section(out io.Writer, title string) { fmt.Fprintf(out, "\n== %s\n", title) }

func (d *demo) close() {
	if d.inf != nil {
		d.inf.Close()
	}
	if d.asioSim != nil {
		d.asioSim.Close()
	}
}

func (d *demo) setUpINFIMA(getenv func(string) string) {
	key := getenv("INFIMA_API_KEY")
	if key == "" {
		d.inf = infimatest.NewServer(infimatest.WithClock(func() time.Time { return simToday }))
		d.settings = infimasync.Settings{ServerURL: d.inf.URL, APIKey: d.inf.APIKey()}
		// The simulator is on loopback over http; a production setup accepts
		// only https://app.infimasecapis.com.
		d.opts = []infimasync.Option{infimasync.AllowLoopback(), infimasync.WithClientOptions(d.inf.ClientOptions()...)}
		fmt.Fprintf(d.out, "INFIMA: embedded simulator at %s (set INFIMA_API_KEY for a real partner)\n", d.inf.URL)
		return
	}
	d.settings = infimasync.Settings{ServerURL: cmp.Or(getenv("INFIMA_BASE_URL"), infimasync.ServerURL), APIKey: key}
	if base := getenv("INFIMA_BASE_URL"); base != "" {
		d.opts = append(d.opts, infimasync.AllowServerURL(base))
	}
	fmt.Fprintf(d.out, "INFIMA: %s\n", d.settings.ServerURL)
}

func (d *demo) setUpAsio(getenv func(string) string) error {
	creds := security360.Credentials{ClientID: getenv("ASIO_CLIENT_ID"), ClientSecret: getenv("ASIO_CLIENT_SECRET")}
	var opts []security360.Option
	if creds.ClientID == "" && creds.ClientSecret == "" {
		// The default seed (Acme Corp, Globex...) matches none of INFIMA's
		// simulated clients; the test kit adds the partner's customers the
		// way they are typically named in Asio.
		d.asioSim = security360test.NewServer()
		infimasynctest.AddINFIMAClientCompanies(d.asioSim)
		creds, opts = d.asioSim.Credentials(), d.asioSim.ClientOptions()
		fmt.Fprintf(d.out, "Asio:   embedded simulator at %s (set ASIO_CLIENT_ID and ASIO_CLIENT_SECRET for a real Asio)\n", d.asioSim.URL)
	} else if base := getenv("ASIO_BASE_URL"); base != "" {
		opts = append(opts, security360.WithBaseURL(base))
	}
	asio, err := security360.NewClient(creds, opts...)
	if err != nil {
		return err
	}
	d.asio = asio
	if d.asioSim == nil {
		fmt.Fprintf(d.out, "Asio:   %s\n", asio.BaseURL())
	}
	return nil
}

// open is what a process does at start: open the store (refused with
// flow.ErrLocked while another process holds it), load the saved settings,
// build the INFIMA client from them and the flow from the clients.
func (d *demo) open() (*infimasync.Syncer, flow.Store, error) {
	store, err := flow.Open(d.path, flow.WithEncryptionKey(d.key))
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*infimasync.Syncer, flow.Store, error) {
		store.Close()
		return nil, nil, err
	}
	set, err := infimasync.LoadSettings(context.Background(), store, d.opts...)
	if errors.Is(err, flow.ErrNotFound) {
		set = d.settings // first start: settings come from the administrator
	} else if err != nil {
		return fail(err)
	}
	in, err := set.NewClient(d.opts...)
	if err != nil {
		return fail(err)
	}
	s, err := infimasync.New(in, d.asio, store, d.training, append(slices.Clone(d.opts), infimasync.WithConcurrency(1))...)
	if err != nil {
		return fail(err)
	}
	return s, store, nil
}

// testConnection shows two diagnoses made before any request, then tests
// the configured settings and saves them in the store.
func (d *demo) testConnection(ctx context.Context) error {
	for _, bad := range []struct {
		what string
		s    infimasync.Settings
	}{
		{"http:// instead of https://", infimasync.Settings{ServerURL: "http://app.infimasecapis.com", APIKey: d.settings.APIKey}},
		{"key pasted with a line break", infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: d.settings.APIKey + "\n"}},
	} {
		_, err := infimasync.TestConnection(ctx, bad.s)
		var ce *infimasync.ConnectionError
		if !errors.As(err, &ce) {
			return fmt.Errorf("test connection with %s: expected a diagnosis, got %v", bad.what, err)
		}
		fmt.Fprintf(d.out, "  ✗ %-30s [%s] %s\n", bad.what, ce.Cause, ce.Field)
	}
	p, err := infimasync.TestConnection(ctx, d.settings, d.opts...)
	if err != nil {
		return fmt.Errorf("the configured INFIMA settings fail Test Connection: %w", err)
	}
	fmt.Fprintf(d.out, "  ✓ %-30s connected as partner %q\n", "the configured settings", p.Name)
	store, err := flow.Open(d.path, flow.WithEncryptionKey(d.key))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := infimasync.SaveSettings(ctx, store, d.settings, d.opts...); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  Settings saved (printed as %v).\n", d.settings)
	return nil
}

// mapClients suggests mappings, lets "a person" settle the ambiguous one,
// and saves the result in the store.
func (d *demo) mapClients(ctx context.Context) ([]infimasync.Mapping, error) {
	s, store, err := d.open()
	if err != nil {
		return nil, err
	}
	defer store.Close()
	p, err := s.SuggestMappings(ctx)
	if err != nil {
		return nil, err
	}
	tw := tabwriter.NewWriter(d.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  INFIMA client\tAsio site\tscore")
	for _, m := range p.Matches {
		fmt.Fprintf(tw, "  %s\t%s\t%.2f\n", m.Client.Name, m.Site.Name(), m.Score)
	}
	tw.Flush()
	mappings := p.Mappings()
	unmapped := len(p.UnmappedClients)
	// Summit Family Medicine has two clinics in Asio, so no site was
	// suggested; the administrator picks the clinic that holds its staff.
	for _, c := range p.UnmappedClients {
		for _, site := range p.UnmappedSites {
			if c.Name == "Summit Family Medicine" && site.SiteName == "Summit North Clinic" {
				mappings = append(mappings, infimasync.Mapping{InfimaClientID: c.ID, ClientName: c.Name, CompanyID: site.CompanyID, SiteID: site.SiteID})
				fmt.Fprintf(d.out, "  Chosen by hand: %s → %s (two clinics matched equally)\n", c.Name, site.Name())
				unmapped--
			}
		}
	}
	fmt.Fprintf(d.out, "  %d INFIMA clients left unmapped.\n", unmapped)
	if err := s.SaveMappings(ctx, mappings); err != nil {
		return nil, err
	}
	saved, err := s.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	for i := range saved {
		for _, m := range mappings {
			if m.InfimaClientID == saved[i].InfimaClientID {
				saved[i].ClientName = m.ClientName
			}
		}
	}
	slices.SortFunc(saved, func(a, b infimasync.Mapping) int { return cmp.Compare(a.ClientName, b.ClientName) })
	fmt.Fprintf(d.out, "  Saved %d mappings in the store.\n", len(saved))
	return saved, nil
}

// stoppedSync runs the initial sync and stops the "process" after a few
// deliveries, as a crash or a deploy would.
func (d *demo) stoppedSync(ctx context.Context, clients int) error {
	s, store, err := d.open()
	if err != nil {
		return err
	}
	defer store.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	stopAfter := 7
	if clients < 3 {
		stopAfter = 1
	}
	d.training.AfterDeliver(func(infimasync.Delivery) {
		if d.training.Len() == stopAfter {
			stop()
		}
	})
	defer d.training.AfterDeliver(nil)
	rep, err := s.Run(runCtx)
	if !errors.Is(err, context.Canceled) {
		return fmt.Errorf("stopped sync: want a stop, got %v", err)
	}
	fmt.Fprintf(d.out, "  %s\n", rep)
	fmt.Fprintf(d.out, "  The process stops here; the Training screen shows %d deliveries.\n", d.training.Len())
	return nil
}

// restart opens the store as a new process would, proving first that a
// store held by another process is refused rather than shared.
func (d *demo) restart(ctx context.Context) (*infimasync.Syncer, func(), error) {
	s, store, err := d.open()
	if err != nil {
		return nil, nil, err
	}
	_, err = flow.Open(d.path, flow.WithLockTimeout(100*time.Millisecond))
	if !errors.Is(err, flow.ErrLocked) {
		store.Close()
		return nil, nil, fmt.Errorf("a second open of a held store: want ErrLocked, got %v", err)
	}
	fmt.Fprintln(d.out, "  A second process opening the same file is refused: store is held by another process.")
	check, err := s.Check(ctx)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	for _, it := range check.Items {
		fmt.Fprintf(d.out, "  Check %-16s %-8s %s\n", it.Name, it.Status, it.Detail)
	}
	return s, func() { store.Close() }, nil
}

// table prints the training category the Training screen shows per site.
func (d *demo) table(mappings []infimasync.Mapping) {
	pct := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", *p)
	}
	tw := tabwriter.NewWriter(d.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  Site\tActive users\tBehind\tOn-track rate\tPhishing tests\tUpcoming courses")
	for _, m := range mappings {
		del, ok := d.training.Latest(m.SiteKey(), infimasync.KindTrainingStats)
		if !ok {
			fmt.Fprintf(tw, "  %s\t(no data yet)\t\t\t\t\n", m.SiteName)
			continue
		}
		ts := del.Payload.(*infimasync.TrainingStats)
		tests, courses := 0, 0
		if p, ok := d.training.Latest(m.SiteKey(), infimasync.KindPhishingResults); ok {
			tests = p.Payload.(*infimasync.PhishingResults).Tests
		}
		if c, ok := d.training.Latest(m.SiteKey(), infimasync.KindCourseSchedule); ok {
			courses = len(c.Payload.(*infimasync.CourseSchedule).Assignments)
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%d\t%d\n", m.SiteName, ts.ActiveUsers, ts.BehindUsers, pct(ts.OnTrackRate), tests, courses)
	}
	tw.Flush()
}

// laterSync runs again: on the simulator one user is judged behind first,
// so exactly one category is sent.
func (d *demo) laterSync(ctx context.Context, s *infimasync.Syncer, mappings []infimasync.Mapping) error {
	if d.inf != nil && len(mappings) > 0 {
		m := mappings[0]
		if err := d.fallBehind(ctx, m); err != nil {
			return err
		}
		fmt.Fprintf(d.out, "  A user of %s falls behind in INFIMA.\n", m.ClientName)
	}
	rep, err := s.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  %s\n", rep)
	fmt.Fprintf(d.out, "  flow.RunEvery repeats this on a cadence (say every %s) with jitter and backoff.\n", infimasync.DefaultInterval)
	return nil
}

// fallBehind marks one on-track user of m's client as behind in the
// simulator, as INFIMA does when a course is not started in time.
func (d *demo) fallBehind(ctx context.Context, m infimasync.Mapping) error {
	c, err := d.settings.NewClient(d.opts...)
	if err != nil {
		return err
	}
	for u, err := range c.Users.All(ctx, m.InfimaClientID, &infima.UserListOptions{Status: infima.StatusActive}) {
		if err != nil {
			return err
		}
		if u.TrainingOnTrack != nil && *u.TrainingOnTrack && u.CoursesBehind == 0 {
			return d.inf.SetUserTraining(m.InfimaClientID, u.Email, false, 0)
		}
	}
	return fmt.Errorf("%s has no user on track", strings.TrimSpace(m.ClientName))
}
