// Package bridge is the vocabulary every psabridge client and flow shares:
// the error types a caller inspects with errors.As, the Limiter interface a
// shared rate budget implements, and the Attempt record an observer sees.
//
// It is a leaf package with no dependencies beyond the standard library, so
// importing it costs nothing; each client re-exports these names as aliases
// (connectwise.OutcomeUnknownError is bridge.OutcomeUnknownError), so one
// errors.As target works whichever client returned the error.
package bridge
