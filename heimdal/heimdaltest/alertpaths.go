package heimdaltest

import "strings"

// The Cyber Alerts and M365 alert endpoints are not documented by Heimdal
// (connectwise/WIREFACTS.md §9); the client takes them as a setting. The simulator can
// serve them elsewhere, or not at all, so that the setting and the
// "endpoint unavailable" path are tested.

type alertPaths struct{ cyber, m365 string }

// The routes the handlers know the alert lists by (lower case, as routes
// are matched), which are also the client's default paths.
const (
	cyberRoute = "/2.0/alerts/getemailalerts"
	m365Route  = "/2.0/m365/getalerts"
)

// WithAlertPaths serves the Cyber Alerts and M365 alert lists at these
// paths (under APIPrefix) instead of the client's defaults; an empty path
// serves that list nowhere (404), as a server without the endpoint would.
func WithAlertPaths(cyberAlerts, m365 string) Option {
	return func(o *options) {
		o.alerts = &alertPaths{cyber: strings.ToLower(cyberAlerts), m365: strings.ToLower(m365)}
	}
}

// alertRoute maps a configured alert path to the handlers' route, and the
// default routes to nothing when they were moved.
func (s *Server) alertRoute(route string) string {
	p := s.opts.alerts
	if p == nil {
		return route
	}
	switch {
	case p.cyber != "" && route == p.cyber:
		return cyberRoute
	case p.m365 != "" && route == p.m365:
		return m365Route
	case route == cyberRoute || route == m365Route:
		return "/not-served"
	}
	return route
}
