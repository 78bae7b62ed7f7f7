package infimasync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
)

// pick returns the mappings of the given clients.
func pick(all []infimasync.Mapping, ids ...int) []infimasync.Mapping {
	var out []infimasync.Mapping
	for _, m := range all {
		for _, id := range ids {
			if m.InfimaClientID == id {
				out = append(out, m)
			}
		}
	}
	return out
}

func TestSyncDeliversMappedClients(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	in := newInfima(t, srv)
	ids := srv.ClientIDs()
	fresh := srv.FreshClientID()
	mapped := pick(syntheticMappings(srv), ids[0], ids[1], ids[2], fresh)
	store := infimasynctest.NewRecorder()
	var progress []flow.Progress
	s := newSyncer(t, in, nil, store, mapped,
		infimasync.WithProgress(func(p flow.Progress) { progress = append(progress, p) }))
	srv.ResetRequests()
	rep, err := s.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Clients != 4 || rep.Synced != 4 || rep.NoData != 1 || rep.Delivered() != 9 || rep.Skipped["no data"] != 3 || rep.Unchanged != 0 || rep.Stopped {
		t.Errorf("report: %s", rep)
	}
	// One page of twelve clients, one users page per mapped client.
	if rep.Calls != 5 || len(srv.Requests()) != 5 {
		t.Errorf("API calls: reported %d, server saw %d, want 5", rep.Calls, len(srv.Requests()))
	}
	for _, id := range ids[3 : len(ids)-1] {
		if n := srv.CountRequests("", fmt.Sprintf("/v1/clients/%d/", id)); n != 0 {
			t.Errorf("unmapped client %d was read (%d requests)", id, n)
		}
	}
	// A freshly onboarded client sends nothing.
	if ds := store.For(pick(mapped, fresh)[0].SiteKey()); len(ds) != 0 {
		t.Errorf("fresh client delivered %d categories", len(ds))
	}
	// What lands on the site is what BuildClientReport builds from all
	// users (status=all), though the sync asks for active users only.
	for _, m := range mapped[:3] {
		company, _, err := in.Clients.Find(t.Context(), m.InfimaClientID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := clientReport(t.Context(), in, *company)
		if err != nil {
			t.Fatal(err)
		}
		for kind, fp := range map[infimasync.Kind]string{
			infimasync.KindTrainingStats:   want.Training.Fingerprint(),
			infimasync.KindPhishingResults: want.Phishing.Fingerprint(),
			infimasync.KindCourseSchedule:  want.Schedule.Fingerprint(),
		} {
			d, ok := store.Latest(m.SiteKey(), kind)
			if !ok {
				t.Errorf("client %d: no %s on %s", m.InfimaClientID, kind, m.SiteKey())
				continue
			}
			got := ""
			switch p := d.Payload.(type) {
			case *infimasync.TrainingStats:
				got = p.Fingerprint()
			case *infimasync.PhishingResults:
				got = p.Fingerprint()
			case *infimasync.CourseSchedule:
				got = p.Fingerprint()
			}
			if got != fp {
				t.Errorf("client %d %s: payload %T differs from BuildClientReport over all users", m.InfimaClientID, kind, d.Payload)
			}
		}
		if kinds := store.For(m.SiteKey()); len(kinds) != 3 || kinds[0].Kind != infimasync.KindTrainingStats || kinds[2].Kind != infimasync.KindCourseSchedule {
			t.Errorf("site %s got %d deliveries, out of order or incomplete", m.SiteKey(), len(kinds))
		}
	}
	if len(progress) != 4 || progress[3].Done != 4 || progress[3].Total != 4 {
		t.Errorf("progress = %+v", progress)
	}
}

func TestLaterSyncsSendOnlyChanges(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	ids := srv.ClientIDs()
	fresh := srv.FreshClientID()
	all := syntheticMappings(srv)
	mapped := pick(all, ids[0], ids[1], fresh)
	store := infimasynctest.NewRecorder()
	s := newSyncer(t, newInfima(t, srv), nil, store, mapped)
	ctx := t.Context()
	run := func(wantDelivered int, why string) *infimasync.Report {
		t.Helper()
		before := store.Len()
		rep, err := s.Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", why, err)
		}
		if rep.Delivered() != wantDelivered || store.Len()-before != wantDelivered {
			t.Fatalf("%s: %s (store got %d)", why, rep, store.Len()-before)
		}
		return rep
	}
	run(6, "initial sync")
	if rep := run(0, "nothing changed"); rep.Unchanged != 6 || rep.Calls != 4 {
		t.Errorf("second run: %s", rep)
	}

	// A verdict flips but nothing falls overdue: only training changes.
	if err := srv.SetUserTraining(ids[0], onTrackUser(t, srv, ids[0]), false, 0); err != nil {
		t.Fatal(err)
	}
	run(1, "one user's training verdict changed")
	d, _ := store.Latest(mapped[0].SiteKey(), infimasync.KindTrainingStats)
	if d.Seq != store.Len() {
		t.Errorf("the new delivery is not training")
	}
	// Overdue courses also raise the user's risk score, which is part of
	// the phishing category: both are sent.
	if err := srv.SetUserTraining(ids[0], onTrackUser(t, srv, ids[0]), false, 2); err != nil {
		t.Fatal(err)
	}
	before := store.Len()
	run(2, "courses fell overdue")
	if ds := store.Deliveries()[before:]; ds[0].Kind != infimasync.KindTrainingStats || ds[1].Kind != infimasync.KindPhishingResults {
		t.Errorf("delivered %s and %s", ds[0].Kind, ds[1].Kind)
	}

	if err := srv.AddPhishingTest(ids[1], srv.UserEmails(ids[1])[0], infima.PhishingTest{Outcome: infima.OutcomeReported}); err != nil {
		t.Fatal(err)
	}
	run(1, "one phishing test added")

	// The fresh client gets its first verdict: it starts sending.
	if err := srv.SetUserTraining(fresh, srv.UserEmails(fresh)[0], true, 0); err != nil {
		t.Fatal(err)
	}
	run(1, "fresh client's first training verdict")

	// Every upcoming course of a client is done: the empty schedule is
	// sent once so the Training screen stops showing stale courses.
	for _, e := range srv.UserEmails(ids[1]) {
		if err := srv.SetNextCourse(ids[1], e, "", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	run(1, "schedule emptied")
	d, _ = store.Latest(mapped[1].SiteKey(), infimasync.KindCourseSchedule)
	if cs := d.Payload.(*infimasync.CourseSchedule); cs.HasData() {
		t.Errorf("schedule still has %d assignments", len(cs.Assignments))
	}
	run(0, "schedule still empty")
}

func TestSyncMovedClientAndMissingClient(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	ids := srv.ClientIDs()
	all := syntheticMappings(srv)
	store := infimasynctest.NewRecorder()
	s := newSyncer(t, newInfima(t, srv), nil, store, pick(all, ids[0], ids[1]))
	if _, err := s.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	moved := pick(all, ids[0])[0]
	moved.SiteID = "another-site"
	if err := infimasync.SaveMappingsOffline(t.Context(), s, append(pick(all, ids[1]), moved)); err != nil {
		t.Fatal(err)
	}
	if err := srv.RemoveClient(ids[1]); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered() != 3 || len(store.For(moved.SiteKey())) != 3 {
		t.Errorf("moved client: %s", rep)
	}
	if len(rep.Missing) != 1 || rep.Missing[0].InfimaClientID != ids[1] || rep.Clients != 1 {
		t.Errorf("missing = %+v (%s)", rep.Missing, rep)
	}
}

func TestSyncPagesUsersPast50(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	big := srv.AddClient(infimatest.ClientSpec{Name: "Big Co", Users: 130})
	in := newInfima(t, srv)
	active := 0
	for u, err := range in.Users.All(t.Context(), big, &infima.UserListOptions{Status: infima.StatusActive}) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Status.IsActive() {
			active++
		}
	}
	if active <= 100 {
		t.Fatalf("only %d active users; the test needs three pages", active)
	}
	store := infimasynctest.NewRecorder()
	m := infimasync.Mapping{InfimaClientID: big, CompanyID: "co", SiteID: "big"}
	s := newSyncer(t, in, nil, store, []infimasync.Mapping{m})
	srv.ResetRequests()
	rep, err := s.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := store.Latest(m.SiteKey(), infimasync.KindTrainingStats)
	if ts := d.Payload.(*infimasync.TrainingStats); ts.ActiveUsers != active {
		t.Errorf("ActiveUsers = %d, want %d", ts.ActiveUsers, active)
	}
	if n := srv.CountRequests("", fmt.Sprintf("/v1/clients/%d/users", big)); n != 3 || srv.MaxLimitSeen() != infima.MaxLimit {
		t.Errorf("%d users requests at limit %d, want 3 at 50", n, srv.MaxLimitSeen())
	}
	if rep.Calls != 4 {
		t.Errorf("APICalls = %d, want 4", rep.Calls)
	}
}

// The key is regenerated in INFIMA after some deliveries: the sync stops
// with the rotation error, what was delivered stays, and a sync with the new
// key sends exactly the rest.
func TestKeyRotatedMidSync(t *testing.T) {
	srv := infimatest.NewServer(infimatest.WithClients(40, 10))
	defer srv.Close()
	store := infimasynctest.NewRecorder()
	state := flow.NewMemoryStore()
	var delivered atomic.Int32
	var newKey string
	var once sync.Once
	sink := infimasync.SinkFunc(func(ctx context.Context, d infimasync.Delivery) error {
		if err := store.Deliver(ctx, d); err != nil {
			return err
		}
		if delivered.Add(1) == 10 {
			once.Do(func() { newKey = srv.RotateKey() })
		}
		return nil
	})
	s := newSyncer(t, newInfima(t, srv), state, sink, syntheticMappings(srv))
	rep, err := s.Run(t.Context())
	if !errors.Is(err, infima.ErrKeyRejected) || !infima.IsKeyRejected(err) {
		t.Fatalf("err = %v, want the key-rejected error", err)
	}
	if d := infimasync.Diagnose(err); d == nil || d.Cause != infimasync.CauseKeyRejected {
		t.Errorf("Diagnose = %v", d)
	}
	if !rep.Stopped || rep.NotAttempted == 0 || rep.Delivered() < 10 || rep.Delivered() != store.Len() {
		t.Errorf("report: %s; store holds %d", rep, store.Len())
	}
	if len(rep.Failed) != 0 {
		t.Errorf("a stop is not a failure per client: %v", rep.Failed)
	}
	if !strings.Contains(err.Error(), "regenerated") {
		t.Errorf("error does not say the key was regenerated: %v", err)
	}
	kept := store.Len()

	// The old Syncer keeps failing until the new key is pasted.
	if _, err := s.Run(t.Context()); !infima.IsKeyRejected(err) {
		t.Errorf("second run with the old key: %v", err)
	}
	in2, err := infima.NewClient(newKey, srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	s2 := newSyncer(t, in2, state, sink, nil) // the mappings are in the store
	rep2, err := s2.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if total := 39 * 3; kept+rep2.Delivered() != total || store.Len() != total {
		t.Errorf("before rotation %d + after %d = %d deliveries, want %d", kept, rep2.Delivered(), store.Len(), total)
	}
	seen := map[string]bool{}
	for _, d := range store.Deliveries() {
		k := d.SiteKey + " " + string(d.Kind)
		if seen[k] {
			t.Errorf("%s delivered twice", k)
		}
		seen[k] = true
	}
}

func TestSinkFailureIsRetriedNextRun(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	ids := srv.ClientIDs()
	mapped := pick(syntheticMappings(srv), ids[0], ids[1])
	store := infimasynctest.NewRecorder()
	var failing atomic.Bool
	failing.Store(true)
	sink := infimasync.SinkFunc(func(ctx context.Context, d infimasync.Delivery) error {
		if failing.Load() && d.InfimaClientID == ids[1] && d.Kind == infimasync.KindPhishingResults {
			return errors.New("ingestion unavailable")
		}
		return store.Deliver(ctx, d)
	})
	state := flow.NewMemoryStore()
	s := newSyncer(t, newInfima(t, srv), state, sink, mapped)
	rep, err := s.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "ingestion unavailable") {
		t.Fatalf("err = %v", err)
	}
	if len(rep.Failed) != 1 || !strings.HasSuffix(rep.Failed[0].Key, string(infimasync.KindPhishingResults)) || rep.Delivered() != 5 || rep.Synced != 1 || rep.Stopped {
		t.Errorf("report: %s, failed %v", rep, rep.Failed)
	}
	// The failure outlives this Syncer: a fresh one on the same store
	// reports it recovered.
	failing.Store(false)
	s = newSyncer(t, newInfima(t, srv), state, sink, nil)
	rep, err = s.Run(t.Context())
	if err != nil || rep.Delivered() != 1 || rep.Unchanged != 5 || rep.Recovered != 1 {
		t.Errorf("retry run: %s, %v", rep, err)
	}
}

func TestSyncTransientErrorsAreRetriedByTheClient(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	ids := srv.ClientIDs()
	in := newInfima(t, srv, infima.WithMaxRetryAfter(time.Millisecond)) // the 503s say Retry-After: 1
	s := newSyncer(t, in, nil, infimasynctest.NewRecorder(), pick(syntheticMappings(srv), ids[0]))
	srv.ResetRequests()
	srv.InjectStatus(503, 2)
	rep, err := s.Run(t.Context())
	if err != nil || rep.Delivered() != 3 {
		t.Errorf("%s, %v", rep, err)
	}
	if rep.Calls != 2 || len(srv.Requests()) != 4 {
		t.Errorf("%d calls reported, %d requests seen; want 2 and 4 (two retried)", rep.Calls, len(srv.Requests()))
	}
}

func TestSyncStopsWhenContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := infimatest.NewUnstartedServer(infimatest.WithClients(30, 5), infimatest.WithLatency(time.Second))
		in, err := infima.NewClient(srv.APIKey(), srv.InMemoryOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		store := infimasynctest.NewRecorder()
		store.AfterDeliver(func(infimasync.Delivery) {
			if store.Len() == 3 {
				cancel()
			}
		})
		s := newSyncer(t, in, nil, store, syntheticMappings(srv))
		rep, err := s.Run(ctx)
		if !errors.Is(err, context.Canceled) || !rep.Stopped || rep.NotAttempted == 0 {
			t.Errorf("%s, %v", rep, err)
		}
		if rep.Delivered() != store.Len() {
			t.Errorf("reported %d deliveries, store has %d", rep.Delivered(), store.Len())
		}
	})
}

