// Package callback manages ConnectWise PSA callbacks (the PSA's webhooks):
// typed CRUD on the /system/callbacks registrations, and an http.Handler
// that receives deliveries, verifies each as the PSA signs it and hands
// the caller a typed Event.
//
// # Registrations
//
//	svc := callback.NewService(client)
//	entry, created, err := svc.Ensure(ctx, callback.Entry{
//		URL:         "https://hooks.example.com/psa?recordId=",
//		Type:        callback.TypeTicket,
//		Level:       callback.LevelOwner,
//		ObjectID:    1,
//		Description: "psabridge ticket sync",
//	})
//
// Ensure is the idempotent way to register: it looks for an entry with the
// same URL, type, level and object id before creating one, so a retried or
// restarted setup never registers the same callback twice (each duplicate
// would deliver every change again).
//
// # Deliveries
//
//	h, err := callback.NewHandler(callback.Config{
//		Site:      "api-na.myconnectwise.net",
//		CompanyID: "mycompany",
//	}, func(ctx context.Context, ev *callback.Event) error {
//		t, err := callback.Decode[connectwise.Ticket](ev)
//		...
//	})
//	http.Handle("/psa", h)
//
// For each POST the handler, in this order: bounds the body (413 past
// the limit), parses the payload (400 when it is not a callback), checks
// that the x-content-signature header is present and well formed (401),
// that CompanyId is the configured company (401) and that
// Metadata.key_url is an https URL on the configured PSA host (401),
// fetches the signing key from it (cached; 502 when the PSA cannot be
// reached), compares the x-content-signature header with the HMAC of the
// raw body in constant time (401), drops a MessageId it has already
// accepted (208, see Replays), and only then calls the caller's function.
// Nothing from a rejected delivery reaches the caller. A function that
// returns nil is answered 204; ErrRetryLater asks the PSA to send the
// delivery again (429); any other error is answered 500.
//
// # Wire format, and where it comes from
//
// The delivery is an HTTP POST whose JSON body has the members MessageId,
// FromUrl, CompanyId, MemberId, Action ("added", "updated", "deleted"),
// Type (lower case: "ticket", "company", "contact", ...), ID,
// ProductInstanceId, PartnerId, CallbackObjectRecId, Entity (the record as
// a JSON document inside a JSON string; null on delete) and
// Metadata.key_url. Sources: the payload fixtures
// providers/connectwise/internal/webhook/test/contact-update.json and
// contact-delete.json and the action mapping in
// providers/connectwise/internal/webhook/message.go of
// github.com/amp-labs/connectors; the payload type in
// packages/server/lib/webhook/types.ts of github.com/NangoHQ/nango.
//
// The signature: GET key_url answers {"signing_key": "..."}; the header
// x-content-signature carries base64(HMAC-SHA256(key = SHA-256(signing_key),
// message = the raw body)). Note the extra SHA-256 of the key: it is what
// ConnectWise's developer guide shows in C# ("Verifying the Callback
// Source", developer.connectwise.com/Products/Manage/Developer_Guide, as
// copied in docs/connectwise/best-practices/PSA-Callbacks.md of
// gitea.resolutionflow.com/chihlasm/resolutionflow), and what the
// verifiers of github.com/NangoHQ/nango
// (packages/server/lib/webhook/connectwise-psa-webhook-routing.ts) and
// github.com/amp-labs/connectors
// (providers/connectwise/internal/webhook/verifier.go, verifier_test.go)
// compute. Key URLs seen in those sources have the form
// https://{host}/{codebase}/system/callbackkey/index.rails?companyName=...&id=...
// (with a double slash after the codebase).
//
// The registration (/system/callbacks) has url, objectId (1 for level
// "owner"), type, level, description (at most 100 characters),
// memberId (read-only), payloadVersion, inactiveFlag, isSoapCallbackFlag,
// isSelfSuppressedFlag and _info (the PSA OpenAPI spec, schema
// CallbackEntry); a create answers connectWiseID as well (amp-labs
// providers/connectwise/internal/subscriber/test/create/tickets/response.json).
// The PSA appends the record id to the registered URL, which is why URLs
// end in "recordId=" (developer guide; amp-labs subscriber/create.go).
// The PSA retries a delivery answered 404, 409, 419 or 429 twice (after
// 2 s, then 4 s more), gives up after 5 s per attempt, treats any 2xx as
// delivered, and disables a callback that has failed for three
// consecutive days (developer guide).
//
// # What could not be confirmed
//
//   - Whether the key endpoint needs the clientId header or any
//     authentication. Nango and the Go sample fetch it with no header;
//     amp-labs' (disabled) verifier sends clientId. The handler sends
//     clientId when Config.ClientID is set and never sends the API keys.
//   - Which hosts the PSA puts in key_url. The amp-labs fixture, from a
//     developer sandbox, uses sandbox-na.myconnectwise.net while record
//     links point at na.myconnectwise.net. The handler trusts the
//     configured host and, for a cloud api-{region} host, the UI host
//     {region}.myconnectwise.net; add others with Config.KeyHosts.
//   - Whether the key is per callback, per company or rotated, and for how
//     long it may be cached. The handler caches it (one hour by default)
//     and fetches it again when a signature does not match a key older
//     than a minute.
//   - Whether a PSA retry carries the same MessageId, and what "the record
//     id and action" appended to the URL look like beyond the record id.
//   - Whether the callback key endpoint checks that the id belongs to the
//     company named in the URL. Checking CompanyId against the configured
//     company is what stops another tenant of the same cloud host from
//     sending its own validly signed deliveries.
//
// # Replays
//
// The payload carries no timestamp, so a captured delivery stays validly
// signed for as long as its key lives. The handler remembers every
// MessageId it accepted (10,000 of them for 24 hours by default) and
// answers a second delivery of one with 208 Already Reported, a 2xx so
// that the PSA does not retry, without calling the function. A replay older
// than the window is passed on again: treat events as triggers to read the
// record (level-triggered), not as the record's state.
package callback
