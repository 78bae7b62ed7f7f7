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
// error statuses, and enforce a request quota that answers 429 with
// Retry-After.
//
// The seeded companies ("Acme Corp", "Globex Corporation", "Initech LLC",
// and two that match no INFIMA client) have deterministic IDs.
//
// Security 360's ingestion of partner training data is not a public API;
// the INFIMA flow's test kit (security360/infimasync/infimasynctest)
// records those pushes instead.
package security360test
