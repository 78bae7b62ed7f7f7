// Package apitest is the vocabulary the module's API test servers share:
// connectwise/cwtest, heimdal/heimdaltest, infima/infimatest and
// security360/security360test each re-export Request and Fault under
// their own names (cwtest.Request is apitest.Request), and offer the same
// controls on their Server:
//
//	Requests() []Request                       the request log, oldest first
//	CountRequests(method, pathContains) int    counters that outlive the log
//	ResetRequests()
//	Throttled() int                            429 answers sent
//	InjectFault(Fault), InjectStatus(status, times), ClearFaults()
//	SetRateLimit(perSecond, burst), SetLatency(d)
//	Handler(), Transport(), Client(), Start(), Close()
//
// and the same options: WithClock, WithRateLimit(perSecond, burst),
// WithLatency, WithoutSeedData, WithRequestLogSize, WithObserver.
//
// Every server handles a request in one order: it logs it, waits the
// latency, answers an injected fault, checks the credentials, applies the
// rate limit (429 with Retry-After, so a rejected credential costs no
// token), and only then serves it.
//
// Wire model, the rule every test server follows: what goes over HTTP is
// declared by the test server itself (cwtest's exported Ticket,
// Company..., the unexported wire structs of the others, or JSON objects
// held as maps) and never encoded or decoded through the client
// package's types or formatted with the client's layouts, so that a wrong
// JSON tag in a client fails that client's tests instead of being
// mirrored. Client types may appear in a test server's Go-side control
// methods (seeding, inspection) and as plain vocabulary (enum values,
// limits), never on the wire.
package apitest

import "time"

// Request is one entry of a test server's request log. It holds no header,
// body or credential, so it is safe to print.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	// Status is the status the server produced; for a dropped connection
	// it is the status that was never delivered, and 0 when the client
	// left before any answer.
	Status  int
	Dropped bool
	// Time is the server's clock (WithClock) when the request arrived.
	Time time.Time
}

// Fault describes a failure to inject into the requests it matches. The
// server answers it in its vendor's error format, before checking
// credentials.
type Fault struct {
	// Method matches the request method ("" for any).
	Method string
	// PathContains matches a substring of the path, case-insensitively
	// ("" for any).
	PathContains string
	// Status answers with this status without processing the request: a
	// 5xx, or 429 for a rate-limit storm.
	Status int
	// RetryAfter is sent as the Retry-After header when set.
	RetryAfter string
	// Times limits how many requests the fault hits; 0 means until
	// ClearFaults.
	Times int
	// DropAfterWrite processes the request fully (a write happens), then
	// closes the connection without sending the response; over Transport
	// the client gets a transport error.
	DropAfterWrite bool
	// TruncateBody processes the request fully (a create happens), then
	// sends its status, headers and Content-Length with only half the body
	// and closes the connection: a success whose body never fully arrived.
	TruncateBody bool
	// Body replaces the server's default body for Status, verbatim: use it
	// for malformed JSON or odd error bodies (with Status 200 for a
	// "successful" garbage answer).
	Body string
}
