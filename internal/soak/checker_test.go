package soak_test

import (
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// A soak that reports zero violations is only worth something if its
// checker fires: each case breaks one invariant on purpose.
func TestSoakCheckerCatchesEveryViolation(t *testing.T) {
	const ops, cyber = "heimdal-ops-1", "heimdal-cyber-1"
	tk := func(id int, xref string, closed bool, company, board int, summary string) cwtest.Ticket {
		return cwtest.Ticket{ID: id, ExternalXRef: xref, ClosedFlag: closed, Company: &cwtest.Ref{ID: company}, Board: &cwtest.Ref{ID: board}, Summary: summary}
	}
	newM := func() *model {
		m := newModel([]string{ops, cyber}, nil)
		m.add(&keyState{source: ops, key: "a", label: "ops a", autoClose: true, present: true, allowed: true, company: 7, board: 1, synced: true, title: "A."})
		m.add(&keyState{source: ops, key: "gone", label: "ops gone", autoClose: true, allowed: true, company: 7, board: 1, synced: true, title: "G."})
		m.add(&keyState{source: cyber, key: "c", label: "cyber c", present: true, allowed: true, company: 7, board: 2, synced: true, title: "C."})
		m.add(&keyState{source: cyber, key: "z", label: "cyber z", present: true, why: "customer 5 is not mapped", title: "Z."})
		return m
	}
	good := func() []cwtest.Ticket {
		return []cwtest.Ticket{
			tk(1, ops+":a#f1", false, 7, 1, "[CPU] pc: A."),
			tk(2, ops+":gone#f1", true, 7, 1, "[CPU] pc: G."),
			tk(3, cyber+":c#f1", false, 7, 2, "[REP] pc: C."),
		}
	}
	if v, _ := newM().check(good(), true, true); len(v) != 0 {
		t.Fatalf("a healthy state reported: %v", v)
	}
	for _, tc := range []struct {
		name   string
		change func(m *model, ts []cwtest.Ticket) []cwtest.Ticket
		want   string
	}{
		{"second open ticket", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			return append(ts, tk(9, ops+":a#f2", false, 7, 1, "A."))
		}, "2 open tickets"},
		{"second closed ticket", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			return append(ts, tk(9, ops+":gone#f2", true, 7, 1, "G."))
		}, "want one for its whole life"},
		{"synced key lost its ticket", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket { return ts[1:] }, "has no ticket"},
		{"vanished ops ticket open", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			ts[1].ClosedFlag = false
			return ts
		}, "vanished but its ticket"},
		{"present ops ticket closed", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			ts[0].ClosedFlag = true
			return ts
		}, "is present but its ticket"},
		{"cyber ticket closed by the integration", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			ts[2].ClosedFlag = true
			return ts
		}, "only a technician may close it"},
		{"technician's close undone", func(m *model, ts []cwtest.Ticket) []cwtest.Ticket {
			m.byID[cyber+":c"].techClosed = true
			return ts
		}, "open again"},
		{"ticket for an unmapped customer", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			return append(ts, tk(9, cyber+":z#f1", false, 7, 2, "Z."))
		}, "is not mapped"},
		{"wrong company", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			ts[0].Company.ID = 8
			return ts
		}, "filed under company"},
		{"wrong board", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			ts[2].Board.ID = 1
			return ts
		}, "on board"},
		{"stale title", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			ts[0].Summary = "[CPU] pc: old."
			return ts
		}, "current title"},
		{"unknown key", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			return append(ts, tk(9, ops+":never#f1", false, 7, 1, ""))
		}, "never raised"},
		{"foreign ticket", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			return append(ts, tk(9, "", false, 7, 1, ""))
		}, "no source of the run"},
		{"open retired duplicate", func(_ *model, ts []cwtest.Ticket) []cwtest.Ticket {
			return append(ts, tk(9, "dup-"+ops+":a#9", false, 7, 1, ""))
		}, "retired duplicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newM()
			v, _ := m.check(tc.change(m, good()), true, true)
			if !strings.Contains(strings.Join(v, "\n"), tc.want) {
				t.Errorf("violations %q, want one saying %q", v, tc.want)
			}
		})
	}
	// Mid-way, two open tickets are tolerated only when a second process
	// may have raced in and a sync failed since.
	m := newM()
	ts := append(good(), tk(9, ops+":a#f2", false, 7, 1, "A."))
	if v, st := m.check(ts, false, false); len(v) != 0 || st.transientDups != 1 {
		t.Errorf("relaxed mid-way check: %v %+v", v, st)
	}
	if v, _ := m.check(ts, false, true); len(v) != 1 {
		t.Errorf("strict mid-way check: %v", v)
	}
}
