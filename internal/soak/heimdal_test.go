package soak_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	flowstate "github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// heimdalFlow soaks heimdal/psasync: three boards, a reseller's customers
// mapped by Sync Customers (a random subset; Zorgon never matches).
type heimdalFlow struct {
	h       *harness
	hd      *heimdaltest.Server
	ins     [2]*psasync.Integration
	wires   [2]*wire
	mapped  map[string]connectwise.Ref // customer id → company
	boards  map[psasync.Board]int      // PSA board ids
	sources map[psasync.Board]string
	raised  int
}

var heimdalCustomers = []struct{ id, short string }{
	{heimdaltest.AcmeID, "acme"},
	{heimdaltest.GlobexID, "globex"},
	{heimdaltest.InitechID, "initech"},
	{heimdaltest.UmbrellaID, "umbrella"},
	{heimdaltest.ZorgonID, "zorgon"},
}

func newHeimdalFlow(h *harness) (*heimdalFlow, error) {
	r := h.rng
	f := &heimdalFlow{h: h, hd: heimdaltest.NewServer(), mapped: map[string]connectwise.Ref{}, boards: map[psasync.Board]int{}, sources: map[psasync.Board]string{}}
	ctx := context.Background()
	retries := []int{1, 3, 6}[r.IntN(3)]
	twin := r.IntN(2) == 0
	// Each customer with a PSA match is mapped with probability 3/4; at
	// least one is.
	var accept []bool
	for range 4 {
		accept = append(accept, r.IntN(4) > 0)
	}
	if !accept[0] && !accept[1] && !accept[2] && !accept[3] {
		accept[r.IntN(4)] = true
	}

	f.wires[0] = newWire("")
	in, err := f.newIntegration(f.wires[0], retries, h.psaConfig())
	if err != nil {
		return f, err
	}
	f.ins[0] = in
	if _, err := in.ProvisionBoards(ctx); err != nil {
		return f, fmt.Errorf("ProvisionBoards: %w", err)
	}
	for _, b := range psasync.Boards() {
		bc, err := in.ConfigureBoard(ctx, b, psasync.DefaultBoardSettings(b))
		if err != nil {
			return f, fmt.Errorf("ConfigureBoard(%s): %w", b, err)
		}
		f.boards[b] = bc.Settings.Board.ID
		f.sources[b] = in.Source(b)
	}
	cs, err := in.SyncCustomers(ctx)
	if err != nil {
		return f, fmt.Errorf("SyncCustomers: %w", err)
	}
	var take []psasync.CustomerMatch
	for _, p := range cs.Proposals() {
		for i, c := range heimdalCustomers[:4] {
			if string(p.Customer.ID) == c.id && accept[i] {
				take = append(take, p)
			}
		}
	}
	if err := in.Accept(ctx, take...); err != nil {
		return f, fmt.Errorf("Accept: %w", err)
	}
	ms, err := in.Mappings(ctx)
	if err != nil {
		return f, err
	}
	for _, m := range ms {
		f.mapped[m.CustomerID] = m.Company
	}
	if len(f.mapped) != len(take) {
		return f, fmt.Errorf("%d customers mapped, want the %d accepted", len(f.mapped), len(take))
	}
	if _, ok := f.mapped[heimdaltest.ZorgonID]; ok {
		return f, errors.New("Zorgon Dynamics was mapped: it has no PSA company")
	}
	if twin {
		if err := f.addTwin(ctx, retries); err != nil {
			return f, fmt.Errorf("twin: %w", err)
		}
	}
	var sources []string
	for _, b := range psasync.Boards() {
		sources = append(sources, f.sources[b])
	}
	h.m = newModel(sources, h.cw.Tickets())
	h.res.logf("heimdal: mapped %v, twin %v, %d retries", slices.Sorted(maps.Keys(f.mapped)), twin, retries)
	return f, nil
}

func (f *heimdalFlow) newIntegration(w *wire, retries int, cfg connectwise.Config) (*psasync.Integration, error) {
	hc, err := heimdal.NewClient(f.hd.APIKey(), append(f.hd.ClientOptions(), heimdal.WithMaxRetryAfter(5*time.Millisecond))...)
	if err != nil {
		return nil, err
	}
	pc, err := connectwise.NewClient(cfg, psaOptions(w, retries)...)
	if err != nil {
		return nil, err
	}
	return psasync.New(hc, pc, flowstate.NewMemoryStore(), heimdaltest.ResellerID,
		psasync.WithProgress(func(flowstate.Progress) { w.wrote() }))
}

// addTwin sets up a second Integration of the same account, as another
// process would run it: same settings, boards and mappings, but its PSA
// client names the simulator "localhost", so ticketsync's in-process lock
// (keyed by the client's site) does not serialise it with the main one.
func (f *heimdalFlow) addTwin(ctx context.Context, retries int) error {
	cfg := f.h.psaConfig()
	u, err := url.Parse(cfg.Site)
	if err != nil {
		return err
	}
	f.wires[1] = newWire(f.h.frontAddr())
	cfg.Site = "http://localhost:" + u.Port()
	in, err := f.newIntegration(f.wires[1], retries, cfg)
	if err != nil {
		return err
	}
	for _, b := range psasync.Boards() {
		bc, err := f.ins[0].BoardConfig(ctx, b)
		if err != nil {
			return err
		}
		if _, err := in.ConfigureBoard(ctx, b, bc.Settings.BoardSettings); err != nil {
			return err
		}
	}
	for id, co := range f.mapped {
		if err := in.MapCustomer(ctx, id, co.ID); err != nil {
			return err
		}
	}
	f.ins[1] = in
	return nil
}

