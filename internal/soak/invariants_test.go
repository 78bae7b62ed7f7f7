package soak_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// retiredPrefix is how ticketsync re-tags a duplicate it could not delete;
// such a ticket no longer carries its key.
const retiredPrefix = "dup-"

// keyState is what the test knows about one alert key: the truth the
// simulator's tickets are checked against.
type keyState struct {
	source, key string
	// label names the alert in violations ("ops 200101/DISK/7/3").
	label string
	// autoClose: Heimdal Operations, closed when the alert vanishes and
	// reopened while it is present. Every other source's tickets are
	// closed by technicians only, and stay closed (KeepClosed).
	autoClose bool
	present   bool
	// allowed: the customer or tenant is mapped and enabled; why says
	// why not.
	allowed bool
	why     string
	company int
	board   int
	// synced: the key was present during a sync that succeeded, so it
	// must have exactly one ticket from then on.
	synced bool
	// techClosed: a technician closed its ticket (KeepClosed sources only).
	techClosed bool
	title      string
}

func (k *keyState) id() string { return k.source + ":" + k.key }

// model is every key a run raised, in the order raised.
type model struct {
	order   []*keyState
	byID    map[string]*keyState
	sources []string
	// seeded holds ids of tickets present before the run (none with the
	// seed data, but a foreign ticket is only a violation if it is new).
	seeded map[int]bool
}

func newModel(sources []string, before []cwtest.Ticket) *model {
	m := &model{byID: map[string]*keyState{}, sources: sources, seeded: map[int]bool{}}
	for _, t := range before {
		m.seeded[t.ID] = true
	}
	return m
}

func (m *model) add(k *keyState) {
	m.order = append(m.order, k)
	m.byID[k.id()] = k
}

func (m *model) present() []*keyState {
	var out []*keyState
	for _, k := range m.order {
		if k.present {
			out = append(out, k)
		}
	}
	return out
}

// pickPresent returns a present key chosen with r, or nil when none is.
func (m *model) pickPresent(r *rand.Rand) *keyState {
	p := m.present()
	if len(p) == 0 {
		return nil
	}
	return p[r.IntN(len(p))]
}

// vanish marks up to three present keys chosen with r as gone from the
// source, calling gone on each first, and counts them. Both flows drop
// alerts the same way; only how the source forgets them differs.
func (m *model) vanish(r *rand.Rand, res *runResult, gone func(k *keyState)) {
	for range r.IntN(4) {
		k := m.pickPresent(r)
		if k == nil {
			return
		}
		gone(k)
		k.present = false
		res.events["alert-vanished"]++
	}
}

// retitle gives up to three present keys chosen with r a new title
// version, calling changed on each so the source carries the change, and
// counts them.
func (m *model) retitle(r *rand.Rand, res *runResult, changed func(k *keyState)) {
	for range r.IntN(4) {
		k := m.pickPresent(r)
		if k == nil {
			return
		}
		base, _, _ := cutVersion(k.title)
		k.title = fmt.Sprintf("%s.v%d.", base, r.IntN(1000)+1)
		changed(k)
		res.events["alert-changed"]++
	}
}

// owner splits a ticket's externalXRef into one of the run's sources and
// the key.
func (m *model) owner(xref string) (source, key string, ok bool) {
	for _, s := range m.sources {
		rest, found := strings.CutPrefix(xref, s+":")
		if !found {
			continue
		}
		if i := strings.LastIndexByte(rest, '#'); i >= 0 {
			rest = rest[:i]
		}
		return s, rest, true
	}
	return "", "", false
}

// ticketsOf returns the tickets carrying k's key, lowest id first.
func (m *model) ticketsOf(k *keyState, all []cwtest.Ticket) []cwtest.Ticket {
	var out []cwtest.Ticket
	for _, t := range all {
		if s, key, ok := m.owner(t.ExternalXRef); ok && s == k.source && key == k.key {
			out = append(out, t)
		}
	}
	return out
}

// checkStats are observations that are not violations.
type checkStats struct {
	retired       int // "dup-" tickets (duplicates closed and re-tagged)
	transientDups int // keys with two open tickets after a failed step with a second process
	neverTicketed int // keys that vanished before any sync succeeded
}

