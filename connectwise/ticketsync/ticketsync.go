package ticketsync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
)

// Alert is the ticket one alert should be, keyed by a key that is stable
// for the alert's whole life (derived from the source's own ids, never from
// text or times that change).
type Alert struct {
	// Key identifies the alert within its source.
	Key string
	// Company, Board and Status (the status on creation) are required.
	Company connectwise.Ref
	Board   connectwise.Ref
	Status  connectwise.Ref
	// UpdateStatus, when set, is where a ticket moves when its alert's
	// content (summary, description, start) changes: Heimdal Operations'
	// "status on update". Re-filing alone (another type, priority or
	// company) leaves the status as it is.
	UpdateStatus connectwise.Ref
	// Type, SubType, Item and Priority are optional.
	Type, SubType, Item, Priority connectwise.Ref
	// Summary is truncated to the PSA's 100 characters.
	Summary string
	// Description becomes the ticket's initial description.
	Description string
	// Start is the alert's triggering time (estimatedStartDate).
	Start time.Time
}

// Policy is how one source's tickets are reconciled.
type Policy struct {
	// Source names the alert source in externalXRef ("heimdal-ops").
	// Lower-case letters, digits and dashes, at most 24 characters.
	Source string
	// AutoClose closes tickets whose alert is no longer in the desired set.
	AutoClose bool
	// KeepClosed leaves a closed ticket closed when its alert is synced
	// again (by default it reopens, so a key keeps one ticket for life).
	// Sources whose tickets are closed by people, not by the sync, want it:
	// a backfill must not reopen what a technician resolved.
	KeepClosed bool
	// CloseStatus gives, per board id, the status used to close tickets.
	// Boards not listed use their first active closed status (preferring
	// one named "Closed"), read once from the PSA.
	CloseStatus map[int]connectwise.Ref
	// Concurrency bounds writes in flight (default 8); the client's rate
	// limiter still decides the pace.
	Concurrency int
	// Progress, when set, is called after each write (from several
	// goroutines, never concurrently).
	Progress func(Progress)
	// Locker serialises syncs of the same source against the same PSA
	// (site and login company). Nil serialises them within this process,
	// which makes in-process races impossible; syncs in other processes are
	// then repaired after the fact. connectwise/cluster's Locker extends
	// the guarantee to every worker sharing a Redis.
	Locker Locker
}

// Progress reports a long sync's advance.
type Progress struct {
	Done, Total int
	Action      Action
	Key         string
}

// Action is what a sync did for one key.
type Action string

// Actions a sync reports.
const (
	ActionCreated   Action = "created"
	ActionUpdated   Action = "updated"
	ActionReopened  Action = "reopened"
	ActionClosed    Action = "closed"
	ActionUnchanged Action = "unchanged"
	// ActionKeptClosed: the alert's ticket was closed and KeepClosed left
	// it so.
	ActionKeptClosed Action = "kept-closed"
	ActionRepaired   Action = "duplicate-removed"
	ActionFailed     Action = "failed"
)

// Result is the outcome for one key.
type Result struct {
	Key      string
	Action   Action
	TicketID int
	// ContentChanged is set on updates when the alert's own content
	// (summary, description, start) changed, not only where it is filed;
	// an integration may want to add a note then.
	ContentChanged bool
	Err            error
}

// Report summarises one Sync.
type Report struct {
	Source                                        string
	Created, Updated, Reopened, Closed, Unchanged int
	// KeptClosed counts alerts whose closed ticket KeepClosed left alone.
	KeptClosed int
	// Repaired counts duplicate tickets removed or retired.
	Repaired int
	// Failed lists keys whose write failed, each with its reason.
	Failed []Result
	// Results has one entry per key touched or checked.
	Results []Result
	// Calls is the number of PSA API calls the sync made.
	Calls int
	// Duration is the wall time of the sync.
	Duration time.Duration
}

// String is a one-line summary for logs and progress output.
func (r *Report) String() string {
	return fmt.Sprintf("%s: %d created, %d updated, %d reopened, %d closed, %d unchanged, %d kept closed, %d duplicates repaired, %d failed, %d API calls in %s",
		r.Source, r.Created, r.Updated, r.Reopened, r.Closed, r.Unchanged, r.KeptClosed, r.Repaired, len(r.Failed), r.Calls, r.Duration.Round(time.Millisecond))
}

// AlertError reports an alert that cannot become a ticket, naming the field.
type AlertError struct {
	Key, Field, Problem string
}

// Error names the alert's key and the field at fault.
func (e *AlertError) Error() string {
	return fmt.Sprintf("ticketsync: alert %q: %s %s", e.Key, e.Field, e.Problem)
}

// Syncer reconciles one source. It is safe for concurrent use.
type Syncer struct {
	client *connectwise.Client
	policy Policy
	locker Locker

	mu          sync.Mutex
	closeStatus map[int]connectwise.Ref
	// closeMu serialises reading a board's statuses for closeStatus.
	closeMu sync.Mutex
}

var sourceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,23}$`)

// retiredPrefix marks duplicates that could not be deleted; no source may
// start with it, so retired tickets never match a source's lookups.
const retiredPrefix = "dup-"

// New validates the policy and returns a Syncer. A bad argument is a
// *bridge.ConfigError naming it, before anything is sent.
func New(client *connectwise.Client, p Policy) (*Syncer, error) {
	if client == nil {
		return nil, &bridge.ConfigError{API: "ticketsync", Field: "PSA", Problem: "is nil: pass the *connectwise.Client"}
	}
	if !sourceRE.MatchString(p.Source) || strings.HasPrefix(p.Source, retiredPrefix) {
		return nil, &bridge.ConfigError{API: "ticketsync", Field: "Source",
			Problem: fmt.Sprintf("%q must be 1-24 lower-case letters, digits or dashes, not starting with %q", p.Source, retiredPrefix)}
	}
	if p.Concurrency <= 0 {
		p.Concurrency = 8
	}
	cs := map[int]connectwise.Ref{}
	for b, r := range p.CloseStatus {
		cs[b] = r
	}
	s := &Syncer{client: client, policy: p, closeStatus: cs, locker: p.Locker}
	if s.locker == nil {
		s.locker = processLocker{}
	}
	return s, nil
}

// maxKeyLen keeps "<source>:<key>#<fp>" (24 + 1 + 56 + 1 + 16) inside
// externalXRef's 100 characters.
const maxKeyLen = 56

// wireKey is the key as stored: long or unquotable keys are replaced by a
// hash so that every key fits and can be looked up.
func wireKey(key string) string {
	ok := utf8.ValidString(key) && len(key) <= maxKeyLen &&
		!(strings.ContainsRune(key, '"') && strings.ContainsRune(key, '\'')) &&
		// '[' opens a character class in the PSA's (SQL Server) like, which
		// could stop a key from matching itself; '#' separates the
		// fingerprint.
		strings.IndexFunc(key, func(r rune) bool { return unicode.IsControl(r) || r == '#' || r == '[' || r == ']' }) < 0
	if ok {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "h-" + hex.EncodeToString(sum[:16])
}

// fingerprint changes whenever anything the ticket shows changes. Its
// first half covers the alert's content (summary, description, start),
// its second half where the ticket is filed (company, board, type,
// subtype, item, priority), so that a settings change re-files tickets
// without pretending their alerts changed.
func fingerprint(a *Alert) string {
	content := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s",
		connectwise.TruncateSummary(a.Summary), a.Description, a.Start.UTC().Format(time.RFC3339)))
	placement := sha256.Sum256(fmt.Appendf(nil, "%d\x00%d\x00%d\x00%d\x00%d\x00%d",
		a.Company.ID, a.Board.ID, a.Type.ID, a.SubType.ID, a.Item.ID, a.Priority.ID))
	return hex.EncodeToString(content[:4]) + hex.EncodeToString(placement[:4])
}

// contentChanged compares the content halves of two fingerprints; an old
// fingerprint of another shape counts as changed.
func contentChanged(old, cur string) bool {
	return len(old) != len(cur) || old[:len(old)/2] != cur[:len(cur)/2]
}

func (s *Syncer) xref(key, fp string) string { return s.policy.Source + ":" + wireKey(key) + "#" + fp }

// parseXRef splits "<source>:<wirekey>#<fp>"; ok is false for tickets of
// other sources.
func (s *Syncer) parseXRef(x string) (wk, fp string, ok bool) {
	rest, found := strings.CutPrefix(x, s.policy.Source+":")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '#')
	if i < 0 {
		return rest, "", true
	}
	return rest[:i], rest[i+1:], true
}

// validate checks alerts before any write; bad ones are reported failed.
func validate(alerts []Alert) (good []*Alert, bad []Result) {
	seen := map[string]bool{}
	for i := range alerts {
		a := &alerts[i]
		var err error
		switch {
		case strings.TrimSpace(a.Key) == "":
			err = &AlertError{a.Key, "Key", "is empty"}
		case seen[wireKey(a.Key)]:
			err = &AlertError{a.Key, "Key", "appears twice in one sync"}
		case a.Company.ID == 0:
			err = &AlertError{a.Key, "Company", "is not set (is the customer mapped?)"}
		case a.Board.ID == 0:
			err = &AlertError{a.Key, "Board", "is not set"}
		case a.Status.ID == 0:
			err = &AlertError{a.Key, "Status", "is not set"}
		case strings.TrimSpace(a.Summary) == "":
			err = &AlertError{a.Key, "Summary", "is empty"}
		}
		if err != nil {
			bad = append(bad, Result{Key: a.Key, Action: ActionFailed, Err: err})
			continue
		}
		seen[wireKey(a.Key)] = true
		good = append(good, a)
	}
	return good, bad
}
