// Package conformance holds the tests that hold every API client of this
// module and its simulator to the same rules at once (resource hygiene,
// goroutine leaks, credentials kept out of error text), end to end through
// the public API. It has no code of its own: the tests live apart from
// internal/httpx so that the transport's own tests import nothing above it.
package conformance
