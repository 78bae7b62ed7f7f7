package psasync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/internal/credcheck"
)

// Settings are the Integration Settings of the Heimdal Dashboard's
// ConnectWise PSA section.
type Settings struct {
	// CompanyID is the Company Identifier, the company the API member logs
	// in to (the PSA's "My Company ID").
	CompanyID string
	// Site is the Base API URL, a regional host such as
	// "api-eu.myconnectwise.net". A pasted UI host ("eu.myconnectwise.net")
	// is mapped to its api- host.
	Site string
	// PublicKey and PrivateKey are the API member's key pair. The private
	// key is shown by the PSA only once, when the key is created.
	PublicKey  string
	PrivateKey string
	// ClientID is the integration's clientId from developer.connectwise.com,
	// which the PSA requires on every call.
	ClientID string
}

// Validate checks every field without touching the network. The error is a
// *connectwise.ConfigError whose Field is the name of the Settings field
// (the two types share field names), and it never contains a key.
func (s Settings) Validate() error { return s.config().Validate() }

func (s Settings) config() connectwise.Config {
	return connectwise.Config{Site: s.Site, CompanyID: s.CompanyID, PublicKey: s.PublicKey, PrivateKey: s.PrivateKey, ClientID: s.ClientID}
}

// String shows the settings with the private key redacted and the public key
// shortened, so that settings can be logged.
func (s Settings) String() string {
	return fmt.Sprintf("psasync.Settings{CompanyID:%q Site:%q PublicKey:%q PrivateKey:%q ClientID:%q}",
		s.CompanyID, credcheck.ShowURL(s.Site), shortKey(s.PublicKey), redact(s.PrivateKey), s.ClientID)
}

// GoString is String: the Go-syntax form would print the private key.
func (s Settings) GoString() string { return s.String() }

// Format prints String under every verb (%v, %+v, %#v, %s, %q), so no
// formatting path reaches the private key.
func (s Settings) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// LogValue keeps the private key out of structured logs: without it slog's
// JSON handler marshals the fields and never calls Format.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("company_id", s.CompanyID),
		slog.String("site", credcheck.ShowURL(s.Site)),
		slog.String("public_key", shortKey(s.PublicKey)),
		slog.String("private_key", redact(s.PrivateKey)),
		slog.String("client_id", s.ClientID),
	)
}

// redact stands in for a secret: it says whether one is set, nothing more.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "[REDACTED]"
}

// shortKey shows enough of a public key to tell two apart.
func shortKey(k string) string {
	if len(k) > 4 {
		return k[:4] + "…"
	}
	return redact(k)
}

// storedSettings is the settings as the store keeps them, private key
// included: the store is where a saved connection rests (encrypt it with
// flow.Encrypt to keep the key unreadable on disk).
type storedSettings struct {
	Version    int    `json:"version"`
	CompanyID  string `json:"companyId"`
	Site       string `json:"site"`
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
	ClientID   string `json:"clientId"`
}

// String keeps a stored document out of logs if one is ever printed.
func (s storedSettings) String() string { return "psasync.storedSettings{redacted}" }

func (s storedSettings) settings() Settings {
	return Settings{CompanyID: s.CompanyID, Site: s.Site, PublicKey: s.PublicKey, PrivateKey: s.PrivateKey, ClientID: s.ClientID}
}

// LoadSettings returns the connection settings Setup saved for the Heimdal
// account customerID, to build the PSA client a restarted process hands to
// New. No saved settings give an error matching flow.ErrNotFound; settings
// that do not decode or validate give a *flow.StateError naming the key,
// which never quotes a stored value.
func LoadSettings(ctx context.Context, store flow.Store, customerID string) (Settings, error) {
	key := storeKey(customerID, "settings")
	st, err := flow.GetJSON[storedSettings](ctx, store, key)
	if err != nil {
		return Settings{}, err
	}
	s := st.settings()
	if err := s.Validate(); err != nil {
		var ce *connectwise.ConfigError
		field := "a field"
		if errors.As(err, &ce) {
			field = ce.Field
		}
		return Settings{}, &flow.StateError{Key: key, Err: flow.ErrCorrupt, Problem: "saved settings are not valid (" + field + "): save them again"}
	}
	return s, nil
}

// SaveOption answers a question Save asks.
type SaveOption func(*saveOptions)

type saveOptions struct {
	retain bool
}

// RetainTicketAndCustomerSettings answers the dashboard's confirmation
// pop-up when saved settings are replaced: true (the default) keeps the
// board configurations and customer mappings, which is right when keys are
// rotated; false clears them, which is right when the new settings point at
// another PSA, where the saved board, status and company ids mean nothing.
func RetainTicketAndCustomerSettings(retain bool) SaveOption {
	return func(o *saveOptions) { o.retain = retain }
}

