package infimasync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psabridge/psabridge/infima"
)

// DefaultConcurrency is how many clients a sync reads at once. The INFIMA
// client's rate limiter, not this number, bounds the request rate; a few
// workers only keep the limiter busy while responses are in flight.
const DefaultConcurrency = 4

// DefaultInterval is the cadence RunEvery uses when given none.
const DefaultInterval = time.Hour

// StateKey identifies what was last delivered: one category of one client on
// one site. A client moved to another site is delivered there afresh.
type StateKey struct {
	// ClientID is the INFIMA client.
	ClientID int
	// CompanyID and SiteID are the Asio site it was delivered to.
	CompanyID, SiteID string
	// Kind is the category.
	Kind Kind
}

// StateStore persists the fingerprints of what was delivered, so a
// restarted process does not push everything again. A Syncer keeps the same
// state in memory; a StateStore only adds persistence. Save is called from
// several goroutines at once.
type StateStore interface {
	// Load returns every fingerprint saved so far.
	Load(ctx context.Context) (map[StateKey]string, error)
	// Save records that the category was delivered with fingerprint.
	Save(ctx context.Context, key StateKey, fingerprint string) error
}

// SyncOption configures a Syncer.
type SyncOption func(*Syncer)

// WithConcurrency sets how many clients are read at once (default
// DefaultConcurrency; values below 1 mean 1).
func WithConcurrency(n int) SyncOption {
	return func(s *Syncer) { s.workers = max(n, 1) }
}

// WithStateStore persists delivery fingerprints in st.
func WithStateStore(st StateStore) SyncOption { return func(s *Syncer) { s.state = st } }

// WithProgress calls fn after each client is done. Calls never overlap, so
// fn needs no locking.
func WithProgress(fn func(Progress)) SyncOption { return func(s *Syncer) { s.progress = fn } }

// Progress reports one finished client during a sync.
type Progress struct {
	// Done counts clients finished so far, Total the clients to sync.
	Done, Total int
	// Mapping is the client and site just finished.
	Mapping Mapping
	// Delivered, Unchanged and Empty count this client's categories.
	Delivered, Unchanged, Empty int
	// Err is the client's failure, if any.
	Err error
}

// Syncer pushes mapped clients' data to a Sink. Create it once and keep it:
// it remembers what it delivered, which is how later runs skip unchanged
// data. It is safe for concurrent use; runs do not overlap.
type Syncer struct {
	client   *infima.Client
	mappings MappingStore
	sink     Sink
	workers  int
	state    StateStore
	progress func(Progress)

	// run serialises Run: two overlapping runs would deliver the same
	// change twice.
	run sync.Mutex

	mu     sync.Mutex
	last   map[StateKey]string
	loaded bool
}

// NewSyncer returns a Syncer reading INFIMA through client, mappings from
// mappings (loaded at the start of every run, so changes apply to the next
// run) and delivering to sink.
func NewSyncer(client *infima.Client, mappings MappingStore, sink Sink, opts ...SyncOption) (*Syncer, error) {
	switch {
	case client == nil:
		return nil, errors.New("infimasync: NewSyncer needs an INFIMA client")
	case mappings == nil:
		return nil, errors.New("infimasync: NewSyncer needs a MappingStore")
	case sink == nil:
		return nil, errors.New("infimasync: NewSyncer needs a Sink")
	}
	s := &Syncer{client: client, mappings: mappings, sink: sink, workers: DefaultConcurrency, last: map[StateKey]string{}}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s, nil
}

// Report describes one sync.
type Report struct {
	// Started is when the run began.
	Started time.Time
	// Duration is how long the run took.
	Duration time.Duration
	// Clients is how many mapped clients INFIMA still lists; Synced how
	// many were read and delivered without error.
	Clients, Synced int
	// NoData counts synced clients that had nothing to show (freshly
	// onboarded): they sent nothing.
	NoData int
	// Delivered, SkippedUnchanged and SkippedEmpty count categories.
	Delivered, SkippedUnchanged, SkippedEmpty int
	// Missing are mappings whose client INFIMA no longer lists.
	Missing []Mapping
	// Failed lists clients or categories that failed; the next run tries
	// them again.
	Failed []Failure
	// NotAttempted counts clients left untouched because the run stopped.
	NotAttempted int
	// APICalls is the number of INFIMA requests made (retries not
	// counted).
	APICalls int
	// Stopped is set when the run ended early: the key was rejected or the
	// context ended. Run's error says why.
	Stopped bool
}

