package leakcheck_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/infima/psabilling"
	"github.com/psabridge/psabridge/internal/simkit/simkittest"
	"github.com/psabridge/psabridge/internal/testnet"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// do is must for a step that returns only an error.
func do(sc *scanner, where string, f func() error) {
	sc.t.Helper()
	must(sc, where, func() (any, error) { return nil, f() })
}

// refused is step for a step that has to fail.
func refused[T any](sc *scanner, where string, f func() (T, error)) error {
	sc.t.Helper()
	_, err := step(sc, where, f)
	if err == nil {
		sc.t.Errorf("%s: succeeded, want an error", where)
	}
	return err
}

// The examples' run functions live in package main and cannot be imported,
// so each test below replays its example's flow through the library with
// the fake secrets, every client logging to the scanner, and every result,
// report and error scanned.

// TestPSATourFlowLeaksNothing replays examples/psa-tour.
func TestPSATourFlowLeaksNothing(t *testing.T) {
	sc := newScanner(t)
	defer sc.wantLogs()
	ctx := context.Background()
	psa := newPSASim(t)
	c := must(sc, "NewClient", func() (*connectwise.Client, error) { return connectwise.NewClient(psa.config(), fast(sc.log)...) })

	must(sc, "System.Info", func() (*connectwise.Response, error) { _, r, err := c.System.Info(ctx); return r, err })
	me := must(sc, "System.Me", func() (*connectwise.Member, error) { v, _, err := c.System.Me(ctx); return v, err })
	rep := must(sc, "CheckAccess", func() (*connectwise.AccessReport, error) {
		return c.CheckAccess(ctx, []connectwise.Requirement{
			{Module: "Service Desk", Function: "Service Tickets", Rights: []connectwise.Right{connectwise.RightAdd, connectwise.RightEdit, connectwise.RightInquire}},
		})
	})
	sc.err("AccessReport.Err", rep.Err())
	var board connectwise.Board
	var open, closed connectwise.BoardStatus
	for b, err := range c.Boards.All(ctx, nil) {
		sc.value("Boards.All", b)
		sc.err("Boards.All", err)
		if b.ID != me.ServiceDefaultBoard.ID {
			continue
		}
		board = b
		for st, err := range c.Boards.AllStatuses(ctx, b.ID, nil) {
			sc.value("Boards.AllStatuses", st)
			sc.err("Boards.AllStatuses", err)
			if st.DefaultFlag {
				open = st
			}
			if st.ClosedStatus && closed.ID == 0 {
				closed = st
			}
		}
	}
	cos := must(sc, "Companies.List", func() ([]connectwise.Company, error) {
		v, _, err := c.Companies.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("deletedFlag = ?", false), PageSize: 10})
		return v, err
	})
	tk := must(sc, "Tickets.Create", func() (*connectwise.Ticket, error) {
		v, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: "leakcheck", Board: connectwise.Ref{ID: board.ID}, Status: connectwise.Ref{ID: open.ID}, Company: connectwise.Ref{ID: cos[0].ID}})
		return v, err
	})
	must(sc, "Tickets.CreateNote", func() (*connectwise.Note, error) {
		v, _, err := c.Tickets.CreateNote(ctx, tk.ID, &connectwise.Note{Text: "checked", InternalAnalysisFlag: true})
		return v, err
	})
	must(sc, "Tickets.Close", func() (*connectwise.Ticket, error) {
		v, _, err := c.Tickets.Close(ctx, tk.ID, connectwise.Ref{ID: closed.ID})
		return v, err
	})

	// The tour's failure paths: permission removed, keys revoked.
	psa.RevokePermission("Service Tickets")
	refused(sc, "Tickets.Get without the permission", func() (*connectwise.Ticket, error) { v, _, err := c.Tickets.Get(ctx, tk.ID); return v, err })
	psa.RevokeCredentials()
	refused(sc, "System.Info with revoked keys", func() (*connectwise.SystemInfo, error) { v, _, err := c.System.Info(ctx); return v, err })
}

