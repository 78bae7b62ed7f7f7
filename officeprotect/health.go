package officeprotect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
)

// FailureKind classifies a failure that means the integration is broken:
// every later event would fail the same way until someone acts.
type FailureKind string

// The failures that alert the emergency contact.
const (
	// FailureCredentials: the PSA rejects the API keys (HTTP 401).
	FailureCredentials FailureKind = "credentials-revoked"
	// FailurePermission: the security role lost a required right (HTTP 403).
	FailurePermission FailureKind = "permission-removed"
	// FailureCompany: a mapped company was deleted or made inactive.
	FailureCompany FailureKind = "company-unavailable"
	// FailureBoard: the board tickets go to was deleted or deactivated.
	FailureBoard FailureKind = "board-unavailable"
	// FailureStatus: the status tickets are created in is gone.
	FailureStatus FailureKind = "status-unavailable"
)

// Failure is one distinct way the integration is broken.
type Failure struct {
	Kind FailureKind
	// Subject tells failures of one kind apart: the missing rights, or the
	// id of the company, board or status. Empty for credentials.
	Subject string
	// Detail says what happened, in words for the emergency contact.
	Detail string
	// Action says what to do about it.
	Action string
	// Since is when the failure was first seen.
	Since time.Time
}

// Key identifies the failure for de-duplication: one alert per key until
// the failure clears.
func (f Failure) Key() string { return string(f.Kind) + ":" + f.Subject }

// Alert is an emergency message for the contact.
type Alert struct {
	// ID is the same for every attempt to send the alert of one failure
	// occurrence, across restarts: a notifier may use it to de-duplicate
	// (SMTPNotifier makes it the Message-ID, which mail systems use to drop
	// a second copy). A failure that clears and comes back gets a new ID.
	ID string
	// To is the emergency contact's address.
	To      string
	Subject string
	// Body is plain text.
	Body    string
	Failure Failure
}

// Notifier delivers emergency alerts. SMTPNotifier sends mail;
// officeprotecttest.Recorder keeps them for tests.
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// fieldKinds maps the field a PSA validation error names to the failure it
// reveals: the PSA answers 400 naming company/id, board/id or status/id
// when the referenced record is gone or inactive.
func fieldKinds(err error) []FailureKind {
	var ce *connectwise.Error
	if !errors.As(err, &ce) || ce.StatusCode != http.StatusBadRequest {
		return nil
	}
	var out []FailureKind
	for _, fe := range ce.Errors {
		f := strings.ToLower(fe.Field)
		switch {
		case f == "company" || strings.HasPrefix(f, "company/"):
			out = append(out, FailureCompany)
		case f == "board" || strings.HasPrefix(f, "board/"):
			out = append(out, FailureBoard)
		case f == "status" || strings.HasPrefix(f, "status/"):
			out = append(out, FailureStatus)
		}
	}
	return out
}

func credentialsFailure(now time.Time, site string) Failure {
	return Failure{
		Kind:   FailureCredentials,
		Detail: fmt.Sprintf("ConnectWise PSA (%s) rejects the integration's API keys (HTTP 401): they were deleted or regenerated, or the API member was deactivated.", site),
		Action: "Generate new API keys for the API member, enter them in the Office Protect integration settings and run Check connection.",
		Since:  now,
	}
}

// permissionFailure names the rights the role lost. missing comes from a
// fresh access check; when that cannot tell, the refused request is named.
func permissionFailure(now time.Time, missing []connectwise.AccessCheck, err error) Failure {
	var rights []string
	for _, m := range missing {
		rights = append(rights, fmt.Sprintf("%s / %s: %s", m.Module, m.Function, m.Right))
	}
	subject := strings.Join(rights, ", ")
	if subject == "" {
		var ce *connectwise.Error
		subject = "unidentified"
		if errors.As(err, &ce) {
			subject = "unidentified (" + ce.Method + " " + ce.Path + ")"
		}
	}
	return Failure{
		Kind:    FailurePermission,
		Subject: subject,
		Detail:  "The API member's security role no longer grants what the integration needs (HTTP 403): " + subject + ".",
		Action:  "Grant the rights again in System > Security Roles, then run Check connection.",
		Since:   now,
	}
}

func companyFailure(now time.Time, co connectwise.Ref, tenants []string, err error) Failure {
	return Failure{
		Kind:    FailureCompany,
		Subject: strconv.Itoa(co.ID),
		Detail: fmt.Sprintf("PSA company %q (id %d), mapped to tenant %s, was deleted or made inactive: the PSA refuses its tickets (%v).",
			co.Identifier, co.ID, strings.Join(tenants, ", "), err),
		Action: "Reactivate the company in the PSA, or map the tenant to another company.",
		Since:  now,
	}
}

func boardFailure(now time.Time, b connectwise.Ref, err error) Failure {
	return Failure{
		Kind:    FailureBoard,
		Subject: strconv.Itoa(b.ID),
		Detail:  fmt.Sprintf("The service board %q (id %d) that tickets are created on was deleted or deactivated (%v).", b.Name, b.ID, err),
		Action:  "Set a default service board on the API member (or restore the board), then confirm the setup again.",
		Since:   now,
	}
}

func statusFailure(now time.Time, b, s connectwise.Ref, err error) Failure {
	return Failure{
		Kind:    FailureStatus,
		Subject: strconv.Itoa(s.ID),
		Detail:  fmt.Sprintf("The ticket status %q (id %d) of board %q is gone or inactive (%v).", s.Name, s.ID, b.Name, err),
		Action:  "Choose another ticket status, then confirm the setup again.",
		Since:   now,
	}
}

// alertFor writes the emergency message for f.
func alertFor(to, site string, f Failure) Alert {
	var what string
	switch f.Kind {
	case FailureCredentials:
		what = "API keys rejected"
	case FailurePermission:
		what = "permission removed"
	case FailureCompany:
		what = "mapped company unavailable"
	case FailureBoard:
		what = "service board unavailable"
	case FailureStatus:
		what = "ticket status unavailable"
	default:
		what = string(f.Kind)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The Office Protect → ConnectWise PSA integration (%s) is broken: security event tickets are not being created.\n\n", site)
	fmt.Fprintf(&b, "Problem: %s\n", f.Detail)
	fmt.Fprintf(&b, "What to do: %s\n", f.Action)
	fmt.Fprintf(&b, "First seen: %s\n\n", f.Since.UTC().Format(time.RFC1123))
	b.WriteString("You are alerted once for this problem. Events that could not be filed are listed in the integration's run reports; processing them again once it is fixed is safe: no ticket is duplicated.\n")
	sum := sha256.Sum256([]byte(site + "\x00" + f.Key() + "\x00" + f.Since.UTC().Format(time.RFC3339Nano)))
	return Alert{
		ID:      "officeprotect-" + hex.EncodeToString(sum[:12]),
		To:      to,
		Subject: "Office Protect → ConnectWise integration broken: " + what,
		Body:    b.String(),
		Failure: f,
	}
}
