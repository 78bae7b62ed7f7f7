package psabilling_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/infima/psabilling"
)

type world struct {
	psa      *cwtest.Server
	inf      *infimatest.Server
	cw       *connectwise.Client
	in       *infima.Client
	mappings []psabilling.Mapping
	store    *flow.MemoryStore
	s        *psabilling.Syncer
}

// newWorld maps the first three INFIMA clients to the first three seeded
// agreements' seat additions (quantity 10 each).
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{psa: cwtest.NewServer(), inf: infimatest.NewServer()}
	t.Cleanup(w.psa.Close)
	t.Cleanup(w.inf.Close)
	w.cw = flowtest.PSAClient(t, w.psa, connectwise.WithRetry(3, time.Millisecond, 2*time.Millisecond))
	var err error
	w.in, err = infima.NewClient(w.inf.APIKey(), w.inf.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	w.store = flow.NewMemoryStore()
	if w.s, err = psabilling.New(w.cw, w.in, w.store); err != nil {
		t.Fatal(err)
	}
	ags := w.psa.Agreements()
	for i, id := range w.inf.ClientIDs()[:3] {
		add := w.psa.Additions(ags[i].ID)[0]
		w.mappings = append(w.mappings, psabilling.Mapping{InfimaClientID: id, AgreementID: ags[i].ID, AdditionID: add.ID})
	}
	return w
}

// activeCount counts active users the long way: every user, status all.
func (w *world) activeCount(t *testing.T, clientID int) float64 {
	t.Helper()
	n := 0
	for u, err := range w.in.Users.All(t.Context(), clientID, &infima.UserListOptions{Status: infima.StatusAll}) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Status.IsActive() {
			n++
		}
	}
	return float64(n)
}

func (w *world) quantity(m psabilling.Mapping) float64 {
	for _, a := range w.psa.Additions(m.AgreementID) {
		if a.ID == m.AdditionID {
			return a.Quantity
		}
	}
	return -1
}

// plan saves ms as the flow's mappings and plans them.
func (w *world) plan(t *testing.T, ms []psabilling.Mapping) (*psabilling.Plan, error) {
	t.Helper()
	if err := w.s.SaveMappings(t.Context(), ms); err != nil {
		return nil, err
	}
	return w.s.Plan(t.Context())
}

func (w *world) patches() int { return w.psa.CountRequests("PATCH", "/additions/") }

