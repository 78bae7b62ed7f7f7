package psasync

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"time"

	"github.com/psabridge/psabridge/heimdal"
)

// Alert is the one shape the integration routes, whatever Heimdal section
// it came from: a device notification, a Cyber Alerts email alert or an
// M365 alert. Board says which PSA board it belongs on.
type Alert struct {
	// Key identifies the alert across fetches and across content updates;
	// see NewKey for its derivation. It is the ticket's key.
	Key string
	// CustomerID is the Heimdal customer the alert belongs to.
	CustomerID heimdal.ID
	// Module is the alert category, which fixes the board and ticket type.
	Module heimdal.Module
	// Severity is Heimdal's level, as sent.
	Severity string
	// Title is the alert's summary.
	Title string
	// Description is the alert's full text.
	Description string
	// Target names what the alert is about: a device hostname or an M365
	// user principal name.
	Target string
	// TargetID is the target's Heimdal id (clientInfoId or user id), which
	// the key uses because names can change.
	TargetID heimdal.ID
	// SourceID is Heimdal's own id of the notification or alert.
	SourceID heimdal.ID
	// FirstSeen is when Heimdal first reported the alert. It takes no part
	// in Key or Fingerprint.
	FirstSeen time.Time
	// LastUpdate is when the alert's content last changed. It takes no part
	// in Key or Fingerprint.
	LastUpdate time.Time
	// Fingerprint changes exactly when the alert's content (module,
	// severity, title, description, target name) changes, so a sync can
	// tell an updated alert from an unchanged one without comparing text.
	Fingerprint string
}

// Board returns the PSA board the alert is routed to.
func (a Alert) Board() Board { return BoardOf(a.Module) }

// NewKey derives an alert's stable key from Heimdal's identifiers only:
//
//	<customerID>/<module>/<targetID>/<sourceID>
//
// Each part is URL-path-escaped, so the key is unambiguous whatever the ids
// contain; sourceID is left out (with its slash) when Heimdal gives none,
// which leaves one key per module and target. Text, severity and timestamps
// are deliberately not part of it: they change while the alert stays the
// same alert. Keys are unique within Heimdal; the ticket layer adds its
// source prefix.
func NewKey(customerID string, m heimdal.Module, targetID, sourceID string) string {
	parts := []string{url.PathEscape(customerID), url.PathEscape(string(m)), url.PathEscape(targetID)}
	if sourceID != "" {
		parts = append(parts, url.PathEscape(sourceID))
	}
	return strings.Join(parts, "/")
}

// fingerprint hashes the content fields, length-prefixed so that moving text
// between fields changes the result.
func fingerprint(a *Alert) string {
	h := sha256.New()
	for _, s := range []string{string(a.Module), a.Severity, a.Title, a.Description, a.Target} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func newAlert(customerID string, s heimdal.Section, typ string, targetID heimdal.ID, target string, source heimdal.ID, sev, title, desc string, first, last heimdal.Time) (Alert, bool) {
	m, ok := s.LookupModule(typ)
	if !ok {
		return Alert{}, false
	}
	tid := string(targetID)
	if tid == "" {
		tid = target
	}
	a := Alert{
		Key:         NewKey(customerID, m, tid, string(source)),
		CustomerID:  heimdal.ID(customerID),
		Module:      m,
		Severity:    sev,
		Title:       title,
		Description: desc,
		Target:      target,
		TargetID:    targetID,
		SourceID:    source,
		FirstSeen:   first.Time,
		LastUpdate:  last.Time,
	}
	a.Fingerprint = fingerprint(&a)
	return a, true
}

// NotificationAlert converts a device notification for routing. It reports
// false when the type is not one of the devices section's modules (the
// integration files no ticket for it).
func NotificationAlert(customerID string, n heimdal.DeviceNotification) (Alert, bool) {
	return newAlert(customerID, heimdal.SectionDevices, n.Type, n.ClientInfoID, n.Hostname, n.ID, n.Severity, n.Title, n.Message, n.FirstSeen, n.LastUpdate)
}

// EmailAlert converts a Cyber Alerts email alert for routing. It reports
// false when the type is not one of the Cyber Alerts modules.
func EmailAlert(customerID string, e heimdal.EmailAlert) (Alert, bool) {
	return newAlert(customerID, heimdal.SectionCyberAlerts, e.Type, e.ClientInfoID, e.Hostname, e.ID, e.Severity, e.Title, e.Description, e.FirstSeen, e.LastUpdate)
}

// M365Alert converts an M365 alert for routing. It reports false when the
// type is not one of the M365 modules.
func M365Alert(customerID string, e heimdal.M365Alert) (Alert, bool) {
	return newAlert(customerID, heimdal.SectionM365, e.Type, e.UserID, e.UserPrincipalName, e.ID, e.Severity, e.Title, e.Description, e.FirstSeen, e.LastUpdate)
}

// OpenAlerts walks every alert Heimdal currently shows for one customer on
// the given boards (all three when none are given), converted to Alert.
// Items of types outside the board's modules are skipped.
//
// Heimdal serves device notifications per device, so the Operations board
// costs one call per page of devices plus one per device; at the default
// rate of 2 requests/s a customer with 200 devices takes about 100 s.
//
// The walk stops at the first error, which it yields. A caller that closes
// tickets for vanished alerts must not do so after an error: the set it saw
// is incomplete.
func OpenAlerts(ctx context.Context, c *heimdal.Client, customerID string, boards ...Board) iter.Seq2[Alert, error] {
	if len(boards) == 0 {
		boards = Boards()
	}
	return func(yield func(Alert, error) bool) {
		seen := map[Board]bool{}
		for _, b := range boards {
			if seen[b] {
				continue
			}
			seen[b] = true
			var cont bool
			switch b {
			case BoardOperations:
				cont = operationsAlerts(ctx, c, customerID, yield)
			case BoardCyberAlerts:
				cont = convert(c.CyberAlerts.All(ctx, customerID, nil), customerID, EmailAlert, yield)
			case BoardM365:
				cont = convert(c.M365.All(ctx, customerID, nil), customerID, M365Alert, yield)
			default:
				yield(Alert{}, fmt.Errorf("psasync: unknown board %d", int(b)))
				return
			}
			if !cont {
				return
			}
		}
	}
}

// operationsAlerts walks devices, then each device's notifications. It
// returns false when the walk must stop (error yielded or consumer done).
func operationsAlerts(ctx context.Context, c *heimdal.Client, customerID string, yield func(Alert, error) bool) bool {
	for d, err := range c.Devices.All(ctx, customerID, nil) {
		if err != nil {
			yield(Alert{}, err)
			return false
		}
		// The device list is authoritative for the device's identity.
		withDevice := func(customerID string, n heimdal.DeviceNotification) (Alert, bool) {
			n.ClientInfoID = d.ClientInfoID
			if n.Hostname == "" {
				n.Hostname = d.Hostname
			}
			return NotificationAlert(customerID, n)
		}
		if !convert(c.Devices.AllNotifications(ctx, customerID, string(d.ClientInfoID), nil), customerID, withDevice, yield) {
			return false
		}
	}
	return true
}

func convert[T any](seq iter.Seq2[T, error], customerID string, conv func(string, T) (Alert, bool), yield func(Alert, error) bool) bool {
	for v, err := range seq {
		if err != nil {
			yield(Alert{}, err)
			return false
		}
		a, ok := conv(customerID, v)
		if !ok {
			continue
		}
		if !yield(a, nil) {
			return false
		}
	}
	return true
}
