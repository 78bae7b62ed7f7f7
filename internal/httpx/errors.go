package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// OutcomeUnknownError reports a non-idempotent request (a POST) that may have
// reached the server but whose result was never seen: a timeout, a reset
// connection, or a gateway error. The write may or may not have happened, so
// it is not retried automatically; the caller must look it up first.
type OutcomeUnknownError struct {
	Method string
	// Path is the URL path, without query or host.
	Path string
	// StatusCode is the HTTP status when a response arrived (502, 504, 500),
	// or 0 when the connection failed.
	StatusCode int
	// Err is the underlying error: a transport error, or the API's own
	// error decoded by the client package.
	Err error
}

// Error names the request and tells the caller to look the write up, since
// the message often ends up in front of an operator deciding what to do.
func (e *OutcomeUnknownError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s %s: outcome unknown (HTTP %d): the write may have been applied; look it up before retrying: %v", e.Method, e.Path, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("%s %s: outcome unknown: the write may have been applied; look it up before retrying: %v", e.Method, e.Path, e.Err)
}

// Unwrap exposes the cause, so errors.Is still finds a timeout or the
// API's typed error behind the uncertainty.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// IsOutcomeUnknown reports whether err (or anything it wraps) is an
// *OutcomeUnknownError.
func IsOutcomeUnknown(err error) bool {
	var ou *OutcomeUnknownError
	return errors.As(err, &ou)
}

// WriteOutcomeUnknown reports whether an HTTP status returned to a
// non-idempotent request leaves its outcome unknown. Gateways (502, 504)
// answer without knowing what the origin did, and a 500 may come after a
// partial write. Client packages call it after decoding an error body so that
// the typed API error is kept inside the *OutcomeUnknownError.
func WriteOutcomeUnknown(method string, status int) bool {
	if idempotent(method) {
		return false
	}
	switch status {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// RetryAfterError is returned by clients for a 429 that outlived every retry.
// Wait is how long the server asked the caller to wait (0 if it did not say).
type RetryAfterError struct {
	Wait time.Duration
	Err  error
}

// Error includes the server's wait, which is what a caller scheduling a
// retry needs to see.
func (e *RetryAfterError) Error() string {
	if e.Wait > 0 {
		return fmt.Sprintf("rate limited: retry after %s: %v", e.Wait, e.Err)
	}
	return fmt.Sprintf("rate limited: %v", e.Err)
}

// Unwrap exposes the API's own error (its 429 body).
func (e *RetryAfterError) Unwrap() error { return e.Err }
