package leakcheck_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/internal/simkit/simkittest"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// box nests a value the ways a caller's own structs do: by value and by
// pointer, in exported fields (fmt calls their methods).
type box[T any] struct {
	Name string
	V    T
	P    *T
	S    []T
	M    map[string]T
}

// hidden nests a value in an unexported field, where fmt cannot call its
// methods and reflects instead. Only types that keep their secret behind a
// pointer or a closure survive that (the clients and integrations do); a
// config value in an unexported field of the caller's struct prints its
// fields whatever it implements, which no library can prevent.
type hidden[T any] struct{ v T }

// printed scans v alone and nested. nestedJSON also scans v nested in a
// caller's struct through slog's JSON handler (encoding/json): the config
// and settings types redact in MarshalJSON and persist only through their
// explicit MarshalJSONWithSecrets (marshal_test.go).
// hiddenGap, when set, names a known leak of v in an unexported field
// (reported, not yet fixed): that case is checked to still leak, so the
// exception goes away as soon as the gap is closed.
func printed[T any](sc *scanner, label string, v T, nestedJSON bool, hiddenGap string) {
	sc.t.Helper()
	sc.value(label, v)
	sc.value("&"+label, &v)
	b := box[T]{Name: label, V: v, P: &v, S: []T{v}, M: map[string]T{"k": v}}
	for _, verb := range verbs {
		sc.text(label+" nested by value "+verb, fmt.Sprintf(verb, b))
		sc.text(label+" nested by pointer "+verb, fmt.Sprintf(verb, &b))
	}
	if !nestedJSON {
		return
	}
	sc.value(label+" nested", b)
	hiddenCases := func(s *scanner) {
		s.value(label+" in an unexported field", hidden[T]{v})
		s.value(label+" in an unexported field, by pointer", &hidden[T]{v})
	}
	if hiddenGap == "" {
		hiddenCases(sc)
		return
	}
	ft := &fakeT{TB: sc.t}
	inner := &scanner{t: ft, needles: sc.needles}
	hiddenCases(inner)
	if !ft.failed {
		sc.t.Errorf("%s no longer leaks in an unexported field: remove the known-gap exception (%s)", label, hiddenGap)
		return
	}
	sc.t.Logf("KNOWN GAP (reported): %s in an unexported field of a caller's struct, printed with %%s or %%q: %s", label, hiddenGap)
}

