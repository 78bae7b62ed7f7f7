package officeprotect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
)

// Source is the ticketsync source name: every ticket this integration
// writes carries "officeprotect:<ticket key>" in externalXRef, where the
// key names the tenant and the event (see TicketKey).
const Source = "officeprotect"

// BackfillWindow is how far back ConfirmSetup creates tickets: the setup
// guide promises the security events "raised in the last 48 hours". The
// window is inclusive: an event triggered exactly 48 hours before
// confirmation is backfilled, one a second older is not.
const BackfillWindow = 48 * time.Hour

// Errors returned when a step is taken out of the setup guide's order.
var (
	// ErrNotChecked is returned by ConfirmSetup until CheckConnection has
	// passed (credentials valid and every required right granted).
	ErrNotChecked = errors.New("officeprotect: check connection has not passed yet: run CheckConnection and fix what it reports")
	// ErrNotConfirmed is returned by Run and Process until ConfirmSetup
	// succeeded (in this process or one before it on the same store).
	ErrNotConfirmed = errors.New("officeprotect: setup is not confirmed: run ConfirmSetup first")
)

// Requirements returns what the integration needs from the API member's
// security role, in the form connectwise.Client.CheckAccess takes. A fresh
// slice is returned on each call so callers cannot alter the integration's.
func Requirements() []connectwise.Requirement {
	return []connectwise.Requirement{
		{
			Module: "Companies", Function: "Company Maintenance",
			Rights: []connectwise.Right{connectwise.RightInquire},
			Impact: "PSA companies cannot be listed, so tenants cannot be mapped and mapped companies cannot be checked",
		},
		{
			Module: "Service Desk", Function: "Service Tickets",
			Rights: []connectwise.Right{connectwise.RightAdd, connectwise.RightEdit, connectwise.RightInquire},
			Impact: "security event tickets cannot be created (Add), corrected (Edit) or found again to avoid duplicates (Inquire)",
		},
		{
			Module: "System", Function: "Table Setup",
			Rights:   []connectwise.Right{connectwise.RightInquire},
			Optional: true,
			Impact: "boards and statuses cannot be read: the ticket status can only be given by id and is not checked, " +
				"and if the API member has no default board the PSA's default board cannot be found",
		},
		{
			Module: "System", Function: "Member Maintenance",
			Rights:   []connectwise.Right{connectwise.RightInquire},
			Optional: true,
			Impact: "some PSA versions then hide the API member's own record: its default service board cannot be read " +
				"and tickets go to the PSA's default board",
		},
	}
}

// Option configures an Integration.
type Option func(*Integration)

// WithClock replaces time.Now, which decides the 48-hour backfill window
// and stamps failures; tests use it to place events exactly on the
// boundary.
func WithClock(now func() time.Time) Option {
	return func(in *Integration) {
		if now != nil {
			in.now = now
		}
	}
}

// WithNotifier sets where emergency alerts go. Without one, failures are
// still tracked and reported in each Report, but nobody is alerted.
func WithNotifier(n Notifier) Option {
	return func(in *Integration) { in.notifier = n }
}

// WithProgress reports the advance of ConfirmSetup and of every Run (the
// setup backfill and live runs): Step is a Stage, Key the event's ticket
// key. It is never called concurrently.
func WithProgress(f flow.ProgressFunc) Option {
	return func(in *Integration) { in.progress = f }
}

// WithOverlap sets how far before the last run's start the next Run reads
// again (default 10 minutes): events that reach Office Protect's feed after
// a run started, but were triggered before it, are caught by the next one.
// Events read twice cost a lookup, never a second ticket.
func WithOverlap(d time.Duration) Option {
	return func(in *Integration) {
		if d >= 0 {
			in.overlap = d
		}
	}
}

// WithInstance names this integration's state in the store, so several
// Office Protect integrations (one per MSP, say) can share one store. The
// default is "default". Names are 1-64 letters, digits, dots, dashes or
// underscores.
func WithInstance(name string) Option {
	return func(in *Integration) { in.instance = name }
}

// Integration is one MSP's Office Protect → ConnectWise PSA integration.
// Its methods follow the setup guide's order; all are safe for concurrent
// use. Everything it must remember (mappings, ticket settings, the
// confirmed board, the backfill and live watermarks, failures and whether
// the emergency contact was told) is in its Store, so a restarted process
// picks up where the last one stopped; the PSA itself remembers which
// events have tickets.
type Integration struct {
	client   *connectwise.Client
	source   EventSource
	store    flow.Store
	instance string
	now      func() time.Time
	notifier Notifier
	progress flow.ProgressFunc
	overlap  time.Duration

	mu    sync.Mutex
	check *ConnectionCheck // last CheckConnection in this process, nil before
	// runMu serialises runs in this process: the watermark each one
	// advances must follow the order the runs read their events in.
	runMu sync.Mutex
	// progressMu keeps progress callbacks of concurrent steps apart.
	progressMu sync.Mutex
	// notifyMu serialises deciding to alert and recording it.
	notifyMu sync.Mutex
	// crashBeforeNotify, set by tests only, stops a run between recording
	// a failure and alerting the contact, as a crash would.
	crashBeforeNotify func() error
}

func (in *Integration) beforeNotify(context.Context) error {
	if in.crashBeforeNotify != nil {
		return in.crashBeforeNotify()
	}
	return nil
}

