package psasync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
)

// Requirements returns the security role the Heimdal setup guide asks the
// API member to have, each with what stops working without it. A fresh
// slice is returned on every call.
func Requirements() []connectwise.Requirement {
	r := func(module, function, impact string, rights ...connectwise.Right) connectwise.Requirement {
		return connectwise.Requirement{Module: module, Function: function, Rights: rights, Impact: impact}
	}
	const (
		add, edit, del, inq = connectwise.RightAdd, connectwise.RightEdit, connectwise.RightDelete, connectwise.RightInquire
	)
	return []connectwise.Requirement{
		r("Companies", "Company Maintenance", "customers cannot be matched to PSA companies", inq),
		r("Service Desk", "Service Tickets", "tickets cannot be created, updated or de-duplicated", add, edit, del, inq),
		r("Service Desk", "Close Service Tickets", "Heimdal Operations tickets cannot be closed", add, edit, inq),
		r("Service Desk", "Resource Scheduling", "ticket resources cannot be scheduled", add, edit, inq),
		r("System", "Member Maintenance", "the API member cannot be verified", inq),
		r("System", "My Account", "the API member cannot read its own account", inq),
		r("System", "My Company", "company settings cannot be read", inq),
		r("System", "Table Setup", "boards, statuses, types and subtypes cannot be read or provisioned", add, edit, inq),
	}
}

// CheckAccess compares the API member's security role with Requirements.
// Missing rights are in the report (OK, Missing); the error is non-nil only
// when the check could not run.
func (in *Integration) CheckAccess(ctx context.Context) (*connectwise.AccessReport, error) {
	return in.psa.CheckAccess(ctx, Requirements())
}

var plainID = regexp.MustCompile(`^[a-z0-9]{1,10}$`)

// sourceFor names board b's ticketsync source for one Heimdal account. The
// account id keeps two accounts' Operations syncs from closing each other's
// tickets in a shared PSA; ids that are not short and plain are hashed to
// stay within ticketsync's 24 characters.
func sourceFor(b Board, customerID string) string {
	prefix := map[Board]string{
		BoardOperations:  "heimdal-ops-",
		BoardCyberAlerts: "heimdal-cyber-",
		BoardM365:        "heimdal-m365-",
	}[b]
	id := strings.ToLower(customerID)
	if !plainID.MatchString(id) {
		sum := sha256.Sum256([]byte(customerID))
		id = hex.EncodeToString(sum[:5])
	}
	return prefix + id
}