// String summarises the report on one line.
func (r *Report) String() string {
	s := fmt.Sprintf("%d/%d clients synced (%d with no data), %d delivered, %d unchanged, %d empty, %d failed, %d missing, %d INFIMA calls in %s",
		r.Synced, r.Clients, r.NoData, r.Delivered, r.SkippedUnchanged, r.SkippedEmpty, len(r.Failed), len(r.Missing), r.APICalls, r.Duration.Round(time.Millisecond))
	if r.Stopped {
		s += fmt.Sprintf("; stopped, %d clients not attempted", r.NotAttempted)
	}
	return s
}

// Failure is one client (Kind empty) or one category that failed.
type Failure struct {
	// Mapping is the client and site concerned.
	Mapping Mapping
	// Kind is the category that failed, or "" when reading the client did.
	Kind Kind
	// Err is the cause.
	Err error
}

// Error describes the failure.
func (f Failure) Error() string {
	what := fmt.Sprintf("client %d (%s)", f.Mapping.ClientID, f.Mapping.ClientName)
	if f.Kind != "" {
		what += " " + string(f.Kind)
	}
	return what + ": " + f.Err.Error()
}

// Unwrap returns the cause.
func (f Failure) Unwrap() error { return f.Err }

// Run syncs every mapped client once. The report is always returned. The
// error is non-nil when the run stopped (a rejected key, matching
// infima.ErrKeyRejected; a cancelled context; mappings or the client list
// unreadable) or when some clients failed (the error joins their
// failures). Everything delivered before a stop stays delivered and
// remembered.
func (s *Syncer) Run(ctx context.Context) (*Report, error) {
	s.run.Lock()
	defer s.run.Unlock()
	rep := &Report{Started: time.Now()}
	defer func() { rep.Duration = time.Since(rep.Started) }()
	var calls atomic.Int64
	defer func() { rep.APICalls = int(calls.Load()) }()

	stop := func(err error) (*Report, error) {
		rep.Stopped = true
		return rep, err
	}
	if err := s.loadState(ctx); err != nil {
		return stop(err)
	}
	mappings, err := s.mappings.Load(ctx)
	if err != nil {
		return stop(fmt.Errorf("infimasync: loading mappings: %w", err))
	}
	if err := ValidateMappings(mappings); err != nil {
		return stop(err)
	}
	if len(mappings) == 0 {
		return rep, nil
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
		c, ok := companies[m.ClientID]
		if !ok {
			rep.Missing = append(rep.Missing, m)
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
	for range min(s.workers, len(jobs)) {
		wg.Go(func() {
			for j := range queue {
				res := s.syncClient(ctx, fetchCtx, j.m, j.c, &calls)
				mu.Lock()
				if res.fetchErr != nil && fetchCtx.Err() != nil && !infima.IsKeyRejected(res.fetchErr) {
					// Cut short by the stop, not failed on its own.
					mu.Unlock()
					continue
				}
				if res.fetchErr != nil && infima.IsKeyRejected(res.fetchErr) {
					if stopErr == nil {
						stopErr = res.fetchErr
						cancel(res.fetchErr)
					}
					mu.Unlock()
					continue
				}
				done++
				rep.Delivered += res.delivered
				rep.SkippedUnchanged += res.unchanged
				rep.SkippedEmpty += res.empty
				for _, f := range res.failures {
					rep.Failed = append(rep.Failed, f)
					failures = append(failures, f)
				}
				if len(res.failures) == 0 {
					rep.Synced++
					if res.delivered+res.unchanged == 0 {
						rep.NoData++
					}
				}
				if s.progress != nil {
					var perr error
					if len(res.failures) > 0 {
						perr = res.failures[0]
					}
					s.progress(Progress{Done: done, Total: len(jobs), Mapping: j.m, Delivered: res.delivered, Unchanged: res.unchanged, Empty: res.empty, Err: perr})
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
		return rep, fmt.Errorf("infimasync: sync stopped with %d delivered: %w", rep.Delivered, stopErr)
	case ctx.Err() != nil:
		rep.Stopped = true
		return rep, fmt.Errorf("infimasync: sync stopped: %w", context.Cause(ctx))
	case len(failures) > 0:
		return rep, fmt.Errorf("infimasync: %d of %d clients failed: %w", len(rep.Failed), rep.Clients, errors.Join(failures...))
	}
	return rep, nil
}

// loadState reads the StateStore once per Syncer.
func (s *Syncer) loadState(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded || s.state == nil {
		return nil
	}
	saved, err := s.state.Load(ctx)
	if err != nil {
		return fmt.Errorf("infimasync: loading sync state: %w", err)
	}
	maps.Copy(s.last, saved)
	s.loaded = true
	return nil
}

// listClients reads every INFIMA client, a full page at a time.
func (s *Syncer) listClients(ctx context.Context, calls *atomic.Int64) (map[int]infima.Company, error) {
	out := map[int]infima.Company{}
	opts := &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}
	for {
		calls.Add(1)
		page, resp, err := s.client.Clients.List(ctx, opts)
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
// users only (rather than status=all, as infima.Client.Report does) keeps a
// client with many departed users from costing extra pages.
func (s *Syncer) activeUsers(ctx context.Context, clientID int, calls *atomic.Int64) ([]infima.User, error) {
	var users []infima.User
	opts := &infima.UserListOptions{Status: infima.StatusActive, ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}
	for {
		calls.Add(1)
		page, resp, err := s.client.Users.List(ctx, clientID, opts)
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
	delivered, unchanged, empty int
	failures                    []Failure
}

// syncClient reads one client and delivers its changed categories. A
// category is sent when it has data, or when it had data before (so the
// Training screen does not keep showing, say, courses that are all done),
// and its fingerprint differs from the last delivery.
func (s *Syncer) syncClient(ctx, fetchCtx context.Context, m Mapping, c infima.Company, calls *atomic.Int64) clientResult {
	var res clientResult
	users, err := s.activeUsers(fetchCtx, c.ID, calls)
	if err != nil {
		res.fetchErr = err
		res.failures = []Failure{{Mapping: m, Err: fmt.Errorf("reading users: %w", err)}}
		return res
	}
	r := infima.BuildReport(c, users)
	for _, kind := range Kinds {
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
		key := StateKey{ClientID: c.ID, CompanyID: m.CompanyID, SiteID: m.SiteID, Kind: kind}
		s.mu.Lock()
		last, seen := s.last[key]
		s.mu.Unlock()
		switch {
		case !has && !seen:
			res.empty++
			continue
		case seen && last == fp:
			res.unchanged++
			continue
		}
		d := Delivery{CompanyID: m.CompanyID, SiteID: m.SiteID, ClientID: c.ID, ClientName: c.Name, Kind: kind, Payload: payload, Fingerprint: fp}
		if err := s.sink.Deliver(ctx, d); err != nil {
			res.failures = append(res.failures, Failure{Mapping: m, Kind: kind, Err: fmt.Errorf("delivering: %w", err)})
			continue
		}
		res.delivered++
		s.mu.Lock()
		s.last[key] = fp
		s.mu.Unlock()
		if s.state != nil {
			if err := s.state.Save(ctx, key, fp); err != nil {
				// Delivered and remembered in memory; only persistence
				// failed, so a restart would send it once more.
				res.failures = append(res.failures, Failure{Mapping: m, Kind: kind, Err: fmt.Errorf("saving sync state: %w", err)})
			}
		}
	}
	return res
}

// RunEvery runs a sync at once and then every interval (DefaultInterval when
// interval <= 0) until ctx ends, calling after (if non-nil) with each
// run's report and error. A run that overruns the interval is followed
// directly by the next; missed ticks are not made up. It returns nil when
// ctx ends, or the error of a run whose key was rejected: every later run
// would fail the same way until the current key is pasted in, which means a
// new client and a new Syncer.
func (s *Syncer) RunEvery(ctx context.Context, interval time.Duration, after func(*Report, error)) error {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := s.Run(ctx)
		if after != nil {
			after(rep, err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if infima.IsKeyRejected(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
