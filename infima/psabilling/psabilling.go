package psabilling

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/infima"
)

// Mapping ties an INFIMA client to the PSA agreement addition that bills its
// users.
type Mapping struct {
	// InfimaClientID is the INFIMA client whose active users are billed.
	InfimaClientID int
	// AgreementID is the PSA agreement (/finance/agreements/{id}).
	AgreementID int
	// AdditionID is the per-seat addition on that agreement.
	AdditionID int
}

// ValidateMappings checks that every mapping has its ids and that no
// addition is mapped twice: two clients setting one quantity would undo each
// other on every run. One client may bill several additions. The error is a
// *bridge.ConfigError whose Field is the mapping's Go path
// ("Mappings[2].AdditionID").
func ValidateMappings(ms []Mapping) error {
	seen := map[[2]int]int{}
	bad := func(i int, field, problem string) error { return flow.MappingError("psabilling", i, field, problem) }
	for i, m := range ms {
		switch {
		case m.InfimaClientID <= 0:
			return bad(i, "InfimaClientID", "is missing")
		case m.AgreementID <= 0:
			return bad(i, "AgreementID", "is missing")
		case m.AdditionID <= 0:
			return bad(i, "AdditionID", "is missing")
		}
		k := [2]int{m.AgreementID, m.AdditionID}
		if j, dup := seen[k]; dup {
			return bad(i, "AdditionID", fmt.Sprintf("%d of agreement %d is already mapped by Mappings[%d]: an addition bills one client", m.AdditionID, m.AgreementID, j))
		}
		seen[k] = i
	}
	return nil
}

// Change is one addition's quantity: what it is (From) and what INFIMA says
// it should be (To).
type Change struct {
	Mapping
	// ClientName is the INFIMA client's name.
	ClientName string
	// Product is the addition's product name.
	Product string
	// From is the addition's quantity when read; To the active user count.
	From, To float64
}

// String reads "client (agreement a, addition b): From → To".
func (c Change) String() string {
	return fmt.Sprintf("%s (agreement %d, addition %d): %g → %g", c.ClientName, c.AgreementID, c.AdditionID, c.From, c.To)
}

// Reasons a mapping is skipped by a plan; they key Report.Skipped.
const (
	SkipClientGone    = "client not in INFIMA"
	SkipAgreementGone = "agreement not in the PSA"
	SkipAdditionGone  = "addition not on the agreement"
)

// Problem is a mapping that could not be planned or applied.
type Problem struct {
	Mapping
	// Skip is one of the Skip* reasons when the mapping points at something
	// that no longer exists; "" for a failure (a read or write error).
	Skip string
	// Err is the cause.
	Err error
}

// Error describes the problem.
func (p Problem) Error() string {
	return fmt.Sprintf("client %d → agreement %d addition %d: %v", p.InfimaClientID, p.AgreementID, p.AdditionID, p.Err)
}

// Unwrap returns the cause.
func (p Problem) Unwrap() error { return p.Err }

// Plan is the outcome of a dry run: what Apply would change.
type Plan struct {
	// Changes are the additions whose quantity differs from the count.
	Changes []Change
	// Unchanged are the additions already at the count.
	Unchanged []Change
	// Problems are mappings that could not be planned: a client INFIMA no
	// longer lists, an agreement or addition the PSA does not have, users
	// that could not be counted.
	Problems []Problem
}

// FlowName names this flow in reports, progress and store keys.
const FlowName = "infima-psa-billing"

// DefaultInstance is the instance name used without WithInstance.
const DefaultInstance = "default"

// Option adjusts the flow.
type Option func(*options)

type options struct {
	instance string
	progress flow.ProgressFunc
	now      func() time.Time
}

// WithInstance names the integration instance whose state the store keeps
// (DefaultInstance without it). It must not contain "/".
func WithInstance(name string) Option { return func(o *options) { o.instance = name } }

// WithProgress calls fn after each addition Apply handles, with Step "Sync
// customers" and Key the client's name. Calls never overlap.
func WithProgress(fn flow.ProgressFunc) Option { return func(o *options) { o.progress = fn } }

