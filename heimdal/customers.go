package heimdal

import (
	"context"
	"iter"
)

// CustomersService lists Heimdal customers: the reseller's customers for a
// reseller key, or the single customer for a customer key.
type CustomersService service

// Customer types as Heimdal reports them.
const (
	CustomerTypeReseller = "RESELLER"
	CustomerTypeCorp     = "CORP"
)

// Customer is a Heimdal customer (tenant).
type Customer struct {
	// ID is the customerId every other call is scoped by.
	ID ID `json:"id"`
	// Name is the customer's company name.
	Name string `json:"name"`
	// Type is CustomerTypeReseller or CustomerTypeCorp.
	Type string `json:"type"`
	// ResellerID is the owning reseller, empty for a direct customer.
	ResellerID ID `json:"resellerId"`
	// Email is the customer's contact address, useful to disambiguate
	// companies with similar names.
	Email string `json:"email"`
	// CreatedAt is when the customer was created.
	CreatedAt Time `json:"createdAt"`
}

// IsReseller reports whether the customer is a reseller account.
func (c Customer) IsReseller() bool { return c.Type == CustomerTypeReseller }

// customersPath is the "customers" module of Heimdal's API, which lives
// outside the /2.0/ tree (GET /customers?customerId=).
const customersPath = "/customers"

// List returns one page of the customers visible under customerID (the
// reseller's own id lists its customers). Heimdal's documentation does not
// say whether this module pages; a bare array answer is accepted as a single
// page.
func (s *CustomersService) List(ctx context.Context, customerID string, opts *ListOptions) ([]Customer, *Response, error) {
	lo := orZero(opts)
	q, err := values(customerID, &lo)
	if err != nil {
		return nil, nil, err
	}
	return list[Customer](ctx, s.client, customersPath, q, lo)
}

// All walks every page of customers lazily; opts is not modified.
func (s *CustomersService) All(ctx context.Context, customerID string, opts *ListOptions) iter.Seq2[Customer, error] {
	return allPages(opts, func(o *ListOptions) ([]Customer, *Response, error) { return s.List(ctx, customerID, o) })
}
