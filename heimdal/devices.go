package heimdal

import (
	"context"
	"errors"
	"iter"
	"time"
)

// DevicesService reads the Active Clients view: the customer's endpoints and
// their notifications (SectionDevices).
type DevicesService service

// Device is an active client (an endpoint running the Heimdal agent).
type Device struct {
	// ClientInfoID identifies the device in every device-scoped call.
	ClientInfoID ID `json:"clientInfoId"`
	// Hostname is the device's name.
	Hostname string `json:"hostname"`
	// IPAddress is the last internal address reported.
	IPAddress string `json:"ipAddress"`
	// AgentVersion is the Heimdal agent version.
	AgentVersion string `json:"agentVersion"`
	// OperatingSystem is the OS name and edition.
	OperatingSystem string `json:"operatingSystem"`
	// GroupPolicy is the name of the Group Policy applied.
	GroupPolicy string `json:"groupPolicy"`
	// LastSeen is the agent's last check-in.
	LastSeen Time `json:"lastSeen"`
	// ActiveModules are the Heimdal products enabled on the device.
	ActiveModules []string `json:"activeModules"`
	// Status is the agent status as the dashboard shows it.
	Status string `json:"status"`
}

// DeviceListOptions filter GET /2.0/activeclients.
type DeviceListOptions struct {
	// ClientInfoID restricts the list to one device.
	ClientInfoID string `url:"clientInfoId,omitempty"`
	// StartDate is the lower bound on devices' activity; zero means
	// none. It is sent in UTC as DateLayout.
	StartDate time.Time `url:"startDate,omitempty" layout:"2006-01-02T15:04:05"`
	// EndDate is the upper bound, like StartDate.
	EndDate time.Time `url:"endDate,omitempty" layout:"2006-01-02T15:04:05"`
	ListOptions
}

const (
	activeClientsPath = "/2.0/activeclients"
	notificationsPath = "/2.0/activeclients/getNotifications"
)

// List returns one page of the customer's active clients.
func (s *DevicesService) List(ctx context.Context, customerID string, opts *DeviceListOptions) ([]Device, *Response, error) {
	o := orZero(opts)
	o.StartDate, o.EndDate = o.StartDate.UTC(), o.EndDate.UTC()
	q, err := values(customerID, &o)
	if err != nil {
		return nil, nil, err
	}
	return list[Device](ctx, s.client, activeClientsPath, q, o.ListOptions)
}

// All walks every page of active clients lazily; opts is not modified.
func (s *DevicesService) All(ctx context.Context, customerID string, opts *DeviceListOptions) iter.Seq2[Device, error] {
	return allPages(opts, func(o *DeviceListOptions) ([]Device, *Response, error) { return s.List(ctx, customerID, o) })
}

// DeviceNotification is one entry of a device's Notifications modal (Active
// Clients → Standard view): a condition that is present until it is fixed.
type DeviceNotification struct {
	// ID is Heimdal's id of the notification.
	ID ID `json:"id"`
	// ClientInfoID identifies the device.
	ClientInfoID ID `json:"clientInfoId"`
	// Hostname is the device's name.
	Hostname string `json:"hostname"`
	// Type is the module code (CPU, MEM, DISK, MU, AV, DNSP, FW) or its
	// display name; SectionDevices.LookupModule maps both.
	Type string `json:"type"`
	// Severity is Heimdal's level, such as "Warning" or "Critical".
	Severity string `json:"severity"`
	// Title is the short summary.
	Title string `json:"title"`
	// Message is the full text.
	Message string `json:"message"`
	// FirstSeen is when the condition was first reported.
	FirstSeen Time `json:"firstSeen"`
	// LastUpdate is when the notification's content last changed.
	LastUpdate Time `json:"lastUpdate"`
}

// ListNotifications returns one page of the notifications of one device.
// Heimdal serves them per device only: clientInfoID is required.
func (s *DevicesService) ListNotifications(ctx context.Context, customerID, clientInfoID string, opts *ListOptions) ([]DeviceNotification, *Response, error) {
	if clientInfoID == "" {
		return nil, nil, errNoDevice
	}
	lo := orZero(opts)
	q, err := values(customerID, &lo)
	if err != nil {
		return nil, nil, err
	}
	q.Set("clientInfoId", clientInfoID)
	return list[DeviceNotification](ctx, s.client, notificationsPath, q, lo)
}

var errNoDevice = errors.New("heimdal: clientInfoID is required: Heimdal serves notifications per device")

// AllNotifications walks every page of one device's notifications lazily;
// opts is not modified.
func (s *DevicesService) AllNotifications(ctx context.Context, customerID, clientInfoID string, opts *ListOptions) iter.Seq2[DeviceNotification, error] {
	return allPages(opts, func(o *ListOptions) ([]DeviceNotification, *Response, error) {
		return s.ListNotifications(ctx, customerID, clientInfoID, o)
	})
}
