package officeprotect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
)

// Source is the ticketsync source name: every ticket this integration
// writes carries "officeprotect:<event id>" in externalXRef.
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
	// ErrNotConfirmed is returned by Process until ConfirmSetup succeeded.
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
// still tracked and reported in each RunReport, but nobody is alerted.
func WithNotifier(n Notifier) Option {
	return func(in *Integration) { in.notifier = n }
}

// WithPSAOptions passes options to the PSA client (rate limit, retries,
// HTTP client, logger).
func WithPSAOptions(opts ...connectwise.Option) Option {
	return func(in *Integration) { in.psaOpts = append(in.psaOpts, opts...) }
}

// Integration is one MSP's Office Protect → ConnectWise PSA integration.
// Its methods follow the setup guide's order; all are safe for concurrent
// use. The configuration lives in memory: persisting it is the caller's
// concern, while the PSA itself remembers which events have tickets.
type Integration struct {
	client   *connectwise.Client
	source   EventSource
	now      func() time.Time
	notifier Notifier
	psaOpts  []connectwise.Option

	mu        sync.Mutex
	check     *ConnectionCheck // last CheckConnection, nil before
	mappings  map[string]Mapping
	status    connectwise.Ref // requested status on creation; zero = board default
	contact   string
	target    *target // resolved board and status; nil until resolved
	confirmed bool

	health health
}

// target is where tickets go, resolved against the live PSA.
type target struct {
	board  BoardChoice
	status connectwise.Ref
}

// New validates the PSA settings (site, company id, keys and clientId, with
// exactly the PSA client's rules: no stray whitespace, https except for
// loopback simulators) and returns an integration reading events from
// source. A bad setting is reported as a *connectwise.ConfigError naming
// the field. Nothing is sent until CheckConnection.
func New(psa connectwise.Config, source EventSource, opts ...Option) (*Integration, error) {
	if source == nil {
		return nil, errors.New("officeprotect: nil EventSource")
	}
	in := &Integration{source: source, now: time.Now, mappings: map[string]Mapping{}}
	for _, o := range opts {
		o(in)
	}
	c, err := connectwise.NewClient(psa, in.psaOpts...)
	if err != nil {
		return nil, fmt.Errorf("officeprotect: %w", err)
	}
	in.client = c
	in.health.failures = map[string]*failureState{}
	return in, nil
}

// String identifies the integration without any credential.
func (in *Integration) String() string {
	return "officeprotect.Integration{" + in.client.String() + "}"
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
		in.health.clear(func(f Failure) bool { return f.Kind == FailureCredentials || f.Kind == FailurePermission })
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
