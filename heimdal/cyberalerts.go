package heimdal

import (
	"context"
	"iter"
	"time"
)

// CyberAlertsService lists the email alerts of the Accounts section
// (SectionCyberAlerts: Ransomware Encryption Protection, Privileged Access
// Management, Next-Gen Antivirus, VectorN Detection, Zero-Trust).
//
// Heimdal's public material does not document the endpoint behind these
// alerts (only the board name is Heimdal's). This client calls
// AlertPaths.CyberAlerts, by default GET /2.0/alerts/getEmailAlerts (a
// guess; see WithAlertPaths), which heimdaltest serves; a 404 comes back as
// *EndpointUnavailableError naming the setting.
type CyberAlertsService service

// EmailAlert is one Cyber Alerts email alert about an endpoint.
type EmailAlert struct {
	// ID is Heimdal's id of the alert.
	ID ID `json:"id"`
	// Type is the module code (REP, PAM, NGAV, VND, ZT) or its display
	// name; SectionCyberAlerts.LookupModule maps both.
	Type string `json:"type"`
	// Severity is Heimdal's level.
	Severity string `json:"severity"`
	// Title is the alert's summary.
	Title string `json:"title"`
	// Description is the alert's full text.
	Description string `json:"description"`
	// ClientInfoID identifies the endpoint concerned.
	ClientInfoID ID `json:"clientInfoId"`
	// Hostname is the endpoint's name.
	Hostname string `json:"hostname"`
	// FirstSeen is when the alert was raised.
	FirstSeen Time `json:"firstSeen"`
	// LastUpdate is when the alert's content last changed.
	LastUpdate Time `json:"lastUpdate"`
}

// AlertListOptions filter the alert lists.
type AlertListOptions struct {
	// StartDate is the lower bound on alerts' last update; zero means
	// none. It is sent in UTC as DateLayout.
	StartDate time.Time `url:"startDate,omitempty" layout:"2006-01-02T15:04:05"`
	// EndDate is the upper bound, like StartDate.
	EndDate time.Time `url:"endDate,omitempty" layout:"2006-01-02T15:04:05"`
	ListOptions
}

// List returns one page of the customer's Cyber Alerts email alerts.
func (s *CyberAlertsService) List(ctx context.Context, customerID string, opts *AlertListOptions) ([]EmailAlert, *Response, error) {
	return listAlerts[EmailAlert](ctx, s.client, "CyberAlerts", s.client.alerts.CyberAlerts, customerID, opts)
}

// All walks every page of Cyber Alerts lazily; opts is not modified.
func (s *CyberAlertsService) All(ctx context.Context, customerID string, opts *AlertListOptions) iter.Seq2[EmailAlert, error] {
	return allPages(opts, func(o *AlertListOptions) ([]EmailAlert, *Response, error) { return s.List(ctx, customerID, o) })
}
