package infimasync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/security360"
)

// DefaultConcurrency is how many clients a run reads at once. The INFIMA
// client's rate limiter, not this number, bounds the request rate; a few
// workers only keep the limiter busy while responses are in flight.
const DefaultConcurrency = 4

// DefaultInterval is a cadence for flow.RunEvery (Schedule.Every).
const DefaultInterval = time.Hour

// stateWriteTimeout bounds a state write made after the run's context
// ended: a delivery already shown must be recorded even when the stop
// arrives just after it, or a restart would show it twice.
const stateWriteTimeout = 10 * time.Second

// Syncer is the INFIMA → Security 360 flow. It is built from the INFIMA and
// Asio clients it uses and a flow.Store that keeps everything it must
// remember (settings, mappings, what each site shows, failures), so a new
// Syncer on the same store carries on where the last one stopped. It is
// safe for concurrent use; runs do not overlap.
//
// One process runs an instance at a time: the bbolt store enforces that
// with its file lock. Over a store several processes share (Redis), hold a
// lock around Run, or two runs may deliver the same change twice.
type Syncer struct {
	infima *infima.Client
	asio   *security360.Client
	store  flow.Store
	sink   Sink
	opts   *options
	keys   keys

	// run serialises Run: two overlapping runs would deliver the same
	// change twice.
	run sync.Mutex
}

// New returns the flow. in reads INFIMA; asio lists the sites mappings
// point at (Check, SaveMappings, SuggestMappings); store keeps the state;
// sink receives the deliveries. A missing part gives a *bridge.ConfigError
// naming it.
func New(in *infima.Client, asio *security360.Client, store flow.Store, sink Sink, opts ...Option) (*Syncer, error) {
	bad := func(field, problem string) error {
		return &bridge.ConfigError{API: "infimasync", Field: field, Problem: problem}
	}
	o := resolve(opts)
	switch {
	case in == nil:
		return nil, bad("INFIMA", "is nil: pass the INFIMA client (see Settings.NewClient)")
	case asio == nil:
		return nil, bad("Asio", "is nil: pass the Security 360 (Asio) client")
	case sink == nil:
		return nil, bad("Sink", "is nil")
	}
	if err := cmp.Or(flow.NeedStore("infimasync", store), flow.CheckInstance("infimasync", o.instance)); err != nil {
		return nil, err
	}
	return &Syncer{infima: in, asio: asio, store: store, sink: sink, opts: o, keys: newKeys(o.instance)}, nil
}

// Report describes one run. Its core counts categories: Created were
// shown on their site for the first time, Updated replaced what the site
// showed, Unchanged matched the last delivery and were not sent, Skipped
// counts "no data" categories (a freshly onboarded client sends nothing) and
// "client not in INFIMA" mappings. Calls counts INFIMA requests.
type Report struct {
	flow.Report
	// Started is when the run began.
	Started time.Time
	// Clients is how many mapped clients INFIMA still lists; Synced how
	// many were read and delivered without error.
	Clients, Synced int
	// NoData counts synced clients that had nothing to show.
	NoData int
	// Missing are mappings whose client INFIMA no longer lists.
	Missing []Mapping
	// Recovered counts categories delivered that an earlier run had
	// failed to deliver.
	Recovered int
	// NotAttempted counts clients left untouched because the run stopped.
	NotAttempted int
	// Stopped is set when the run ended early: the key was rejected, the
	// context ended, or the stored state could not be used. Run's error
	// says why; the next run resumes.
	Stopped bool
}

// Delivered is the number of categories sent (Created + Updated).
func (r *Report) Delivered() int { return r.Created + r.Updated }

// String summarises the report on one line.
func (r *Report) String() string {
	s := fmt.Sprintf("%s; %d/%d clients synced (%d with no data), %d missing", r.Report.String(), r.Synced, r.Clients, r.NoData, len(r.Missing))
	if r.Recovered > 0 {
		s += fmt.Sprintf(", %d recovered", r.Recovered)
	}
	if r.Stopped {
		s += fmt.Sprintf("; stopped, %d clients not attempted", r.NotAttempted)
	}
	return s
}