func TestNewRefusesMissingParts(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	in := newInfima(t, srv)
	asio := offlineAsio(t)
	st := flow.NewMemoryStore()
	sink := infimasynctest.NewRecorder()
	for want, f := range map[string]func() (*infimasync.Syncer, error){
		"INFIMA": func() (*infimasync.Syncer, error) { return infimasync.New(nil, asio, st, sink) },
		"Asio":   func() (*infimasync.Syncer, error) { return infimasync.New(in, nil, st, sink) },
		"Store":  func() (*infimasync.Syncer, error) { return infimasync.New(in, asio, nil, sink) },
		"Sink":   func() (*infimasync.Syncer, error) { return infimasync.New(in, asio, st, nil) },
		"Instance": func() (*infimasync.Syncer, error) {
			return infimasync.New(in, asio, st, sink, infimasync.WithInstance("a/b"))
		},
	} {
		var ce *bridge.ConfigError
		if s, err := f(); !errors.As(err, &ce) || s != nil || ce.Field != want {
			t.Errorf("missing %s: %v", want, err)
		}
	}
	s := newSyncer(t, in, st, sink, nil)
	if rep, err := s.Run(t.Context()); err != nil || rep.Calls != 0 {
		t.Errorf("no mappings: %s, %v", rep, err)
	}
}

