// Package officeprotect turns Office Protect security events into
// ConnectWise PSA service tickets, following Office Protect's own setup
// guide step by step:
//
//  1. API keys: the PSA administrator creates an API member and keys for
//     the integration (outside this package).
//  2. Credentials: New takes the site URL, company id and key pair
//     (a connectwise.Config, validated exactly as the PSA client validates
//     it), and CheckConnection verifies both the credentials and that the
//     key's security role grants what the integration needs (see
//     Requirements), listing each right as granted, missing or unknown.
//  3. Configuration: SuggestMappings proposes a PSA company for each
//     active tenant and flags mappings whose company was deleted or made
//     inactive; SetMapping maps a tenant and enables or disables its flow
//     (a disabled or unmapped tenant never gets a ticket); SetTicketStatus
//     optionally picks the status new tickets start in (a closed status,
//     or one from another board, is refused); SetEmergencyContact sets the
//     address alerted when the integration breaks. ConfirmSetup validates
//     all of it against the live PSA, then creates tickets for the
//     security events raised in the last 48 hours.
//  4. Tickets: Process and ProcessSince turn live events into tickets on
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
// Every write goes through connectwise/ticketsync. The event id is the
// ticket's key (kept in externalXRef), so the PSA itself remembers which
// events already have a ticket: processing an event twice, or backfilling
// after live processing, creates nothing new, and no local database is
// needed.
//
// When a run shows the integration is broken (credentials revoked, a
// permission removed, a mapped company deleted or inactive, the board or
// status gone), the emergency contact is alerted through a Notifier, once
// per distinct failure; the failure re-arms once it has been seen to clear.
// Ordinary per-event failures (a transient server error, one odd event)
// are reported in the run's report and never page anyone.
//
// Known limits. The configuration and the failure state live in memory:
// persisting them is the caller's job (after a restart, a failure that is
// still present alerts once more). The PSA API has no "default board"
// flag, so the PSA's default board is taken to be its first active board,
// which is where the PSA files a ticket sent without one. ticketsync keeps
// one ticket per event for the event's whole life, and a ticket a
// technician closed stays closed when its event is processed again (a
// second backfill, an overlapping ProcessSince): nothing is reopened or
// created anew.
package officeprotect