// fmt's %s and %q on a pointer it cannot call methods on (an unexported
// field) fall back to printing what the pointer points to with %v,
// skipping every String and Format method; the printed forms below are
// checked in that position too, which is why secrets live behind a second
// pointer or in a closure.
// TestPrintedFormsHideSecrets prints every config, settings, credentials,
// client, integration, notifier and store value of every package with
// every fmt verb, alone and nested, and logs each with slog's text and
// JSON handlers.
func TestPrintedFormsHideSecrets(t *testing.T) {
	sc := newScanner(t)
	ctx := context.Background()

	// Plain values, exactly as a caller fills them in.
	cfg := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: psaCompany, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID}
	settings := psaSettings("api-na.myconnectwise.net")
	creds := security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret, Scope: security360.DefaultScope}
	smtpCfg := officeprotect.SMTPConfig{Host: "smtp.example.com", From: "alerts@example.com", Username: "alerts", Password: smtpPassword}
	infSettings := infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: infimaKey}

	const reflected = "fmt reflects over a plain struct in an unexported field and calls none of its methods"
	printed(sc, "connectwise.Config", cfg, true, reflected)
	printed(sc, "psasync.Settings", settings, true, reflected)
	printed(sc, "security360.Credentials", creds, true, reflected)
	printed(sc, "officeprotect.SMTPConfig", smtpCfg, true, reflected)
	printed(sc, "infimasync.Settings", infSettings, true, reflected)

	// Clients and what holds them. Integrations are taken through their
	// setup steps first so their internal state holds settings and
	// clients, as it does in production.
	psa := newPSASim(t)
	hd := simkittest.Serve(t, heimdaltest.NewServer(heimdaltest.WithAPIKey(heimdalKey)))
	_, asioOpts := newAsioSim(t, sc)

	cw := need(sc, "connectwise.NewClient", func() (*connectwise.Client, error) { return connectwise.NewClient(psa.config(), fast(sc.log)...) })
	must(sc, "connectwise System.Info", func() (*connectwise.SystemInfo, error) { v, _, err := cw.System.Info(ctx); return v, err })
	hc := need(sc, "heimdal.NewClient", func() (*heimdal.Client, error) {
		return heimdal.NewClient(heimdalKey, append(hd.ClientOptions(), heimdal.WithLogger(sc.log))...)
	})
	ic := need(sc, "infima.NewClient", func() (*infima.Client, error) {
		return infima.NewClient(infimaKey, infima.WithBaseURL("https://app.infimasecapis.com"))
	})
	ac := need(sc, "security360.NewClient", func() (*security360.Client, error) { return security360.NewClient(creds, asioOpts...) })
	must(sc, "security360 Companies.List", func() ([]security360.Company, error) { v, _, err := ac.Companies.List(ctx, nil); return v, err })

	store := flow.NewMemoryStore()
	su := need(sc, "psasync.NewSetup", func() (*psasync.Setup, error) {
		return psasync.NewSetup(store, heimdaltest.ResellerID, fast(sc.log)...)
	})
	psSettings := psa.settings()
	must(sc, "psasync UpdateSettings", func() (any, error) { return nil, su.UpdateSettings(psSettings) })
	must(sc, "psasync TestConnection", func() (*connectwise.SystemInfo, error) { return su.TestConnection(ctx) })
	pc := must(sc, "psasync Save", func() (*connectwise.Client, error) { return su.Save(ctx) })
	// Stage a second set so pending, tested and saved all hold settings.
	psSettings.ClientID += "-2"
	must(sc, "psasync UpdateSettings again", func() (any, error) { return nil, su.UpdateSettings(psSettings) })
	in := need(sc, "psasync.New", func() (*psasync.Integration, error) { return psasync.New(hc, pc, store, heimdaltest.ResellerID) })

	notifier := need(sc, "officeprotect.NewSMTPNotifier", func() (*officeprotect.SMTPNotifier, error) { return officeprotect.NewSMTPNotifier(smtpCfg) })
	op := need(sc, "newOfficeProtect", func() (*officeprotect.Integration, error) {
		return newOfficeProtect(psa.config(), officeprotecttest.NewSource(), fast(sc.log), officeprotect.WithNotifier(notifier))
	})
	must(sc, "officeprotect CheckConnection", func() (*officeprotect.ConnectionCheck, error) { return op.CheckConnection(ctx) })

	flowStore := flow.NewMemoryStore()
	if err := infimasync.SaveSettings(ctx, flowStore, infSettings); err != nil {
		t.Fatal(err)
	}
	syncer := need(sc, "infimasync.New", func() (*infimasync.Syncer, error) {
		return infimasync.New(ic, ac, flowStore, infimasync.SinkFunc(func(context.Context, infimasync.Delivery) error { return nil }))
	})
	ts := need(sc, "ticketsync.New", func() (*ticketsync.Syncer, error) { return ticketsync.New(cw, ticketsync.Policy{Source: "leakcheck"}) })
	infClient := need(sc, "infSettings.NewClient", func() (*infima.Client, error) { return infSettings.NewClient() })

	printed(sc, "*connectwise.Client", cw, true, "")
	printed(sc, "*heimdal.Client", hc, true, "")
	printed(sc, "heimdal.Client", *hc, true, "")
	printed(sc, "*infima.Client", ic, true, "")
	printed(sc, "infima.Client", *ic, true, "")
	printed(sc, "*infima.Client from infimasync.Settings", infClient, true, "")
	printed(sc, "*security360.Client", ac, true, "")
	printed(sc, "*psasync.Integration", in, true, "")
	printed(sc, "*psasync.Setup", su, true, "")
	printed(sc, "*officeprotect.SMTPNotifier", notifier, true, "")
	printed(sc, "*officeprotect.Integration", op, true, "")
	printed(sc, "*infimasync.Syncer", syncer, true, "")
	printed(sc, "*flow.MemoryStore holding INFIMA settings", flowStore, true, "")
	printed(sc, "*ticketsync.Syncer", ts, true, "")
	if saved, err := psasync.LoadSettings(ctx, store, heimdaltest.ResellerID); err == nil {
		printed(sc, "psasync.LoadSettings()", saved, false, "")
	} else {
		t.Fatal(err)
	}

	// Without this a broken scanner would pass everything.
	if sc.scanned < 500 {
		t.Fatalf("only %d texts scanned", sc.scanned)
	}
}

