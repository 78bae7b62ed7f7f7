package psasync

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
)

// Flow is the name this flow reports under (flow.Report.Flow, progress and
// check reports), and the first part of its store keys.
const Flow = "heimdal-psa"

// Option configures an Integration.
type Option func(*options)

type options struct {
	progress    flow.ProgressFunc
	concurrency int
}

// WithProgress reports each ticket write of a Run as it happens: Step is
// the board's name, Key the alert's key. It is never called concurrently.
func WithProgress(f flow.ProgressFunc) Option {
	return func(o *options) { o.progress = f }
}

// WithConcurrency bounds the ticket writes in flight per board (ticketsync's
// default when n <= 0). The PSA client's rate limiter still sets the pace.
func WithConcurrency(n int) Option {
	return func(o *options) { o.concurrency = n }
}

// Integration is one Heimdal account's ConnectWise PSA integration: the
// steps after the connection is saved (Check, ProvisionBoards,
// ConfigureBoard, SyncCustomers and the mappings, Run, Audit). Its board
// configurations and customer mappings are in its Store, so a restarted
// process picks them up; the PSA itself is the ticket state. It is safe for
// concurrent use; two Runs at once serialise per board and never create
// duplicate tickets.
type Integration struct {
	heimdal    *heimdal.Client
	psa        *connectwise.Client
	store      flow.Store
	customerID string
	sources    map[Board]string
	opts       options

	mu    sync.Mutex
	known map[string]heimdal.Customer

	// progressMu keeps progress callbacks of concurrent Runs apart.
	progressMu sync.Mutex
}

// String identifies the integration without any credential.
func (in *Integration) String() string {
	return "psasync.Integration{customer:" + in.customerID + "}"
}

// GoString makes %#v as safe as %v.
func (in *Integration) GoString() string { return in.String() }

// New returns the Integration of the Heimdal account customerID (a reseller
// id, whose customers SyncCustomers lists, or a single customer's id): hc is
// the Heimdal client authenticated with that account's API key, psa the PSA
// client the integration files tickets with (built by the caller, for
// example from the settings Setup saved, so that one client, one rate
// budget, can serve several flows on one PSA), and store keeps its board
// configurations and mappings across restarts. A missing argument is a
// *bridge.ConfigError naming it.
func New(hc *heimdal.Client, psa *connectwise.Client, store flow.Store, customerID string, opts ...Option) (*Integration, error) {
	fail := func(field, problem string) error {
		return &bridge.ConfigError{API: "psasync", Field: field, Problem: problem}
	}
	switch {
	case hc == nil:
		return nil, fail("Heimdal", "a *heimdal.Client is required")
	case psa == nil:
		return nil, fail("PSA", "a *connectwise.Client is required")
	}
	if err := flow.NeedStore("psasync", store); err != nil {
		return nil, err
	}
	if customerID == "" {
		return nil, fail("CustomerID", "the Heimdal customer (or reseller) id is required")
	}
	in := &Integration{
		heimdal:    hc,
		psa:        psa,
		store:      store,
		customerID: customerID,
		sources:    map[Board]string{},
		known:      map[string]heimdal.Customer{},
	}
	for _, b := range Boards() {
		in.sources[b] = sourceFor(b, customerID)
	}
	for _, o := range opts {
		o(&in.opts)
	}
	return in, nil
}

// Source returns the ticketsync source name of board b's tickets
// ("heimdal-ops-<customer>"): the prefix of their externalXRef. It includes
// the Heimdal account so that two accounts filing into one PSA never close
// each other's tickets.
func (in *Integration) Source(b Board) string { return in.sources[b] }

// storeKey is "heimdal-psa/<customer>/<parts...>", the customer escaped so
// that any id is one path segment.
func storeKey(customerID string, parts ...string) string {
	return strings.Join(append([]string{Flow, url.PathEscape(customerID)}, parts...), "/")
}

func (in *Integration) key(parts ...string) string { return storeKey(in.customerID, parts...) }

func (in *Integration) boardKey(b Board) string { return in.key("boards", fmt.Sprint(int(b))) }

// boards reads every configured board from the store.
// configured reads what the setup stored: the board configurations and the
// customer mappings, which Run and Check both start from.
func (in *Integration) configured(ctx context.Context) (map[Board]*BoardConfig, []Mapping, error) {
	boards, err := in.boards(ctx)
	if err != nil {
		return nil, nil, err
	}
	mappings, err := in.Mappings(ctx)
	return boards, mappings, err
}

func (in *Integration) boards(ctx context.Context) (map[Board]*BoardConfig, error) {
	out := map[Board]*BoardConfig{}
	for _, b := range Boards() {
		bc, err := flow.GetJSON[BoardConfig](ctx, in.store, in.boardKey(b))
		switch {
		case errors.Is(err, flow.ErrNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("psasync: reading the %s configuration: %w", b, err)
		case bc.Board != b || bc.Settings.Board.ID == 0:
			return nil, &flow.StateError{Key: in.boardKey(b), Err: flow.ErrCorrupt, Problem: "board configuration names no PSA board, or another Heimdal board"}
		}
		out[b] = &bc
	}
	return out, nil
}

func (in *Integration) mappingKey(customerID string) string {
	return in.key("mappings", url.PathEscape(customerID))
}

// mappings reads every customer mapping from the store.
func (in *Integration) mappings(ctx context.Context) (map[string]Mapping, error) {
	out, err := flow.IndexJSON(ctx, in.store, in.key("mappings")+"/", func(m Mapping) string {
		if m.Company.ID <= 0 {
			return "" // a mapping to no company maps nothing
		}
		return m.CustomerID
	}, "mapping has no Heimdal customer or no PSA company")
	if err != nil {
		return nil, fmt.Errorf("psasync: reading the customer mappings: %w", err)
	}
	return out, nil
}
