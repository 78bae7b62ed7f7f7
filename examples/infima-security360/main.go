// Command infima-security360 walks through the INFIMA → ConnectWise
// Security 360 integration as an administrator meets it: Test Connection
// (with each failure the setup guide's FAQ describes), mapping INFIMA
// clients to Asio sites, the initial sync, what the Security 360 Training
// screen then shows, a later sync that sends only changes, and a key
// regenerated in INFIMA.
//
// Without environment variables it runs on the embedded INFIMA and Asio
// simulators, so it works anywhere:
//
//	go run ./examples/infima-security360
//
// INFIMA_API_KEY selects a real INFIMA partner (INFIMA_BASE_URL overrides the
// server, as examples/sandbox prints it); ASIO_CLIENT_ID and
// ASIO_CLIENT_SECRET select a real Asio (ASIO_BASE_URL overrides the
// server). Against a real Asio, mappings are kept in memory unless
// ASIO_WRITE_MAPPINGS=1 allows writing them into the sites' externalIds.
// Security 360's ingestion API is not public, so deliveries always land in a
// local stand-in for the Training screen, printed as tables.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/security360test"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "infima-security360:", err)
		os.Exit(1)
	}
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
	in       *infima.Client
	asio     *security360.Client
	store    infimasync.MappingStore
	training *security360test.Store
	state    *memState
	today    time.Time
	// showProgress prints progress lines (initial sync only); afterDeliver
	// runs after each delivery (the rotation step uses it). Both are set
	// between runs only.
	showProgress bool
	afterDeliver func()
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	d := &demo{out: out, training: security360test.NewStore(), state: &memState{m: map[infimasync.StateKey]string{}}, today: time.Now().UTC()}
	if err := d.setUpINFIMA(getenv); err != nil {
		return err
	}
	defer d.close()
	if err := d.setUpAsio(getenv); err != nil {
		return err
	}

	section(out, "1. Test Connection")
	if err := d.testConnection(ctx); err != nil {
		return err
	}
	section(out, "2. Map INFIMA clients to Asio sites")
	mappings, err := d.mapClients(ctx)
	if err != nil {
		return err
	}
	section(out, "3. Initial sync")
	syncer, err := d.newSyncer(d.in)
	if err != nil {
		return err
	}
	d.showProgress = true
	rep, err := syncer.Run(ctx)
	d.showProgress = false
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s\n", summary(rep))
	fmt.Fprintf(out, "  At the INFIMA client's default 5 requests/s these %d requests take about %s; the setup guide allows 15 minutes.\n",
		rep.APICalls, (time.Duration(rep.APICalls) * time.Second / 5).Round(time.Second))

	section(out, "4. The Security 360 Training screen")
	d.tables(mappings)

	section(out, "5. Later syncs send only changes")
	if err := d.laterSyncs(ctx, syncer, mappings); err != nil {
		return err
	}

	section(out, "6. The API key is regenerated in INFIMA")
	return d.rotate(ctx, syncer, mappings)
}

// newSyncer builds the sync. The state store outlives it, so a Syncer
// built after the key is re-pasted knows what was already delivered.
func (d *demo) newSyncer(in *infima.Client) (*infimasync.Syncer, error) {
	return infimasync.NewSyncer(in, d.store, d.sink(),
		infimasync.WithStateStore(d.state),
		// One client at a time keeps the demo's output in a stable order;
		// the default reads four at once.
		infimasync.WithConcurrency(1),
		infimasync.WithProgress(func(p infimasync.Progress) {
			if d.showProgress {
				fmt.Fprintf(d.out, "  [%d/%d] %s → %s: %d sent, %d without data\n",
					p.Done, p.Total, p.Mapping.ClientName, p.Mapping.SiteName, p.Delivered, p.Empty)
			}
		}))
}

// memState keeps delivery fingerprints across Syncers; a real deployment
// would keep them in its database.
type memState struct {
	mu sync.Mutex
	m  map[infimasync.StateKey]string
}

// Load returns a copy of the fingerprints.
func (s *memState) Load(context.Context) (map[infimasync.StateKey]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[infimasync.StateKey]string, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out, nil
}

// Save records one fingerprint.
func (s *memState) Save(_ context.Context, k infimasync.StateKey, fp string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = fp
	return nil
}

