// Package connectwise is a typed client for the ConnectWise PSA (Manage)
// REST API v3.0.
//
// Create a client from a validated Config; services hang off it as fields,
// in the style of go-github:
//
//	c, err := connectwise.NewClient(connectwise.Config{
//		Site:       "api-na.myconnectwise.net",
//		CompanyID:  "mycompany",
//		PublicKey:  pub,
//		PrivateKey: priv,
//		ClientID:   clientID,
//	})
//	tickets, _, err := c.Tickets.List(ctx, &connectwise.ListOptions{
//		Conditions: connectwise.Where("board/id = ? and closedFlag = ?", 12, false),
//	})
//
// Every list call returns one page plus a *Response carrying the paging
// links; its All twin (an iter.Seq2) walks every page lazily with constant
// memory and never mutates the caller's options. Conditions are built with
// Where, which quotes values itself: the PSA has no escape character inside
// string literals, so hand-written quoting is the classic injection and
// corruption bug of PSA integrations.
//
// Requests go through psabridge's shared transport: a client-side rate
// limiter (about 10 requests/s by default, under the PSA's documented
// 1,000/minute), retries with backoff for idempotent calls, Retry-After
// honoured for 429s, reads (GET, POST .../search) retried after the PSA's
// 500 for a database timeout, and never a blind retry of a write whose
// outcome is unknown (see *OutcomeUnknownError and IsOutcomeUnknown): a
// 500, 502 or 504, a dropped connection, or a success status whose body
// could not be read.
//
// Forward-only paging (ListOptions.ForwardOnly) is supported by the PSA
// per endpoint: All falls back to page numbers where it is not, and List
// returns *ForwardOnlyUnsupportedError, so a walk never ends early.
//
// The codebase segment of the URL ("v2025_1/") is discovered through
// /login/companyinfo when Config.Codebase is empty, cached, and discovered
// again on a 404 that is not the PSA's own "record not found" (hosted
// codebases move); the request is repeated only if the codebase changed.
//
// Errors from the server are *Error values; see IsNotFound, IsForbidden,
// IsUnauthorized and IsRateLimited. The connectwise/cwtest package runs an
// in-memory PSA over real HTTP for tests and examples.
package connectwise