// TestHeimdalPSAFlowLeaksNothing replays examples/heimdal-psa: test
// connection, access check, save, provision, configure, customer sync,
// two syncs; then the same integration with a revoked PSA key and a
// rejected Heimdal key.
func TestHeimdalPSAFlowLeaksNothing(t *testing.T) {
	sc := newScanner(t)
	defer sc.wantLogs()
	ctx := context.Background()
	psa := newPSASim(t)
	hd := simkittest.Serve(t, heimdaltest.NewServer(heimdaltest.WithAPIKey(heimdalKey)))

	hc := must(sc, "heimdal.NewClient", func() (*heimdal.Client, error) {
		return heimdal.NewClient(heimdalKey, append(hd.ClientOptions(), heimdal.WithLogger(sc.log))...)
	})
	store := flow.NewMemoryStore()
	su := must(sc, "psasync.NewSetup", func() (*psasync.Setup, error) {
		return psasync.NewSetup(store, heimdaltest.ResellerID, fast(sc.log)...)
	})
	s := psa.settings()

	// A wrong private key first: TestConnection's error must not carry
	// either the wrong key or the right one.
	wrong := s
	wrong.PrivateKey = psaPrivate + "-WRONG"
	do(sc, "UpdateSettings (wrong key)", func() error { return su.UpdateSettings(wrong) })
	refused(sc, "TestConnection (wrong key)", func() (*connectwise.SystemInfo, error) { return su.TestConnection(ctx) })
	refused(sc, "Save untested", func() (*connectwise.Client, error) { return su.Save(ctx) })

	do(sc, "UpdateSettings", func() error { return su.UpdateSettings(s) })
	must(sc, "TestConnection", func() (*connectwise.SystemInfo, error) { return su.TestConnection(ctx) })
	must(sc, "CheckAccess", func() (*connectwise.AccessReport, error) { return su.CheckAccess(ctx) })
	pc := must(sc, "Save", func() (*connectwise.Client, error) { return su.Save(ctx) })
	must(sc, "LoadSettings", func() (psasync.Settings, error) { return psasync.LoadSettings(ctx, store, heimdaltest.ResellerID) })
	in := must(sc, "psasync.New", func() (*psasync.Integration, error) {
		return psasync.New(hc, pc, store, heimdaltest.ResellerID, psasync.WithConcurrency(1),
			psasync.WithProgress(func(p flow.Progress) { sc.value("progress", p) }))
	})
	must(sc, "Check", func() (*flow.CheckReport, error) { return in.Check(ctx) })
	must(sc, "ProvisionBoards", func() (*psasync.Provisioned, error) { return in.ProvisionBoards(ctx) })
	for _, b := range psasync.Boards() {
		must(sc, "ConfigureBoard "+b.String(), func() (*psasync.BoardConfig, error) {
			return in.ConfigureBoard(ctx, b, psasync.DefaultBoardSettings(b))
		})
	}
	cs := must(sc, "SyncCustomers", func() (*psasync.CustomerSync, error) { return in.SyncCustomers(ctx) })
	do(sc, "Accept", func() error { return in.Accept(ctx, cs.Proposals()...) })
	must(sc, "Mappings", func() ([]psasync.Mapping, error) { return in.Mappings(ctx) })

	disk := hd.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 97% full")
	hd.Raise(heimdaltest.GlobexID, heimdal.ModuleLAD, "alice@globex.example", "Impossible travel", "Oslo and Lima")
	hd.Raise(heimdaltest.ZorgonID, heimdal.ModuleFirewall, "ZORGON-WS01", "Firewall disabled", "unmapped: no ticket")
	must(sc, "Sync", func() (*psasync.Report, error) { return in.Run(ctx) })
	hd.Clear(disk)
	must(sc, "Sync again", func() (*psasync.Report, error) { return in.Run(ctx) })

	// Failure paths of a running integration.
	hd.InjectStatus(500, 100)
	step(sc, "Sync with Heimdal failing", func() (*psasync.Report, error) { return in.Run(ctx) })
	hd.InjectStatus(500, 0)
	psa.RevokeCredentials()
	refused(sc, "Sync with the PSA key revoked", func() (*psasync.Report, error) { return in.Run(ctx) })

	other := must(sc, "heimdal.NewClient (rotated key)", func() (*heimdal.Client, error) {
		return heimdal.NewClient(heimdalKey+"-OLD", append(hd.ClientOptions(), heimdal.WithLogger(sc.log))...)
	})
	refused(sc, "Customers.List with a rejected key", func() ([]heimdal.Customer, error) {
		v, _, err := other.Customers.List(ctx, heimdaltest.ResellerID, nil)
		return v, err
	})
}

