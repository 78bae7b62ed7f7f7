package officeprotect

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/internal/namematch"
)

// Mapping ties one Office Protect tenant to one PSA company.
type Mapping struct {
	TenantID string
	// Company is the PSA company the tenant's tickets are filed under.
	Company connectwise.Ref
	// Enabled turns the tenant's flow on; a disabled tenant gets no
	// tickets at all, exactly like an unmapped one.
	Enabled bool
}

// CompanyState is what the PSA says about a mapped company.
type CompanyState string

// States of a mapped company. Anything but CompanyActive stops its
// tickets: the PSA refuses new tickets for deleted and inactive companies.
const (
	CompanyActive   CompanyState = "active"
	CompanyInactive CompanyState = "inactive"
	CompanyDeleted  CompanyState = "deleted"
	CompanyMissing  CompanyState = "missing"
)

// companyState reads a company's state. The PSA models company statuses
// as a user-editable table; the stock "Inactive" status is the one that
// refuses tickets, so that is what is recognised.
func companyState(c *connectwise.Company) CompanyState {
	switch {
	case c == nil:
		return CompanyMissing
	case c.DeletedFlag:
		return CompanyDeleted
	case strings.EqualFold(strings.TrimSpace(c.Status.Name), "Inactive"):
		return CompanyInactive
	}
	return CompanyActive
}

// Suggestion is one row of the organization mapping screen.
type Suggestion struct {
	// Tenant is the Office Protect tenant. Tenants that are no longer
	// active appear only when they still have a mapping (Active false),
	// so the stale mapping can be removed.
	Tenant Tenant
	// Current is the tenant's mapping, nil when it is unmapped.
	Current *Mapping
	// CurrentState is the state of the currently mapped company; anything
	// but CompanyActive means the mapping needs attention. Empty when
	// unmapped.
	CurrentState CompanyState
	// Suggested is the active PSA company whose name or identifier best
	// matches the tenant's name; zero when no company is a confident,
	// unambiguous match. It is only a proposal: a person confirms it with
	// SetMapping.
	Suggested connectwise.Ref
	// Score rates the suggestion from 0.5 (half the words shared) to 1
	// (same name).
	Score float64
}

// SuggestMappings lists the active tenants with their current mapping,
// flags mappings whose company no longer exists or is inactive, and
// proposes a company for each tenant by name.
func (in *Integration) SuggestMappings(ctx context.Context) ([]Suggestion, error) {
	tenants, err := in.source.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("officeprotect: listing tenants: %w", err)
	}
	byID := map[int]connectwise.Company{}
	var active []connectwise.Company
	for c, err := range in.client.Companies.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("officeprotect: listing PSA companies: %w", err)
		}
		byID[c.ID] = c
		if companyState(&c) == CompanyActive {
			active = append(active, c)
		}
	}
	mappings, err := in.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	mapped := map[string]Mapping{}
	for _, m := range mappings {
		mapped[m.TenantID] = m
	}

	var out []Suggestion
	seen := map[string]bool{}
	add := func(t Tenant) {
		s := Suggestion{Tenant: t}
		if m, ok := mapped[t.ID]; ok {
			s.Current = &m
			var co *connectwise.Company
			if c, ok := byID[m.Company.ID]; ok {
				co = &c
			}
			s.CurrentState = companyState(co)
		}
		if t.Active {
			if best, score, ok := namematch.Best(t.Name, active, func(c connectwise.Company) []string {
				return []string{c.Name, c.Identifier}
			}); ok {
				s.Suggested = connectwise.Ref{ID: best.ID, Identifier: best.Identifier, Name: best.Name}
				s.Score = score
			}
		}
		out = append(out, s)
	}
	for _, t := range tenants {
		if t.Active && !seen[t.ID] {
			seen[t.ID] = true
			add(t)
		}
	}
	names := map[string]string{}
	for _, t := range tenants {
		names[t.ID] = t.Name
	}
	for _, m := range mappings {
		if !seen[m.TenantID] {
			add(Tenant{ID: m.TenantID, Name: names[m.TenantID]})
		}
	}
	return out, nil
}

// SetMapping maps an active tenant to a PSA company and enables or
// disables its flow. The company must exist in the PSA and not be deleted;
// an enabled mapping also needs an active company, since the PSA refuses
// tickets for inactive ones.
func (in *Integration) SetMapping(ctx context.Context, tenantID string, companyID int, enabled bool) error {
	tenantID = strings.TrimSpace(tenantID)
	fail := func(problem string, err error) error {
		return settingError("Mapping", tenantID, problem, err)
	}
	if tenantID == "" {
		return settingError("Mapping", "", "tenant id is empty", nil)
	}
	if companyID <= 0 {
		return fail("a PSA company id is required (use RemoveMapping to unmap the tenant)", nil)
	}
	tenants, err := in.source.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("officeprotect: listing tenants: %w", err)
	}
	found := false
	for _, t := range tenants {
		if t.ID == tenantID && t.Active {
			found = true
		}
	}
	if !found {
		return fail("is not an active Office Protect tenant", nil)
	}
	co, _, err := in.client.Companies.Get(ctx, companyID)
	switch {
	case connectwise.IsNotFound(err):
		return fail(fmt.Sprintf("PSA company %d does not exist", companyID), err)
	case err != nil:
		return fmt.Errorf("officeprotect: reading PSA company %d: %w", companyID, err)
	}
	switch companyState(co) {
	case CompanyDeleted:
		return fail(fmt.Sprintf("PSA company %q was deleted", co.Identifier), nil)
	case CompanyInactive:
		if enabled {
			return fail(fmt.Sprintf("PSA company %q is inactive and cannot receive tickets; reactivate it or map the tenant disabled", co.Identifier), nil)
		}
	}
	m := Mapping{TenantID: tenantID, Company: connectwise.Ref{ID: co.ID, Identifier: co.Identifier, Name: co.Name}, Enabled: enabled}
	if err := flow.PutJSON(ctx, in.store, in.mappingKey(tenantID), m); err != nil {
		return fmt.Errorf("officeprotect: saving the mapping of tenant %q: %w", tenantID, err)
	}
	return nil
}

// RemoveMapping unmaps a tenant: it gets no tickets from then on.
func (in *Integration) RemoveMapping(ctx context.Context, tenantID string) error {
	if err := in.store.Delete(ctx, in.mappingKey(strings.TrimSpace(tenantID))); err != nil {
		return fmt.Errorf("officeprotect: removing the mapping of tenant %q: %w", tenantID, err)
	}
	return nil
}

// Mappings returns the current mappings, ordered by tenant id (an empty
// slice, never nil, when there are none). They are
// read from the store; a mapping that does not decode is a
// *flow.StateError naming its key.
func (in *Integration) Mappings(ctx context.Context) ([]Mapping, error) {
	ms, err := in.loadMappings(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.AppendSeq(make([]Mapping, 0, len(ms)), maps.Values(ms))
	slices.SortFunc(out, func(a, b Mapping) int { return strings.Compare(a.TenantID, b.TenantID) })
	return out, nil
}
