package psasync_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// env is a PSA simulator, a Heimdal simulator and an Integration between
// them, talking over real HTTP.
type env struct {
	cw    *cwtest.Server
	hd    *heimdaltest.Server
	store flow.Store
	opts  []psasync.Option
	in    *psasync.Integration
}

// fastPSA makes retries and Retry-After waits take milliseconds.
var fastPSA = flowtest.FastPSA()

// newSavedEnv is newEnv with the settings saved, as most steps need.
func newSavedEnv(t *testing.T, opts ...psasync.Option) *env {
	t.Helper()
	e := newEnv(t, opts...)
	e.save(t)
	return e
}

// newReadyEnv is newEnv made ready (see ready), as the sync tests start.
func newReadyEnv(t *testing.T, opts ...psasync.Option) *env {
	t.Helper()
	e := newEnv(t, opts...)
	e.ready(t)
	return e
}

func newEnv(t *testing.T, opts ...psasync.Option) *env {
	t.Helper()
	cw := cwtest.NewServer()
	t.Cleanup(cw.Close)
	hd := heimdaltest.NewServer()
	t.Cleanup(hd.Close)
	e := &env{cw: cw, hd: hd, store: flow.NewMemoryStore(), opts: opts}
	e.in = newIntegration(t, hd, cw, e.store, heimdaltest.ResellerID, opts...)
	return e
}

// restart replaces the integration by a fresh one on the same store, with
// fresh clients, as a restarted process builds it.
func (e *env) restart(t *testing.T) {
	t.Helper()
	e.in = newIntegration(t, e.hd, e.cw, e.store, heimdaltest.ResellerID, e.opts...)
}

func heimdalClient(t *testing.T, hd *heimdaltest.Server) *heimdal.Client {
	t.Helper()
	hc, err := heimdal.NewClient(hd.APIKey(), append(hd.ClientOptions(), heimdal.WithMaxRetryAfter(5*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

func newIntegration(t *testing.T, hd *heimdaltest.Server, cw *cwtest.Server, store flow.Store, customerID string, opts ...psasync.Option) *psasync.Integration {
	t.Helper()
	in, err := psasync.New(heimdalClient(t, hd), flowtest.PSAClient(t, cw), store, customerID, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func settingsOf(cw *cwtest.Server) psasync.Settings {
	c := cw.Config()
	return psasync.Settings{CompanyID: c.CompanyID, Site: c.Site, PublicKey: c.PublicKey, PrivateKey: c.PrivateKey, ClientID: c.ClientID}
}

// save goes through the settings screen: stage, test, save.
func (e *env) save(t *testing.T) {
	t.Helper()
	saveSettings(t, e.store, settingsOf(e.cw))
}

func saveSettings(t *testing.T, store flow.Store, s psasync.Settings) *connectwise.Client {
	t.Helper()
	su, err := psasync.NewSetup(store, heimdaltest.ResellerID, fastPSA...)
	if err != nil {
		t.Fatal(err)
	}
	if err := su.UpdateSettings(s); err != nil {
		t.Fatal(err)
	}
	if _, err := su.TestConnection(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := su.Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ready saves, provisions and configures the three boards with their
// defaults, and maps Acme, Globex, Initech and Umbrella (not Zorgon).
func (e *env) ready(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	e.save(t)
	if _, err := e.in.ProvisionBoards(ctx); err != nil {
		t.Fatal(err)
	}
	for _, b := range psasync.Boards() {
		if _, err := e.in.ConfigureBoard(ctx, b, psasync.DefaultBoardSettings(b)); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := e.in.SyncCustomers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.in.Accept(ctx, cs.Proposals()...); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mappings(t)); n != 4 {
		t.Fatalf("%d customers mapped, want 4: %+v", n, e.mappings(t))
	}
}

func (e *env) mappings(t *testing.T) []psasync.Mapping {
	t.Helper()
	ms, err := e.in.Mappings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func (e *env) sync(t *testing.T) *psasync.Report {
	t.Helper()
	rep, err := e.in.Run(context.Background())
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return rep
}

// tickets returns the simulator's tickets of one Heimdal board's source,
// by Heimdal key.
func (e *env) tickets(t *testing.T, b psasync.Board) map[string][]cwtest.Ticket {
	t.Helper()
	return flowtest.Tickets(e.cw, e.in.Source(b))
}

// one returns the only ticket of key on board b, failing otherwise.
func (e *env) one(t *testing.T, b psasync.Board, key string) cwtest.Ticket {
	t.Helper()
	ts := e.tickets(t, b)[key]
	if len(ts) != 1 {
		t.Fatalf("%s: key %s has %d tickets, want 1", b, key, len(ts))
	}
	return ts[0]
}

func (e *env) company(t *testing.T, identifier string) cwtest.Company {
	t.Helper()
	return seeded(t, "company "+identifier, e.cw.CompanyByIdentifier)(identifier)
}

func (e *env) board(t *testing.T, name string) cwtest.Board {
	t.Helper()
	return seeded(t, "board "+name, e.cw.BoardByName)(name)
}

// seeded wraps a simulator look-up so that a miss fails the test.
func seeded[T any](t *testing.T, what string, find func(string) (T, bool)) func(string) T {
	return func(key string) T {
		t.Helper()
		v, ok := find(key)
		if !ok {
			t.Fatalf("no %s in the PSA seed", what)
		}
		return v
	}
}

func refName(r *cwtest.Ref) string {
	if r == nil {
		return ""
	}
	return r.Name
}

// writes counts ticket writes (creates, patches, deletes, notes); lookups
// through POST .../search are reads and are not counted.
func (e *env) writes() int {
	n := 0
	for _, r := range e.cw.Requests() {
		if !strings.Contains(r.Path, "/service/tickets") || strings.HasSuffix(r.Path, "/search") {
			continue
		}
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

func cwBoard(name string) cwtest.Board { return cwtest.Board{Name: name} }

func cwStatus(name string, def, closed bool) cwtest.BoardStatus {
	return cwtest.BoardStatus{Name: name, DefaultFlag: def, ClosedStatus: closed}
}

func cwType(name string) cwtest.BoardType { return cwtest.BoardType{Name: name} }