func (f *heimdalFlow) name() string       { return "heimdal" }
func (f *heimdalFlow) twin() bool         { return f.ins[1] != nil }
func (f *heimdalFlow) wire(p int) *wire   { return f.wires[p] }
func (f *heimdalFlow) progressHook() bool { return true }

var boardShort = map[psasync.Board]string{psasync.BoardOperations: "ops", psasync.BoardCyberAlerts: "cyber", psasync.BoardM365: "m365"}

// newAlerts is how many alerts a flow's mutate raises: a few per round;
// more on the first, and now and then more than one lookup batch (40
// keys), so that batching is exercised.
func newAlerts(r *rand.Rand, first bool) int {
	// Drawn even on the first round: a recorded seed replays its run only
	// while the order of draws stays the same.
	n := r.IntN(6)
	if !first {
		return n
	}
	n = 2 + r.IntN(12)
	if r.IntN(8) == 0 {
		n += 40
	}
	return n
}

// mutate raises new alerts on any customer (mapped or not), clears some
// and changes some (title, sometimes severity).
func (f *heimdalFlow) mutate(r *rand.Rand, first bool) {
	mods := heimdal.Modules()
	n := newAlerts(r, first)
	for range n {
		c := heimdalCustomers[r.IntN(len(heimdalCustomers))]
		mod := mods[r.IntN(len(mods))]
		b := psasync.BoardOf(mod)
		target := fmt.Sprintf("%s-pc%02d", c.short, r.IntN(6))
		if b == psasync.BoardM365 {
			target = fmt.Sprintf("user%02d@%s.example", r.IntN(6), c.short)
		}
		f.raised++
		title := fmt.Sprintf("alert-%d.v0.", f.raised)
		key := f.hd.Raise(c.id, mod, target, title, "raised by the soak")
		co, mapped := f.mapped[c.id]
		k := &keyState{
			source: f.sources[b], key: key, label: boardShort[b] + " " + key,
			autoClose: b == psasync.BoardOperations, present: true,
			allowed: mapped, company: co.ID, board: f.boards[b], title: title,
		}
		if !mapped {
			k.why = "customer " + c.id + " is not mapped"
		}
		f.h.m.add(k)
		f.h.res.events["alert-raised"]++
	}
	f.h.m.vanish(r, f.h.res, func(k *keyState) { f.hd.Clear(k.key) })
	f.h.m.retitle(r, f.h.res, func(k *keyState) {
		f.hd.Update(k.key, k.title, fmt.Sprintf("changed by the soak (%s)", k.title))
		if r.IntN(3) == 0 {
			f.hd.SetSeverity(k.key, []string{"Low", "Medium", "High", "Critical"}[r.IntN(4)])
		}
	})
}

// cutVersion splits "alert-7.v3." into "alert-7" and "3".
func cutVersion(title string) (base, version string, ok bool) {
	for i := len(title) - 2; i > 0; i-- {
		if title[i] == 'v' && title[i-1] == '.' {
			return title[:i-1], title[i+1 : len(title)-1], true
		}
	}
	return title, "", false
}

func (f *heimdalFlow) drawVariant(*rand.Rand) int { return 0 }
func (f *heimdalFlow) finalVariant() int          { return 0 }

func (f *heimdalFlow) sync(ctx context.Context, p, _ int) syncOutcome {
	rep, err := f.ins[p].Run(ctx)
	// Every board's engine runs on every Sync that gets that far.
	o := syncOutcome{err: err, ran: err == nil}
	if rep != nil {
		for _, br := range rep.Boards {
			if t := br.Tickets; t != nil {
				o.repaired += t.Repaired
				o.writes += t.Created + t.Updated + t.Reopened + t.Closed + t.Repaired
			}
			o.writes += br.Notes
		}
	}
	return o
}

// markSynced: a successful Sync read every mapped customer's alerts and
// wrote every board, so every present alert of a mapped customer has its
// ticket.
func (f *heimdalFlow) markSynced(int) {
	for _, k := range f.h.m.present() {
		if k.allowed {
			k.synced = true
		}
	}
}

func (f *heimdalFlow) injectSource(statuses []int) {
	for _, s := range statuses {
		f.hd.InjectStatus(s, 1)
	}
}

// drainSource uses up Heimdal failures no sync consumed (heimdaltest has
// no way to withdraw them): each request takes one, so once a request
// gets an ordinary answer none is left.
func (f *heimdalFlow) drainSource() error {
	for range 64 {
		resp, err := http.Get(f.hd.URL + heimdaltest.APIPrefix + "/soak-drain")
		if err != nil {
			return err
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case 429, 500, 502, 503, 504:
			continue
		}
		return nil
	}
	return errors.New("heimdaltest still failing after 64 requests")
}

func (f *heimdalFlow) close() {
	f.hd.Close()
	for _, w := range f.wires {
		if w != nil {
			w.rt.CloseIdleConnections()
		}
	}
}
