package ticketsync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psabridge/psabridge/connectwise"
)

// lookupBatch is how many keys one lookup query covers; the conditions
// then exceed a URL and go through POST .../search.
const lookupBatch = 40

// listFields keeps listing pages small: the sync needs only these.
const listFields = "id,externalXRef,board,status,closedFlag,company"

type run struct {
	s     *Syncer
	rep   *Report
	calls atomic.Int64

	mu    sync.Mutex // guards rep and done
	done  int
	total int

	// fatal is the first error that makes further writes pointless
	// (credentials revoked, permission removed).
	fatalOnce sync.Once
	fatalMu   sync.Mutex
	fatal     error
	cancel    context.CancelFunc
	lease     Lease
}

type job struct {
	action  Action
	alert   *Alert
	ticket  connectwise.Ticket
	key     string
	content bool // the alert's content changed (updates only)
}

// Sync reconciles the source's tickets with alerts, the complete desired
// set of the source's open alerts. Invalid alerts are reported failed and
// cause no write. The error is non-nil when the sync could not run or had
// to stop (listing failed, credentials or permissions revoked); the report
// then says what was done before.
func (s *Syncer) Sync(ctx context.Context, alerts []Alert) (*Report, error) {
	rep := &Report{Source: s.policy.Source}
	good, bad := validate(alerts)
	rep.Failed = append(rep.Failed, bad...)
	rep.Results = append(rep.Results, bad...)
	ctx, r, end, err := s.begin(ctx, rep)
	if err != nil {
		return rep, err
	}
	defer end()

	open, err := r.listOpen(ctx)
	if err != nil {
		return rep, err
	}
	jobs, creates := r.plan(good, open)
	if len(creates) > 0 {
		found, err := r.lookup(ctx, creates)
		if err != nil {
			return rep, err
		}
		for _, a := range creates {
			jobs = append(jobs, r.planCreate(a, found[wireKey(a.Key)])...)
		}
	}
	r.total = len(jobs)
	r.execute(ctx, jobs)
	if err := r.fatalErr(); err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if rep.Created > 0 || rep.Reopened > 0 {
		// Another process may have created the same keys meanwhile.
		open, err := r.listOpen(ctx)
		if err != nil {
			return rep, err
		}
		repairs := surplus(open)
		r.total += len(repairs)
		r.execute(ctx, repairs)
	}
	if err := r.fatalErr(); err != nil {
		return rep, err
	}
	return rep, ctx.Err()
}

