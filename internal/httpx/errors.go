package httpx

import (
	"net/http"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// OutcomeUnknownError is the public bridge type: a non-idempotent request
// that may have reached the server but whose result was never seen.
type OutcomeUnknownError = bridge.OutcomeUnknownError

// RetryAfterError is the public bridge type for a 429 that outlived every
// retry.
type RetryAfterError = bridge.RateLimitError

// IsOutcomeUnknown reports whether err (or anything it wraps) is an
// *OutcomeUnknownError.
func IsOutcomeUnknown(err error) bool { return bridge.IsOutcomeUnknown(err) }

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