// TestOfficeProtectFlowLeaksNothing replays examples/officeprotect-psa,
// including the emergency email sent through an SMTP server that requires
// the fake password.
func TestOfficeProtectFlowLeaksNothing(t *testing.T) {
	sc := newScanner(t)
	defer sc.wantLogs()
	ctx := context.Background()
	psa := newPSASim(t)
	mail := officeprotecttest.NewSMTPServer(officeprotecttest.WithSMTPAuth("alerts", smtpPassword))
	t.Cleanup(mail.Close)
	now := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)

	src := officeprotecttest.NewSource()
	for _, tn := range []officeprotect.Tenant{{ID: "t-acme", Name: "Acme Corp", Active: true}, {ID: "t-globex", Name: "Globex Corporation", Active: true}, {ID: "t-contoso", Name: "Contoso Ltd", Active: true}} {
		src.AddTenant(tn)
	}
	src.Add(
		officeprotect.Event{ID: "evt-1", TenantID: "t-acme", Title: "Suspicious sign-in", TriggeredAt: now.Add(-3 * time.Hour)},
		officeprotect.Event{ID: "evt-2", TenantID: "t-contoso", Title: "Sharing link", TriggeredAt: now.Add(-time.Hour)},
	)
	smtpCfg := officeprotect.SMTPConfig{Host: mail.Host, Port: mail.Port, From: "alerts@psabridge.example.com", Username: "alerts", Password: smtpPassword}
	sc.value("SMTPConfig", smtpCfg)
	n := must(sc, "NewSMTPNotifier", func() (*officeprotect.SMTPNotifier, error) { return officeprotect.NewSMTPNotifier(smtpCfg) })
	in := must(sc, "officeprotect.New", func() (*officeprotect.Integration, error) {
		return newOfficeProtect(psa.config(), src, fast(sc.log), officeprotect.WithClock(func() time.Time { return now }),
			officeprotect.WithNotifier(n), officeprotect.WithProgress(func(p flow.Progress) { sc.value("progress", p) }))
	})
	must(sc, "CheckConnection", func() (*officeprotect.ConnectionCheck, error) { return in.CheckConnection(ctx) })
	sugg := must(sc, "SuggestMappings", func() ([]officeprotect.Suggestion, error) { return in.SuggestMappings(ctx) })
	for _, s := range sugg {
		if s.Suggested.ID != 0 {
			do(sc, "SetMapping "+s.Tenant.ID, func() error { return in.SetMapping(ctx, s.Tenant.ID, s.Suggested.ID, true) })
		}
	}
	_, statuses, err := in.TicketStatuses(ctx)
	if err != nil {
		t.Fatal(sc.redact(err.Error()))
	}
	for _, st := range statuses {
		if st.ClosedStatus {
			refused(sc, "SetTicketStatus closed", func() (any, error) { return nil, in.SetTicketStatus(ctx, connectwise.Ref{ID: st.ID}) })
			break
		}
	}
	refused(sc, "SetEmergencyContact with a display name", func() (any, error) { return nil, in.SetEmergencyContact(ctx, "SOC <soc@msp.example.com>") })
	do(sc, "SetEmergencyContact", func() error { return in.SetEmergencyContact(ctx, "soc@msp.example.com") })
	must(sc, "ConfirmSetup", func() (*officeprotect.SetupResult, error) {
		return in.ConfirmSetup(ctx)
	})
	live := []officeprotect.Event{{ID: "evt-3", TenantID: "t-globex", Title: "Admin role assigned", TriggeredAt: now.Add(-time.Minute)}}
	must(sc, "Process", func() (*officeprotect.Report, error) { return in.Process(ctx, live) })
	must(sc, "Process again", func() (*officeprotect.Report, error) { return in.Process(ctx, live) })

	// Breakage: the emergency email goes out through the authenticated
	// SMTP server; then the credentials themselves are revoked.
	psa.RevokePermission("Service Tickets")
	live = append(live, officeprotect.Event{ID: "evt-4", TenantID: "t-acme", Title: "Audit log disabled", TriggeredAt: now})
	refused(sc, "Process without the permission", func() (*officeprotect.Report, error) { return in.Process(ctx, live) })
	psa.RevokeCredentials()
	refused(sc, "Process with revoked keys", func() (*officeprotect.Report, error) { return in.Process(ctx, live) })
	refused(sc, "CheckConnection with revoked keys", func() (*officeprotect.ConnectionCheck, error) { return in.CheckConnection(ctx) })
	failures, err := in.Failures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc.value("Failures", failures)
	msgs := mail.Messages()
	if len(msgs) == 0 {
		t.Fatal("no emergency email was sent: the SMTP path was not exercised")
	}
	for _, m := range msgs {
		sc.value("SMTP message", m)
		sc.text("SMTP message text", m.Text())
	}

	// A wrong SMTP password: the delivery error must not echo either one.
	bad := smtpCfg
	bad.Password = smtpPassword + "-WRONG"
	bn := must(sc, "NewSMTPNotifier (wrong password)", func() (*officeprotect.SMTPNotifier, error) { return officeprotect.NewSMTPNotifier(bad) })
	refused(sc, "Notify (wrong password)", func() (any, error) {
		return nil, bn.Notify(ctx, officeprotect.Alert{To: "soc@msp.example.com", Subject: "s", Body: "b"})
	})
}

