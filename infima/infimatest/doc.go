// Package infimatest is an in-memory simulator of the INFIMA Reporting API,
// served over real HTTP like net/http/httptest, for tests, benchmarks and
// demos of the infima client and the Security 360 sync.
//
// It serves GET /v1/partner, GET /v1/clients and GET /v1/clients/{id}/users
// with the published field names and paging object ({"items", "total",
// "limit", "offset"}), checks the X-API-Key header (401 otherwise), and
// refuses a limit outside 1–50 with 400 rather than clamping it, so that a
// client sending one is caught. The users endpoint accepts
// status=all|active|inactive and defaults to active users.
//
// The default data set is a partner with twelve clients: eleven established
// ones with users in several departments, active and inactive, training on
// track or behind, upcoming and overdue courses, and phishing histories from
// automatic and on-demand campaigns; and one freshly onboarded client whose
// users have no training, schedule or phishing data yet. WithClients builds
// larger sets deterministically. Users carry a phishing_tests history (not
// in the published reference; see infima.User.PhishingTests).
//
// Controls change the data between syncs (AddClient, SetUserTraining,
// SetNextCourse, AddPhishingTest, SetUserStatus, RemoveClient), rotate the
// key (RotateKey), inject faults (InjectFault, InjectStatus, WithLatency,
// SetLatency, WithRateLimit, SetRateLimit), and log requests (Requests,
// CountRequests, ResetRequests, MaxLimitSeen, Throttled), with the same
// names as the other simulators of this module. Memory is bounded by the
// data set and the request log's size.
package infimatest
