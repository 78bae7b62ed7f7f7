package psasync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/internal/namematch"
)

// Mapping files one Heimdal customer's tickets under one PSA company.
type Mapping struct {
	CustomerID   string
	CustomerName string
	Company      connectwise.Ref
}

// CustomerMatch is one Heimdal customer as SyncCustomers saw it.
type CustomerMatch struct {
	Customer heimdal.Customer
	// Proposed is the active PSA company whose name or identifier best
	// matches the customer's name; zero when none is close enough or two
	// tie (a person decides then).
	Proposed connectwise.Ref
	// Score rates the proposal from 0.5 (the least score proposed) to 1
	// (the same name once case, punctuation and legal suffixes such as
	// "Inc" are set aside); between, it grows with the share of words the
	// names have in common.
	Score float64
	// Mapped is the company the customer is mapped to now; zero if none.
	Mapped connectwise.Ref
}

// CustomerSync is the outcome of SyncCustomers: a proposal to confirm,
// not a change.
type CustomerSync struct {
	// Customers lists every customer of the reseller, in Heimdal's order.
	Customers []CustomerMatch
}

// Proposals returns the customers with a proposed company they are not
// already mapped to.
func (cs *CustomerSync) Proposals() []CustomerMatch {
	var out []CustomerMatch
	for _, m := range cs.Customers {
		if m.Proposed.ID != 0 && m.Proposed.ID != m.Mapped.ID {
			out = append(out, m)
		}
	}
	return out
}

// Unmatched returns the customers that are neither mapped nor matched: they
// produce no tickets until mapped by hand with MapCustomer.
func (cs *CustomerSync) Unmatched() []CustomerMatch {
	var out []CustomerMatch
	for _, m := range cs.Customers {
		if m.Proposed.ID == 0 && m.Mapped.ID == 0 {
			out = append(out, m)
		}
	}
	return out
}

// SyncCustomers is the reseller-level Sync Customers button: it lists the
// reseller's Heimdal customers and proposes, for each, the active PSA
// company that best matches its name, comparing with both the company's
// name and its identifier. Nothing is mapped until the proposals are
// confirmed with Accept (or MapCustomer). A customer-level account gets a
// *StateError with ErrNotReseller.
func (in *Integration) SyncCustomers(ctx context.Context) (*CustomerSync, error) {
	c := in.psa
	customers, err := in.listCustomers(ctx)
	if err != nil {
		return nil, err
	}
	if len(customers) == 1 && string(customers[0].ID) == in.customerID && !customers[0].IsReseller() {
		return nil, &StateError{Op: "SyncCustomers", Err: ErrNotReseller}
	}
	companies, err := activeCompanies(ctx, c)
	if err != nil {
		return nil, err
	}
	mapped, err := in.mappings(ctx)
	if err != nil {
		return nil, err
	}

	cs := &CustomerSync{}
	for _, cu := range customers {
		m := CustomerMatch{Customer: cu, Mapped: mapped[string(cu.ID)].Company}
		if co, score, ok := namematch.Best(cu.Name, companies, func(co connectwise.Company) []string {
			return []string{co.Name, co.Identifier}
		}); ok {
			m.Proposed, m.Score = companyRef(co), score
		}
		cs.Customers = append(cs.Customers, m)
	}
	return cs, nil
}

// Accept confirms proposals from SyncCustomers, mapping each match's
// customer to its Proposed company; matches without a proposal are skipped.
// The companies were active when SyncCustomers read them, so no call is
// made; Run checks them again. Each mapping is stored as it is accepted.
func (in *Integration) Accept(ctx context.Context, matches ...CustomerMatch) error {
	for _, m := range matches {
		if m.Proposed.ID == 0 {
			continue
		}
		id := string(m.Customer.ID)
		if err := in.putMapping(ctx, Mapping{CustomerID: id, CustomerName: m.Customer.Name, Company: m.Proposed}); err != nil {
			return err
		}
	}
	return nil
}

func (in *Integration) putMapping(ctx context.Context, m Mapping) error {
	if err := flow.PutJSON(ctx, in.store, in.mappingKey(m.CustomerID), m); err != nil {
		return fmt.Errorf("psasync: saving the mapping of customer %s: %w", m.CustomerID, err)
	}
	return nil
}

