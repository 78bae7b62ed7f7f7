package psasync_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// env is a PSA simulator, a Heimdal simulator and an Integration between
// them, talking over real HTTP.
type env struct {
	cw *cwtest.Server
	hd *heimdaltest.Server
	in *psasync.Integration
}

// fastPSA makes retries and Retry-After waits take milliseconds.
var fastPSA = []connectwise.Option{
	connectwise.WithRateLimit(0, 1),
	connectwise.WithRetry(8, time.Millisecond, 4*time.Millisecond),
	connectwise.WithMaxRetryAfter(5 * time.Millisecond),
}

func newEnv(t *testing.T, opts ...psasync.Option) *env {
	t.Helper()
	cw := cwtest.NewServer()
	t.Cleanup(cw.Close)
	hd := heimdaltest.NewServer()
	t.Cleanup(hd.Close)
	return &env{cw: cw, hd: hd, in: newIntegration(t, hd, heimdaltest.ResellerID, opts...)}
}

func newIntegration(t *testing.T, hd *heimdaltest.Server, customerID string, opts ...psasync.Option) *psasync.Integration {
	t.Helper()
	hc, err := heimdal.NewClient(hd.APIKey(), append(hd.ClientOptions(), heimdal.WithMaxRetryAfter(5*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	in, err := psasync.New(hc, customerID, append([]psasync.Option{psasync.WithConnectWiseOptions(fastPSA...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func settingsOf(cw *cwtest.Server) psasync.Settings {
	c := cw.Config()
	return psasync.Settings{CompanyID: c.CompanyID, Site: c.Site, PublicKey: c.PublicKey, PrivateKey: c.PrivateKey, ClientID: c.ClientID}
}

// save goes through the settings gate: stage, test, save.
func (e *env) save(t *testing.T) {
	t.Helper()
	saveSettings(t, e.in, settingsOf(e.cw))
}

func saveSettings(t *testing.T, in *psasync.Integration, s psasync.Settings) {
	t.Helper()
	if err := in.UpdateSettings(s); err != nil {
		t.Fatal(err)
	}
	if _, err := in.TestConnection(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := in.Save(); err != nil {
		t.Fatal(err)
	}
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
	if err := e.in.Accept(cs.Proposals()...); err != nil {
		t.Fatal(err)
	}
	if n := len(e.in.Mappings()); n != 4 {
		t.Fatalf("%d customers mapped, want 4: %+v", n, e.in.Mappings())
	}
}

func (e *env) sync(t *testing.T) *psasync.SyncReport {
	t.Helper()
	rep, err := e.in.Sync(context.Background())
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return rep
}

// tickets returns the simulator's tickets of one Heimdal board's source,
// by Heimdal key.
func (e *env) tickets(t *testing.T, b psasync.Board) map[string][]cwtest.Ticket {
	t.Helper()
	src := e.in.Source(b) + ":"
	out := map[string][]cwtest.Ticket{}
	for _, tk := range e.cw.Tickets() {
		rest, ok := strings.CutPrefix(tk.ExternalXRef, src)
		if !ok {
			continue
		}
		key := rest[:strings.LastIndexByte(rest, '#')]
		out[key] = append(out[key], tk)
	}
	return out
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
	co, ok := e.cw.CompanyByIdentifier(identifier)
	if !ok {
		t.Fatalf("no company %s in the PSA seed", identifier)
	}
	return co
}

func (e *env) board(t *testing.T, name string) cwtest.Board {
	t.Helper()
	b, ok := e.cw.BoardByName(name)
	if !ok {
		t.Fatalf("no board %q", name)
	}
	return b
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

type ticketsyncProgress = ticketsync.Progress

type syncReport = psasync.SyncReport
