package soak_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
)

// opNow is the Office Protect integration's clock: fixed, so every event
// the soak raises lies inside the 48-hour backfill window.
var opNow = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

// Tenant states.
const (
	tenantEnabled = iota
	tenantDisabled
	tenantUnmapped
)

type opTenant struct {
	id      string
	state   int
	company connectwise.Ref
}

// officeProtectFlow soaks officeprotect: tenants mapped and enabled,
// mapped but disabled, or unmapped; events filed with Process (the live
// feed) or ProcessSince (a re-read of the source).
type officeProtectFlow struct {
	h       *harness
	src     *officeprotecttest.Source
	ins     [2]*officeprotect.Integration
	wires   [2]*wire
	tenants []opTenant
	events  map[string]officeprotect.Event // current version by id
	tenant  map[string]*opTenant           // by event id
	board   int
	raised  int
}

// opCompanies are the seed data's active client companies.
var opCompanies = []string{"AcmeCorp", "Globex", "Initech", "Umbrella", "StarkInd"}

func newOfficeProtectFlow(h *harness) (*officeProtectFlow, error) {
	r := h.rng
	f := &officeProtectFlow{h: h, src: officeprotecttest.NewSource(), events: map[string]officeprotect.Event{}, tenant: map[string]*opTenant{}}
	ctx := context.Background()
	retries := []int{1, 3, 6}[r.IntN(3)]
	twin := r.IntN(2) == 0
	n := 2 + r.IntN(4)
	perm := r.Perm(len(opCompanies))
	for i := range n {
		st := tenantEnabled
		switch {
		case i == 1:
			// Every run has a tenant that must never get a ticket.
			st = tenantDisabled + r.IntN(2)
		case i > 1:
			st = []int{tenantEnabled, tenantEnabled, tenantDisabled, tenantUnmapped}[r.IntN(4)]
		}
		co, ok := h.cw.CompanyByIdentifier(opCompanies[perm[i]])
		if !ok {
			return f, fmt.Errorf("no company %s in the PSA seed", opCompanies[perm[i]])
		}
		t := opTenant{id: fmt.Sprintf("t-%d", i), state: st, company: connectwise.Ref{ID: co.ID, Name: co.Name}}
		f.tenants = append(f.tenants, t)
		f.src.AddTenant(officeprotect.Tenant{ID: t.id, Name: "Tenant " + co.Name, Active: true})
	}
	h.m = newModel([]string{officeprotect.Source}, h.cw.Tickets())

	f.wires[0] = newWire("")
	in, err := f.setup(ctx, h.psaConfig(), f.wires[0], retries)
	if err != nil {
		return f, err
	}
	f.ins[0] = in
	// Events raised before the setup are what Confirm setup backfills.
	f.raise(r, r.IntN(5))
	res, err := in.ConfirmSetup(ctx)
	if err != nil {
		return f, fmt.Errorf("ConfirmSetup: %w", err)
	}
	f.board = res.Board.Board.ID
	for _, k := range h.m.order {
		k.board = f.board
		if k.allowed {
			k.synced = true
		}
	}
	if twin {
		cfg := h.psaConfig()
		u, err := url.Parse(cfg.Site)
		if err != nil {
			return f, err
		}
		f.wires[1] = newWire(h.frontAddr())
		// "localhost" gives the twin's client another site, so ticketsync's
		// in-process lock does not serialise it: it plays another process.
		cfg.Site = "http://localhost:" + u.Port()
		tw, err := f.setup(ctx, cfg, f.wires[1], retries)
		if err != nil {
			return f, fmt.Errorf("twin: %w", err)
		}
		if _, err := tw.ConfirmSetup(ctx); err != nil {
			return f, fmt.Errorf("twin: ConfirmSetup: %w", err)
		}
		f.ins[1] = tw
	}
	var states []string
	for _, t := range f.tenants {
		states = append(states, fmt.Sprintf("%s:%s", t.id, []string{"enabled", "disabled", "unmapped"}[t.state]))
	}
	h.res.logf("officeprotect: tenants %v, twin %v, %d retries", states, twin, retries)
	return f, nil
}

// setup walks the guide up to Confirm setup: check connection, mappings,
// emergency contact.
func (f *officeProtectFlow) setup(ctx context.Context, cfg connectwise.Config, w *wire, retries int) (*officeprotect.Integration, error) {
	in, err := newOfficeProtect(cfg, f.src, psaOptions(w, retries),
		officeprotect.WithClock(func() time.Time { return opNow }),
		officeprotect.WithNotifier(&officeprotecttest.Recorder{}))
	if err != nil {
		return nil, err
	}
	chk, err := in.CheckConnection(ctx)
	if err != nil {
		return nil, fmt.Errorf("CheckConnection: %w", err)
	}
	if !chk.OK() {
		return nil, fmt.Errorf("CheckConnection: %w", chk.Err())
	}
	for _, t := range f.tenants {
		if t.state == tenantUnmapped {
			continue
		}
		if err := in.SetMapping(ctx, t.id, t.company.ID, t.state == tenantEnabled); err != nil {
			return nil, fmt.Errorf("SetMapping(%s): %w", t.id, err)
		}
	}
	if err := in.SetEmergencyContact(ctx, "soc@msp.example.com"); err != nil {
		return nil, err
	}
	return in, nil
}