// Syncer is the INFIMA counts → PSA billing flow. It is built from the PSA
// and INFIMA clients it uses (one PSA client shared by several flows is one
// rate budget) and a flow.Store that keeps its mappings, whether the last
// run finished, and which additions failed. The PSA itself holds the
// quantities: every write is preceded by a read, so a restarted or
// repeated run writes only what is still wrong.
type Syncer struct {
	cw    *connectwise.Client
	in    *infima.Client
	store flow.Store
	opts  options
	keys  string // "infima-psa-billing/<instance>/"

	run sync.Mutex // runs do not overlap
}

// New returns the flow. A missing part gives a *bridge.ConfigError naming
// it.
func New(cw *connectwise.Client, in *infima.Client, store flow.Store, opts ...Option) (*Syncer, error) {
	o := options{instance: DefaultInstance, now: time.Now}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	bad := func(field, problem string) error {
		return &bridge.ConfigError{API: "psabilling", Field: field, Problem: problem}
	}
	switch {
	case cw == nil:
		return nil, bad("PSA", "is nil: pass the ConnectWise PSA client")
	case in == nil:
		return nil, bad("INFIMA", "is nil: pass the INFIMA client")
	}
	if err := cmp.Or(flow.NeedStore("psabilling", store), flow.CheckInstance("psabilling", o.instance)); err != nil {
		return nil, err
	}
	return &Syncer{cw: cw, in: in, store: store, opts: o, keys: FlowName + "/" + o.instance + "/"}, nil
}

const stateVersion = 1

type mappingsDoc struct {
	Version  int
	Mappings []Mapping
}

type runDoc struct {
	Version  int
	Started  time.Time
	Complete bool
}

type failedDoc struct {
	Version int
	Since   time.Time
	Count   int
	Reason  string
}

func (s *Syncer) failedKey(m Mapping) string {
	return fmt.Sprintf("%sfailed/%d/%d", s.keys, m.AgreementID, m.AdditionID)
}

// SaveMappings validates ms (ValidateMappings) and stores them; the next
// plan uses them. Nothing is stored when validation fails.
func (s *Syncer) SaveMappings(ctx context.Context, ms []Mapping) error {
	if err := ValidateMappings(ms); err != nil {
		return err
	}
	return flow.PutJSON(ctx, s.store, s.keys+"mappings", mappingsDoc{Version: stateVersion, Mappings: ms})
}

// Mappings returns the stored mappings: an empty slice, never nil, before
// SaveMappings, as every flow's Mappings does. A stored
// set that does not decode, is from another version or does not validate
// gives a *flow.StateError matching flow.ErrCorrupt: nothing is planned or
// written from it.
func (s *Syncer) Mappings(ctx context.Context) ([]Mapping, error) {
	key := s.keys + "mappings"
	doc, err := flow.GetJSON[mappingsDoc](ctx, s.store, key)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		return []Mapping{}, nil
	case err != nil:
		return nil, fmt.Errorf("psabilling: reading mappings: %w", err)
	case doc.Version != stateVersion:
		return nil, &flow.StateError{Key: key, Problem: fmt.Sprintf("written by state version %d; this version reads %d", doc.Version, stateVersion), Err: flow.ErrCorrupt}
	}
	if err := ValidateMappings(doc.Mappings); err != nil {
		return nil, &flow.StateError{Key: key, Problem: "stored mappings are invalid: " + err.Error(), Err: flow.ErrCorrupt}
	}
	return append([]Mapping{}, doc.Mappings...), nil
}

// Check reports, item by item, whether the flow can run: the PSA
// connection, the INFIMA connection ("Test Connection"), the mappings, and
// each mapped client, agreement and addition. It writes nothing; the error
// is non-nil only when ctx ended.
func (s *Syncer) Check(ctx context.Context) (*flow.CheckReport, error) {
	rep := &flow.CheckReport{Flow: FlowName}
	add := rep.Add
	info, _, err := s.cw.System.Info(ctx)
	if !rep.AddConnection(ctx, "PSA connection", err, func() string { return "ConnectWise PSA " + info.Version }, "no quantity can be read or written") {
		return nil, ctx.Err()
	}
	p, _, err := s.in.Partner.Get(ctx)
	if !rep.AddConnection(ctx, "Test Connection", err, func() string { return "INFIMA partner " + p.Name }, "no user can be counted") {
		return nil, ctx.Err()
	}
	ms, err := s.Mappings(ctx)
	switch {
	case err != nil:
		add("Mappings", flow.Missing, err.Error(), "nothing is billed until the mappings are saved again")
		return rep, nil
	case len(ms) == 0:
		add("Mappings", flow.Missing, "no INFIMA client is mapped to an agreement addition", "nothing is billed")
		return rep, nil
	}
	add("Mappings", flow.Granted, fmt.Sprintf("%d additions mapped", len(ms)), "")
	plan, err := s.plan(ctx, ms)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		add("Plan", flow.Unknown, err.Error(), "the mapped quantities could not be read")
		return rep, nil
	}
	for _, p := range plan.Problems {
		i := slices.Index(ms, p.Mapping)
		add(fmt.Sprintf("Mappings[%d]", i), flow.Warning, p.Error(), "this addition's quantity is not kept in step")
	}
	return rep, nil
}

