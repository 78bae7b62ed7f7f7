package officeprotect_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
)

// now is the fixed "current time" of every test.
var now = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return now.Add(-d) }

type fixture struct {
	t   *testing.T
	ctx context.Context
	psa *cwtest.Server
	src *officeprotecttest.Source
	rec *officeprotecttest.Recorder
	in  *officeprotect.Integration
	// store holds the integration's state; restart builds a fresh
	// Integration on it.
	store flow.Store
	opts  []officeprotect.Option
	// clock is what the integration reads as the time; tests move it.
	clock time.Time

	acme, globex, initech, hooli, oldco cwtest.Company
	serviceDesk, helpDesk               cwtest.Board
}

// shortRetry keeps the fewer, shorter retries these tests were written
// against, over flowtest's defaults.
var shortRetry = []connectwise.Option{
	connectwise.WithRetry(2, time.Millisecond, 2*time.Millisecond),
	connectwise.WithMaxRetryAfter(2 * time.Millisecond),
}

// fastPSA keeps retries and rate limiting from slowing tests down.
var fastPSA = flowtest.FastPSA(shortRetry...)

// psaClient is a PSA client of the simulator, as a host application
// builds one and passes it to the flow.
func psaClient(t *testing.T, psa *cwtest.Server) *connectwise.Client {
	t.Helper()
	return flowtest.PSAClient(t, psa, shortRetry...)
}

// newFixture starts a PSA simulator and an event source with four active
// tenants (Acme, Globex, Initech, Contoso) and one inactive one.
func newFixture(t *testing.T, opts ...officeprotect.Option) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), psa: cwtest.NewServer(), src: officeprotecttest.NewSource(), rec: &officeprotecttest.Recorder{}, clock: now}
	t.Cleanup(f.psa.Close)
	for _, tn := range []officeprotect.Tenant{
		{ID: "t-acme", Name: "Acme Corp", Active: true},
		{ID: "t-globex", Name: "Globex", Active: true},
		{ID: "t-initech", Name: "Initech", Active: true},
		{ID: "t-contoso", Name: "Contoso Ltd", Active: true},
		{ID: "t-gone", Name: "Gone Tenant", Active: false},
	} {
		f.src.AddTenant(tn)
	}
	for id, c := range map[string]*cwtest.Company{"AcmeCorp": &f.acme, "Globex": &f.globex, "Initech": &f.initech, "Hooli": &f.hooli, "OldCo": &f.oldco} {
		var ok bool
		if *c, ok = f.psa.CompanyByIdentifier(id); !ok {
			t.Fatalf("seed data has no company %s", id)
		}
	}
	for name, b := range map[string]*cwtest.Board{"Service Desk": &f.serviceDesk, "Help Desk": &f.helpDesk} {
		var ok bool
		if *b, ok = f.psa.BoardByName(name); !ok {
			t.Fatalf("seed data has no board %s", name)
		}
	}

	f.store = flow.NewMemoryStore()
	f.opts = append([]officeprotect.Option{
		officeprotect.WithClock(func() time.Time { return f.clock }),
		officeprotect.WithNotifier(f.rec),
	}, opts...)
	f.restart()
	return f
}

// restart replaces the integration by a fresh one on the same store and
// PSA, as a restarted process builds it: nothing carries over but the
// store.
func (f *fixture) restart() {
	f.t.Helper()
	in, err := officeprotect.New(psaClient(f.t, f.psa), f.src, f.store, f.opts...)
	if err != nil {
		f.t.Fatal(err)
	}
	f.in = in
}

// configure runs the guide's steps up to, not including, ConfirmSetup:
// check connection, Acme and Globex enabled, Initech disabled, Contoso
// unmapped, emergency contact set.
func (f *fixture) configure() {
	f.t.Helper()
	chk, err := f.in.CheckConnection(f.ctx)
	if err != nil || !chk.OK() {
		f.t.Fatalf("CheckConnection: %v %v", chk, err)
	}
	for _, m := range []struct {
		tenant  string
		company int
		enabled bool
	}{{"t-acme", f.acme.ID, true}, {"t-globex", f.globex.ID, true}, {"t-initech", f.initech.ID, false}} {
		if err := f.in.SetMapping(f.ctx, m.tenant, m.company, m.enabled); err != nil {
			f.t.Fatalf("SetMapping(%s): %v", m.tenant, err)
		}
	}
	if err := f.in.SetEmergencyContact(f.ctx, "soc@msp.example.com"); err != nil {
		f.t.Fatal(err)
	}
}

// confirm configures and confirms the setup, failing the test on error.
func (f *fixture) confirm() *officeprotect.SetupResult {
	f.t.Helper()
	f.configure()
	res, err := f.in.ConfirmSetup(f.ctx)
	if err != nil {
		f.t.Fatalf("ConfirmSetup: %v", err)
	}
	return res
}

func event(id, tenant string, at time.Time) officeprotect.Event {
	return officeprotect.Event{
		ID: id, TenantID: tenant, TriggeredAt: at,
		Title:       "Suspicious sign-in for " + id,
		Description: "A sign-in from an unusual location was detected for " + id + ".",
		Severity:    officeprotect.SeverityHigh, Category: "Identity",
	}
}

// tickets returns the simulator's Office Protect tickets by event id.
func (f *fixture) tickets() map[string][]cwtest.Ticket {
	out := map[string][]cwtest.Ticket{}
	for key, ts := range f.byKey() {
		// Keys are "<tenant>/<event>": the tests' event ids are unique
		// across tenants unless a test says otherwise.
		if i := strings.LastIndexByte(key, '/'); i >= 0 {
			key = key[i+1:]
		}
		out[key] = append(out[key], ts...)
	}
	return out
}

// wantFailures fails the test unless n failures are current.
func (f *fixture) wantFailures(n int, when string) {
	f.t.Helper()
	if got := f.failures(); len(got) != n {
		f.t.Fatalf("%d failures %s, want %d: %+v", len(got), when, n, got)
	}
}

// wantAlerts fails the test unless n alerts were sent.
func (f *fixture) wantAlerts(n int, when string) {
	f.t.Helper()
	if got := f.rec.Alerts(); len(got) != n {
		f.t.Fatalf("%d alerts %s, want %d: %s", len(got), when, n, kinds(got))
	}
}

// ticketCount counts every ticket in the simulator.
func (f *fixture) ticketCount() int { return len(f.psa.Tickets()) }

func (f *fixture) process(events ...officeprotect.Event) *officeprotect.Report {
	f.t.Helper()
	rep, err := f.in.Process(f.ctx, events)
	if err != nil {
		f.t.Fatalf("Process: %v (report %v)", err, rep)
	}
	return rep
}

func ids[T any](xs []T, id func(T) string) string {
	var out []string
	for _, x := range xs {
		out = append(out, id(x))
	}
	return fmt.Sprint(out)
}

func must[T any](t *testing.T, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *fixture) mappings() []officeprotect.Mapping {
	m, err := f.in.Mappings(f.ctx)
	return must(f.t, m, err)
}

func (f *fixture) status() connectwise.Ref {
	s, err := f.in.TicketStatus(f.ctx)
	return must(f.t, s, err)
}

func (f *fixture) contact() string {
	c, err := f.in.EmergencyContact(f.ctx)
	return must(f.t, c, err)
}

func (f *fixture) failures() []officeprotect.Failure {
	fs, err := f.in.Failures(f.ctx)
	return must(f.t, fs, err)
}