func (d *demo) close() {
	if d.inf != nil {
		d.inf.Close()
	}
	if d.asioSim != nil {
		d.asioSim.Close()
	}
}

func section(out io.Writer, title string) { fmt.Fprintf(out, "\n== %s\n", title) }

func (d *demo) setUpINFIMA(getenv func(string) string) error {
	key := getenv("INFIMA_API_KEY")
	if key == "" {
		d.inf = infimatest.NewServer(infimatest.WithClock(func() time.Time { return simToday }))
		d.today = simToday
		d.settings = infimasync.Settings{ServerURL: d.inf.URL, APIKey: d.inf.APIKey()}
		// The simulator is on loopback over http; a production setup accepts
		// only https://app.infimasecapis.com.
		d.opts = []infimasync.Option{infimasync.AllowLoopback(), infimasync.WithClientOptions(d.inf.ClientOptions()...)}
		fmt.Fprintf(d.out, "INFIMA: embedded simulator at %s (set INFIMA_API_KEY for a real partner)\n", d.inf.URL)
	} else {
		d.settings = infimasync.Settings{ServerURL: cmp.Or(getenv("INFIMA_BASE_URL"), infimasync.ServerURL), APIKey: key}
		if base := getenv("INFIMA_BASE_URL"); base != "" {
			d.opts = append(d.opts, infimasync.AllowServerURL(base))
		}
		fmt.Fprintf(d.out, "INFIMA: %s\n", d.settings.ServerURL)
	}
	return nil
}

func (d *demo) setUpAsio(getenv func(string) string) error {
	creds := security360.Credentials{ClientID: getenv("ASIO_CLIENT_ID"), ClientSecret: getenv("ASIO_CLIENT_SECRET")}
	var opts []security360.Option
	if creds.ClientID == "" && creds.ClientSecret == "" {
		// The default seed (Acme Corp, Globex...) matches none of INFIMA's
		// simulated clients; this option adds the partner's customers the
		// way they are typically named in Asio.
		d.asioSim = security360test.NewServer(security360test.WithINFIMAClientCompanies())
		creds = d.asioSim.Credentials()
		opts = d.asioSim.ClientOptions()
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
	switch {
	case d.asioSim != nil || getenv("ASIO_WRITE_MAPPINGS") == "1":
		d.store = infimasync.NewSiteExternalIDStore(asio, "")
	default:
		d.store = infimasync.NewMemoryStore()
		fmt.Fprintln(d.out, "        mappings stay in memory (ASIO_WRITE_MAPPINGS=1 writes them to the sites' externalIds)")
	}
	return nil
}

// sink writes into the local stand-in for the Training screen: Security
// 360's ingestion API is not public.
func (d *demo) sink() infimasync.Sink {
	return infimasync.SinkFunc(func(_ context.Context, del infimasync.Delivery) error {
		d.training.Put(del.SiteKey(), string(del.Kind), del.Payload)
		if d.afterDeliver != nil {
			d.afterDeliver()
		}
		return nil
	})
}

// testConnection shows each failure Test Connection diagnoses, then the
// configured settings.
func (d *demo) testConnection(ctx context.Context) error {
	key := d.settings.APIKey
	closed, err := closedPort()
	if err != nil {
		return err
	}
	silent, stopSilent, err := silentListener()
	if err != nil {
		return err
	}
	defer stopSilent()
	untrusted := httptest.NewUnstartedServer(nil)
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0)
	untrusted.StartTLS()
	defer untrusted.Close()

	// Only the silent listener needs a short timeout to show its diagnosis
	// quickly; refused connections and TLS failures end on their own, and a
	// short timeout there would misdiagnose them on a slow machine.
	quick := infimasync.WithClientOptions(infima.WithTimeout(300*time.Millisecond), infima.WithRetry(0, time.Millisecond, time.Millisecond))
	patient := infimasync.WithClientOptions(infima.WithTimeout(30*time.Second), infima.WithRetry(0, time.Millisecond, time.Millisecond))
	type attempt struct {
		what string
		s    infimasync.Settings
		opts []infimasync.Option
	}
	attempts := []attempt{
		{"http:// instead of https://", infimasync.Settings{ServerURL: "http://app.infimasecapis.com", APIKey: key}, nil},
		{"a path after the host", infimasync.Settings{ServerURL: "https://app.infimasecapis.com/v1", APIKey: key}, nil},
		{"a typo in the host", infimasync.Settings{ServerURL: "https://app.infimasecapi.com", APIKey: key}, nil},
		{"key pasted with a line break", infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: key + "\n"}, nil},
		{"firewall refuses the connection", infimasync.Settings{ServerURL: "https://" + closed, APIKey: key}, []infimasync.Option{infimasync.AllowLoopback(), patient}},
		{"firewall drops the traffic", infimasync.Settings{ServerURL: "http://" + silent, APIKey: key}, []infimasync.Option{infimasync.AllowLoopback(), quick}},
		{"proxy inspects TLS", infimasync.Settings{ServerURL: untrusted.URL, APIKey: key}, []infimasync.Option{infimasync.AllowLoopback(), patient}},
	}
	if d.inf != nil {
		// Only the simulator is sent a wrong key on purpose.
		attempts = append(attempts, attempt{"a key that is not the current one", infimasync.Settings{ServerURL: d.settings.ServerURL, APIKey: "infima_sim_not-the-current-key"}, d.opts})
	}
	for _, a := range attempts {
		_, err := infimasync.TestConnection(ctx, a.s, a.opts...)
		var ce *infimasync.ConnectionError
		if !errors.As(err, &ce) {
			return fmt.Errorf("test connection with %s: expected a diagnosis, got %v", a.what, err)
		}
		fmt.Fprintf(d.out, "  ✗ %-34s [%s] %s\n", a.what, ce.Cause, firstSentence(ce))
	}
	p, err := infimasync.TestConnection(ctx, d.settings, d.opts...)
	if err != nil {
		return fmt.Errorf("the configured INFIMA settings fail Test Connection: %w", err)
	}
	fmt.Fprintf(d.out, "  ✓ %-34s connected as partner %q (%d dashboard admins)\n", "the configured settings", p.Name, len(p.Admins))
	if d.in, err = d.settings.NewClient(d.opts...); err != nil {
		return err
	}
	return nil
}

