package psabilling

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/httpx"
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

// MappingError reports a mapping set that cannot be planned, naming the
// field.
type MappingError struct {
	// Index is the position of the offending mapping.
	Index int
	// Field is "InfimaClientID", "AgreementID" or "AdditionID".
	Field string
	// Problem says what is wrong.
	Problem string
}

// Error names the mapping and the field.
func (e *MappingError) Error() string {
	return fmt.Sprintf("psabilling: mapping %d: %s %s", e.Index, e.Field, e.Problem)
}

// ValidateMappings checks that every mapping has its ids and that no
// addition is mapped twice: two clients setting one quantity would undo each
// other on every run. One client may bill several additions.
func ValidateMappings(ms []Mapping) error {
	seen := map[[2]int]int{}
	for i, m := range ms {
		switch {
		case m.InfimaClientID <= 0:
			return &MappingError{Index: i, Field: "InfimaClientID", Problem: "is missing"}
		case m.AgreementID <= 0:
			return &MappingError{Index: i, Field: "AgreementID", Problem: "is missing"}
		case m.AdditionID <= 0:
			return &MappingError{Index: i, Field: "AdditionID", Problem: "is missing"}
		}
		k := [2]int{m.AgreementID, m.AdditionID}
		if j, dup := seen[k]; dup {
			return &MappingError{Index: i, Field: "AdditionID", Problem: fmt.Sprintf("%d of agreement %d is already mapped by mapping %d: an addition bills one client", m.AdditionID, m.AgreementID, j)}
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

// Problem is a mapping that could not be planned or applied.
type Problem struct {
	Mapping
	// Err is the cause.
	Err error
}

// Error describes the problem.
func (p Problem) Error() string {
	return fmt.Sprintf("client %d → agreement %d addition %d: %v", p.InfimaClientID, p.AgreementID, p.AdditionID, p.Err)
}

// Unwrap returns the cause.
func (p Problem) Unwrap() error { return p.Err }

// Plan is the outcome of a dry run.
type Plan struct {
	// Changes are the additions whose quantity differs from the count.
	Changes []Change
	// Unchanged are the additions already at the count.
	Unchanged []Change
	// Problems are mappings that could not be planned: a client INFIMA no
	// longer lists, an agreement or addition the PSA does not have.
	Problems []Problem
}

// Result is the outcome of Apply.
type Result struct {
	// Applied are the quantities written; From is the value replaced.
	Applied []Change
	// AlreadyCurrent are planned changes found already done when re-read.
	AlreadyCurrent []Change
	// Failed are changes that could not be written.
	Failed []Problem
}

// DryRun counts each mapped client's active users in INFIMA, reads the
// mapped additions from the PSA, and returns what Apply would change. It
// writes nothing. The error is non-nil only when the run cannot proceed
// (invalid mappings, INFIMA or the PSA refusing the credentials); per-mapping
// problems are in Plan.Problems.
func DryRun(ctx context.Context, cw *connectwise.Client, in *infima.Client, mappings []Mapping) (*Plan, error) {
	if cw == nil || in == nil {
		return nil, errors.New("psabilling: DryRun needs a PSA client and an INFIMA client")
	}
	if err := ValidateMappings(mappings); err != nil {
		return nil, err
	}
	plan := &Plan{}
	if len(mappings) == 0 {
		return plan, nil
	}
	clients := map[int]infima.Company{}
	for c, err := range in.Clients.All(ctx, &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}) {
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
			plan.Problems = append(plan.Problems, Problem{m, fmt.Errorf("INFIMA lists no client %d", m.InfimaClientID)})
			continue
		}
		if _, done := additions[m.AgreementID]; !done && missingAgreement[m.AgreementID] == nil {
			adds, err := readAdditions(ctx, cw, m.AgreementID)
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
			plan.Problems = append(plan.Problems, Problem{m, err})
			continue
		}
		add, ok := additions[m.AgreementID][m.AdditionID]
		if !ok {
			plan.Problems = append(plan.Problems, Problem{m, fmt.Errorf("agreement %d has no addition %d", m.AgreementID, m.AdditionID)})
			continue
		}
		n, counted := counts[c.ID]
		if !counted {
			var err error
			if n, err = activeUsers(ctx, in, c.ID); err != nil {
				if infima.IsKeyRejected(err) {
					return nil, fmt.Errorf("psabilling: counting users of %s: %w", c.Name, err)
				}
				plan.Problems = append(plan.Problems, Problem{m, fmt.Errorf("counting INFIMA users: %w", err)})
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

// Apply writes the plan's changes. For each agreement it reads the
// additions again and patches only those not already at the target, so a
// repeated Apply writes nothing. Setting a quantity is idempotent, so a
// patch whose outcome is unknown (a timeout) is simply sent again. The
// error is non-nil when any change failed; Result says which.
func Apply(ctx context.Context, cw *connectwise.Client, plan *Plan) (*Result, error) {
	if cw == nil || plan == nil {
		return nil, errors.New("psabilling: Apply needs a PSA client and a plan")
	}
	res := &Result{}
	current := map[int]map[int]connectwise.Addition{}
	var failures []error
	fail := func(ch Change, err error) {
		p := Problem{ch.Mapping, err}
		res.Failed = append(res.Failed, p)
		failures = append(failures, p)
	}
	for _, ch := range plan.Changes {
		adds, ok := current[ch.AgreementID]
		if !ok {
			var err error
			if adds, err = readAdditions(ctx, cw, ch.AgreementID); err != nil {
				fail(ch, err)
				continue
			}
			current[ch.AgreementID] = adds
		}
		add, ok := adds[ch.AdditionID]
		if !ok {
			fail(ch, fmt.Errorf("agreement %d has no addition %d any more", ch.AgreementID, ch.AdditionID))
			continue
		}
		if add.Quantity == ch.To {
			res.AlreadyCurrent = append(res.AlreadyCurrent, ch)
			continue
		}
		ch.From = add.Quantity
		if _, _, err := cw.Agreements.PatchAddition(httpx.AsIdempotent(ctx), ch.AgreementID, ch.AdditionID, connectwise.Replace("quantity", ch.To)); err != nil {
			fail(ch, fmt.Errorf("setting quantity: %w", err))
			continue
		}
		res.Applied = append(res.Applied, ch)
	}
	if len(failures) > 0 {
		return res, fmt.Errorf("psabilling: %d of %d changes failed: %w", len(failures), len(plan.Changes), errors.Join(failures...))
	}
	return res, nil
}
