// Package simkit is the HTTP harness shared by the four simulators
// (connectwise/cwtest, heimdal/heimdaltest, infima/infimatest and
// security360/security360test). A simulator keeps only what is its own —
// routes, state, authentication and the vendor's error bodies — and hands
// the rest to a Kit:
//
//   - the httptest wrapper: URL, Listener, Start, Close, Handler, an
//     in-memory Transport and a Client;
//   - the serve pipeline, in this order: request log → latency → injected
//     faults → authentication → 429 rate limit with Retry-After → route;
//   - a bounded request log with unbounded per-path counters;
//   - WriteJSON.
//
// The simulators re-export the kit's vocabulary under the same names
// (Requests, CountRequests, ResetRequests, InjectFault, ClearFaults,
// WithClock, WithRateLimit, SetRateLimit, WithLatency, SetLatency,
// WithoutSeedData, Client, Transport, Throttled) with their own Request and
// Fault types, so that no public signature names this internal package.
//
// Wire model, the rule for every simulator: what goes over HTTP is
// declared by the simulator itself — cwtest's exported Ticket, Company...
// (an oracle that third-party clients can be checked against too), the
// unexported wire structs of heimdaltest, infimatest and security360test,
// or JSON objects held as maps — and never encoded or decoded through the
// client package's types, nor formatted with the client's layouts. A wrong
// JSON tag in a client then fails that client's tests instead of being
// mirrored. Client types may appear in a simulator's Go-side control API
// (seeding and inspection) and as plain vocabulary (enum values, limits);
// never on the wire.
//
// Time: Config.Clock stamps the request log and drives the rate limiter,
// so a test that freezes or advances the clock controls both. Latency
// waits on a real timer, which testing/synctest fakes.
package simkit
