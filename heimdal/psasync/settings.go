package psasync

import (
	"fmt"
	"log/slog"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/internal/credcheck"
	"github.com/psabridge/psabridge/internal/httpx"
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
	pub := httpx.RedactSecret(s.PublicKey)
	if len(s.PublicKey) > 4 {
		pub = s.PublicKey[:4] + "…"
	}
	return fmt.Sprintf("psasync.Settings{CompanyID:%q Site:%q PublicKey:%q PrivateKey:%q ClientID:%q}",
		s.CompanyID, credcheck.ShowURL(s.Site), pub, httpx.RedactSecret(s.PrivateKey), s.ClientID)
}

// GoString is String: the Go-syntax form would print the private key.
func (s Settings) GoString() string { return s.String() }

// Format prints String under every verb (%v, %+v, %#v, %s, %q), so no
// formatting path reaches the private key.
func (s Settings) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// LogValue keeps the private key out of structured logs: without it slog's
// JSON handler marshals the fields and never calls Format.
func (s Settings) LogValue() slog.Value {
	pub := httpx.RedactSecret(s.PublicKey)
	if len(s.PublicKey) > 4 {
		pub = s.PublicKey[:4] + "…"
	}
	return slog.GroupValue(
		slog.String("company_id", s.CompanyID),
		slog.String("site", credcheck.ShowURL(s.Site)),
		slog.String("public_key", pub),
		slog.String("private_key", httpx.RedactSecret(s.PrivateKey)),
		slog.String("client_id", s.ClientID),
	)
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
