package psasync

import (
	"context"
	"sync"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/heimdal"
)

// Option configures an Integration.
type Option func(*options)

type options struct {
	cwOpts      []connectwise.Option
	progress    func(heimdal.Board, ticketsync.Progress)
	concurrency int
}

// WithConnectWiseOptions passes options (rate limit, retries, HTTP client,
// logger) to every PSA client the Integration builds from its settings.
func WithConnectWiseOptions(opts ...connectwise.Option) Option {
	return func(o *options) { o.cwOpts = append(o.cwOpts, opts...) }
}

// WithProgress reports each ticket write of a Sync as it happens, with the
// board it belongs to. It is never called concurrently.
func WithProgress(f func(heimdal.Board, ticketsync.Progress)) Option {
	return func(o *options) { o.progress = f }
}

// WithConcurrency bounds the ticket writes in flight per board (ticketsync's
// default when n <= 0). The PSA client's rate limiter still sets the pace.
func WithConcurrency(n int) Option {
	return func(o *options) { o.concurrency = n }
}

// Integration is one Heimdal account's ConnectWise PSA integration: its
// settings, board configurations and customer mappings, and the steps that
// use them. It is safe for concurrent use; two Syncs at once serialise per
// board and never create duplicate tickets.
type Integration struct {
	heimdal    *heimdal.Client
	customerID string
	sources    map[heimdal.Board]string
	opts       options

	mu      sync.Mutex
	pending *Settings
	tested  *conn
	saved   *conn
	// gen changes whenever saved settings are replaced, so that a step that
	// ran against the old connection does not store its result.
	gen      int
	boards   map[heimdal.Board]*BoardConfig
	mappings map[string]Mapping
	known    map[string]heimdal.Customer

	// progressMu keeps progress callbacks of concurrent Syncs apart.
	progressMu sync.Mutex
}

// String identifies the integration without any credential. Without it
// %s and %q would reflect into the staged settings behind their pointers
// and print the private key.
func (in *Integration) String() string {
	return "psasync.Integration{customer:" + in.customerID + "}"
}

// GoString makes %#v as safe as %v.
func (in *Integration) GoString() string { return in.String() }

// conn is a settings value and the PSA client built from it.
type conn struct {
	settings Settings
	client   *connectwise.Client
}

// New returns an Integration for the Heimdal account of customerID: a
// reseller id (whose customers SyncCustomers lists) or a single customer's
// id. hc is the Heimdal client authenticated with that account's API key.
func New(hc *heimdal.Client, customerID string, opts ...Option) (*Integration, error) {
	if hc == nil {
		return nil, &heimdal.ConfigError{API: "psasync", Field: "Client", Problem: "a Heimdal client is required"}
	}
	if customerID == "" {
		return nil, &heimdal.ConfigError{API: "psasync", Field: "CustomerID", Problem: "the Heimdal customer (or reseller) id is required"}
	}
	in := &Integration{
		heimdal:    hc,
		customerID: customerID,
		sources:    map[heimdal.Board]string{},
		boards:     map[heimdal.Board]*BoardConfig{},
		mappings:   map[string]Mapping{},
		known:      map[string]heimdal.Customer{},
	}
	for _, b := range heimdal.Boards() {
		in.sources[b] = sourceFor(b, customerID)
	}
	for _, o := range opts {
		o(&in.opts)
	}
	return in, nil
}

// UpdateSettings stages settings, as typing into the dashboard's form does.
// Invalid settings are refused with a *connectwise.ConfigError naming the
// field. Staging different settings withdraws an earlier successful
// TestConnection: Save needs a test of exactly what it saves. The saved
// settings stay in force until Save.
func (in *Integration) UpdateSettings(s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.pending = &s
	if in.tested != nil && in.tested.settings != s {
		in.tested = nil
	}
	return nil
}

// TestConnection makes the dedicated API call (/system/info) with the
// staged settings and, when it succeeds, enables Save for them. A failure
// is a *ConnectionError around the PSA client's error.
func (in *Integration) TestConnection(ctx context.Context) (*connectwise.SystemInfo, error) {
	in.mu.Lock()
	if in.pending == nil {
		in.mu.Unlock()
		return nil, &StateError{Op: "TestConnection", Err: ErrNoSettings}
	}
	s := *in.pending
	in.mu.Unlock()

	c, err := connectwise.NewClient(s.config(), in.opts.cwOpts...)
	if err != nil {
		return nil, err
	}
	info, _, err := c.System.Info(ctx)

	in.mu.Lock()
	defer in.mu.Unlock()
	// The form may have changed while the call ran: the verdict belongs to
	// the settings tested, not to whatever is staged now.
	if in.pending == nil || *in.pending != s {
		if err != nil {
			return nil, &ConnectionError{Site: c.Site(), Err: err}
		}
		return info, nil
	}
	if err != nil {
		in.tested = nil
		return nil, &ConnectionError{Site: c.Site(), Err: err}
	}
	in.tested = &conn{settings: s, client: c}
	return info, nil
}

// Save puts the staged settings in force. It is refused with a *StateError
// (ErrNotTested) unless the last TestConnection succeeded for exactly these
// settings. When saved settings are replaced, the board configurations and
// customer mappings are kept unless RetainTicketAndCustomerSettings(false)
// is given. Saving the settings already in force does nothing.
func (in *Integration) Save(opts ...SaveOption) error {
	o := saveOptions{retain: true}
	for _, f := range opts {
		f(&o)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	switch {
	case in.pending == nil:
		return &StateError{Op: "Save", Err: ErrNoSettings}
	case in.saved != nil && in.saved.settings == *in.pending:
		return nil
	case in.tested == nil || in.tested.settings != *in.pending:
		return &StateError{Op: "Save", Err: ErrNotTested}
	}
	if in.saved != nil && !o.retain {
		in.boards = map[heimdal.Board]*BoardConfig{}
		in.mappings = map[string]Mapping{}
	}
	in.saved = in.tested
	in.tested = nil
	in.gen++
	return nil
}

// Saved returns the settings in force, if any.
func (in *Integration) Saved() (Settings, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.saved == nil {
		return Settings{}, false
	}
	return in.saved.settings, true
}

// Source returns the ticketsync source name of board b's tickets
// ("heimdal-ops-<customer>"): the prefix of their externalXRef. It includes
// the Heimdal account so that two accounts filing into one PSA never close
// each other's tickets.
func (in *Integration) Source(b heimdal.Board) string { return in.sources[b] }

// savedClient returns the client of the saved settings and the generation
// it belongs to, or a *StateError for op.
func (in *Integration) savedClient(op string) (*connectwise.Client, int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.saved == nil {
		return nil, 0, &StateError{Op: op, Err: ErrNotSaved}
	}
	return in.saved.client, in.gen, nil
}
