package officeprotect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/psabridge/psabridge/connectwise"
)

// maxKeyLen is the longest key ticketsync stores as it is (longer ones it
// replaces by a hash that officeprotect could not look up itself).
const maxKeyLen = 56

// TicketKey is the key an event's ticket is filed under: the tenant and the
// event id, each path-escaped ("t-acme/evt-1001"). Office Protect event ids
// are unique only within a tenant, so the tenant is part of the key; a key
// longer than the PSA's externalXRef leaves room for is replaced by
// "k-" and a hash of both ids. Either form is stored by ticketsync as it is.
func TicketKey(tenantID, eventID string) string {
	k := url.PathEscape(tenantID) + "/" + url.PathEscape(eventID)
	if len(k) <= maxKeyLen {
		return k
	}
	sum := sha256.Sum256([]byte(tenantID + "\x00" + eventID))
	return "k-" + hex.EncodeToString(sum[:16])
}

// legacyWireKey is how tickets filed before keys named the tenant carry
// their key in externalXRef: the bare event id, or a hash of it where the id
// was too long or unquotable. It reproduces that format exactly, frozen, so
// those tickets can be found and adopted.
func legacyWireKey(eventID string) string {
	ok := utf8.ValidString(eventID) && len(eventID) <= maxKeyLen &&
		!(strings.ContainsRune(eventID, '"') && strings.ContainsRune(eventID, '\'')) &&
		strings.IndexFunc(eventID, func(r rune) bool { return unicode.IsControl(r) || r == '#' || r == '[' || r == ']' }) < 0
	if ok {
		return eventID
	}
	sum := sha256.Sum256([]byte(eventID))
	return "h-" + hex.EncodeToString(sum[:16])
}

// legacyFingerprint marks an adopted ticket: no current fingerprint has this
// shape, so the next sync rewrites the ticket to what its event says.
const legacyFingerprint = "adopted"

// legacyBatch keeps the lookup URL short.
const legacyBatch = 25

// adoptLegacy re-keys tickets filed under the old key (the bare event id)
// to the tenant's key, so that the sync that follows updates them instead
// of creating a second ticket. cands are events that may predate the
// tenant-keyed format. Where two tenants raised the same event id, the
// ticket goes to the tenant whose mapped company it is filed under; a
// ticket filed under a company no tenant is mapped to goes to the only
// tenant asking for it, and is otherwise left alone. It returns how many
// tickets were adopted.
func (in *Integration) adoptLegacy(ctx context.Context, cands []pending, mappings map[string]Mapping) (int, error) {
	if len(cands) == 0 {
		return 0, nil
	}
	byWire := map[string][]pending{}
	var wires []string
	for _, p := range cands {
		wk := legacyWireKey(p.ev.ID)
		if _, ok := byWire[wk]; !ok {
			wires = append(wires, wk)
		}
		byWire[wk] = append(byWire[wk], p)
	}
	mappedCompany := map[int]bool{}
	for _, m := range mappings {
		mappedCompany[m.Company.ID] = true
	}
	adopted := 0
	for i := 0; i < len(wires); i += legacyBatch {
		batch := wires[i:min(i+legacyBatch, len(wires))]
		var cond connectwise.Conditions
		for _, wk := range batch {
			cond = cond.Or(connectwise.Where("externalXRef like ?", Source+":"+wk+"#%"))
		}
		found := map[string][]connectwise.Ticket{}
		for t, err := range in.client.Tickets.All(ctx, &connectwise.ListOptions{Conditions: cond, PageSize: connectwise.MaxPageSize}) {
			if err != nil {
				return adopted, fmt.Errorf("officeprotect: looking up tickets filed under event ids alone: %w", err)
			}
			rest, ok := strings.CutPrefix(t.ExternalXRef, Source+":")
			if !ok {
				continue
			}
			wk, _, _ := strings.Cut(rest, "#")
			if _, want := byWire[wk]; want {
				found[wk] = append(found[wk], t)
			}
		}
		for _, wk := range batch {
			ts := found[wk]
			if len(ts) == 0 {
				continue
			}
			// The lowest id is the original; later ones are duplicates the
			// old key's syncs would have removed.
			t := ts[0]
			for _, x := range ts[1:] {
				if x.ID < t.ID {
					t = x
				}
			}
			owner, ok := legacyOwner(byWire[wk], t, mappedCompany)
			if !ok {
				continue
			}
			xref := Source + ":" + owner.key + "#" + legacyFingerprint
			if _, _, err := in.client.Tickets.Patch(ctx, t.ID, connectwise.PatchOp{Op: "replace", Path: "externalXRef", Value: xref}); err != nil {
				return adopted, fmt.Errorf("officeprotect: adopting ticket %d for event %q of tenant %q: %w", t.ID, owner.ev.ID, owner.ev.TenantID, err)
			}
			adopted++
		}
	}
	return adopted, nil
}

// legacyOwner picks which of the events sharing an old key owns ticket t.
func legacyOwner(ps []pending, t connectwise.Ticket, mappedCompany map[int]bool) (pending, bool) {
	companyID := t.Company.ID
	for _, p := range ps {
		if p.mapping.Company.ID == companyID {
			return p, true
		}
	}
	tenants := map[string]bool{}
	for _, p := range ps {
		tenants[p.ev.TenantID] = true
	}
	if len(tenants) == 1 && !mappedCompany[companyID] {
		return ps[0], true
	}
	return pending{}, false
}