// MapCustomer files Heimdal customer customerID's tickets under PSA company
// companyID. The customer must be the account itself or visible to it (a
// *CustomerError otherwise) and the company must exist and be active (a
// *CompanyError naming it otherwise). Customers without a mapping produce
// no tickets.
func (in *Integration) MapCustomer(ctx context.Context, customerID string, companyID int) error {
	c := in.psa
	in.mu.Lock()
	cu, ok := in.known[customerID]
	in.mu.Unlock()
	// The account's own id is always in scope (a reseller's own devices),
	// though a reseller's customer list does not include it.
	if !ok && customerID == in.customerID {
		cu, ok = heimdal.Customer{ID: heimdal.ID(customerID)}, true
	}
	if !ok {
		// Refresh: the customer may be new since the last listing.
		if _, err := in.listCustomers(ctx); err != nil {
			return err
		}
		in.mu.Lock()
		cu, ok = in.known[customerID]
		in.mu.Unlock()
		if !ok {
			return &CustomerError{CustomerID: customerID, Problem: "is not visible to this Heimdal account"}
		}
	}
	co, _, err := c.Companies.Get(ctx, companyID)
	if err != nil {
		if connectwise.IsNotFound(err) {
			return &CompanyError{CustomerID: customerID, CustomerName: cu.Name, Company: connectwise.Ref{ID: companyID}, Problem: "does not exist"}
		}
		return fmt.Errorf("psasync: reading PSA company %d: %w", companyID, err)
	}
	if problem := companyProblem(*co); problem != "" {
		return &CompanyError{CustomerID: customerID, CustomerName: cu.Name, Company: companyRef(*co), Problem: problem}
	}
	return in.putMapping(ctx, Mapping{CustomerID: customerID, CustomerName: cu.Name, Company: companyRef(*co)})
}

// UnmapCustomer removes a customer's mapping; its Operations tickets are
// closed by the next Run, as nothing is wanted for it any more. It reports
// whether the customer was mapped.
func (in *Integration) UnmapCustomer(ctx context.Context, customerID string) (bool, error) {
	key := in.mappingKey(customerID)
	_, err := in.store.Get(ctx, key)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("psasync: reading the mapping of customer %s: %w", customerID, err)
	}
	if err := in.store.Delete(ctx, key); err != nil {
		return false, fmt.Errorf("psasync: removing the mapping of customer %s: %w", customerID, err)
	}
	return true, nil
}

// Mappings returns the customer mappings, ordered by customer id. They are
// read from the store; one that does not decode is a *flow.StateError
// naming its key.
func (in *Integration) Mappings(ctx context.Context) ([]Mapping, error) {
	ms, err := in.mappings(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Mapping, 0, len(ms))
	for _, m := range ms {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Mapping) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	return out, nil
}

// listCustomers reads the customers the Heimdal account sees and remembers
// them, for names and for MapCustomer's check. A customer-level account
// sees only itself.
func (in *Integration) listCustomers(ctx context.Context) ([]heimdal.Customer, error) {
	out, err := connectwise.Collect(in.heimdal.Customers.All(ctx, in.customerID, nil))
	if err != nil {
		return nil, fmt.Errorf("psasync: listing Heimdal customers of %s: %w", in.customerID, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, cu := range out {
		in.known[string(cu.ID)] = cu
	}
	return out, nil
}

// activeCompanies lists the companies that may receive tickets.
func activeCompanies(ctx context.Context, c *connectwise.Client) ([]connectwise.Company, error) {
	var out []connectwise.Company
	for co, err := range c.Companies.All(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("deletedFlag = ?", false)}) {
		if err != nil {
			return nil, fmt.Errorf("psasync: listing PSA companies: %w", err)
		}
		if companyProblem(co) == "" {
			out = append(out, co)
		}
	}
	return out, nil
}

// companyProblem says why a company cannot receive tickets, or "".
func companyProblem(co connectwise.Company) string {
	switch {
	case co.DeletedFlag:
		return "is deleted"
	case strings.EqualFold(strings.TrimSpace(co.Status.Name), "Inactive"):
		return "is inactive"
	}
	return ""
}

func companyRef(co connectwise.Company) connectwise.Ref {
	return connectwise.Ref{ID: co.ID, Identifier: co.Identifier, Name: co.Name}
}