func TestPlanThenApplyIsIdempotent(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	// One addition is already right: it must not be written.
	right := w.mappings[2]
	if _, _, err := w.cw.Agreements.PatchAddition(ctx, right.AgreementID, right.AdditionID, connectwise.Replace("quantity", w.activeCount(t, right.InfimaClientID))); err != nil {
		t.Fatal(err)
	}
	w.psa.ResetRequests()

	plan, err := w.plan(t, w.mappings)
	if err != nil {
		t.Fatal(err)
	}
	if w.patches() != 0 {
		t.Fatal("the dry run wrote to the PSA")
	}
	if len(plan.Changes) != 2 || len(plan.Unchanged) != 1 || len(plan.Problems) != 0 {
		t.Fatalf("plan: %+v", plan)
	}
	for _, ch := range plan.Changes {
		if ch.From != 10 || ch.To != w.activeCount(t, ch.InfimaClientID) || ch.ClientName == "" || ch.Product != "Security awareness seat" {
			t.Errorf("change %s (%s)", ch, ch.Product)
		}
	}

	res, err := w.s.Apply(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applied) != 2 || w.patches() != 2 {
		t.Errorf("applied %d with %d PATCHes, want 2", len(res.Applied), w.patches())
	}
	for _, m := range w.mappings {
		if got, want := w.quantity(m), w.activeCount(t, m.InfimaClientID); got != want {
			t.Errorf("addition %d quantity %v, want %v", m.AdditionID, got, want)
		}
	}

	// The same plan again: everything is already current.
	res, err = w.s.Apply(ctx, plan)
	if err != nil || len(res.Applied) != 0 || len(res.AlreadyCurrent) != 2 || w.patches() != 2 {
		t.Errorf("second Apply: %+v, %v, %d PATCHes", res, err, w.patches())
	}
	// A fresh plan finds nothing to do.
	plan, err = w.plan(t, w.mappings)
	if err != nil || len(plan.Changes) != 0 || len(plan.Unchanged) != 3 {
		t.Fatalf("plan after apply: %+v, %v", plan, err)
	}
	if res, err := w.s.Apply(ctx, plan); err != nil || len(res.Applied) != 0 || w.patches() != 2 {
		t.Errorf("applying an empty plan: %+v, %v", res, err)
	}

	// Someone leaves a client: exactly one quantity goes down by one.
	m := w.mappings[0]
	var leaver string
	for u, err := range w.in.Users.All(ctx, m.InfimaClientID, &infima.UserListOptions{Status: infima.StatusActive}) {
		if err != nil {
			t.Fatal(err)
		}
		leaver = u.Email
		break
	}
	before := w.quantity(m)
	if err := w.inf.SetUserStatus(m.InfimaClientID, leaver, infima.StatusInactive); err != nil {
		t.Fatal(err)
	}
	plan, err = w.plan(t, w.mappings)
	if err != nil || len(plan.Changes) != 1 || plan.Changes[0].From != before || plan.Changes[0].To != before-1 {
		t.Fatalf("plan after a user left: %+v, %v", plan, err)
	}
	if _, err := w.s.Apply(ctx, plan); err != nil || w.patches() != 3 || w.quantity(m) != before-1 {
		t.Errorf("apply after a user left: %v, %d PATCHes, quantity %v", err, w.patches(), w.quantity(m))
	}
}

func TestPlanReportsProblemsPerMapping(t *testing.T) {
	w := newWorld(t)
	ms := append(w.mappings[:1:1],
		psabilling.Mapping{InfimaClientID: 9999, AgreementID: w.mappings[1].AgreementID, AdditionID: w.mappings[1].AdditionID},
		psabilling.Mapping{InfimaClientID: w.mappings[1].InfimaClientID, AgreementID: 987654, AdditionID: 1},
		psabilling.Mapping{InfimaClientID: w.mappings[2].InfimaClientID, AgreementID: w.mappings[2].AgreementID, AdditionID: 987654},
	)
	plan, err := w.plan(t, ms)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 1 || len(plan.Problems) != 3 {
		t.Fatalf("plan: %+v", plan)
	}
	for i, want := range []string{"INFIMA lists no client 9999", "the PSA has no agreement 987654", "has no addition 987654"} {
		if got := plan.Problems[i].Error(); !strings.Contains(got, want) {
			t.Errorf("problem %d = %q, want %q", i, got, want)
		}
	}
}

func TestPlanRefusesBrokenMappings(t *testing.T) {
	w := newWorld(t)
	dup := append(w.mappings, psabilling.Mapping{InfimaClientID: w.mappings[1].InfimaClientID, AgreementID: w.mappings[0].AgreementID, AdditionID: w.mappings[0].AdditionID})
	for _, tc := range []struct {
		ms    []psabilling.Mapping
		field string
	}{
		{dup, "Mappings[3].AdditionID"},
		{[]psabilling.Mapping{{AgreementID: 1, AdditionID: 1}}, "Mappings[0].InfimaClientID"},
		{[]psabilling.Mapping{{InfimaClientID: 1, AdditionID: 1}}, "Mappings[0].AgreementID"},
	} {
		var ce *bridge.ConfigError
		if _, err := w.plan(t, tc.ms); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("err = %v, want a ConfigError on %s", err, tc.field)
		}
	}
	if len(w.inf.Requests()) != 0 {
		t.Errorf("invalid mappings cost %d INFIMA requests", len(w.inf.Requests()))
	}
}

