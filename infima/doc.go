// Package infima is a client for the INFIMA Reporting API, the API behind
// INFIMA's ConnectWise Security 360 integration: training statistics,
// phishing simulation results and course schedules for each of a partner's
// clients.
//
// # Wire facts
//
// The server is https://app.infimasecapis.com (DefaultBaseURL). Every
// request carries the partner's Reporting API key in the X-API-Key header;
// generating a new key in INFIMA invalidates the old one, after which every
// call fails with HTTP 401, reported as an *Error matching ErrKeyRejected.
// The published endpoints are:
//
//	GET /v1/partner                       the partner account
//	GET /v1/clients?limit=&offset=        clients, paged
//	GET /v1/clients/{id}/users?status=    a client's users, paged
//
// Lists come wrapped in a paging object {"items": [...], "total": n}; limit
// defaults to 20 and may not exceed 50 (MaxLimit). List methods return one
// page; their All twins walk every page lazily as an iter.Seq2.
//
// # What syncs to Security 360
//
// The API has no endpoint per data category: the Security 360 flow
// (security360/infimasync) derives training stats, phishing results and
// course schedules from the client and user fields this package returns.
//
// # Transport
//
// Calls go through the shared psabridge transport: a conservative client-side
// rate limit (5 requests/s, burst 5) that slows down on 429, up to 4 retries
// for connection errors, 429, 502, 503 and 504 honouring Retry-After, and a
// 30 s timeout per attempt. The key is never logged, never included in an
// error, never printed by fmt, and is not forwarded on a redirect to another
// host.
//
// The infimatest package provides an in-memory simulator of the API for
// tests and demos.
package infima
