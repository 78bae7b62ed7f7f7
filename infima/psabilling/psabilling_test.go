package psabilling_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
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
}

// newWorld maps the first three INFIMA clients to the first three seeded
// agreements' seat additions (quantity 10 each).
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{psa: cwtest.NewServer(), inf: infimatest.NewServer()}
	t.Cleanup(w.psa.Close)
	t.Cleanup(w.inf.Close)
	var err error
	w.cw, err = connectwise.NewClient(w.psa.Config(), connectwise.WithRateLimit(0, 1), connectwise.WithRetry(3, time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	w.in, err = infima.NewClient(w.inf.APIKey(), w.inf.ClientOptions()...)
	if err != nil {
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

func (w *world) patches() int { return w.psa.CountRequests("PATCH", "/additions/") }

func TestDryRunThenApplyIsIdempotent(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	// One addition is already right: it must not be written.
	right := w.mappings[2]
	if _, _, err := w.cw.Agreements.PatchAddition(ctx, right.AgreementID, right.AdditionID, connectwise.Replace("quantity", w.activeCount(t, right.InfimaClientID))); err != nil {
		t.Fatal(err)
	}
	w.psa.ResetRequests()

	plan, err := psabilling.DryRun(ctx, w.cw, w.in, w.mappings)
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

	res, err := psabilling.Apply(ctx, w.cw, plan)
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
	res, err = psabilling.Apply(ctx, w.cw, plan)
	if err != nil || len(res.Applied) != 0 || len(res.AlreadyCurrent) != 2 || w.patches() != 2 {
		t.Errorf("second Apply: %+v, %v, %d PATCHes", res, err, w.patches())
	}
	// A fresh plan finds nothing to do.
	plan, err = psabilling.DryRun(ctx, w.cw, w.in, w.mappings)
	if err != nil || len(plan.Changes) != 0 || len(plan.Unchanged) != 3 {
		t.Fatalf("plan after apply: %+v, %v", plan, err)
	}
	if res, err := psabilling.Apply(ctx, w.cw, plan); err != nil || len(res.Applied) != 0 || w.patches() != 2 {
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
	plan, err = psabilling.DryRun(ctx, w.cw, w.in, w.mappings)
	if err != nil || len(plan.Changes) != 1 || plan.Changes[0].From != before || plan.Changes[0].To != before-1 {
		t.Fatalf("plan after a user left: %+v, %v", plan, err)
	}
	if _, err := psabilling.Apply(ctx, w.cw, plan); err != nil || w.patches() != 3 || w.quantity(m) != before-1 {
		t.Errorf("apply after a user left: %v, %d PATCHes, quantity %v", err, w.patches(), w.quantity(m))
	}
}

func TestDryRunReportsProblemsPerMapping(t *testing.T) {
	w := newWorld(t)
	ms := append(w.mappings[:1:1],
		psabilling.Mapping{InfimaClientID: 9999, AgreementID: w.mappings[1].AgreementID, AdditionID: w.mappings[1].AdditionID},
		psabilling.Mapping{InfimaClientID: w.mappings[1].InfimaClientID, AgreementID: 987654, AdditionID: 1},
		psabilling.Mapping{InfimaClientID: w.mappings[2].InfimaClientID, AgreementID: w.mappings[2].AgreementID, AdditionID: 987654},
	)
	plan, err := psabilling.DryRun(t.Context(), w.cw, w.in, ms)
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

func TestDryRunRefusesBrokenMappings(t *testing.T) {
	w := newWorld(t)
	dup := append(w.mappings, psabilling.Mapping{InfimaClientID: w.mappings[1].InfimaClientID, AgreementID: w.mappings[0].AgreementID, AdditionID: w.mappings[0].AdditionID})
	for _, tc := range []struct {
		ms    []psabilling.Mapping
		field string
	}{
		{dup, "AdditionID"},
		{[]psabilling.Mapping{{AgreementID: 1, AdditionID: 1}}, "InfimaClientID"},
		{[]psabilling.Mapping{{InfimaClientID: 1, AdditionID: 1}}, "AgreementID"},
	} {
		var me *psabilling.MappingError
		if _, err := psabilling.DryRun(t.Context(), w.cw, w.in, tc.ms); !errors.As(err, &me) || me.Field != tc.field {
			t.Errorf("err = %v, want a MappingError on %s", err, tc.field)
		}
	}
	if len(w.inf.Requests()) != 0 {
		t.Errorf("invalid mappings cost %d INFIMA requests", len(w.inf.Requests()))
	}
}

func TestDryRunCountsPast50Users(t *testing.T) {
	w := newWorld(t)
	big := w.inf.AddClient(infimatest.ClientSpec{Name: "Big Co", Users: 140})
	m := w.mappings[0]
	m.InfimaClientID = big
	plan, err := psabilling.DryRun(t.Context(), w.cw, w.in, []psabilling.Mapping{m})
	if err != nil {
		t.Fatal(err)
	}
	want := w.activeCount(t, big)
	if len(plan.Changes) != 1 || plan.Changes[0].To != want || want <= 100 {
		t.Fatalf("plan: %+v, want To = %v", plan, want)
	}
}

func TestDryRunStopsOnRotatedKey(t *testing.T) {
	w := newWorld(t)
	w.inf.RotateKey()
	_, err := psabilling.DryRun(t.Context(), w.cw, w.in, w.mappings)
	if !infima.IsKeyRejected(err) {
		t.Fatalf("err = %v", err)
	}
	if w.patches() != 0 {
		t.Error("wrote after the key was rejected")
	}
}

func TestApplyResendsAPatchWhoseAnswerWasLost(t *testing.T) {
	w := newWorld(t)
	plan, err := psabilling.DryRun(t.Context(), w.cw, w.in, w.mappings[:1])
	if err != nil {
		t.Fatal(err)
	}
	w.psa.InjectFault(cwtest.Fault{Method: "PATCH", PathContains: "/additions/", DropAfterWrite: true, Times: 1})
	res, err := psabilling.Apply(t.Context(), w.cw, plan)
	if err != nil || len(res.Applied) != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	if w.patches() != 2 || w.quantity(w.mappings[0]) != plan.Changes[0].To {
		t.Errorf("%d PATCHes, quantity %v", w.patches(), w.quantity(w.mappings[0]))
	}
}

func TestApplyReportsFailedWrites(t *testing.T) {
	w := newWorld(t)
	plan, err := psabilling.DryRun(t.Context(), w.cw, w.in, w.mappings)
	if err != nil {
		t.Fatal(err)
	}
	w.psa.InjectFault(cwtest.Fault{Method: "PATCH", PathContains: "/additions/", Status: 400, Times: 1})
	res, err := psabilling.Apply(t.Context(), w.cw, plan)
	if err == nil || len(res.Failed) != 1 || len(res.Applied) != 2 {
		t.Fatalf("%+v, %v", res, err)
	}
	var ce *connectwise.Error
	if !errors.As(err, &ce) || ce.StatusCode != 400 {
		t.Errorf("err = %v, want the PSA's 400", err)
	}
	// The next run completes the failed one only.
	plan, _ = psabilling.DryRun(t.Context(), w.cw, w.in, w.mappings)
	if res, err := psabilling.Apply(t.Context(), w.cw, plan); err != nil || len(res.Applied) != 1 {
		t.Errorf("retry: %+v, %v", res, err)
	}
}
