// Package httpx is the one HTTP transport shared by every psabridge API
// client (ConnectWise PSA, INFIMA, Asio / Security 360 and Heimdal).
//
// It is written once so that retry, rate limiting, Retry-After handling,
// logging and credential redaction behave the same way for every API:
//
//   - Retries come from go-retryablehttp with a policy that never re-sends a
//     write whose request may have reached the server. Such a write fails with
//     *OutcomeUnknownError so the caller can look the write up before trying
//     again; this is what keeps ticket creation free of duplicates.
//   - The rate limiter sits in the RoundTripper, so every attempt, retries
//     included, waits for a token. A 429 slows the limiter down (and pauses
//     every caller until the server's Retry-After has passed); successes let it
//     recover gradually, so a long sync settles just under the server's limit.
//   - Context cancellation interrupts token waits and backoff at once.
//   - The limiter is any bridge.Limiter (Settings.Limiter); the built-in one
//     is adaptive and per client, a shared one can pace many processes.
//   - Nothing is logged unless a *slog.Logger is supplied, and even then only
//     method, path, status, attempt and duration: never headers or bodies.
//     An observer (Settings.Observer) gets the same facts as a
//     bridge.Attempt, plus the route template, limiter wait and retry
//     reason, for metrics and traces.
//
// The request layer above it (internal/apiclient) builds, authenticates
// and decodes the requests of each API; the public error types live in
// connectwise/bridge.
package httpx