// firstSentence keeps a diagnosis to one line: the field and the advice up
// to the first colon or semicolon, where the details start.
func firstSentence(ce *infimasync.ConnectionError) string {
	s := ce.Advice
	if i := strings.IndexAny(s, ";"); i > 0 {
		s = s[:i]
	}
	if ce.Field != "" {
		s = ce.Field + " " + s
	}
	return s
}

func closedPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// silentListener accepts connections and never answers, like a firewall
// that swallows traffic.
func silentListener() (addr string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return l.Addr().String(), func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}, nil
}

// mapClients suggests mappings, lets "a person" settle the ambiguous one,
// and saves the result.
func (d *demo) mapClients(ctx context.Context) ([]infimasync.Mapping, error) {
	existing, err := d.store.Load(ctx)
	if err != nil {
		return nil, err
	}
	p, err := infimasync.SuggestMappings(ctx, d.in, d.asio, existing)
	if err != nil {
		return nil, err
	}
	tw := tabwriter.NewWriter(d.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  INFIMA client\tAsio site\tscore")
	for _, m := range p.Existing {
		fmt.Fprintf(tw, "  %s\t%s\talready mapped\n", m.ClientName, m.SiteName)
	}
	for _, s := range p.Matches {
		fmt.Fprintf(tw, "  %s\t%s\t%.2f\n", s.Client.Name, s.Site.Name(), s.Score)
	}
	tw.Flush()
	names := func(cs []infima.Company) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	fmt.Fprintf(d.out, "  Unmapped INFIMA clients (%d): %s\n", len(p.UnmappedClients), strings.Join(names(p.UnmappedClients), ", "))
	var sites []string
	for _, s := range p.UnmappedSites {
		sites = append(sites, s.Name())
	}
	fmt.Fprintf(d.out, "  Unmapped Asio sites (%d): %s\n", len(sites), strings.Join(sites, ", "))
	mappings := p.Mappings()
	// Summit Family Medicine has two clinics in Asio, so no site was
	// suggested; the administrator picks the clinic that holds its staff.
	for _, c := range p.UnmappedClients {
		for _, s := range p.UnmappedSites {
			if c.Name == "Summit Family Medicine" && s.SiteName == "Summit North Clinic" {
				mappings = append(mappings, infimasync.Mapping{ClientID: c.ID, ClientName: c.Name, CompanyID: s.CompanyID, SiteID: s.SiteID, SiteName: s.Name()})
				fmt.Fprintf(d.out, "  Chosen by hand: %s → %s (two clinics matched equally)\n", c.Name, s.Name())
			}
		}
	}
	if err := d.store.Save(ctx, mappings); err != nil {
		return nil, err
	}
	saved, err := d.store.Load(ctx)
	if err != nil {
		return nil, err
	}
	where := "in memory"
	if _, ok := d.store.(*infimasync.SiteExternalIDStore); ok {
		where = fmt.Sprintf("on the Asio sites (externalIds, productId %q)", infimasync.ProductID)
	}
	fmt.Fprintf(d.out, "  Saved %d mappings %s.\n", len(saved), where)
	// Loading back fills in the site names; the client names come from
	// INFIMA.
	for i := range saved {
		for _, m := range mappings {
			if m.ClientID == saved[i].ClientID {
				saved[i].ClientName = m.ClientName
			}
		}
	}
	slices.SortFunc(saved, func(a, b infimasync.Mapping) int { return cmp.Compare(a.ClientName, b.ClientName) })
	return saved, nil
}

func summary(r *infimasync.Report) string {
	return fmt.Sprintf("%d clients synced (%d with nothing to show yet); categories: %d delivered, %d unchanged, %d empty; %d INFIMA requests.",
		r.Synced, r.NoData, r.Delivered, r.SkippedUnchanged, r.SkippedEmpty, r.APICalls)
}

// tables prints what the Training screen shows for each mapped site.
func (d *demo) tables(mappings []infimasync.Mapping) {
	latest := func(m infimasync.Mapping, k infimasync.Kind) (any, bool) {
		del, ok := d.training.Latest(m.SiteKey(), string(k))
		return del.Payload, ok
	}
	pct := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", *p)
	}
	tw := tabwriter.NewWriter(d.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(d.out, "\n  Training completion")
	fmt.Fprintln(tw, "  Site\tActive users\tOn track\tBehind\tCourses overdue\tOn-track rate")
	for _, m := range mappings {
		p, ok := latest(m, infimasync.KindTrainingStats)
		if !ok {
			fmt.Fprintf(tw, "  %s\t(no data yet)\t\t\t\t\n", m.SiteName)
			continue
		}
		ts := p.(*infima.TrainingStats)
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t%s\n", m.SiteName, ts.ActiveUsers, ts.OnTrackUsers, ts.BehindUsers, ts.CoursesBehind, pct(ts.OnTrackRate))
	}
	tw.Flush()

	fmt.Fprintln(d.out, "\n  Phishing outcomes")
	var head strings.Builder
	head.WriteString("  Site\tTests\t")
	for _, o := range infima.PhishingOutcomes {
		head.WriteString(string(o) + "\t")
	}
	fmt.Fprintln(tw, head.String()+"Click rate (12 mo)")
	for _, m := range mappings {
		p, ok := latest(m, infimasync.KindPhishingResults)
		if !ok {
			fmt.Fprintf(tw, "  %s\t(no data yet)%s\n", m.SiteName, strings.Repeat("\t", len(infima.PhishingOutcomes)+1))
			continue
		}
		pr := p.(*infima.PhishingResults)
		fmt.Fprintf(tw, "  %s\t%d\t", m.SiteName, pr.Tests)
		for _, o := range infima.PhishingOutcomes {
			fmt.Fprintf(tw, "%d\t", pr.Outcomes[o])
		}
		fmt.Fprintf(tw, "%s\n", pct(pr.ClickRateLastYear))
	}
	tw.Flush()

	const perSite = 2
	fmt.Fprintf(d.out, "\n  Upcoming courses (next %d per site)\n", perSite)
	tw = tabwriter.NewWriter(d.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  Site\tUser\tCourse\tDue")
	for _, m := range mappings {
		p, ok := latest(m, infimasync.KindCourseSchedule)
		if !ok {
			fmt.Fprintf(tw, "  %s\t(nothing scheduled)\t\t\n", m.SiteName)
			continue
		}
		overdue, shown := 0, 0
		for _, a := range p.(*infima.CourseSchedule).Assignments {
			if a.Overdue(d.today) {
				overdue++
				continue
			}
			if shown < perSite {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m.SiteName, a.Name, a.Course, a.DueDate.Format("Mon 2 Jan"))
				shown++
			}
		}
		if overdue > 0 {
			fmt.Fprintf(tw, "  %s\t\t\t(%d overdue)\n", m.SiteName, overdue)
		}
	}
	tw.Flush()
}

// laterSyncs runs the sync again: nothing changed, so nothing is sent; then
// (on the simulator) one user is judged behind, and one category is sent.
func (d *demo) laterSyncs(ctx context.Context, s *infimasync.Syncer, mappings []infimasync.Mapping) error {
	rep, err := s.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  Nothing changed:       %s\n", summary(rep))
	if d.inf == nil || len(mappings) == 0 {
		return nil
	}
	m := mappings[0]
	if err := d.fallBehind(ctx, m); err != nil {
		return err
	}
	rep, err = s.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  A user of %s fell behind: %s\n", m.ClientName, summary(rep))
	fmt.Fprintf(d.out, "  Syncer.RunEvery repeats this on a cadence (default %s).\n", infimasync.DefaultInterval)
	return nil
}

// fallBehind marks one on-track user of m's client as behind in the
// simulator, as INFIMA does when a course is not started in time.
func (d *demo) fallBehind(ctx context.Context, m infimasync.Mapping) error {
	for u, err := range d.in.Users.All(ctx, m.ClientID, &infima.UserListOptions{Status: infima.StatusActive}) {
		if err != nil {
			return err
		}
		if u.TrainingOnTrack != nil && *u.TrainingOnTrack && u.CoursesBehind == 0 {
			return d.inf.SetUserTraining(m.ClientID, u.Email, false, 0)
		}
	}
	return fmt.Errorf("%s has no user on track", m.ClientName)
}

// rotate regenerates the key in the simulator in the middle of a sync: the
// sync stops with the rotation error, Test Connection names it, and once
// the new key is pasted the next sync sends only what the stopped one did
// not.
func (d *demo) rotate(ctx context.Context, s *infimasync.Syncer, mappings []infimasync.Mapping) error {
	if d.inf == nil || len(mappings) < 3 {
		fmt.Fprintln(d.out, "  Skipped: this step regenerates the simulator's key only.")
		return nil
	}
	// Two clients change; the key is regenerated right after the first
	// change reaches the Training screen.
	for _, m := range mappings[1:3] {
		if err := d.fallBehind(ctx, m); err != nil {
			return err
		}
	}
	var once sync.Once
	var newKey string
	d.afterDeliver = func() {
		once.Do(func() {
			newKey = d.inf.RotateKey()
			fmt.Fprintln(d.out, "  ... a new key is generated in INFIMA while the sync runs; Security 360 still has the old one.")
		})
	}
	before := d.training.Len()
	rep, err := s.Run(ctx)
	d.afterDeliver = nil
	if !infima.IsKeyRejected(err) {
		return fmt.Errorf("sync with a rotated key: want the rotation error, got %v", err)
	}
	fmt.Fprintf(d.out, "  Sync stopped: %d delivered before the stop, %d clients not attempted.\n", rep.Delivered, rep.NotAttempted)
	fmt.Fprintf(d.out, "  Error: %v\n", err)
	fmt.Fprintf(d.out, "  The Training screen keeps every delivery (%d, %d from this run).\n", d.training.Len(), d.training.Len()-before)

	_, err = infimasync.TestConnection(ctx, d.settings, d.opts...)
	var ce *infimasync.ConnectionError
	if !errors.As(err, &ce) {
		return fmt.Errorf("test connection with a rotated key: %v", err)
	}
	fmt.Fprintf(d.out, "  Test Connection: [%s] %s: %s\n", ce.Cause, ce.Field, ce.Advice)

	d.settings.APIKey = newKey
	p, err := infimasync.TestConnection(ctx, d.settings, d.opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  After pasting the new key: connected as partner %q.\n", p.Name)
	in, err := d.settings.NewClient(d.opts...)
	if err != nil {
		return err
	}
	s2, err := d.newSyncer(in)
	if err != nil {
		return err
	}
	rep, err = s2.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "  Next sync: %s\n", summary(rep))
	return nil
}