// Plan is the dry run ("Preview"): it counts each mapped client's active
// users in INFIMA, reads the mapped additions from the PSA, and returns what
// Apply would change. It writes nothing. The error is non-nil only when the
// plan cannot proceed (stored mappings unusable, INFIMA or the PSA refusing
// the credentials); per-mapping problems are in Plan.Problems.
func (s *Syncer) Plan(ctx context.Context) (*Plan, error) {
	ms, err := s.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	return s.plan(ctx, ms)
}

func (s *Syncer) plan(ctx context.Context, mappings []Mapping) (*Plan, error) {
	plan := &Plan{}
	if len(mappings) == 0 {
		return plan, nil
	}
	clients := map[int]infima.Company{}
	for c, err := range s.in.Clients.All(ctx, &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}) {
		if err != nil {
			return nil, fmt.Errorf("psabilling: listing INFIMA clients: %w", err)
		}
		clients[c.ID] = c
	}
	counts := map[int]int{}
	additions := map[int]map[int]connectwise.Addition{}
	missingAgreement := map[int]error{}
	for _, m := range mappings {
		c, ok := clients[m.InfimaClientID]
		if !ok {
			plan.Problems = append(plan.Problems, Problem{m, SkipClientGone, fmt.Errorf("INFIMA lists no client %d", m.InfimaClientID)})
			continue
		}
		if _, done := additions[m.AgreementID]; !done && missingAgreement[m.AgreementID] == nil {
			adds, err := readAdditions(ctx, s.cw, m.AgreementID)
			switch {
			case connectwise.IsNotFound(err):
				missingAgreement[m.AgreementID] = fmt.Errorf("the PSA has no agreement %d", m.AgreementID)
			case err != nil:
				return nil, err
			default:
				additions[m.AgreementID] = adds
			}
		}
		if err := missingAgreement[m.AgreementID]; err != nil {
			plan.Problems = append(plan.Problems, Problem{m, SkipAgreementGone, err})
			continue
		}
		add, ok := additions[m.AgreementID][m.AdditionID]
		if !ok {
			plan.Problems = append(plan.Problems, Problem{m, SkipAdditionGone, fmt.Errorf("agreement %d has no addition %d", m.AgreementID, m.AdditionID)})
			continue
		}
		n, counted := counts[c.ID]
		if !counted {
			var err error
			if n, err = activeUsers(ctx, s.in, c.ID); err != nil {
				if infima.IsKeyRejected(err) || ctx.Err() != nil {
					return nil, fmt.Errorf("psabilling: counting users of %s: %w", c.Name, err)
				}
				plan.Problems = append(plan.Problems, Problem{m, "", fmt.Errorf("counting INFIMA users: %w", err)})
				continue
			}
			counts[c.ID] = n
		}
		ch := Change{Mapping: m, ClientName: c.Name, Product: add.Product.Name, From: add.Quantity, To: float64(n)}
		if ch.From == ch.To {
			plan.Unchanged = append(plan.Unchanged, ch)
		} else {
			plan.Changes = append(plan.Changes, ch)
		}
	}
	order := func(a, b Change) int { return cmp.Compare(a.ClientName, b.ClientName) }
	slices.SortStableFunc(plan.Changes, order)
	slices.SortStableFunc(plan.Unchanged, order)
	return plan, nil
}

