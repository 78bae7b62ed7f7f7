package officeprotect

import (
	"context"
	"time"
)

// Severity is an Office Protect event's severity, as its alert email
// shows it.
type Severity string

// Severities Office Protect assigns.
const (
	SeverityLow      Severity = "Low"
	SeverityMedium   Severity = "Medium"
	SeverityHigh     Severity = "High"
	SeverityCritical Severity = "Critical"
)

// Event is one Office Protect security event.
type Event struct {
	// ID identifies the event within its tenant for its whole life (two
	// tenants may raise events with the same id). With TenantID it becomes
	// the ticket's key (TicketKey), which is what makes every write
	// idempotent: never derive it from the title or the time.
	ID string
	// TenantID is the Microsoft 365 tenant the event was raised for.
	TenantID string
	// Title is the alert title, as in the alert email; it becomes the
	// ticket summary.
	Title string
	// Description is the alert's detailed description, as in the email;
	// it becomes the ticket's initial description.
	Description string
	// TriggeredAt is when the event was raised; it becomes the ticket's
	// estimatedStartDate and decides whether the setup backfill includes
	// the event.
	TriggeredAt time.Time
	// Severity and Category classify the event. The setup guide maps
	// neither to a ticket field, so they are carried for callers only.
	Severity Severity
	Category string
}

// Tenant is an Office Protect tenant (a customer's Microsoft 365 tenant).
type Tenant struct {
	ID   string
	Name string
	// Active tenants are the ones the organization mapping offers.
	Active bool
}

// EventSource is where security events come from. Office Protect has no
// public API, so the integration depends only on this interface.
// Implementations must be safe for concurrent use.
type EventSource interface {
	// Tenants returns the tenants; inactive ones may be included with
	// Active false.
	Tenants(ctx context.Context) ([]Tenant, error)
	// Events returns the events triggered at or after since, in any
	// order. The integration filters again, so a source that returns a
	// little more is harmless.
	Events(ctx context.Context, since time.Time) ([]Event, error)
}