func (f *officeProtectFlow) name() string       { return "officeprotect" }
func (f *officeProtectFlow) twin() bool         { return f.ins[1] != nil }
func (f *officeProtectFlow) wire(p int) *wire   { return f.wires[p] }
func (f *officeProtectFlow) progressHook() bool { return false }

func (f *officeProtectFlow) raise(r *rand.Rand, n int) {
	for range n {
		t := &f.tenants[r.IntN(len(f.tenants))]
		f.raised++
		id := fmt.Sprintf("evt-%d", f.raised)
		title := fmt.Sprintf("event-%d.v0.", f.raised)
		ev := officeprotect.Event{
			ID: id, TenantID: t.id, Title: title,
			Description: "Raised by the soak.",
			TriggeredAt: opNow.Add(-time.Duration(r.IntN(40*60)) * time.Minute),
			Severity:    officeprotect.SeverityHigh, Category: "Identity",
		}
		f.src.Add(ev)
		// Tickets are keyed by tenant and event: event ids are unique only
		// within a tenant.
		key := officeprotect.TicketKey(t.id, id)
		f.events[key] = ev
		f.tenant[key] = t
		k := &keyState{
			source: officeprotect.Source, key: key, label: "officeprotect " + id + " of " + t.id,
			present: true, allowed: t.state == tenantEnabled, company: t.company.ID, board: f.board, title: title,
		}
		switch t.state {
		case tenantDisabled:
			k.why = "tenant " + t.id + " is disabled"
		case tenantUnmapped:
			k.why = "tenant " + t.id + " is not mapped"
		}
		f.h.m.add(k)
		f.h.res.events["alert-raised"]++
	}
}

// mutate raises events on any tenant, drops some from the live feed (they
// stay in the source, as Office Protect keeps history) and changes some.
func (f *officeProtectFlow) mutate(r *rand.Rand, first bool) {
	n := newAlerts(r, first)
	f.raise(r, n)
	// The source keeps history: a vanished event only leaves the live feed.
	f.h.m.vanish(r, f.h.res, func(*keyState) {})
	f.h.m.retitle(r, f.h.res, func(k *keyState) {
		ev := f.events[k.key]
		ev.Title, ev.Description = k.title, "Changed by the soak: "+k.title
		f.src.Add(ev)
		f.events[k.key] = ev
	})
}

// Variants: the live feed (Process with the present events) most of the
// time, else a re-read of the whole source (ProcessSince), which also
// brings back events no longer in the feed.
const opVariantSince = 7

func (f *officeProtectFlow) drawVariant(r *rand.Rand) int { return r.IntN(10) }

// finalVariant re-reads the whole source: Process with no event of an
// enabled tenant does not run the engine at all, so a duplicate a late
// write left behind would wait for the next live event to be repaired.
func (f *officeProtectFlow) finalVariant() int { return opVariantSince }

func (f *officeProtectFlow) sync(ctx context.Context, p, variant int) syncOutcome {
	var rep *officeprotect.Report
	var err error
	if variant >= opVariantSince {
		rep, err = f.ins[p].ProcessSince(ctx, opNow.Add(-72*time.Hour))
	} else {
		var batch []officeprotect.Event
		for _, k := range f.h.m.present() {
			batch = append(batch, f.events[k.key])
		}
		rep, err = f.ins[p].Process(ctx, batch)
	}
	o := syncOutcome{err: err}
	if rep != nil && rep.Sync != nil {
		s := rep.Sync
		o.ran = true
		o.repaired = s.Repaired
		o.writes = s.Created + s.Updated + s.Reopened + s.Closed + s.Repaired
		if err == nil && len(s.Failed) > 0 {
			// Process reports per-event failures without an error; the
			// soak treats such a run as not (fully) synced.
			o.err = fmt.Errorf("%d events failed, first %s: %w", len(s.Failed), s.Failed[0].Key, s.Failed[0].Err)
		}
	}
	return o
}

func (f *officeProtectFlow) markSynced(variant int) {
	for _, k := range f.h.m.order {
		if k.allowed && (k.present || variant >= opVariantSince) {
			k.synced = true
		}
	}
}

func (f *officeProtectFlow) injectSource([]int) {}
func (f *officeProtectFlow) drainSource() error { return nil }

func (f *officeProtectFlow) close() {
	for _, w := range f.wires {
		if w != nil {
			w.rt.CloseIdleConnections()
		}
	}
}