func TestPlanCountsPast50Users(t *testing.T) {
	w := newWorld(t)
	big := w.inf.AddClient(infimatest.ClientSpec{Name: "Big Co", Users: 140})
	m := w.mappings[0]
	m.InfimaClientID = big
	plan, err := w.plan(t, []psabilling.Mapping{m})
	if err != nil {
		t.Fatal(err)
	}
	want := w.activeCount(t, big)
	if len(plan.Changes) != 1 || plan.Changes[0].To != want || want <= 100 {
		t.Fatalf("plan: %+v, want To = %v", plan, want)
	}
}

func TestPlanStopsOnRotatedKey(t *testing.T) {
	w := newWorld(t)
	w.inf.RotateKey()
	_, err := w.plan(t, w.mappings)
	if !infima.IsKeyRejected(err) {
		t.Fatalf("err = %v", err)
	}
	if w.patches() != 0 {
		t.Error("wrote after the key was rejected")
	}
}

func TestApplyResendsAPatchWhoseAnswerWasLost(t *testing.T) {
	w := newWorld(t)
	plan, err := w.plan(t, w.mappings[:1])
	if err != nil {
		t.Fatal(err)
	}
	w.psa.InjectFault(cwtest.Fault{Method: "PATCH", PathContains: "/additions/", DropAfterWrite: true, Times: 1})
	res, err := w.s.Apply(t.Context(), plan)
	if err != nil || len(res.Applied) != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	if w.patches() != 2 || w.quantity(w.mappings[0]) != plan.Changes[0].To {
		t.Errorf("%d PATCHes, quantity %v", w.patches(), w.quantity(w.mappings[0]))
	}
}

func TestApplyReportsFailedWrites(t *testing.T) {
	w := newWorld(t)
	plan, err := w.plan(t, w.mappings)
	if err != nil {
		t.Fatal(err)
	}
	w.psa.InjectFault(cwtest.Fault{Method: "PATCH", PathContains: "/additions/", Status: 400, Times: 1})
	res, err := w.s.Apply(t.Context(), plan)
	if err == nil || len(res.Failed) != 1 || len(res.Applied) != 2 {
		t.Fatalf("%+v, %v", res, err)
	}
	var ce *connectwise.Error
	if !errors.As(err, &ce) || ce.StatusCode != 400 {
		t.Errorf("err = %v, want the PSA's 400", err)
	}
	// The next run completes the failed one only.
	plan, _ = w.plan(t, w.mappings)
	if res, err := w.s.Apply(t.Context(), plan); err != nil || len(res.Applied) != 1 {
		t.Errorf("retry: %+v, %v", res, err)
	}
}

// Run is Plan then Apply, with the shared report core; a second Run finds
// everything current and writes nothing.
func TestRunReportsOnTheSharedCore(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	ms := append(slices.Clone(w.mappings), psabilling.Mapping{InfimaClientID: 9999, AgreementID: w.mappings[0].AgreementID, AdditionID: 424242})
	if err := w.s.SaveMappings(ctx, ms); err != nil {
		t.Fatal(err)
	}
	var progress []flow.Progress
	s, err := psabilling.New(w.cw, w.in, w.store, psabilling.WithProgress(func(p flow.Progress) { progress = append(progress, p) }))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated != 3 || rep.Unchanged != 0 || rep.Skipped[psabilling.SkipClientGone] != 1 || len(rep.Failed) != 0 || rep.Resumed || w.patches() != 3 {
		t.Fatalf("first run: %s (%d PATCHes)", rep, w.patches())
	}
	if len(progress) != 3 || progress[2].Done != 3 || progress[2].Step != "Sync customers" {
		t.Errorf("progress = %+v", progress)
	}
	rep, err = s.Run(ctx)
	if err != nil || rep.Updated != 0 || rep.Unchanged != 3 || w.patches() != 3 {
		t.Fatalf("second run: %s, %v (%d PATCHes)", rep, err, w.patches())
	}
}

