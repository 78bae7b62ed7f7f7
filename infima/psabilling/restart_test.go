package psabilling_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/infima/psabilling"
)

// stopOnPatch ends the run's context when the n-th PATCH is sent, either
// before it reaches the PSA or after the PSA applied it (the answer lost to
// the stop).
type stopOnPatch struct {
	next  http.RoundTripper
	mu    sync.Mutex
	n     int
	after bool
	seen  int
	stop  context.CancelFunc
}

func (s *stopOnPatch) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPatch {
		return s.next.RoundTrip(r)
	}
	s.mu.Lock()
	s.seen++
	hit := s.n > 0 && s.seen == s.n
	stop, after := s.stop, s.after
	s.mu.Unlock()
	if hit && !after {
		stop()
		return nil, context.Canceled
	}
	resp, err := s.next.RoundTrip(r)
	if hit {
		stop()
	}
	return resp, err
}

// TestRestartMidApply stops the billing flow at a random PATCH (before or
// after the PSA applied it) and runs a fresh flow on the same store: every
// addition ends at its count, none is written more often than its quantity
// changed, the run after a stop says it resumed, and the mappings survive.
func TestRestartMidApply(t *testing.T) {
	var proof flowtest.RestartProof
	for trial := range 12 {
		for _, durable := range []bool{false, true} {
			name := fmt.Sprintf("seed-%d-durable-%v", trial, durable)
			t.Run(name, func(t *testing.T) {
				billingRestartTrial(t, uint64(trial), durable, &proof)
			})
		}
	}
	proof.Report(t)
}

func billingRestartTrial(t *testing.T, seed uint64, durable bool, proof *flowtest.RestartProof) {
	rng := rand.New(rand.NewPCG(seed, 0xb111))
	ctx := t.Context()
	psa := cwtest.NewServer()
	t.Cleanup(psa.Close)
	inf := infimatest.NewServer()
	t.Cleanup(inf.Close)
	tr := &stopOnPatch{next: psa.Transport()}
	cw, err := connectwise.NewClient(psa.Config(), connectwise.WithHTTPClient(&http.Client{Transport: tr}),
		connectwise.WithRateLimit(0, 1), connectwise.WithRetry(3, time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	in, err := infima.NewClient(inf.APIKey(), inf.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	var ms []psabilling.Mapping
	for i, a := range psa.Agreements() {
		adds := psa.Additions(a.ID)
		if len(adds) == 0 || i >= len(inf.ClientIDs()) {
			continue
		}
		ms = append(ms, psabilling.Mapping{InfimaClientID: inf.ClientIDs()[i], AgreementID: a.ID, AdditionID: adds[0].ID})
	}
	mem := flow.NewMemoryStore()
	path := filepath.Join(t.TempDir(), "state.db")
	open := func() flow.Store {
		if !durable {
			return mem
		}
		s, err := flow.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	store := open()
	s, err := psabilling.New(cw, in, store)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveMappings(ctx, ms); err != nil {
		t.Fatal(err)
	}
	plan, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	needed := len(plan.Changes)
	if needed < 2 {
		t.Fatalf("only %d changes planned; the trial needs a few", needed)
	}
	psa.ResetRequests()

	runCtx, stop := context.WithCancel(ctx)
	tr.mu.Lock()
	tr.n, tr.after, tr.seen, tr.stop = 1+rng.IntN(needed), rng.IntN(2) == 0, 0, stop
	tr.mu.Unlock()
	rep, err := s.Run(runCtx)
	stop()
	tr.mu.Lock()
	tr.n = 0
	tr.mu.Unlock()
	if err == nil || !rep.Stopped {
		proof.Violation(t, "run stopped at a PATCH: %v, stopped %v", err, rep.Stopped)
	}

	if durable {
		store.Close()
	}
	proof.Restarted(1)
	store = open()
	if durable {
		defer store.Close()
	}
	s2, err := psabilling.New(cw, in, store)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Mappings(ctx); err != nil || len(got) != len(ms) {
		proof.Violation(t, "mappings after restart: %v, %v", got, err)
	}
	rep2, err := s2.Run(ctx)
	if err != nil {
		proof.Violation(t, "run after restart: %v", err)
	}
	if !rep2.Resumed {
		proof.Violation(t, "the run after a stopped one does not say it resumed: %s", rep2)
	}
	if n := psa.CountRequests("PATCH", "/additions/"); n != needed {
		proof.Violation(t, "%d PATCHes across the stop and the resumed run for %d changes", n, needed)
	}
	for _, m := range ms {
		var q float64 = -1
		for _, a := range psa.Additions(m.AgreementID) {
			if a.ID == m.AdditionID {
				q = a.Quantity
			}
		}
		want := 0
		for u, err := range in.Users.All(ctx, m.InfimaClientID, &infima.UserListOptions{Status: infima.StatusActive}) {
			if err != nil {
				t.Fatal(err)
			}
			if u.Status.IsActive() {
				want++
			}
		}
		if q != float64(want) {
			proof.Violation(t, "addition %d: quantity %v, want %d", m.AdditionID, q, want)
		}
	}
	if rep3, err := s2.Run(ctx); err != nil || rep3.Resumed || rep3.Updated != 0 {
		proof.Violation(t, "a third run: %s, %v; want nothing written", rep3, err)
	}
}