// readAdditions returns an agreement's additions by id.
func readAdditions(ctx context.Context, cw *connectwise.Client, agreementID int) (map[int]connectwise.Addition, error) {
	out := map[int]connectwise.Addition{}
	for a, err := range cw.Agreements.AllAdditions(ctx, agreementID, nil) {
		if err != nil {
			if connectwise.IsNotFound(err) {
				return nil, err
			}
			return nil, fmt.Errorf("psabilling: reading additions of agreement %d: %w", agreementID, err)
		}
		out[a.ID] = a
	}
	return out, nil
}

// activeUsers counts a client's active users. The status is checked again
// on each user in case a server ignores the filter: a bill must not count
// people who left.
func activeUsers(ctx context.Context, in *infima.Client, clientID int) (int, error) {
	n := 0
	for u, err := range in.Users.All(ctx, clientID, &infima.UserListOptions{Status: infima.StatusActive, ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}) {
		if err != nil {
			return 0, err
		}
		if u.Status.IsActive() {
			n++
		}
	}
	return n, nil
}

// Report describes one Run or Apply. Its core counts additions: Updated
// were written, Unchanged were already at the count (planned so, or found
// so when re-read), Skipped counts the plan's problems by Skip reason,
// Failed the additions that could not be counted or written.
type Report struct {
	flow.Report
	// Plan is what was applied.
	Plan *Plan
	// Applied are the quantities written; From is the value replaced.
	Applied []Change
	// AlreadyCurrent are planned changes found already done when re-read
	// (by someone else, or by a run stopped after its write).
	AlreadyCurrent []Change
	// Stopped is set when the context ended before every change was
	// handled; the next run finishes the rest and says it resumed.
	Stopped bool
}

// Run plans and applies in one step: "Sync customers". See Plan and Apply.
func (s *Syncer) Run(ctx context.Context) (*Report, error) {
	s.run.Lock()
	defer s.run.Unlock()
	start := s.opts.now()
	rep := &Report{Report: flow.Report{Flow: FlowName}}
	plan, err := s.Plan(ctx)
	if err != nil {
		rep.Stopped = true
		rep.Duration = s.opts.now().Sub(start)
		return rep, err
	}
	return s.apply(ctx, plan, start)
}

// Apply writes a reviewed plan's changes (the dry-run-first workflow:
// Plan, show it to a person, then Apply). For each agreement it reads the
// additions again and patches only those not already at the target, so a
// repeated or resumed Apply writes nothing twice. Setting a quantity is a
// replace-only patch, which the connectwise client retries safely when an
// answer is lost. The error is non-nil when any change failed or the
// context ended; the report says which.
func (s *Syncer) Apply(ctx context.Context, plan *Plan) (*Report, error) {
	if plan == nil {
		return nil, &bridge.ConfigError{API: "psabilling", Field: "Plan", Problem: "is nil: pass what Plan returned"}
	}
	s.run.Lock()
	defer s.run.Unlock()
	return s.apply(ctx, plan, s.opts.now())
}