// runState is what one run reads from the store before it starts.
type runState struct {
	delivered map[string]string // delivered key → fingerprint
	failed    map[string]failedDoc
}

// Run syncs every mapped client once: "Sync customers" in the setup
// guide's words. The report is always returned. The error is non-nil when
// the run stopped (a rejected key, matching infima.ErrKeyRejected; a
// cancelled context; stored state that cannot be used, matching
// flow.ErrCorrupt; the client list unreadable) or when some clients failed
// (the error joins their failures). Everything delivered before a stop
// stays delivered and recorded, so the next run, in this process or
// another on the same store, sends only the rest and says it resumed.
func (s *Syncer) Run(ctx context.Context) (*Report, error) {
	s.run.Lock()
	defer s.run.Unlock()
	rep := &Report{Report: flow.Report{Flow: FlowName}, Started: s.opts.now()}
	var calls atomic.Int64
	defer func() {
		rep.Calls = int(calls.Load())
		rep.Duration = s.opts.now().Sub(rep.Started)
	}()
	stop := func(err error) (*Report, error) {
		rep.Stopped = true
		return rep, err
	}

	// Everything stored is read and checked before the first call to
	// INFIMA: nothing is delivered from state that failed validation.
	mappings, err := s.Mappings(ctx)
	if err != nil {
		return stop(err)
	}
	st, err := s.readState(ctx)
	if err != nil {
		return stop(err)
	}
	prev, found, err := load[runDoc](ctx, s.store, s.keys.run())
	if err != nil {
		return stop(fmt.Errorf("infimasync: reading run state: %w", err))
	}
	rep.Resumed = found && !prev.Complete
	if err := flow.PutJSON(ctx, s.store, s.keys.run(), runDoc{Version: stateVersion, Started: rep.Started}); err != nil {
		return stop(fmt.Errorf("infimasync: recording the run's start: %w", err))
	}
	finish := func() error {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateWriteTimeout)
		defer cancel()
		return flow.PutJSON(wctx, s.store, s.keys.run(), runDoc{Version: stateVersion, Started: rep.Started, Finished: s.opts.now(), Complete: true})
	}
	if len(mappings) == 0 {
		return rep, finish()
	}

	companies, err := s.listClients(ctx, &calls)
	if err != nil {
		return stop(fmt.Errorf("infimasync: sync stopped: listing INFIMA clients: %w", err))
	}
	type job struct {
		m Mapping
		c infima.Company
	}
	var jobs []job
	for _, m := range mappings {
		c, ok := companies[m.InfimaClientID]
		if !ok {
			rep.Missing = append(rep.Missing, m)
			rep.Skip("client not in INFIMA")
			continue
		}
		m.ClientName = c.Name
		jobs = append(jobs, job{m, c})
	}
	rep.Clients = len(jobs)

	// fetchCtx ends on the first rejected key, so no worker starts another
	// request with a key INFIMA no longer accepts. Deliveries use ctx: data
	// already read is still valid and is handed over.
	fetchCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu       sync.Mutex // guards rep, stopErr, done
		stopErr  error
		done     int
		failures []error
	)
	queue := make(chan job)
	var wg sync.WaitGroup
	for range min(s.opts.workers, len(jobs)) {
		wg.Go(func() {
			for j := range queue {
				res := s.syncClient(ctx, fetchCtx, j.m, j.c, st, &calls)
				mu.Lock()
				rep.Created += res.created
				rep.Updated += res.updated
				rep.Recovered += res.recovered
				switch {
				case res.fetchErr != nil && infima.IsKeyRejected(res.fetchErr):
					if stopErr == nil {
						stopErr = res.fetchErr
						cancel(res.fetchErr)
					}
					mu.Unlock()
					continue
				case res.fetchErr != nil && fetchCtx.Err() != nil, res.stopped:
					// Cut short by the stop, not failed on its own.
					mu.Unlock()
					continue
				}
				done++
				rep.Unchanged += res.unchanged
				for range res.empty {
					rep.Skip("no data")
				}
				for _, f := range res.failures {
					rep.Failed = append(rep.Failed, f)
					failures = append(failures, f.Err)
				}
				if len(res.failures) == 0 {
					rep.Synced++
					if res.created+res.updated+res.unchanged == 0 {
						rep.NoData++
					}
				}
				if s.opts.progress != nil {
					p := flow.Progress{Flow: FlowName, Step: "Sync customers", Done: done, Total: len(jobs), Key: j.m.ClientName,
						Detail: fmt.Sprintf("%d sent, %d unchanged, %d without data", res.created+res.updated, res.unchanged, res.empty)}
					if len(res.failures) > 0 {
						p.Err = res.failures[0].Err
					}
					s.opts.progress(p)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case queue <- j:
		case <-fetchCtx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	rep.NotAttempted = len(jobs) - done
	switch {
	case stopErr != nil:
		rep.Stopped = true
		return rep, fmt.Errorf("infimasync: sync stopped with %d delivered: %w", rep.Delivered(), stopErr)
	case ctx.Err() != nil:
		rep.Stopped = true
		return rep, fmt.Errorf("infimasync: sync stopped: %w", context.Cause(ctx))
	}
	if err := finish(); err != nil {
		failures = append(failures, fmt.Errorf("recording the run's end: %w", err))
	}
	if len(failures) > 0 {
		return rep, fmt.Errorf("infimasync: %d of %d clients failed: %w", len(rep.Failed), rep.Clients, errors.Join(failures...))
	}
	return rep, nil
}

// readState reads what every site shows and what failed, refusing the run
// when any record does not decode.
func (s *Syncer) readState(ctx context.Context) (*runState, error) {
	st := &runState{delivered: map[string]string{}, failed: map[string]failedDoc{}}
	delivered, err := listVersioned[deliveredDoc](ctx, s.store, s.keys.delivered())
	if err != nil {
		return nil, fmt.Errorf("infimasync: reading delivery state: %w", err)
	}
	for _, e := range delivered {
		st.delivered[e.Key] = e.Value.Fingerprint
	}
	failed, err := listVersioned[failedDoc](ctx, s.store, s.keys.failed())
	if err != nil {
		return nil, fmt.Errorf("infimasync: reading failure state: %w", err)
	}
	for _, e := range failed {
		st.failed[e.Key] = e.Value
	}
	return st, nil
}

// listVersioned reads the records under prefix (a *flow.StateError naming
// the key of one that does not decode) and checks their versions.
func listVersioned[T versioned](ctx context.Context, store flow.Store, prefix string) ([]flow.Keyed[T], error) {
	es, err := flow.ListJSON[T](ctx, store, prefix)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if err := checkVersion(e.Key, e.Value.version()); err != nil {
			return nil, err
		}
	}
	return es, nil
}

// listClients reads every INFIMA client, a full page at a time.
func (s *Syncer) listClients(ctx context.Context, calls *atomic.Int64) (map[int]infima.Company, error) {
	out := map[int]infima.Company{}
	opts := &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}
	for {
		calls.Add(1)
		page, resp, err := s.infima.Clients.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			out[c.ID] = c
		}
		if resp.NextOffset == 0 {
			return out, nil
		}
		opts.Offset = resp.NextOffset
	}
}

// activeUsers reads a client's active users. Asking the server for active
// users only (rather than status=all) keeps a client with many departed
// users from costing extra pages.
func (s *Syncer) activeUsers(ctx context.Context, clientID int, calls *atomic.Int64) ([]infima.User, error) {
	var users []infima.User
	opts := &infima.UserListOptions{Status: infima.StatusActive, ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}
	for {
		calls.Add(1)
		page, resp, err := s.infima.Users.List(ctx, clientID, opts)
		if err != nil {
			return nil, err
		}
		users = append(users, page...)
		if resp.NextOffset == 0 {
			return users, nil
		}
		opts.Offset = resp.NextOffset
	}
}

type clientResult struct {
	fetchErr                    error
	stopped                     bool // the run's context ended mid-client
	created, updated, unchanged int
	empty, recovered            int
	failures                    []flow.Failure
}

// syncClient reads one client and delivers its changed categories. A
// category is sent when it has data, or when it had data before (so the
// Training screen does not keep showing, say, courses that are all done),
// and its fingerprint differs from the last delivery.
func (s *Syncer) syncClient(ctx, fetchCtx context.Context, m Mapping, c infima.Company, st *runState, calls *atomic.Int64) clientResult {
	var res clientResult
	users, err := s.activeUsers(fetchCtx, c.ID, calls)
	if err != nil {
		res.fetchErr = err
		if fetchCtx.Err() == nil && !infima.IsKeyRejected(err) {
			// A failure of this client alone, remembered across restarts;
			// a stop or a rejected key is the run's, not the client's.
			res.failures = []flow.Failure{s.fail(ctx, m, "", fmt.Errorf("reading users: %w", err))}
		}
		return res
	}
	if fkey := s.keys.failedKey(c.ID, clientFailure); hasKey(st.failed, fkey) {
		if err := s.store.Delete(ctx, fkey); err == nil {
			res.recovered++
		}
	}
	r := BuildClientReport(c, users)
	for _, kind := range Kinds {
		if ctx.Err() != nil {
			res.stopped = true
			return res
		}
		var payload any
		var has bool
		var fp string
		switch kind {
		case KindTrainingStats:
			payload, has, fp = &r.Training, r.Training.HasData(), r.Training.Fingerprint()
		case KindPhishingResults:
			payload, has, fp = &r.Phishing, r.Phishing.HasData(), r.Phishing.Fingerprint()
		case KindCourseSchedule:
			payload, has, fp = &r.Schedule, r.Schedule.HasData(), r.Schedule.Fingerprint()
		}
		key := s.keys.deliveredKey(c.ID, m.CompanyID, m.SiteID, kind)
		last, seen := st.delivered[key]
		switch {
		case !has && !seen:
			res.empty++
			continue
		case seen && last == fp:
			res.unchanged++
			continue
		}
		d := Delivery{CompanyID: m.CompanyID, SiteID: m.SiteID, InfimaClientID: c.ID, ClientName: c.Name, Kind: kind, Payload: payload, Fingerprint: fp}
		if err := s.sink.Deliver(ctx, d); err != nil {
			if ctx.Err() != nil {
				res.stopped = true
				return res
			}
			res.failures = append(res.failures, s.fail(ctx, m, kind, fmt.Errorf("delivering: %w", err)))
			continue
		}
		if seen {
			res.updated++
		} else {
			res.created++
		}
		// Shown: record it even if the stop arrives now.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateWriteTimeout)
		err := flow.PutJSON(wctx, s.store, key, deliveredDoc{Version: stateVersion, Fingerprint: fp, At: s.opts.now()})
		if err == nil {
			if fkey := s.keys.failedKey(c.ID, kind); hasKey(st.failed, fkey) {
				if err = s.store.Delete(wctx, fkey); err == nil {
					res.recovered++
				}
			}
		}
		cancel()
		if err != nil {
			// Delivered, but not recorded: a later run sends it once more
			// (with the same Fingerprint, for a sink that deduplicates).
			res.failures = append(res.failures, flow.Failure{Key: failureKey(m, kind), Reason: "recording the delivery: " + err.Error(), Err: err})
		}
	}
	return res
}

// clientFailure is the failure record's kind when reading a client failed.
const clientFailure Kind = "client"

func hasKey[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }

// fail records a failed category (or client, kind "") in the store, so the
// failure outlives the process, and returns it for the report.
func (s *Syncer) fail(ctx context.Context, m Mapping, kind Kind, err error) flow.Failure {
	f := flow.Failure{Key: failureKey(m, kind), Reason: err.Error(), Err: err}
	if kind == "" {
		kind = clientFailure
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stateWriteTimeout)
	defer cancel()
	now := s.opts.now()
	_ = flow.UpdateJSON(wctx, s.store, s.keys.failedKey(m.InfimaClientID, kind), func(d failedDoc, found bool) (failedDoc, error) {
		if !found || d.Version != stateVersion {
			d = failedDoc{Version: stateVersion, Since: now}
		}
		d.Count++
		d.Reason = f.Reason
		return d, nil
	})
	return f
}

func failureKey(m Mapping, kind Kind) string {
	k := fmt.Sprintf("client %d (%s)", m.InfimaClientID, m.ClientName)
	if kind != "" {
		k += " " + string(kind)
	}
	return k
}