// RunEvery on a fake clock: the first run at once, the next after the
// interval, and only changes are pushed.
func TestRunEveryCadence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := infimatest.NewUnstartedServer()
		in, err := infima.NewClient(srv.APIKey(), srv.InMemoryOptions()...)
		if err != nil {
			t.Fatal(err)
		}
		ids := srv.ClientIDs()
		store := infimasynctest.NewRecorder()
		s := newSyncer(t, in, nil, store, pick(syntheticMappings(srv), ids[0], ids[1]))
		ctx, cancel := context.WithCancel(t.Context())
		var mu sync.Mutex
		var reports []*flow.Report
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			done <- flow.RunEvery(ctx, s, flow.Schedule{Every: 30 * time.Minute, Jitter: -1, OnResult: func(r flow.Result) {
				if r.Err != nil {
					t.Errorf("run: %v", r.Err)
				}
				mu.Lock()
				reports = append(reports, r.Report)
				mu.Unlock()
			}})
		}()
		count := func() int {
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			return len(reports)
		}
		if n := count(); n != 1 || reports[0].Created+reports[0].Updated != 6 {
			t.Fatalf("after start: %d runs", n)
		}
		time.Sleep(29 * time.Minute)
		if n := count(); n != 1 {
			t.Fatalf("ran %d times before the interval", n)
		}
		time.Sleep(time.Minute)
		if n := count(); n != 2 || reports[1].Created+reports[1].Updated != 0 || reports[1].Unchanged != 6 {
			t.Fatalf("second run: %d runs, %s", n, reports[n-1])
		}
		if err := srv.SetUserTraining(ids[0], onTrackUser(t, srv, ids[0]), false, 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Minute)
		if n := count(); n != 3 || reports[2].Created+reports[2].Updated != 1 {
			t.Fatalf("third run: %d runs, %s", n, reports[n-1])
		}
		if store.Len() != 7 {
			t.Errorf("store holds %d deliveries, want 7", store.Len())
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunEvery returned %v after cancel", err)
		}
		if d := time.Since(start); d != time.Hour {
			t.Errorf("fake clock advanced %s", d)
		}
	})
}