func (s *Syncer) apply(ctx context.Context, plan *Plan, start time.Time) (*Report, error) {
	rep := &Report{Report: flow.Report{Flow: FlowName}, Plan: plan}
	defer func() { rep.Duration = s.opts.now().Sub(start) }()
	runKey := s.keys + "run"
	prev, err := flow.GetJSON[runDoc](ctx, s.store, runKey)
	switch {
	case errors.Is(err, flow.ErrNotFound):
	case err != nil:
		rep.Stopped = true
		return rep, fmt.Errorf("psabilling: reading run state: %w", err)
	default:
		rep.Resumed = !prev.Complete
	}
	if err := flow.PutJSON(ctx, s.store, runKey, runDoc{Version: stateVersion, Started: start}); err != nil {
		rep.Stopped = true
		return rep, fmt.Errorf("psabilling: recording the run's start: %w", err)
	}
	rep.Unchanged = len(plan.Unchanged)
	var failures []error
	for _, p := range plan.Problems {
		if p.Skip != "" {
			rep.Skip(p.Skip)
			continue
		}
		rep.Fail(p.Mapping.key(), p.Err)
		failures = append(failures, p)
	}
	current := map[int]map[int]connectwise.Addition{}
	fail := func(ch Change, err error) {
		p := Problem{Mapping: ch.Mapping, Err: err}
		rep.Fail(ch.key(), err)
		failures = append(failures, p)
		s.recordFailure(ctx, ch.Mapping, err)
	}
	for i, ch := range plan.Changes {
		if ctx.Err() != nil {
			rep.Stopped = true
			return rep, fmt.Errorf("psabilling: stopped with %d of %d changes handled: %w", i, len(plan.Changes), context.Cause(ctx))
		}
		adds, ok := current[ch.AgreementID]
		if !ok {
			var err error
			if adds, err = readAdditions(ctx, s.cw, ch.AgreementID); err != nil {
				if ctx.Err() != nil {
					continue // reported as a stop by the next iteration's check
				}
				fail(ch, err)
				continue
			}
			current[ch.AgreementID] = adds
		}
		add, ok := adds[ch.AdditionID]
		switch {
		case !ok:
			fail(ch, fmt.Errorf("agreement %d has no addition %d any more", ch.AgreementID, ch.AdditionID))
			continue
		case add.Quantity == ch.To:
			rep.AlreadyCurrent = append(rep.AlreadyCurrent, ch)
			rep.Unchanged++
			s.clearFailure(ctx, ch.Mapping)
			s.progress(i+1, len(plan.Changes), ch, "already current")
			continue
		}
		ch.From = add.Quantity
		if _, _, err := s.cw.Agreements.PatchAddition(ctx, ch.AgreementID, ch.AdditionID, connectwise.Replace("quantity", ch.To)); err != nil {
			if ctx.Err() != nil {
				continue
			}
			fail(ch, fmt.Errorf("setting quantity: %w", err))
			continue
		}
		rep.Applied = append(rep.Applied, ch)
		rep.Updated++
		s.clearFailure(ctx, ch.Mapping)
		s.progress(i+1, len(plan.Changes), ch, fmt.Sprintf("%g → %g", ch.From, ch.To))
	}
	if ctx.Err() != nil {
		rep.Stopped = true
		return rep, fmt.Errorf("psabilling: stopped: %w", context.Cause(ctx))
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := flow.PutJSON(wctx, s.store, runKey, runDoc{Version: stateVersion, Started: start, Complete: true}); err != nil {
		failures = append(failures, fmt.Errorf("recording the run's end: %w", err))
	}
	if len(failures) > 0 {
		return rep, fmt.Errorf("psabilling: %d of %d mappings failed: %w", len(failures), len(plan.Changes)+len(plan.Unchanged)+len(plan.Problems), errors.Join(failures...))
	}
	return rep, nil
}

func (m Mapping) key() string {
	return fmt.Sprintf("client %d → agreement %d addition %d", m.InfimaClientID, m.AgreementID, m.AdditionID)
}

func (s *Syncer) progress(done, total int, ch Change, detail string) {
	if s.opts.progress != nil {
		s.opts.progress(flow.Progress{Flow: FlowName, Step: "Sync customers", Done: done, Total: total, Key: ch.ClientName, Detail: detail})
	}
}

// recordFailure keeps a failed addition in the store, so the failure (and
// since when it fails) outlives the process.
func (s *Syncer) recordFailure(ctx context.Context, m Mapping, err error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.opts.now()
	_ = flow.UpdateJSON(wctx, s.store, s.failedKey(m), func(d failedDoc, found bool) (failedDoc, error) {
		if !found || d.Version != stateVersion {
			d = failedDoc{Version: stateVersion, Since: now}
		}
		d.Count++
		d.Reason = err.Error()
		return d, nil
	})
}

func (s *Syncer) clearFailure(ctx context.Context, m Mapping) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = s.store.Delete(wctx, s.failedKey(m))
}

// Failures returns the additions whose last write failed, by mapping, with
// the reason and since when; a later success clears them.
func (s *Syncer) Failures(ctx context.Context) (map[Mapping]string, error) {
	entries, err := flow.ListJSON[failedDoc](ctx, s.store, s.keys+"failed/")
	if err != nil {
		return nil, err
	}
	out := map[Mapping]string{}
	ms, err := s.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		d := e.Value
		for _, m := range ms {
			if s.failedKey(m) == e.Key {
				out[m] = fmt.Sprintf("%s (since %s, %d times)", d.Reason, d.Since.Format(time.RFC3339), d.Count)
			}
		}
	}
	return out, nil
}
