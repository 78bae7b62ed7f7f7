package officeprotecttest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/psabridge/psabridge/officeprotect"
)

// Source is an in-memory officeprotect.EventSource. It is safe for
// concurrent use; the zero value is not: use NewSource.
type Source struct {
	mu      sync.Mutex
	tenants []officeprotect.Tenant
	events  []officeprotect.Event
	err     error
	calls   int
}

// NewSource returns an empty source.
func NewSource() *Source { return &Source{} }

// AddTenant adds a tenant, or replaces the one with the same id.
func (s *Source) AddTenant(t officeprotect.Tenant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.tenants {
		if s.tenants[i].ID == t.ID {
			s.tenants[i] = t
			return
		}
	}
	s.tenants = append(s.tenants, t)
}

// SetTenantActive activates or deactivates a tenant; it reports whether
// the tenant exists.
func (s *Source) SetTenantActive(id string, active bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.tenants {
		if s.tenants[i].ID == id {
			s.tenants[i].Active = active
			return true
		}
	}
	return false
}

// Add records events as Office Protect would raise them. An event whose id
// is already present in its tenant replaces it (the same event, updated):
// event ids are unique only within a tenant.
func (s *Source) Add(events ...officeprotect.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		i := slices.IndexFunc(s.events, func(x officeprotect.Event) bool { return x.ID == e.ID && x.TenantID == e.TenantID })
		if i >= 0 {
			s.events[i] = e
			continue
		}
		s.events = append(s.events, e)
	}
}

// InjectFault makes every later call fail with err until ClearFaults, for
// tests of an Office Protect outage (the simulators' names for the same
// control).
func (s *Source) InjectFault(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// ClearFaults restores service.
func (s *Source) ClearFaults() { s.InjectFault(nil) }

// Calls returns how many times Tenants and Events were called, failed
// calls included: the Go-side counterpart of the simulators'
// CountRequests.
func (s *Source) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// call counts a call and answers the error it must fail with, if any. The
// caller holds s.mu.
func (s *Source) call(ctx context.Context) error {
	s.calls++
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.err
}

// Tenants returns every tenant, inactive ones included.
func (s *Source) Tenants(ctx context.Context) ([]officeprotect.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call(ctx); err != nil {
		return nil, err
	}
	return slices.Clone(s.tenants), nil
}

// Events returns the events triggered at or after since, oldest first.
func (s *Source) Events(ctx context.Context, since time.Time) ([]officeprotect.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.call(ctx); err != nil {
		return nil, err
	}
	var out []officeprotect.Event
	for _, e := range s.events {
		if !e.TriggeredAt.Before(since) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b officeprotect.Event) int { return a.TriggeredAt.Compare(b.TriggeredAt) })
	return out, nil
}
