// Package security360test provides an in-process simulator of the
// ConnectWise Asio platform API for tests and examples, in the manner of
// net/http/httptest.
//
// A Server speaks real HTTP: it issues client-credentials tokens (JSON or
// form body) with a configurable lifetime, serves seeded partner companies
// and sites with limit/cursor paging and Link rel="next" headers, applies
// JSON Patch to sites (so externalIds mappings can be recorded and read
// back), enforces token scopes, and reports /v1/rate_limits. Tests can
// read the request log (Requests, CountRequests, ResetRequests, and the
// TokenRequests and APIRequests shorthands), expire every token to force
// 401s, inject faults (InjectFault, InjectStatus, InjectTokenStatus), add
// latency, and enforce a rate limit (WithRateLimit, 429 with Retry-After,
// as in the other simulators of this module) or Asio's own per-family
// quota (WithQuota): every answer carries Limit, Remaining and Reset, and
// a spent quota answers 429 without Retry-After, as Asio documents.
// /v1/rate_limits has the documented nested shape, and externalIds entries
// get a platform id, siteId and backsynced flag; an entry written back
// without its id counts as new.
//
// Wire model: what goes over HTTP is declared in this package (wire
// structs, or JSON objects held as maps for sites, which JSON Patch edits)
// and never encoded from the client's types, so that a mistake in the
// security360 package's JSON tags is caught by its tests instead of being
// mirrored. The Go-side control methods (AddCompany, Sites, ...) do return
// the client's types, for convenience; that is not the wire.
//
// The seeded companies ("Acme Corp", "Globex Corporation", "Initech LLC",
// and two that match no INFIMA client) have deterministic IDs.
//
// Security 360's ingestion of partner training data is not a public API;
// the INFIMA flow's test kit (security360/infimasync/infimasynctest)
// records those pushes instead.
package security360test