// Setup is the Heimdal Dashboard's Integration Settings screen, an optional
// helper in front of the flow: it stages the Company Identifier, Base API
// URL and keys, tests them ("Test Connection") and saves them to the store
// only after a successful test ("Save"). It is the one place that builds a
// PSA client, because it must try credentials typed into a form; Save hands
// that client over for New, and a restarted process builds its own from
// LoadSettings. It is safe for concurrent use.
type Setup struct {
	store      flow.Store
	customerID string
	cwOpts     []connectwise.Option

	mu      sync.Mutex
	pending *Settings
	tested  *conn
}

// conn is a settings value and the PSA client built from it.
type conn struct {
	settings Settings
	client   *connectwise.Client
}

// NewSetup returns the settings screen of the Heimdal account customerID,
// saving into store. cwOpts (rate limit, retries, HTTP client) apply to the
// client it builds to test the settings.
func NewSetup(store flow.Store, customerID string, cwOpts ...connectwise.Option) (*Setup, error) {
	if err := flow.NeedStore("psasync", store); err != nil {
		return nil, err
	}
	if customerID == "" {
		return nil, &bridge.ConfigError{API: "psasync", Field: "CustomerID", Problem: "the Heimdal customer (or reseller) id is required"}
	}
	return &Setup{store: store, customerID: customerID, cwOpts: cwOpts}, nil
}

// String identifies the screen without any credential.
func (s *Setup) String() string { return "psasync.Setup{customer:" + s.customerID + "}" }

// GoString makes %#v as safe as %v.
func (s *Setup) GoString() string { return s.String() }

// UpdateSettings stages settings, as typing into the dashboard's form does.
// Invalid settings are refused with a *connectwise.ConfigError naming the
// field. Staging different settings withdraws an earlier successful
// TestConnection: Save needs a test of exactly what it saves.
func (s *Setup) UpdateSettings(st Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = &st
	if s.tested != nil && s.tested.settings != st {
		s.tested = nil
	}
	return nil
}

// TestConnection makes the dedicated API call (/system/info) with the
// staged settings and, when it succeeds, enables Save for them. A failure
// is a *ConnectionError around the PSA client's error.
func (s *Setup) TestConnection(ctx context.Context) (*connectwise.SystemInfo, error) {
	s.mu.Lock()
	if s.pending == nil {
		s.mu.Unlock()
		return nil, &StateError{Op: "TestConnection", Err: ErrNoSettings}
	}
	st := *s.pending
	s.mu.Unlock()

	c, err := connectwise.NewClient(st.config(), s.cwOpts...)
	if err != nil {
		return nil, err
	}
	info, _, err := c.System.Info(ctx)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.pending != nil && *s.pending == st {
			s.tested = nil
		}
		return nil, &ConnectionError{Site: c.Site(), Err: err}
	}
	// The form may have changed while the call ran: the verdict belongs to
	// the settings tested, not to whatever is staged now.
	if s.pending != nil && *s.pending == st {
		s.tested = &conn{settings: st, client: c}
	}
	return info, nil
}

// CheckAccess compares the API member's security role with Requirements,
// with the connection of the last successful TestConnection, so the role
// can be checked before saving.
func (s *Setup) CheckAccess(ctx context.Context) (*connectwise.AccessReport, error) {
	s.mu.Lock()
	c := s.tested
	s.mu.Unlock()
	if c == nil {
		return nil, &StateError{Op: "CheckAccess", Err: ErrNotTested}
	}
	return c.client.CheckAccess(ctx, Requirements())
}

// Save writes the staged settings to the store (private key included; see
// flow.Encrypt) and returns the tested client, ready for New. It is refused
// with a *StateError (ErrNotTested) unless the last TestConnection
// succeeded for exactly these settings. When saved settings are replaced,
// the board configurations and customer mappings are kept unless
// RetainTicketAndCustomerSettings(false) is given.
func (s *Setup) Save(ctx context.Context, opts ...SaveOption) (*connectwise.Client, error) {
	o := saveOptions{retain: true}
	for _, f := range opts {
		f(&o)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.pending == nil:
		return nil, &StateError{Op: "Save", Err: ErrNoSettings}
	case s.tested == nil || s.tested.settings != *s.pending:
		return nil, &StateError{Op: "Save", Err: ErrNotTested}
	}
	st := s.tested.settings
	if !o.retain {
		for _, prefix := range []string{storeKey(s.customerID, "boards") + "/", storeKey(s.customerID, "mappings") + "/"} {
			es, err := s.store.List(ctx, prefix)
			if err != nil {
				return nil, fmt.Errorf("psasync: clearing the ticket and customer settings: %w", err)
			}
			for _, e := range es {
				if err := s.store.Delete(ctx, e.Key); err != nil {
					return nil, fmt.Errorf("psasync: clearing the ticket and customer settings: %w", err)
				}
			}
		}
	}
	doc := storedSettings{Version: 1, CompanyID: st.CompanyID, Site: st.Site, PublicKey: st.PublicKey, PrivateKey: st.PrivateKey, ClientID: st.ClientID}
	if err := flow.PutJSON(ctx, s.store, storeKey(s.customerID, "settings"), doc); err != nil {
		return nil, fmt.Errorf("psasync: saving the settings: %w", err)
	}
	return s.tested.client, nil
}