// check compares the simulator's tickets with the model. Mid-way (final
// false) only what must hold at every moment between syncs is checked;
// strictOpen says whether two open tickets for one key are a violation
// now (see the package comment).
func (m *model) check(all []cwtest.Ticket, final, strictOpen bool) (v []string, st checkStats) {
	byKey := map[*keyState][]cwtest.Ticket{}
	for _, t := range all {
		x := t.ExternalXRef
		if strings.HasPrefix(x, retiredPrefix) {
			st.retired++
			if !t.ClosedFlag {
				v = append(v, fmt.Sprintf("retired duplicate %d (%q) is open", t.ID, x))
			}
			continue
		}
		src, key, ok := m.owner(x)
		if !ok {
			if !m.seeded[t.ID] {
				v = append(v, fmt.Sprintf("ticket %d has an externalXRef of no source of the run: %q", t.ID, x))
			}
			continue
		}
		k := m.byID[src+":"+key]
		if k == nil {
			v = append(v, fmt.Sprintf("ticket %d is for a key never raised: %q", t.ID, x))
			continue
		}
		if !k.allowed {
			v = append(v, fmt.Sprintf("ticket %d exists for %s, whose %s", t.ID, k.label, k.why))
			continue
		}
		if t.Company == nil || t.Company.ID != k.company {
			v = append(v, fmt.Sprintf("ticket %d for %s is filed under company %v, want %d", t.ID, k.label, refID(t.Company), k.company))
		}
		if t.Board == nil || t.Board.ID != k.board {
			v = append(v, fmt.Sprintf("ticket %d for %s is on board %v, want %d", t.ID, k.label, refID(t.Board), k.board))
		}
		byKey[k] = append(byKey[k], t)
	}
	for _, k := range m.order {
		ts := byKey[k]
		sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
		open := 0
		for _, t := range ts {
			if !t.ClosedFlag {
				open++
			}
		}
		if open > 1 {
			if strictOpen || final {
				v = append(v, fmt.Sprintf("%s has %d open tickets %v", k.label, open, ticketIDs(ts)))
			} else {
				st.transientDups++
			}
		}
		if !final {
			continue
		}
		if len(ts) > 1 {
			v = append(v, fmt.Sprintf("%s has %d tickets %v, want one for its whole life", k.label, len(ts), ticketIDs(ts)))
		}
		if !k.allowed {
			continue
		}
		if len(ts) == 0 {
			switch {
			case k.synced || k.present:
				v = append(v, fmt.Sprintf("%s (present %v, synced %v) has no ticket", k.label, k.present, k.synced))
			default:
				st.neverTicketed++
			}
			continue
		}
		t := ts[0]
		switch {
		case k.autoClose && k.present && t.ClosedFlag:
			v = append(v, fmt.Sprintf("%s is present but its ticket %d is closed", k.label, t.ID))
		case k.autoClose && !k.present && !t.ClosedFlag:
			v = append(v, fmt.Sprintf("%s vanished but its ticket %d is open", k.label, t.ID))
		case !k.autoClose && k.techClosed && !t.ClosedFlag:
			v = append(v, fmt.Sprintf("%s: ticket %d was closed by a technician and is open again", k.label, t.ID))
		case !k.autoClose && !k.techClosed && t.ClosedFlag:
			v = append(v, fmt.Sprintf("%s: ticket %d was closed, but only a technician may close it", k.label, t.ID))
		}
		if k.present && !t.ClosedFlag && !strings.Contains(t.Summary, k.title) {
			v = append(v, fmt.Sprintf("%s: open ticket %d shows %q, want the current title %q", k.label, t.ID, t.Summary, k.title))
		}
	}
	return v, st
}

func refID(r *cwtest.Ref) any {
	if r == nil {
		return "none"
	}
	return r.ID
}

func ticketIDs(ts []cwtest.Ticket) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(' ')
		}
		state := "open"
		if t.ClosedFlag {
			state = "closed"
		}
		fmt.Fprintf(&b, "%d(%s)", t.ID, state)
	}
	return "[" + b.String() + "]"
}