// TestScannerCatchesLeaks proves the scanner itself works: each fake
// secret, whole, cut short or as its tail, is reported.
func TestScannerCatchesLeaks(t *testing.T) {
	for _, sec := range staticSecrets() {
		texts := []string{sec, "x " + strings.ToUpper(sec) + " y"}
		if strings.HasPrefix(sec, "LEAK-") {
			texts = append(texts, sec[:len(sec)-1], sec[len(sec)-8:])
		}
		for _, text := range texts {
			ft := &fakeT{TB: t}
			sc := &scanner{t: ft}
			sc.addSecret(sec)
			sc.text("probe", text)
			if !ft.failed {
				t.Errorf("scanner missed %q in %q", sec, text)
			}
		}
	}
}

// fakeT records failures instead of failing the real test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Helper()               {}

// TestResponsesCarryNoCredential prints the request inside each client's
// returned *Response, which callers log when a call surprises them.
func TestResponsesCarryNoCredential(t *testing.T) {
	ctx := context.Background()
	psa := newPSASim(t)
	hd := simkittest.Serve(t, heimdaltest.NewServer(heimdaltest.WithAPIKey(heimdalKey)))
	inf := simkittest.Serve(t, infimatest.NewServer(infimatest.WithAPIKey(infimaKey)))

	cases := []struct {
		name string
		gap  string
		req  func(sc *scanner) *http.Request
	}{
		{"connectwise", "", func(sc *scanner) *http.Request {
			c := need(sc, "connectwise.NewClient", func() (*connectwise.Client, error) { return connectwise.NewClient(psa.config(), fast(sc.log)...) })
			return need(sc, "connectwise System.Info", func() (*connectwise.Response, error) { _, r, err := c.System.Info(ctx); return r, err }).Request
		}},
		{"heimdal", "", func(sc *scanner) *http.Request {
			c := need(sc, "heimdal.NewClient", func() (*heimdal.Client, error) { return heimdal.NewClient(heimdalKey, hd.ClientOptions()...) })
			return need(sc, "heimdal Customers.List", func() (*heimdal.Response, error) {
				_, r, err := c.Customers.List(ctx, heimdaltest.ResellerID, nil)
				return r, err
			}).Request
		}},
		{"infima", "", func(sc *scanner) *http.Request {
			c := need(sc, "infima.NewClient", func() (*infima.Client, error) { return infima.NewClient(infimaKey, inf.ClientOptions()...) })
			return need(sc, "infima Partner.Get", func() (*infima.Response, error) { _, r, err := c.Partner.Get(ctx); return r, err }).Request
		}},
		{"security360", "", func(sc *scanner) *http.Request {
			_, opts := newAsioSim(t, sc)
			c := need(sc, "security360.NewClient", func() (*security360.Client, error) {
				return security360.NewClient(security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret}, opts...)
			})
			return need(sc, "security360 Companies.List", func() (*security360.Response, error) { _, r, err := c.Companies.List(ctx, nil); return r, err }).Request
		}},
	}
	// The request is printed with a context of its own: fmt walks every
	// field, and the request's context is a cancelCtx the transport's
	// read loop may still be cancelling after the call returned (a data
	// race in the printing, not in the client). Contexts carry no
	// credentials here; the header, URL and body fields are what is scanned.
	printable := func(r *http.Request) *http.Request { return r.WithContext(context.Background()) }
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.gap == "" {
				sc := newScanner(t)
				r := printable(c.req(sc))
				sc.value("Response.Request", r)
				sc.value("Response.Request.Header", r.Header)
				return
			}
			ft := &fakeT{TB: t}
			sc := newScanner(t)
			r := printable(c.req(sc))
			inner := &scanner{t: ft, needles: sc.needles}
			inner.value("Response.Request", r)
			inner.value("Response.Request.Header", r.Header)
			if !ft.failed {
				t.Errorf("no longer leaks: remove the known-gap exception (%s)", c.gap)
				return
			}
			t.Logf("KNOWN GAP (reported): %s", c.gap)
		})
	}
}
