package heimdal

import (
	"context"
	"iter"
)

// M365Service lists the alerts of the M365 User Security section
// (SectionM365: LAD, REP Cloud, Forwarding Rules, User Compliance).
//
// Heimdal's public material does not document the endpoint behind these
// alerts (only the board name is Heimdal's). This client calls
// AlertPaths.M365, by default GET /2.0/m365/getAlerts (a guess; see
// WithAlertPaths), which heimdaltest serves; a 404 comes back as
// *EndpointUnavailableError naming the setting.
type M365Service service

// M365Alert is one alert about a Microsoft 365 user.
type M365Alert struct {
	// ID is Heimdal's id of the alert.
	ID ID `json:"id"`
	// Type is the module code (LAD, REP-C, FW-R, SEC-I) or its display
	// name; SectionM365.LookupModule maps both.
	Type string `json:"type"`
	// Severity is Heimdal's level.
	Severity string `json:"severity"`
	// Title is the alert's summary.
	Title string `json:"title"`
	// Description is the alert's full text.
	Description string `json:"description"`
	// UserID is the M365 user's object id.
	UserID ID `json:"userId"`
	// UserPrincipalName is the user's sign-in name, shown on tickets.
	UserPrincipalName string `json:"userPrincipalName"`
	// FirstSeen is when the alert was raised.
	FirstSeen Time `json:"firstSeen"`
	// LastUpdate is when the alert's content last changed.
	LastUpdate Time `json:"lastUpdate"`
}

// List returns one page of the customer's M365 alerts.
func (s *M365Service) List(ctx context.Context, customerID string, opts *AlertListOptions) ([]M365Alert, *Response, error) {
	return listAlerts[M365Alert](ctx, s.client, "M365", s.client.alerts.M365, customerID, opts)
}

// All walks every page of M365 alerts lazily; opts is not modified.
func (s *M365Service) All(ctx context.Context, customerID string, opts *AlertListOptions) iter.Seq2[M365Alert, error] {
	return allPages(opts, func(o *AlertListOptions) ([]M365Alert, *Response, error) { return s.List(ctx, customerID, o) })
}

// listAlerts returns one page of the alert list name (an AlertPaths
// field) served at the configured path.
func listAlerts[T any](ctx context.Context, c *Client, name, configured, customerID string, opts *AlertListOptions) ([]T, *Response, error) {
	path, err := alertPath(name, configured)
	if err != nil {
		return nil, nil, err
	}
	o := orZero(opts)
	o.StartDate, o.EndDate = o.StartDate.UTC(), o.EndDate.UTC()
	q, err := values(customerID, &o)
	if err != nil {
		return nil, nil, err
	}
	items, resp, err := list[T](ctx, c, path, q, o.ListOptions)
	return items, resp, unavailable(name, path, err)
}