// Under flow.RunEvery a rotated key fails each run, and the loop backs
// off instead of hammering INFIMA with a key it refuses.
func TestRunEveryBacksOffOnRotatedKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := infimatest.NewUnstartedServer()
		in, _ := infima.NewClient(srv.APIKey(), srv.InMemoryOptions()...)
		ids := srv.ClientIDs()
		s := newSyncer(t, in, nil, infimasynctest.NewRecorder(), pick(syntheticMappings(srv), ids[0]))
		var mu sync.Mutex
		var results []flow.Result
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			done <- flow.RunEvery(ctx, s, flow.Schedule{Every: time.Hour, Jitter: -1, MaxBackoff: 4 * time.Hour, OnResult: func(r flow.Result) {
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}})
		}()
		synctest.Wait()
		srv.RotateKey()
		// Runs at 0 (ok), 1h (rejected), then after 1h, 2h, 4h, 4h.
		time.Sleep(12*time.Hour + time.Minute)
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		if len(results) != 6 {
			t.Fatalf("%d runs in 12h, want 6", len(results))
		}
		for i, r := range results[1:] {
			if !infima.IsKeyRejected(r.Err) || r.Failures != i+1 {
				t.Fatalf("run %d: failures %d, err %v", i+1, r.Failures, r.Err)
			}
		}
	})
}