// TestInfimaSecurity360FlowLeaksNothing replays examples/infima-security360:
// every Test Connection diagnosis, mapping suggestions stored on Asio
// sites, syncs, a key regenerated mid-run and the sync with the new key.
func TestInfimaSecurity360FlowLeaksNothing(t *testing.T) {
	sc := newScanner(t)
	defer sc.wantLogs()
	ctx := context.Background()
	inf := simkittest.Serve(t, infimatest.NewServer(infimatest.WithAPIKey(infimaKey)))
	asioSim, asioOpts := newAsioSim(t, sc)
	for _, name := range []string{"Acme Dental Group PLLC", "Blue Ridge Logistics, Inc.", "Northgate Engineering"} {
		co := asioSim.AddCompany(name)
		asioSim.AddSite(co.ID, name)
	}
	infOpts := append(inf.ClientOptions(), infima.WithLogger(sc.log))
	settings := infimasync.Settings{ServerURL: inf.URL, APIKey: infimaKey}
	opts := []infimasync.Option{infimasync.AllowLoopback(), infimasync.WithClientOptions(infOpts...)}

	// Test Connection's diagnoses, as the example shows them.
	closed := testnet.ClosedAddr(t)
	untrusted := httptest.NewUnstartedServer(nil)
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)
	// Not infOpts: their WithBaseURL would replace the server under test.
	quick := infimasync.WithClientOptions(infima.WithLogger(sc.log), infima.WithTimeout(time.Second), infima.WithRetry(0, time.Millisecond, time.Millisecond))
	for _, a := range []struct {
		what string
		s    infimasync.Settings
		opts []infimasync.Option
	}{
		{"http", infimasync.Settings{ServerURL: "http://app.infimasecapis.com", APIKey: infimaKey}, nil},
		{"path", infimasync.Settings{ServerURL: "https://app.infimasecapis.com/v1", APIKey: infimaKey}, nil},
		{"host typo", infimasync.Settings{ServerURL: "https://app.infimasecapi.com", APIKey: infimaKey}, nil},
		{"key with a line break", infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: infimaKey + "\n"}, nil},
		{"key with a leading space", infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: " " + infimaKey}, nil},
		{"key with an inner space", infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: "LEAK-INFIMA-KEY 91d4e0a6"}, nil},
		{"refused", infimasync.Settings{ServerURL: "http://" + closed, APIKey: infimaKey}, []infimasync.Option{infimasync.AllowLoopback(), quick}},
		{"untrusted TLS", infimasync.Settings{ServerURL: untrusted.URL, APIKey: infimaKey}, []infimasync.Option{infimasync.AllowLoopback(), quick}},
		{"wrong key", infimasync.Settings{ServerURL: inf.URL, APIKey: infimaKey + "-OLD"}, opts},
	} {
		sc.value("settings "+a.what, a.s)
		err := refused(sc, "TestConnection "+a.what, func() (*infima.Partner, error) { return infimasync.TestConnection(ctx, a.s, a.opts...) })
		var ce *infimasync.ConnectionError
		if !errors.As(err, &ce) {
			t.Errorf("TestConnection %s: %T, want *infimasync.ConnectionError", a.what, err)
		}
		if d := infimasync.Diagnose(err); d != nil {
			sc.err("Diagnose "+a.what, d)
		}
	}
	must(sc, "TestConnection", func() (*infima.Partner, error) { return infimasync.TestConnection(ctx, settings, opts...) })
	in := must(sc, "Settings.NewClient", func() (*infima.Client, error) { return settings.NewClient(opts...) })
	asio := must(sc, "security360.NewClient", func() (*security360.Client, error) {
		return security360.NewClient(security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret}, asioOpts...)
	})
	// The settings, key included, rest in the flow's store: sealed, so the
	// file never holds the key in clear.
	store := must(sc, "flow.Open", func() (flow.Store, error) {
		return flow.Open(filepath.Join(t.TempDir(), "state.db"), flow.WithEncryptionKey([]byte("0123456789abcdef0123456789abcdef")))
	})
	t.Cleanup(func() { store.Close() })
	do(sc, "SaveSettings", func() error { return infimasync.SaveSettings(ctx, store, settings, opts...) })
	must(sc, "LoadSettings", func() (infimasync.Settings, error) { return infimasync.LoadSettings(ctx, store, opts...) })

	var (
		mu      sync.Mutex
		rotate  bool
		rotated string
	)
	sink := infimasync.SinkFunc(func(_ context.Context, d infimasync.Delivery) error {
		sc.value("delivery", d)
		mu.Lock()
		defer mu.Unlock()
		if rotate && rotated == "" {
			rotated = inf.RotateKey()
			sc.addSecret(rotated)
		}
		return nil
	})
	syncer := must(sc, "New", func() (*infimasync.Syncer, error) {
		return infimasync.New(in, asio, store, sink, append(opts, infimasync.WithConcurrency(1), infimasync.WithProgress(func(p flow.Progress) { sc.value("progress", p) }))...)
	})
	p := must(sc, "SuggestMappings", func() (*infimasync.MappingProposal, error) { return syncer.SuggestMappings(ctx) })
	if len(p.Mappings()) == 0 {
		t.Fatal("no mapping suggested: the sync below would not exercise deliveries")
	}
	do(sc, "SaveMappings", func() error { return syncer.SaveMappings(ctx, p.Mappings()) })
	must(sc, "Mappings", func() ([]infimasync.Mapping, error) { return syncer.Mappings(ctx) })
	must(sc, "Check", func() (*flow.CheckReport, error) { return syncer.Check(ctx) })
	must(sc, "Run", func() (*infimasync.Report, error) { return syncer.Run(ctx) })
	must(sc, "Run unchanged", func() (*infimasync.Report, error) { return syncer.Run(ctx) })

	// The key is regenerated in INFIMA in the middle of a run.
	for _, m := range p.Mappings() {
		for _, email := range inf.UserEmails(m.InfimaClientID)[:1] {
			if err := inf.SetUserTraining(m.InfimaClientID, email, false, 3); err != nil {
				t.Fatal(err)
			}
		}
	}
	mu.Lock()
	rotate = true
	mu.Unlock()
	err := refused(sc, "Run with the key rotated", func() (*infimasync.Report, error) { return syncer.Run(ctx) })
	if !infima.IsKeyRejected(err) {
		t.Fatalf("Run after rotation: %s, want the rotation error", sc.redact(err.Error()))
	}
	refused(sc, "TestConnection with the old key", func() (*infima.Partner, error) { return infimasync.TestConnection(ctx, settings, opts...) })
	settings.APIKey = rotated
	in2 := must(sc, "Settings.NewClient (new key)", func() (*infima.Client, error) { return settings.NewClient(opts...) })
	s2 := must(sc, "New (new key)", func() (*infimasync.Syncer, error) { return infimasync.New(in2, asio, store, sink, opts...) })
	must(sc, "Run (new key)", func() (*infimasync.Report, error) { return s2.Run(ctx) })

	// Asio refusing the secret.
	bad := must(sc, "security360.NewClient (wrong secret)", func() (*security360.Client, error) {
		return security360.NewClient(security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret + "-OLD"}, asioOpts...)
	})
	refused(sc, "Companies.List (wrong secret)", func() ([]security360.Company, error) { v, _, err := bad.Companies.List(ctx, nil); return v, err })
}

