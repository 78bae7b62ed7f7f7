// Package security360test provides an in-process simulator of the
// ConnectWise Asio platform API for tests and examples, in the manner of
// net/http/httptest.
//
// A Server speaks real HTTP: it issues client-credentials tokens (JSON or
// form body) with a configurable lifetime, serves seeded partner companies
// and sites with limit/cursor paging and Link rel="next" headers, applies
// JSON Patch to sites (so externalIds mappings can be recorded and read
// back), enforces token scopes, and reports /v1/rate_limits. Tests can
// count token and API requests, expire every token to force 401s, inject
// error statuses, and enforce a per-family request quota that sends Limit,
// Remaining and Reset on every answer and 429 (without Retry-After, as Asio
// documents) once spent. /v1/rate_limits has the documented nested shape,
// and externalIds entries get a platform id, siteId and backsynced flag.
// An entry written back without its id counts as new.
//
// The seeded companies ("Acme Corp", "Globex Corporation", "Initech LLC",
// and two that match no INFIMA client) have deterministic IDs.
//
// Security 360's ingestion of partner training data is not a public API,
// so the simulator receives those pushes through a Go-side Store
// (Server.Training) rather than over HTTP.
package security360test
