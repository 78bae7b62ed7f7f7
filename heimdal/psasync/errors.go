package psasync

import (
	"errors"
	"fmt"

	"github.com/psabridge/psabridge/connectwise"
)

// Reasons a step is refused, wrapped in a *StateError. They stand for the
// buttons the Heimdal Dashboard keeps disabled.
var (
	// ErrNoSettings: nothing was staged with UpdateSettings.
	ErrNoSettings = errors.New("no connection settings: enter them with UpdateSettings")
	// ErrNotTested: Setup.Save (or Setup.CheckAccess) needs a successful
	// TestConnection with exactly the staged settings.
	ErrNotTested = errors.New("the connection was not tested successfully with these settings: run TestConnection first")
	// ErrNoBoards: Run needs at least one configured board.
	ErrNoBoards = errors.New("no board is configured: run ConfigureBoard first")
	// ErrNotReseller: SyncCustomers works at reseller level only.
	ErrNotReseller = errors.New("customer sync (Sync Customers) is available at reseller level only: this Heimdal customer is not a reseller; map it with MapCustomer")
)

// StateError reports a step refused because an earlier one is missing.
// Err is one of the Err* reasons, so errors.Is works on it.
type StateError struct {
	// Op is the refused step ("Save", "Run"...).
	Op  string
	Err error
}

// Error names the refused step and what must happen first.
func (e *StateError) Error() string { return "psasync: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *StateError) Unwrap() error { return e.Err }

// ConnectionError reports a failed TestConnection. Err is the PSA client's
// error: use connectwise.IsUnauthorized and friends on it.
type ConnectionError struct {
	// Site is the API origin that was tried.
	Site string
	Err  error
}

// Error says which site failed and, for the usual causes, what to check.
func (e *ConnectionError) Error() string {
	hint := ""
	switch {
	case connectwise.IsUnauthorized(e.Err):
		hint = " (check the Company Identifier and both keys)"
	case connectwise.IsForbidden(e.Err):
		hint = " (the API member's security role lacks a permission)"
	}
	return fmt.Sprintf("psasync: test connection to %s failed%s: %v", e.Site, hint, e.Err)
}

// Unwrap returns the PSA client's error.
func (e *ConnectionError) Unwrap() error { return e.Err }

// FetchError reports alerts of one customer and board that could not be
// read from Heimdal. For Heimdal Operations it stops that Run from closing
// any ticket.
type FetchError struct {
	CustomerID   string
	CustomerName string
	Board        Board
	Err          error
}

// Error names the board and the customer whose alerts are missing.
func (e *FetchError) Error() string {
	return fmt.Sprintf("psasync: reading %s alerts of Heimdal customer %s: %v", e.Board, customerLabel(e.CustomerID, e.CustomerName), e.Err)
}

// Unwrap returns the Heimdal client's error.
func (e *FetchError) Unwrap() error { return e.Err }

// CompanyError reports a customer mapping whose PSA company cannot receive
// tickets: it does not exist, is deleted or is inactive.
type CompanyError struct {
	CustomerID   string
	CustomerName string
	// Company is the mapped company as far as it is known.
	Company connectwise.Ref
	Problem string
}

// Error names the customer, the company and how to fix the mapping.
func (e *CompanyError) Error() string {
	return fmt.Sprintf("psasync: Heimdal customer %s is mapped to PSA company %s, which %s: map it to another company or unmap it",
		customerLabel(e.CustomerID, e.CustomerName), companyLabel(e.Company), e.Problem)
}

// CustomerError reports a Heimdal customer id the API key cannot see.
type CustomerError struct {
	CustomerID string
	Problem    string
}

// Error names the customer id.
func (e *CustomerError) Error() string {
	return fmt.Sprintf("psasync: Heimdal customer %s %s", e.CustomerID, e.Problem)
}

func customerLabel(id, name string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%s (%s)", id, name)
}

func companyLabel(c connectwise.Ref) string {
	switch {
	case c.Name != "" && c.Identifier != "":
		return fmt.Sprintf("%q (%s, id %d)", c.Name, c.Identifier, c.ID)
	case c.Name != "":
		return fmt.Sprintf("%q (id %d)", c.Name, c.ID)
	}
	return fmt.Sprintf("id %d", c.ID)
}
