package officeprotect

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
)

// stateVersion is written with the configuration; a store written by a
// newer version is refused rather than misread.
const stateVersion = 1

// config is the integration's configuration and progress as stored under
// "officeprotect/<instance>/config". It holds no secret: the PSA
// credentials belong to the client the caller passes in.
type config struct {
	Version int `json:"version"`
	// Status is the status chosen with SetTicketStatus (zero: the board's
	// default); Contact the emergency contact.
	Status  connectwise.Ref `json:"status"`
	Contact string          `json:"contact,omitempty"`
	// Confirmed is set by ConfirmSetup, with the board and status it
	// resolved.
	Confirmed    bool            `json:"confirmed,omitempty"`
	Board        BoardChoice     `json:"board"`
	TargetStatus connectwise.Ref `json:"targetStatus"`
	// BackfillSince is the start of the confirmed setup's 48-hour window;
	// BackfillDone is set once every event in it was filed. A run that
	// finds the backfill unfinished (the process stopped during it)
	// finishes it first, over the same window.
	BackfillSince time.Time `json:"backfillSince,omitzero"`
	BackfillDone  bool      `json:"backfillDone,omitempty"`
	// Watermark is where the next live run reads from: the start of the
	// last run that filed everything it read.
	Watermark time.Time `json:"watermark,omitzero"`
	// KeysSince is when this store first filed tickets under keys that
	// name the tenant. Events triggered before it may have tickets under
	// the older key (the bare event id), which are adopted, not
	// duplicated.
	KeysSince time.Time `json:"keysSince,omitzero"`
}

func (c config) target() target { return target{board: c.Board, status: c.TargetStatus} }

// storedFailure is one active failure and whether the contact was told.
type storedFailure struct {
	Failure  Failure `json:"failure"`
	Notified bool    `json:"notified"`
}

func (in *Integration) key(parts ...string) string {
	return "officeprotect/" + in.instance + "/" + strings.Join(parts, "/")
}

// loadConfig reads the configuration; a store without one gives the zero
// configuration.
func (in *Integration) loadConfig(ctx context.Context) (config, error) {
	c, err := flow.GetJSON[config](ctx, in.store, in.key("config"))
	switch {
	case errors.Is(err, flow.ErrNotFound):
		return config{Version: stateVersion}, nil
	case err != nil:
		return config{}, fmt.Errorf("officeprotect: reading the configuration: %w", err)
	case c.Version > stateVersion:
		return config{}, &flow.StateError{Key: in.key("config"), Err: flow.ErrCorrupt,
			Problem: fmt.Sprintf("written by a newer version of officeprotect (state version %d, this one reads up to %d)", c.Version, stateVersion)}
	}
	return c, nil
}

// updateConfig changes the configuration atomically.
func (in *Integration) updateConfig(ctx context.Context, fn func(*config) error) error {
	err := flow.UpdateJSON(ctx, in.store, in.key("config"), func(c config, found bool) (config, error) {
		if !found {
			c.Version = stateVersion
		}
		if c.Version > stateVersion {
			return c, &flow.StateError{Key: in.key("config"), Err: flow.ErrCorrupt, Problem: "written by a newer version of officeprotect"}
		}
		c.Version = stateVersion
		err := fn(&c)
		return c, err
	})
	if err != nil {
		return fmt.Errorf("officeprotect: saving the configuration: %w", err)
	}
	return nil
}

// mappingKey escapes the tenant id so that any id is one path segment.
func (in *Integration) mappingKey(tenantID string) string {
	return in.key("mappings", url.PathEscape(tenantID))
}

func (in *Integration) loadMappings(ctx context.Context) (map[string]Mapping, error) {
	out, err := flow.IndexJSON(ctx, in.store, in.key("mappings")+"/", func(m Mapping) string {
		if m.Company.ID <= 0 {
			return "" // a mapping to no company maps nothing
		}
		return m.TenantID
	}, "mapping has no tenant or no PSA company")
	if err != nil {
		return nil, fmt.Errorf("officeprotect: reading the mappings: %w", err)
	}
	return out, nil
}

func (in *Integration) failureKey(f Failure) string {
	return in.key("failures", url.PathEscape(f.Key()))
}

func (in *Integration) loadFailures(ctx context.Context) ([]storedFailure, error) {
	es, err := flow.ListJSON[storedFailure](ctx, in.store, in.key("failures")+"/")
	if err != nil {
		return nil, fmt.Errorf("officeprotect: reading the failures: %w", err)
	}
	out := make([]storedFailure, 0, len(es))
	for _, e := range es {
		out = append(out, e.Value)
	}
	slices.SortFunc(out, func(a, b storedFailure) int { return strings.Compare(a.Failure.Key(), b.Failure.Key()) })
	return out, nil
}

// observe records f and reports whether its contact still has to be told
// (a new failure, or one whose alert was not delivered: the process may
// have stopped between seeing the failure and sending the mail). The
// stored failure keeps the time it was first seen.
func (in *Integration) observe(ctx context.Context, f Failure) (Failure, bool, error) {
	var out storedFailure
	err := flow.UpdateJSON(ctx, in.store, in.failureKey(f), func(sf storedFailure, found bool) (storedFailure, error) {
		if !found {
			sf = storedFailure{Failure: f}
		}
		out = sf
		return sf, nil
	})
	if err != nil {
		return f, false, fmt.Errorf("officeprotect: recording failure %s: %w", f.Key(), err)
	}
	return out.Failure, !out.Notified, nil
}

func (in *Integration) markNotified(ctx context.Context, f Failure) error {
	return flow.UpdateJSON(ctx, in.store, in.failureKey(f), func(sf storedFailure, found bool) (storedFailure, error) {
		if !found {
			sf = storedFailure{Failure: f}
		}
		sf.Notified = true
		return sf, nil
	})
}

// clearFailures re-arms every active failure matching pred.
func (in *Integration) clearFailures(ctx context.Context, pred func(Failure) bool) error {
	fs, err := in.loadFailures(ctx)
	if err != nil {
		return err
	}
	for _, sf := range fs {
		if pred(sf.Failure) {
			if err := in.store.Delete(ctx, in.failureKey(sf.Failure)); err != nil {
				return fmt.Errorf("officeprotect: clearing failure %s: %w", sf.Failure.Key(), err)
			}
		}
	}
	return nil
}

func (in *Integration) hasFailure(ctx context.Context, kind FailureKind) bool {
	fs, err := in.loadFailures(ctx)
	if err != nil {
		return false
	}
	for _, sf := range fs {
		if sf.Failure.Kind == kind {
			return true
		}
	}
	return false
}

// Failures returns the failures currently breaking the integration,
// ordered by key; empty when it is healthy. They are kept in the store, so
// they survive a restart, and so does the fact that the contact was told.
func (in *Integration) Failures(ctx context.Context) ([]Failure, error) {
	fs, err := in.loadFailures(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Failure, 0, len(fs))
	for _, sf := range fs {
		out = append(out, sf.Failure)
	}
	return out, nil
}
