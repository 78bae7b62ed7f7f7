package infimasync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// FlowName names this flow in reports, progress and store keys.
const FlowName = "infima-security360"

// DefaultInstance is the instance name used without WithInstance.
const DefaultInstance = "default"

// stateVersion is written into every stored document; a document from
// another version is refused with a clear error rather than half-read.
const stateVersion = 1

// Store layout, under "infima-security360/<instance>/":
//
//	settings                                  Settings (the API key: see flow's "Where secrets rest")
//	mappings                                  the confirmed mappings
//	run                                       when the last run started and whether it finished
//	delivered/<client>/<company>/<site>/<kind> fingerprint of what the site shows
//	failed/<client>/<kind>                    a category that failed, since when, why
type keys struct{ prefix string }

func newKeys(instance string) keys { return keys{prefix: FlowName + "/" + instance + "/"} }

func (k keys) settings() string  { return k.prefix + "settings" }
func (k keys) mappings() string  { return k.prefix + "mappings" }
func (k keys) run() string       { return k.prefix + "run" }
func (k keys) delivered() string { return k.prefix + "delivered/" }
func (k keys) failed() string    { return k.prefix + "failed/" }

func (k keys) deliveredKey(clientID int, companyID, siteID string, kind Kind) string {
	return k.delivered() + strconv.Itoa(clientID) + "/" + escape(companyID) + "/" + escape(siteID) + "/" + string(kind)
}

func (k keys) failedKey(clientID int, kind Kind) string {
	return k.failed() + strconv.Itoa(clientID) + "/" + string(kind)
}

// escape keeps an Asio id from adding path segments to a key.
func escape(id string) string { return strings.ReplaceAll(id, "/", "%2F") }

// settingsDoc, mappingsDoc, deliveredDoc, failedDoc and runDoc are the
// stored shapes.
type settingsDoc struct {
	Version int
	// Settings holds the API key: Settings itself marshals redacted, so
	// the store gets the explicit persistable form (flow.Encrypt keeps it
	// unreadable at rest).
	Settings settingsFields
}

type mappingsDoc struct {
	Version  int
	Mappings []Mapping
}

type deliveredDoc struct {
	Version     int
	Fingerprint string
	At          time.Time
}

type failedDoc struct {
	Version int
	Since   time.Time
	Count   int
	Reason  string
}

type runDoc struct {
	Version  int
	Started  time.Time
	Finished time.Time `json:",omitzero"`
	// Complete is false from a run's start until it ends without being
	// stopped; a run that finds it false resumes the one before.
	Complete bool
}

// versioned is what every stored document shares.
type versioned interface{ version() int }

func (d settingsDoc) version() int  { return d.Version }
func (d mappingsDoc) version() int  { return d.Version }
func (d deliveredDoc) version() int { return d.Version }
func (d failedDoc) version() int    { return d.Version }
func (d runDoc) version() int       { return d.Version }

// load reads one document, refusing another version. found is false for an
// absent key.
func load[T versioned](ctx context.Context, st flow.Store, key string) (doc T, found bool, err error) {
	doc, err = flow.GetJSON[T](ctx, st, key)
	if errors.Is(err, flow.ErrNotFound) {
		return doc, false, nil
	}
	if err != nil {
		return doc, false, err
	}
	if err := checkVersion(key, doc.version()); err != nil {
		return doc, false, err
	}
	return doc, true, nil
}

func checkVersion(key string, v int) error {
	if v != stateVersion {
		return &flow.StateError{Key: key, Problem: fmt.Sprintf("written by state version %d; this version reads %d", v, stateVersion), Err: flow.ErrCorrupt}
	}
	return nil
}

// SaveSettings validates s (Settings.Validate, no network) and stores it
// for the instance (DefaultInstance unless WithInstance), so a restarted
// host can build its INFIMA client with LoadSettings and NewClient. The
// API key rests in the store: open it with an encryption key (see the flow
// package) to keep it unreadable on disk.
func SaveSettings(ctx context.Context, st flow.Store, s Settings, opts ...Option) error {
	o := resolve(opts)
	if err := s.validate(o); err != nil {
		return err
	}
	return flow.PutJSON(ctx, st, newKeys(o.instance).settings(), settingsDoc{Version: stateVersion, Settings: settingsFields(s)})
}

// LoadSettings returns the settings SaveSettings stored, validated again.
// Absent settings give an error matching flow.ErrNotFound; stored settings
// that no longer validate give the *ConnectionError naming the field.
func LoadSettings(ctx context.Context, st flow.Store, opts ...Option) (Settings, error) {
	o := resolve(opts)
	key := newKeys(o.instance).settings()
	doc, found, err := load[settingsDoc](ctx, st, key)
	switch {
	case err != nil:
		return Settings{}, err
	case !found:
		return Settings{}, fmt.Errorf("infimasync: no settings saved at %s: %w", key, flow.ErrNotFound)
	}
	saved := Settings(doc.Settings)
	if err := saved.validate(o); err != nil {
		return Settings{}, err
	}
	return saved, nil
}