// begin takes the scope's lock and starts a run reporting into rep; end
// releases everything and stamps the report's calls and duration. A lease
// lost while the run goes on cancels the run's context, so writes in flight
// stop and no new one starts.
func (s *Syncer) begin(ctx context.Context, rep *Report) (context.Context, *run, func(), error) {
	start := time.Now()
	lease, err := s.locker.Lock(ctx, s.scope())
	if err != nil {
		return ctx, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &run{s: s, rep: rep, cancel: cancel, lease: lease}
	stopped := make(chan struct{})
	if lost := lease.Lost(); lost != nil {
		go func() {
			select {
			case <-lost:
				r.stop(fmt.Errorf("ticketsync: %s stopped: %w", s.policy.Source, ErrLeaseLost))
			case <-stopped:
			}
		}()
	}
	end := func() {
		close(stopped)
		cancel()
		lease.Release()
		rep.Calls = int(r.calls.Load())
		rep.Duration = time.Since(start)
	}
	return ctx, r, end, nil
}

// stop records err as the run's fatal error (the first one wins) and
// cancels whatever is in flight.
func (r *run) stop(err error) {
	r.fatalOnce.Do(func() {
		r.fatalMu.Lock()
		r.fatal = err
		r.fatalMu.Unlock()
		r.cancel()
	})
}

// fatalErr is the error that stopped the run, if any.
func (r *run) fatalErr() error {
	r.fatalMu.Lock()
	defer r.fatalMu.Unlock()
	return r.fatal
}

// fence checks the lease before a PSA write: a run whose lease another
// worker may now hold must not write.
func (r *run) fence(ctx context.Context) error {
	if err := r.lease.Check(ctx); err != nil {
		if !errors.Is(err, ErrLeaseLost) {
			err = fmt.Errorf("%w: %w", ErrLeaseLost, err)
		}
		r.stop(fmt.Errorf("ticketsync: %s stopped: %w", r.s.policy.Source, err))
		return err
	}
	return nil
}

// Audit repairs what a Sync cannot see because it reads only open
// tickets: a duplicate that appeared after a sync last looked (a crashed
// sync's create the PSA applied late) and whose twin was then closed. It
// lists every ticket of the source, open and closed, keeps the lowest id of
// each key and retires the others, exactly as Sync repairs open
// duplicates. It costs one call per 1,000 tickets the source ever had, so
// run it occasionally (daily, or after a crash), not with every sync.
func (s *Syncer) Audit(ctx context.Context) (*Report, error) {
	rep := &Report{Source: s.policy.Source}
	ctx, r, end, err := s.begin(ctx, rep)
	if err != nil {
		return rep, err
	}
	defer end()
	every, err := r.collect(ctx, connectwise.Where("externalXRef like ?", s.policy.Source+":%"), nil)
	if err != nil {
		return rep, err
	}
	repairs := surplus(every)
	r.total = len(repairs)
	r.execute(ctx, repairs)
	if err := r.fatalErr(); err != nil {
		return rep, err
	}
	return rep, ctx.Err()
}

// plan diffs the desired alerts against open tickets. Alerts without an
// open ticket are returned separately: they need a lookup first.
func (r *run) plan(good []*Alert, open map[string][]connectwise.Ticket) (jobs []job, creates []*Alert) {
	desired := map[string]bool{}
	for _, a := range good {
		wk := wireKey(a.Key)
		desired[wk] = true
		ts := open[wk]
		if len(ts) == 0 {
			creates = append(creates, a)
			continue
		}
		jobs = append(jobs, r.planExisting(a, ts[0])...)
	}
	for _, wk := range slices.Sorted(maps.Keys(open)) {
		ts := open[wk]
		// Duplicates left by an earlier race: the lowest id stays.
		for _, t := range ts[1:] {
			jobs = append(jobs, job{action: ActionRepaired, ticket: t, key: wk})
		}
		if !desired[wk] && r.s.policy.AutoClose {
			jobs = append(jobs, job{action: ActionClosed, ticket: ts[0], key: wk})
		}
	}
	return jobs, creates
}

func (r *run) planExisting(a *Alert, t connectwise.Ticket) []job {
	_, old, _ := r.s.parseXRef(t.ExternalXRef)
	cur := fingerprint(a)
	if old == cur {
		r.record(Result{Key: a.Key, Action: ActionUnchanged, TicketID: t.ID})
		return nil
	}
	return []job{{action: ActionUpdated, alert: a, ticket: t, key: a.Key, content: contentChanged(old, cur)}}
}

// planCreate decides for an alert with no open ticket in the listing,
// given what the lookup found for its key (any state, lowest id first).
func (r *run) planCreate(a *Alert, found []connectwise.Ticket) []job {
	for _, t := range found {
		if !t.ClosedFlag {
			// Created by a concurrent sync since our listing.
			return r.planExisting(a, t)
		}
	}
	if len(found) > 0 {
		if r.s.policy.KeepClosed {
			// A person closed it: the alert's reappearance is not news.
			r.record(Result{Key: a.Key, Action: ActionKeptClosed, TicketID: found[0].ID})
			return nil
		}
		return []job{{action: ActionReopened, alert: a, ticket: found[0], key: a.Key}}
	}
	return []job{{action: ActionCreated, alert: a, key: a.Key}}
}

// listOpen returns the source's open tickets by wire key, lowest id first.
// surplus returns a repair for every ticket of a key but its first: the
// duplicates a concurrent create or an older process left behind.
func surplus(byKey map[string][]connectwise.Ticket) []job {
	var repairs []job
	for wk, ts := range byKey {
		for _, t := range ts[min(1, len(ts)):] {
			repairs = append(repairs, job{action: ActionRepaired, ticket: t, key: wk})
		}
	}
	return repairs
}

func (r *run) listOpen(ctx context.Context) (map[string][]connectwise.Ticket, error) {
	cond := connectwise.Where("externalXRef like ? and closedFlag = ?", r.s.policy.Source+":%", false)
	return r.collect(ctx, cond, nil)
}

// lookup finds every ticket (open or closed) whose key is among alerts'.
// Batches run concurrently (up to the policy's concurrency): each waits a
// round trip, and run one after another they would hold up the first
// create by that many round trips; the rate limiter still sets the pace.
func (r *run) lookup(ctx context.Context, alerts []*Alert) (map[string][]connectwise.Ticket, error) {
	out := map[string][]connectwise.Ticket{}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, r.s.policy.Concurrency)
	)
	for i := 0; i < len(alerts); i += lookupBatch {
		batch := alerts[i:min(i+lookupBatch, len(alerts))]
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return nil, ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			want := map[string]bool{}
			var cond connectwise.Conditions
			for _, a := range batch {
				wk := wireKey(a.Key)
				want[wk] = true
				cond = cond.Or(connectwise.Where("externalXRef like ?", r.s.policy.Source+":"+wk+"#%"))
			}
			got, err := r.collect(ctx, cond, want)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			for k, v := range got {
				out[k] = v
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// collect pages through tickets matching cond and groups them by wire key,
// keeping only keys in want (when non-nil): like patterns over-match.
func (r *run) collect(ctx context.Context, cond connectwise.Conditions, want map[string]bool) (map[string][]connectwise.Ticket, error) {
	out := map[string][]connectwise.Ticket{}
	opts := connectwise.ListOptions{Conditions: cond, ForwardOnly: true, PageSize: connectwise.MaxPageSize, Fields: listFields}
	for {
		r.calls.Add(1)
		page, resp, err := r.s.client.Tickets.List(ctx, &opts)
		if err != nil {
			return nil, fmt.Errorf("ticketsync: listing %s tickets: %w", r.s.policy.Source, err)
		}
		for _, t := range page {
			wk, _, ok := r.s.parseXRef(t.ExternalXRef)
			if ok && (want == nil || want[wk]) {
				out[wk] = append(out[wk], t)
			}
		}
		if len(page) == 0 || resp.NextPageID == 0 {
			break
		}
		opts.PageID = resp.NextPageID
	}
	for _, ts := range out {
		sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
	}
	return out, nil
}

func (r *run) execute(ctx context.Context, jobs []job) {
	sem := make(chan struct{}, r.s.policy.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res := r.do(ctx, j)
			if res.Err != nil && isFatal(res.Err) {
				r.stop(fmt.Errorf("ticketsync: %s stopped: %w", r.s.policy.Source, res.Err))
			}
			r.record(res)
		}()
	}
	wg.Wait()
}

// isFatal reports errors that will fail every other write too.
func isFatal(err error) bool {
	return connectwise.IsUnauthorized(err) || connectwise.IsForbidden(err)
}

func (r *run) record(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := r.rep
	rep.Results = append(rep.Results, res)
	if res.Err != nil {
		res.Action = ActionFailed
		rep.Results[len(rep.Results)-1] = res
		rep.Failed = append(rep.Failed, res)
	} else {
		switch res.Action {
		case ActionCreated:
			rep.Created++
		case ActionUpdated:
			rep.Updated++
		case ActionReopened:
			rep.Reopened++
		case ActionClosed:
			rep.Closed++
		case ActionUnchanged:
			rep.Unchanged++
			return // not a write: no progress tick
		case ActionKeptClosed:
			rep.KeptClosed++
			return
		case ActionRepaired:
			rep.Repaired++
		}
	}
	r.done++
	if p := r.s.policy.Progress; p != nil {
		p(Progress{Done: r.done, Total: r.total, Action: res.Action, Key: res.Key})
	}
}

func (r *run) do(ctx context.Context, j job) Result {
	res := Result{Key: j.key, Action: j.action, TicketID: j.ticket.ID, ContentChanged: j.content}
	var err error
	switch j.action {
	case ActionCreated:
		res.TicketID, err = r.create(ctx, j.alert)
	case ActionUpdated:
		var status connectwise.Ref
		if j.content {
			status = j.alert.UpdateStatus
		}
		err = r.patch(ctx, j.ticket.ID, r.updateOps(j.alert, j.ticket, status))
	case ActionReopened:
		err = r.patch(ctx, j.ticket.ID, r.updateOps(j.alert, j.ticket, j.alert.Status))
	case ActionClosed:
		var st connectwise.Ref
		if st, err = r.closeStatus(ctx, j.ticket.Board.ID); err == nil {
			err = r.patch(ctx, j.ticket.ID, []connectwise.PatchOp{connectwise.Replace("status", connectwise.Ref{ID: st.ID})})
		}
	case ActionRepaired:
		err = r.retire(ctx, j.ticket)
	}
	res.Err = err
	return res
}

// maxCreateAttempts bounds how often a create with an unknown outcome is
// looked up and tried again.
const maxCreateAttempts = 3

func (r *run) create(ctx context.Context, a *Alert) (int, error) {
	fp := fingerprint(a)
	t := &connectwise.Ticket{
		Summary:            connectwise.TruncateSummary(a.Summary),
		RecordType:         connectwise.RecordServiceTicket,
		Board:              connectwise.Ref{ID: a.Board.ID},
		Status:             connectwise.Ref{ID: a.Status.ID},
		Company:            connectwise.Ref{ID: a.Company.ID},
		Type:               connectwise.Ref{ID: a.Type.ID},
		SubType:            connectwise.Ref{ID: a.SubType.ID},
		Item:               connectwise.Ref{ID: a.Item.ID},
		Priority:           connectwise.Ref{ID: a.Priority.ID},
		InitialDescription: a.Description,
		ExternalXRef:       r.s.xref(a.Key, fp),
		EstimatedStartDate: a.Start.UTC().Truncate(time.Second),
	}
	var lastErr error
	for range maxCreateAttempts {
		if err := r.fence(ctx); err != nil {
			return 0, err
		}
		r.calls.Add(1)
		got, _, err := r.s.client.Tickets.Create(ctx, t)
		if err == nil {
			return got.ID, nil
		}
		if !connectwise.IsOutcomeUnknown(err) || ctx.Err() != nil {
			return 0, err
		}
		lastErr = err
		// The write may have landed: look before writing again.
		found, lerr := r.lookup(ctx, []*Alert{a})
		if lerr != nil {
			return 0, errors.Join(err, lerr)
		}
		for _, ft := range found[wireKey(a.Key)] {
			if !ft.ClosedFlag {
				return ft.ID, nil
			}
		}
	}
	return 0, fmt.Errorf("create still unconfirmed after %d attempts: %w", maxCreateAttempts, lastErr)
}

// updateOps brings ticket t in line with alert a. Everything the
// fingerprint covers is sent, or the fingerprint would record a state the
// ticket does not have (a tenant re-mapped to another company would leave
// its tickets behind forever).
func (r *run) updateOps(a *Alert, t connectwise.Ticket, status connectwise.Ref) []connectwise.PatchOp {
	ops := []connectwise.PatchOp{
		connectwise.Replace("summary", connectwise.TruncateSummary(a.Summary)),
		connectwise.Replace("externalXRef", r.s.xref(a.Key, fingerprint(a))),
	}
	if t.Company.ID != a.Company.ID {
		ops = append(ops, connectwise.Replace("company", connectwise.Ref{ID: a.Company.ID}))
	}
	if t.Board.ID != a.Board.ID {
		// Statuses belong to boards: a ticket moving board needs one of the
		// new board's.
		ops = append(ops, connectwise.Replace("board", connectwise.Ref{ID: a.Board.ID}))
		if status.ID == 0 {
			status = a.Status
		}
	}
	for _, f := range []struct {
		path string
		ref  connectwise.Ref
	}{{"type", a.Type}, {"subType", a.SubType}, {"item", a.Item}, {"priority", a.Priority}} {
		if f.ref.ID != 0 {
			ops = append(ops, connectwise.Replace(f.path, connectwise.Ref{ID: f.ref.ID}))
		}
	}
	if !a.Start.IsZero() {
		ops = append(ops, connectwise.Replace("estimatedStartDate", a.Start.UTC().Truncate(time.Second)))
	}
	if status.ID != 0 {
		ops = append(ops, connectwise.Replace("status", connectwise.Ref{ID: status.ID}))
	}
	return ops
}

func (r *run) patch(ctx context.Context, id int, ops []connectwise.PatchOp) error {
	if err := r.fence(ctx); err != nil {
		return err
	}
	r.calls.Add(1)
	_, _, err := r.s.client.Tickets.Patch(ctx, id, ops...)
	return err
}

// retire removes a duplicate: deleted when the API member may, else closed
// and re-tagged so it never matches the source's key again.
func (r *run) retire(ctx context.Context, t connectwise.Ticket) error {
	if err := r.fence(ctx); err != nil {
		return err
	}
	r.calls.Add(1)
	_, err := r.s.client.Tickets.Delete(ctx, t.ID)
	if err == nil || connectwise.IsNotFound(err) {
		return nil
	}
	if !connectwise.IsForbidden(err) {
		return err
	}
	st, err := r.closeStatus(ctx, t.Board.ID)
	if err != nil {
		return err
	}
	return r.patch(ctx, t.ID, []connectwise.PatchOp{
		connectwise.Replace("status", connectwise.Ref{ID: st.ID}),
		connectwise.Replace("externalXRef", retiredPrefix+strings.TrimSuffix(t.ExternalXRef, "#")+fmt.Sprintf("#%d", t.ID)),
	})
}

// closeStatus returns the board's closed status, reading the board's
// statuses once when the policy does not name one.
func (r *run) closeStatus(ctx context.Context, boardID int) (connectwise.Ref, error) {
	s := r.s
	// Held across the read: eight close jobs for one board must not read
	// its statuses eight times.
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	s.mu.Lock()
	st, ok := s.closeStatus[boardID]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	var best *connectwise.BoardStatus
	// Prefer a status named "Closed", then the lowest sort order.
	better := func(a, b *connectwise.BoardStatus) bool {
		an, bn := strings.EqualFold(a.Name, "Closed"), strings.EqualFold(b.Name, "Closed")
		if an != bn {
			return an
		}
		return a.SortOrder < b.SortOrder
	}
	r.calls.Add(1)
	for bs, err := range s.client.Boards.AllStatuses(ctx, boardID, nil) {
		if err != nil {
			return connectwise.Ref{}, fmt.Errorf("reading statuses of board %d: %w", boardID, err)
		}
		if bs.ClosedStatus && !bs.Inactive && (best == nil || better(&bs, best)) {
			b := bs
			best = &b
		}
	}
	if best == nil {
		return connectwise.Ref{}, fmt.Errorf("board %d has no active closed status to close tickets with", boardID)
	}
	st = connectwise.Ref{ID: best.ID, Name: best.Name}
	s.mu.Lock()
	s.closeStatus[boardID] = st
	s.mu.Unlock()
	return st, nil
}
