package connectwise

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/psabridge/psabridge/internal/credcheck"
	"github.com/psabridge/psabridge/internal/httpx"
)

// DefaultAPIVersion is the PSA model version pinned in the Accept header.
// Pinning keeps field shapes stable when the server is upgraded.
const DefaultAPIVersion = "2025.8"

// Config holds what is needed to reach one PSA site. Site, CompanyID,
// PublicKey, PrivateKey and ClientID are required; Codebase and APIVersion
// are optional.
type Config struct {
	// Site is the API host ("api-eu.myconnectwise.net") or an https URL.
	// A pasted UI host ("eu.myconnectwise.net") is mapped to its api- host.
	// Plain http is accepted only for loopback addresses (simulators).
	Site string
	// CompanyID is the company identifier used to log in to the PSA.
	CompanyID string
	// PublicKey and PrivateKey are the API member's key pair.
	PublicKey  string
	PrivateKey string
	// ClientID is the integration's clientId (a UUID from developer.connectwise.com).
	ClientID string
	// Codebase ("v2025_1/") is discovered through /login/companyinfo when empty.
	Codebase string
	// APIVersion pins the model version; DefaultAPIVersion when empty.
	APIVersion string
}

// configError names the field at fault; the problem never quotes a secret.
func configError(field, problem string) *ConfigError {
	return &ConfigError{API: "connectwise", Field: field, Problem: problem}
}

// cloudRegions are the ConnectWise-hosted API hosts, keyed by the region
// label users see in the UI host.
var cloudRegions = map[string]bool{"na": true, "eu": true, "au": true, "aus": true, "za": true}

// Validate checks every field without touching the network and returns the
// first problem as a *ConfigError.
func (c Config) Validate() error {
	if _, err := NormalizeSite(c.Site); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{
		{"CompanyID", c.CompanyID},
		{"PublicKey", c.PublicKey},
		{"PrivateKey", c.PrivateKey},
		{"ClientID", c.ClientID},
	} {
		if err := checkToken(f.name, f.value); err != nil {
			return err
		}
	}
	if c.Codebase != "" {
		cb := c.Codebase
		if strings.ContainsAny(cb, " \t\r\n?#") || strings.HasPrefix(cb, "/") || strings.Contains(cb, "..") {
			// Not echoed: a query or fragment here may hold a pasted key.
			return configError("Codebase", "is not a codebase like \"v2025_1/\" (no spaces, ?, #, leading / or ..)")
		}
	}
	return nil
}

// checkToken rejects the most common real-world setup mistake: a key pasted
// with a space or newline around it. Values are never echoed.
func checkToken(field, v string) error {
	return credcheck.SecretSetting("connectwise", field, v, "")
}

// NormalizeSite turns what users type as their PSA site into the API base
// origin ("https://api-eu.myconnectwise.net"), or explains why it cannot.
func NormalizeSite(site string) (string, error) {
	if site == "" {
		return "", configError("Site", "is required (for example api-na.myconnectwise.net)")
	}
	if strings.TrimSpace(site) != site {
		return "", configError("Site", "has surrounding whitespace")
	}
	raw := site
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// Not echoed: what does not parse is as likely a pasted key.
		return "", configError("Site", "is not a host name or https URL (for example api-na.myconnectwise.net)")
	}
	if u.User != nil {
		return "", configError("Site", "must not contain credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		// Quoted without the path, query and fragment: a key may sit there.
		return "", configError("Site", fmt.Sprintf("%q has a path, query or fragment; give only the host (for example api-na.myconnectwise.net)", credcheck.ShowURL(site)))
	}
	host := strings.ToLower(u.Hostname())
	switch u.Scheme {
	case "https":
	case "http":
		if !credcheck.IsLoopback(host) {
			return "", configError("Site", "plain http is refused by PSA servers; use https:// (http is allowed only for loopback simulators)")
		}
	default:
		return "", configError("Site", fmt.Sprintf("scheme %q is not supported; use https://", credcheck.ShowScheme(u.Scheme)))
	}
	if !strings.Contains(host, ".") && !credcheck.IsLoopback(host) && net.ParseIP(host) == nil {
		// Not echoed: a single word here is as likely a pasted key.
		return "", configError("Site", "is not a full host name (for example api-na.myconnectwise.net)")
	}
	if base, ok := strings.CutSuffix(host, ".myconnectwise.net"); ok {
		region := strings.TrimPrefix(base, "api-")
		if !cloudRegions[region] {
			return "", configError("Site", fmt.Sprintf("unknown ConnectWise cloud region %q (known: na, eu, au, aus, za)", region))
		}
		host = "api-" + region + ".myconnectwise.net"
	}
	if host == "staging.connectwisedev.com" {
		host = "api-staging.connectwisedev.com"
	}
	if p := u.Port(); p != "" {
		host = net.JoinHostPort(host, p)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host, nil
}

// String shows the configuration with the private key redacted and the
// public key shortened, so it is safe to log.
func (c Config) String() string {
	return fmt.Sprintf("connectwise.Config{Site:%q CompanyID:%q PublicKey:%q PrivateKey:%q ClientID:%q Codebase:%q}",
		credcheck.ShowURL(c.Site), c.CompanyID, shortKey(c.PublicKey), httpx.RedactSecret(c.PrivateKey), c.ClientID, c.Codebase)
}

// GoString makes %#v as safe as %v.
func (c Config) GoString() string { return c.String() }

// Format makes every verb (%s, %v, %+v, %#v, %q) print the redacted form.
func (c Config) Format(f fmt.State, verb rune) { _, _ = fmt.Fprint(f, c.String()) }

// LogValue keeps the private key out of structured logs: without it slog's
// JSON handler marshals the fields and never calls Format.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("site", credcheck.ShowURL(c.Site)),
		slog.String("company_id", c.CompanyID),
		slog.String("public_key", shortKey(c.PublicKey)),
		slog.String("private_key", httpx.RedactSecret(c.PrivateKey)),
		slog.String("client_id", c.ClientID),
		slog.String("codebase", c.Codebase),
	)
}

func shortKey(k string) string {
	if len(k) <= 4 {
		return httpx.RedactSecret(k)
	}
	return k[:4] + "…"
}
