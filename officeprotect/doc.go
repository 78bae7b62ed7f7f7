// Package officeprotect turns Office Protect security events into
// ConnectWise PSA service tickets, following Office Protect's own setup
// guide step by step:
//
//  1. API keys: the PSA administrator creates an API member and keys for
//     the integration (outside this package).
//  2. Credentials: the host application builds a *connectwise.Client from
//     the site URL, company id and key pair and passes it to New with the
//     EventSource and a flow.Store (the flow never builds a client, so one
//     client, one rate budget, can serve several flows on one PSA).
//     CheckConnection ("Check connection") verifies both the credentials
//     and that the key's security role grants what the integration needs
//     (see Requirements), listing each right as granted, missing or
//     unknown.
//  3. Configuration: SuggestMappings proposes a PSA company for each
//     active tenant and flags mappings whose company was deleted or made
//     inactive; SetMapping maps a tenant and enables or disables its flow
//     (a disabled or unmapped tenant never gets a ticket); SetTicketStatus
//     optionally picks the status new tickets start in (a closed status,
//     or one from another board, is refused); SetEmergencyContact sets the
//     address alerted when the integration breaks. ConfirmSetup validates
//     all of it against the live PSA, then creates tickets for the
//     security events raised in the last 48 hours.
//  4. Tickets: Run (what flow.RunEvery drives) reads the events since the
//     stored watermark, and Process and ProcessSince file events on demand,
//     as tickets on
//     the API member's default service board, or the PSA's default board
//     when the member has none, with the fields the guide lists: company
//     (the tenant's mapped company), estimatedStartDate (the event's
//     triggering time), summary (the alert title, cut to the PSA's 100
//     characters), initialDescription (the alert description) and record
//     type ServiceTicket.
//
// Office Protect publishes no API, so events come from an EventSource:
// officeprotecttest has an in-memory one for tests and examples.
//
// Like every flow (see connectwise/flow), the integration also offers
// Check, which reports connection, permissions and settings item by item,
// Run, and Audit; reports embed flow.Report.
//
// Every write goes through connectwise/ticketsync. The ticket's key (kept
// in externalXRef) is the tenant and the event id (TicketKey): Office
// Protect event ids are unique only within a tenant. So the PSA itself
// remembers which events already have a ticket: processing an event twice,
// or backfilling after live processing, creates nothing new. Tickets filed
// by earlier versions under the bare event id are adopted by the tenant
// whose company they are filed under, never duplicated.
//
// # State
//
// Everything else the integration must remember is in its flow.Store,
// under "officeprotect/<instance>/": the ticket status and emergency
// contact, the confirmed board, tenant mappings, the backfill's progress
// and the live watermark, and each active failure with whether the
// emergency contact was told. A process restarted on the same store
// finishes an interrupted backfill over the same 48-hour window, reads on
// from the watermark, and never alerts the contact twice for a failure it
// already reported. No secret is stored: the PSA credentials belong to the
// client. A stored value that cannot be decoded is a *flow.StateError naming
// its key, and nothing is written to the PSA from it.
//
// When a run shows the integration is broken (credentials revoked, a
// permission removed, a mapped company deleted or inactive, the board or
// status gone), the emergency contact is alerted through a Notifier, once
// per distinct failure; the failure re-arms once it has been seen to clear.
// Ordinary per-event failures (a transient server error, one odd event)
// are reported in the run's report and never page anyone.
//
// Known limits. A process stopped in the instant between an emergency
// email being accepted by the mail server and the store recording it sends
// that email again on its next run (at least once, never lost). The PSA API has no "default board"
// flag, so the PSA's default board is taken to be its first active board,
// which is where the PSA files a ticket sent without one. ticketsync keeps
// one ticket per event for the event's whole life, and a ticket a
// technician closed stays closed when its event is processed again (a
// second backfill, an overlapping ProcessSince): nothing is reopened or
// created anew.
package officeprotect
