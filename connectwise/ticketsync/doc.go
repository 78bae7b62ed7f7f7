// Package ticketsync reconciles a source's alerts with ConnectWise PSA
// tickets: the part every alert→ticket integration needs and most get
// wrong (duplicate tickets, tickets that never close).
//
// The PSA itself is the state. Each ticket carries its alert's key in
// externalXRef as "<source>:<key>#<fingerprint>", so no local database is
// needed and a crash loses nothing. One Sync:
//
//  1. lists the source's open tickets (one forward-only paged query);
//  2. for alerts without an open ticket, looks their keys up in batches
//     (finding tickets a concurrent sync just made, and closed tickets to
//     reopen, so a key keeps one ticket for its whole life);
//  3. creates what is missing, updates what changed (the fingerprint
//     differs), closes what vanished when the policy auto-closes, and
//     leaves the rest alone at zero calls;
//  4. if it created anything, lists again and repairs duplicates that a
//     sync in another process may have raced in: the lowest ticket id wins,
//     the others are deleted (or closed and re-tagged when the API member
//     may not delete).
//
// A create whose outcome is unknown (timeout, dropped connection, gateway
// error) is looked up by key before it is tried again. Writes run
// concurrently under the PSA client's rate limiter.
//
// Syncs of one scope (PSA site, login company and source) are serialised by
// a Locker: within this process by default, across every worker sharing a
// Redis with connectwise/cluster's. A sync checks its lease before each PSA
// write and stops when the lease is lost (ErrLeaseLost); whatever slips
// through a lost lease is repaired like any race, by the duplicate repair.
//
// One race no sync can see: a crashed sync's create that the PSA applies
// only after the next sync looked, whose older twin a technician then
// closes. Sync reads open tickets only (that keeps a re-sync at one call
// per 1,000 open tickets), so it takes the late twin for the key's ticket.
// Audit reads every ticket of the source, open and closed, and repairs
// such pairs; run it occasionally, for example daily or after a crash.
package ticketsync