// target is where tickets go, resolved against the live PSA.
type target struct {
	board  BoardChoice
	status connectwise.Ref
}

// DefaultOverlap is how far back before the last run's start Run reads
// again unless WithOverlap says otherwise.
const DefaultOverlap = 10 * time.Minute

var instanceRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// New returns an integration filing the events of source as tickets
// through psa, remembering its state in store. The PSA client is the
// caller's, so one client (one rate budget) can serve several flows on one
// PSA. A missing argument or a bad option is a *bridge.ConfigError naming
// it. Nothing is sent until a step is taken; state a previous process left
// in store is used as it is (see Run).
func New(psa *connectwise.Client, source EventSource, store flow.Store, opts ...Option) (*Integration, error) {
	in := &Integration{client: psa, source: source, store: store, now: time.Now, instance: "default", overlap: DefaultOverlap}
	for _, o := range opts {
		o(in)
	}
	switch {
	case psa == nil:
		return nil, &bridge.ConfigError{API: "officeprotect", Field: "PSA", Problem: "a *connectwise.Client is required"}
	case source == nil:
		return nil, &bridge.ConfigError{API: "officeprotect", Field: "Source", Problem: "an EventSource is required"}
	case store == nil:
		return nil, flow.NeedStore("officeprotect", store)
	case !instanceRE.MatchString(in.instance):
		return nil, &bridge.ConfigError{API: "officeprotect", Field: "Instance", Problem: "must be 1-64 letters, digits, dots, dashes or underscores"}
	}
	return in, nil
}

// String identifies the integration without any credential.
func (in *Integration) String() string {
	return "officeprotect.Integration{" + in.instance + " " + in.client.String() + "}"
}

// GoString makes %#v as safe as %v.
func (in *Integration) GoString() string { return in.String() }

// ConnectionCheck is the outcome of CheckConnection.
type ConnectionCheck struct {
	// Member is the API member the keys belong to.
	Member connectwise.Ref
	// DefaultBoard is the API member's default service board (zero if
	// none is set); tickets go there.
	DefaultBoard connectwise.Ref
	// Permissions has one entry per required right: granted, missing or
	// unknown (the PSA did not list the module function at all).
	Permissions []connectwise.AccessCheck
}

// OK reports whether every required (non-optional) right is granted.
func (c *ConnectionCheck) OK() bool { return len(c.Missing()) == 0 }

// Missing returns the required rights that are missing or unknown.
func (c *ConnectionCheck) Missing() []connectwise.AccessCheck { return c.filter(false) }

// Warnings returns the optional rights that are missing or unknown; each
// one's Impact says what is lost without it.
func (c *ConnectionCheck) Warnings() []connectwise.AccessCheck { return c.filter(true) }

// Err returns nil when OK, else a *connectwise.AccessError listing what to
// grant.
func (c *ConnectionCheck) Err() error {
	if m := c.Missing(); len(m) > 0 {
		return &connectwise.AccessError{Missing: m}
	}
	return nil
}

func (c *ConnectionCheck) filter(optional bool) []connectwise.AccessCheck {
	var out []connectwise.AccessCheck
	for _, p := range c.Permissions {
		if p.Status != connectwise.AccessGranted && p.Optional == optional {
			out = append(out, p)
		}
	}
	return out
}

// CheckConnection is the guide's "Check connection" button: it verifies
// that the credentials are accepted and that the key's security role
// grants every right in Requirements. Missing rights are in the returned
// check (see OK and Err); the error is non-nil only when the check could
// not run, for example because the PSA rejected the credentials
// (connectwise.IsUnauthorized) or could not be reached.
func (in *Integration) CheckConnection(ctx context.Context) (*ConnectionCheck, error) {
	chk, err := in.checkAccess(ctx)
	if err != nil {
		in.mu.Lock()
		in.check = nil
		in.mu.Unlock()
		return nil, err
	}
	in.mu.Lock()
	in.check = chk
	in.mu.Unlock()
	if chk.OK() {
		// The user just proved the credentials and role are fine again.
		if err := in.clearFailures(ctx, func(f Failure) bool { return f.Kind == FailureCredentials || f.Kind == FailurePermission }); err != nil {
			return chk, err
		}
	}
	return chk, nil
}

func (in *Integration) checkAccess(ctx context.Context) (*ConnectionCheck, error) {
	rep, err := in.client.CheckAccess(ctx, Requirements())
	if err != nil {
		switch {
		case connectwise.IsUnauthorized(err):
			return nil, fmt.Errorf("officeprotect: check connection: the PSA rejected the credentials; check the company id and the public and private key: %w", err)
		case connectwise.IsForbidden(err):
			return nil, fmt.Errorf("officeprotect: check connection: the PSA refused to show the API member its own record or permissions; grant System / Member Maintenance: Inquire: %w", err)
		}
		return nil, fmt.Errorf("officeprotect: check connection: %w", err)
	}
	chk := &ConnectionCheck{Permissions: rep.Checks}
	if m := rep.Member; m != nil {
		chk.Member = connectwise.Ref{ID: m.ID, Identifier: m.Identifier, Name: m.Identifier}
		chk.DefaultBoard = m.ServiceDefaultBoard
	}
	return chk, nil
}
