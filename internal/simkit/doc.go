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
// The simulators re-export the kit's controls under the names the public
// package apitest lists, with apitest's Request and Fault, so that no
// public signature names this internal package. apitest also states the
// wire-model rule every simulator follows.
//
// Time: Config.Clock stamps the request log and drives the rate limiter,
// so a test that freezes or advances the clock controls both. Latency
// waits on a real timer, which testing/synctest fakes.
package simkit