// onTrackUser returns an active user whose training is on track with
// nothing overdue, read through the API like any client would.
func onTrackUser(t *testing.T, srv *infimatest.Server, clientID int) string {
	t.Helper()
	c, err := infima.NewClient(srv.APIKey(), srv.InMemoryOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	for u, err := range c.Users.All(t.Context(), clientID, &infima.UserListOptions{Status: infima.StatusActive}) {
		if err != nil {
			t.Fatal(err)
		}
		if u.TrainingOnTrack != nil && *u.TrainingOnTrack && u.CoursesBehind == 0 {
			return u.Email
		}
	}
	t.Fatalf("client %d has no user on track", clientID)
	return ""
}

// A client with no users at all (just added in INFIMA) is empty, not an
// error.
func TestSyncClientWithoutUsers(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	empty := srv.AddClient(infimatest.ClientSpec{Name: "Empty Co", Users: 0})
	store := infimasynctest.NewRecorder()
	s := newSyncer(t, newInfima(t, srv), nil, store, []infimasync.Mapping{{InfimaClientID: empty, CompanyID: "c", SiteID: "s"}})
	rep, err := s.Run(t.Context())
	if err != nil || rep.Synced != 1 || rep.NoData != 1 || rep.Skipped["no data"] != 3 || store.Len() != 0 {
		t.Errorf("%s, %v", rep, err)
	}
}