// TestPSABillingFlowLeaksNothing runs the INFIMA → PSA billing dry run and
// apply, then both with each side's credentials refused.
func TestPSABillingFlowLeaksNothing(t *testing.T) {
	sc := newScanner(t)
	defer sc.wantLogs()
	ctx := context.Background()
	psa := newPSASim(t)
	inf := simkittest.Serve(t, infimatest.NewServer(infimatest.WithAPIKey(infimaKey)))
	cw := must(sc, "connectwise.NewClient", func() (*connectwise.Client, error) { return connectwise.NewClient(psa.config(), fast(sc.log)...) })
	in := must(sc, "infima.NewClient", func() (*infima.Client, error) {
		return infima.NewClient(infimaKey, append(inf.ClientOptions(), infima.WithLogger(sc.log))...)
	})
	var ms []psabilling.Mapping
	for _, a := range psa.Agreements() {
		if adds := psa.Additions(a.ID); len(adds) > 0 {
			ms = append(ms, psabilling.Mapping{InfimaClientID: inf.ClientIDs()[len(ms)], AgreementID: a.ID, AdditionID: adds[0].ID})
		}
		if len(ms) == 2 {
			break
		}
	}
	if len(ms) == 0 {
		t.Fatal("the PSA simulator has no agreement additions to bill")
	}
	b := must(sc, "psabilling.New", func() (*psabilling.Syncer, error) { return psabilling.New(cw, in, flow.NewMemoryStore()) })
	do(sc, "SaveMappings", func() error { return b.SaveMappings(ctx, ms) })
	must(sc, "Check", func() (*flow.CheckReport, error) { return b.Check(ctx) })
	plan := must(sc, "Plan", func() (*psabilling.Plan, error) { return b.Plan(ctx) })
	must(sc, "Apply", func() (*psabilling.Report, error) { return b.Apply(ctx, plan) })

	sc.addSecret(inf.RotateKey())
	refused(sc, "Plan with a rotated INFIMA key", func() (*psabilling.Plan, error) { return b.Plan(ctx) })
	psa.RevokeCredentials()
	refused(sc, "Apply with revoked PSA keys", func() (*psabilling.Report, error) {
		plan.Changes = append(plan.Changes, psabilling.Change{Mapping: ms[0], To: 999})
		return b.Apply(ctx, plan)
	})
}
