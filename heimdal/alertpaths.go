package heimdal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/psabridge/psabridge/internal/httpx"
)

// Heimdal's public material (API key article, module list, and the
// ConnectWise PSA integration article; connectwise/WIREFACTS.md §9, N12, N13) confirms
// the API root, Bearer authentication, the customerId parameter and the
// /2.0/activeclients family. "Heimdal Cyber Alerts" and "Heimdal M365
// Notifications" are only the names of the PSA boards Heimdal's own
// integration creates; no public document or integration shows an API
// endpoint for either alert list, nor their fields. The two paths this
// client calls are therefore a setting, WithAlertPaths, whose defaults are
// this package's guess (DefaultAlertPaths).

// AlertPaths are the endpoints (relative to the API root, with a leading
// slash) of the two alert lists. An empty path means the endpoint is not
// available on this server: listing it fails with
// *EndpointUnavailableError without a request.
type AlertPaths struct {
	// CyberAlerts lists the Accounts section's email alerts (the Heimdal
	// Cyber Alerts board). Unconfirmed.
	CyberAlerts string
	// M365 lists the M365 User Security alerts (the Heimdal M365
	// Notifications board). Unconfirmed.
	M365 string
}

// DefaultAlertPaths are the guesses used without WithAlertPaths, named in
// the style of the documented /2.0/activeclients/getNotifications. Neither
// is confirmed by Heimdal; heimdaltest serves them.
var DefaultAlertPaths = AlertPaths{CyberAlerts: "/2.0/alerts/getEmailAlerts", M365: "/2.0/m365/getAlerts"}

// WithAlertPaths sets the endpoints of CyberAlerts and M365, for when
// Heimdal confirms them or names others; an empty path marks the endpoint
// as unavailable.
func WithAlertPaths(p AlertPaths) Option {
	return func(s *settings) { s.alerts = &p }
}

// settings are what an Option sets: the transport, and the alert
// endpoints only this API has.
type settings struct {
	httpx.Settings
	// alerts are the paths WithAlertPaths set; nil keeps DefaultAlertPaths.
	alerts *AlertPaths
}

// alertPaths returns the alert endpoints the options chose.
func (s *settings) alertPaths() AlertPaths {
	if s.alerts == nil {
		return DefaultAlertPaths
	}
	return *s.alerts
}

// EndpointUnavailableError reports an alert list whose endpoint is not
// configured, or that the server answered 404: the endpoint is not
// confirmed by Heimdal, so set the right one with WithAlertPaths.
type EndpointUnavailableError struct {
	// List is "CyberAlerts" or "M365", the AlertPaths field to set.
	List string
	// Path is the endpoint called; empty when none is configured.
	Path string
	// Err is the server's answer (a 404 *Error), if there was one.
	Err error
}

// Error names the list, the path and the setting.
func (e *EndpointUnavailableError) Error() string {
	if e.Path == "" {
		return "heimdal: " + e.List + " alerts: no endpoint configured (WithAlertPaths)"
	}
	return fmt.Sprintf("heimdal: %s alerts: endpoint %s not found on this server; Heimdal does not document it, set the right path with WithAlertPaths(AlertPaths{%s: ...}): %v", e.List, e.Path, e.List, e.Err)
}

// Unwrap returns the server's answer.
func (e *EndpointUnavailableError) Unwrap() error { return e.Err }

// alertPath returns the configured path of list, checked.
func alertPath(list, path string) (string, error) {
	switch {
	case path == "":
		return "", &EndpointUnavailableError{List: list}
	case !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") || strings.Contains(path, ".."):
		return "", &ConfigError{API: "heimdal", Field: "AlertPaths." + list, Problem: "must be a path under the API root starting with /, without query, fragment or .."}
	}
	return path, nil
}

// unavailable turns a 404 from an unconfirmed alert endpoint into an
// *EndpointUnavailableError naming the setting.
func unavailable(list, path string, err error) error {
	var he *Error
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		return &EndpointUnavailableError{List: list, Path: path, Err: err}
	}
	return err
}
