package security360

import (
	"fmt"
	"github.com/psabridge/psabridge/internal/credcheck"
	"log/slog"
	"strings"
	"unicode"

	"github.com/psabridge/psabridge/internal/httpx"
)

// OAuth2 scopes of the Asio platform API that this package uses. A key is
// created in Asio under Integrations > API Access with a set of scopes; asking
// the token endpoint for a scope the key does not hold fails the token
// request, so a client asks only for what it needs.
const (
	// ScopeCompaniesRead allows listing and reading partner companies.
	ScopeCompaniesRead = "platform.companies.read"
	// ScopeSitesRead allows listing and reading the sites of a company.
	ScopeSitesRead = "platform.sites.read"
	// ScopeSitesWrite allows updating sites, which is how a client mapping
	// is recorded in a site's externalIds.
	ScopeSitesWrite = "platform.sites.write"
	// ScopeSecurity360Write is the Security 360 write scope seen on Asio API
	// keys. This package does not use it; it is named for the data-ingest
	// side built on top of the client.
	ScopeSecurity360Write = "security.security360.write"
)

// DefaultScope is requested when Credentials.Scope is empty: read companies
// and sites, and write sites (for SetExternalID).
const DefaultScope = ScopeCompaniesRead + " " + ScopeSitesRead + " " + ScopeSitesWrite

// Credentials identify an Asio API key (Asio > Integrations > API Access).
// Printing a Credentials value with any fmt verb, or logging it with slog,
// shows the client secret as [REDACTED].
type Credentials struct {
	// ClientID is the API key's client ID.
	ClientID string
	// ClientSecret is the API key's client secret.
	ClientSecret string
	// Scope is the space-separated list of scopes to request; DefaultScope
	// when empty.
	Scope string
}

// configError names the setting at fault; values are never echoed, so the
// error is safe to log.
func configError(field, problem string) *ConfigError {
	return &ConfigError{API: "security360", Field: field, Problem: problem}
}

// Validate checks the credentials without touching the network and returns
// the first problem as a *ConfigError.
func (c Credentials) Validate() error {
	if err := checkSecretLike("ClientID", c.ClientID); err != nil {
		return err
	}
	if err := checkSecretLike("ClientSecret", c.ClientSecret); err != nil {
		return err
	}
	// Scopes are separated by spaces, so surrounding or doubled spaces are
	// harmless and normalised away; tabs and newlines mean a bad paste.
	if strings.ContainsFunc(c.Scope, func(r rune) bool { return r != ' ' && (unicode.IsSpace(r) || unicode.IsControl(r)) }) {
		return configError("Scope", "contains tabs, newlines or control characters; separate scopes with single spaces")
	}
	return nil
}

// scope returns the normalised scope string to request.
func (c Credentials) scope() string {
	if s := strings.Join(strings.Fields(c.Scope), " "); s != "" {
		return s
	}
	return DefaultScope
}

// checkSecretLike rejects the most common real-world setup mistake: a value
// pasted with a space or newline around it.
func checkSecretLike(field, v string) error {
	if problem := credcheck.Secret(v); problem != "" {
		return configError(field, problem)
	}
	return nil
}

// String shows the credentials with the client secret redacted.
func (c Credentials) String() string {
	return fmt.Sprintf("security360.Credentials{ClientID:%q ClientSecret:%q Scope:%q}",
		c.ClientID, httpx.RedactSecret(c.ClientSecret), c.Scope)
}

// GoString makes %#v as safe as %v.
func (c Credentials) GoString() string { return c.String() }

// Format makes every verb (%s, %v, %+v, %#v, %q) print the redacted form;
// without it %+v and %#v would reflect over the fields.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// LogValue keeps the secret out of structured logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", httpx.RedactSecret(c.ClientSecret)),
		slog.String("scope", c.Scope),
	)
}