func TestCheckAndBadStoredMappings(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	rep := flowtest.CheckOK(t, w.s, false)
	flowtest.WantItems(t, rep, map[string]flow.Status{"PSA connection": flow.Granted, "Test Connection": flow.Granted, "Mappings": flow.Missing})
	ms := append(slices.Clone(w.mappings), psabilling.Mapping{InfimaClientID: w.mappings[0].InfimaClientID, AgreementID: 987654, AdditionID: 1})
	if err := w.s.SaveMappings(ctx, ms); err != nil {
		t.Fatal(err)
	}
	rep = flowtest.Check(t, w.s)
	last := flowtest.WantStatus(t, rep, "Mappings[3]", flow.Warning)
	if !rep.OK() || !strings.Contains(last.Detail, "no agreement 987654") {
		t.Fatalf("stale mapping: %+v", rep.Items)
	}

	// A stored set from another version, and a truncated one: typed
	// errors, and no write reaches the PSA.
	for _, raw := range []string{`{"Version":9,"Mappings":[]}`, `{"Version":1,"Mappings":[{"InfimaClientID":`} {
		if err := w.store.Put(ctx, "infima-psa-billing/default/mappings", []byte(raw)); err != nil {
			t.Fatal(err)
		}
		w.psa.ResetRequests()
		_, err := w.s.Run(ctx)
		var se *flow.StateError
		if !errors.Is(err, flow.ErrCorrupt) || !errors.As(err, &se) || se.Key != "infima-psa-billing/default/mappings" || w.patches() != 0 {
			t.Errorf("Run over %s: %v (%d PATCHes)", raw, err, w.patches())
		}
	}
}

// Two instances share one store without seeing each other's mappings, and
// a flow with none answers an empty list, not nil.
func TestWithInstanceKeepsStateApart(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	second, err := psabilling.New(w.cw, w.in, w.store, psabilling.WithInstance("second"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.SaveMappings(ctx, w.mappings[:1]); err != nil {
		t.Fatal(err)
	}
	if got, err := second.Mappings(ctx); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("second instance's Mappings = %#v, %v; want empty, not nil", got, err)
	}
	if err := second.SaveMappings(ctx, w.mappings[1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Get(ctx, "infima-psa-billing/second/mappings"); err != nil {
		t.Fatalf("second instance's mappings not under its own key: %v", err)
	}
	for s, want := range map[*psabilling.Syncer][]psabilling.Mapping{w.s: w.mappings[:1], second: w.mappings[1:]} {
		if got, err := s.Mappings(ctx); err != nil || !slices.Equal(got, want) {
			t.Errorf("Mappings = %+v, %v; want %+v", got, err, want)
		}
	}
	for _, bad := range []string{"", "a/b"} {
		var ce *bridge.ConfigError
		if _, err := psabilling.New(w.cw, w.in, w.store, psabilling.WithInstance(bad)); !errors.As(err, &ce) || ce.Field != "Instance" {
			t.Errorf("WithInstance(%q): err = %v, want a ConfigError on Instance", bad, err)
		}
	}
}

// A part left nil is refused at New, naming it, before any run can fail
// half-way on it.
func TestNewRequiresItsParts(t *testing.T) {
	w := newWorld(t)
	_, noCW := psabilling.New(nil, w.in, w.store)
	_, noInfima := psabilling.New(w.cw, nil, w.store)
	_, noStore := psabilling.New(w.cw, w.in, nil)
	for field, err := range map[string]error{"PSA": noCW, "INFIMA": noInfima, "Store": noStore} {
		var ce *bridge.ConfigError
		if !errors.As(err, &ce) || ce.API != "psabilling" || ce.Field != field {
			t.Errorf("New without %s: %v", field, err)
		}
	}
}
