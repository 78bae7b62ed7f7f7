// Package cwtest is an in-memory ConnectWise PSA (Manage REST API v3.0)
// served over real HTTP, in the style of net/http/httptest.
//
// It is faithful on the wire so that this module's client and existing
// third-party clients work against it unchanged: codebase discovery
// (/login/companyinfo), Basic authentication with the clientId header,
// per-member security roles (403 "Security"), both paging styles (page
// numbers with RFC 5988 Link headers, and forward-only pageId paging),
// /count and /search, conditions, orderBy and fields, JSON Patch updates,
// the PSA's validation rules and error bodies, and 429 with Retry-After.
//
// Tests drive failure modes directly: SetRateLimit, SetLatency,
// InjectFault (5xx, 429 storms, and writes that succeed but never answer),
// RevokeCredentials, RevokePermission, DeleteCompany, DeleteBoard. The
// request log (Requests, CountRequests, ResetRequests, Throttled) lets
// tests assert how many calls a sync made; WithObserver prints it live.
// These controls have the same names in heimdaltest, infimatest and
// security360test.
//
// The wire types (Ticket, Company, Board...) are this package's own,
// written from the PSA's documentation rather than shared with the
// connectwise client, so that each is an oracle for the other: a wrong
// JSON tag on either side fails a test instead of being mirrored.
//
// A minimal session:
//
//	srv := cwtest.NewServer()
//	defer srv.Close()
//	cfg := srv.Config() // Site, CompanyID, keys and ClientID of the API member
//
// Every other path of the PSA's OpenAPI spec (2,814 operations, the
// document the generated clients come from) is served by generic collections: records
// per collection path (sub-resources keyed by their parents' ids, with a
// 404 when the parent does not exist), ids and _info (dateEntered,
// lastUpdated, updatedBy), GET, POST, PUT, PATCH, DELETE, /count, /info
// and /search where the spec has them. Bodies are checked against the
// spec as the PSA checks them: property names case-insensitive, values of
// the declared type, enumerations, required fields (and those required on
// updates, for PUT and PATCH), maximum lengths counted in UTF-16 units,
// references to records the simulator holds resolved (their names filled
// in) or refused. Conditions reach nested references ("contact/name"),
// the _info aliases lastUpdated and dateEntered, and field names in any
// case; a literal of the wrong type for a boolean, number or date field is
// the PSA's 400 ("Expected a boolean value, not a numeric. ...").
// childConditions (over one child collection), customFieldConditions,
// fields, orderBy and both paging styles apply. Changes to contacts,
// configurations, time entries and the other callback types are delivered
// to registered callbacks. Other verbs (merge, copy, convert, bulk) check
// their body and answer the documented status without changing anything;
// downloads answer an empty body. The hand-written routes above always win.
//
// Seed data: boards "Service Desk" (the API member's default) and "Help
// Desk" with statuses, types, subtypes and items; four priorities; eight
// companies (one inactive, one deleted) with sites and agreements; the API
// member "psabridge-api" whose role holds DefaultGrants (change it with
// WithAPIMemberGrants, or at run time with SetPermission and
// RevokePermission); contacts of the client companies; configuration
// types, statuses and configurations; time entries; and custom field
// definitions (/system/userDefinedFields) on tickets, companies, contacts
// and configurations (pod ids PodServiceTickets...), with values on some
// companies, contacts and configurations. No integration's boards are
// seeded: creating them is the integration's job. WithoutSeedData keeps
// only the API member, its role and the Service Desk board.
//
// The generic collections check the member's role too: each path maps to
// one module function by its area (company/contacts to Contacts, time to
// Time Entry, sales to Opportunities...; Table Setup where no area fits;
// the table is in spec_security.go), at the level its verb needs, and
// DefaultGrants grants every function of that table.
//
// Where the simulator is knowingly simpler than the PSA: "My" permission
// levels count as "All"; a generic path is guarded by one module function
// of its area rather than by the PSA's per-screen functions; conditions
// cannot test collection fields (childConditions can, on hand-written
// and generic records alike); text fields accept literals of any type.
//
// As the PSA does, a board needs a location and a department (400
// NullValue otherwise; the API member carries default ones), length limits
// count UTF-16 code units, and a forward-only walk ends with an empty Link
// header. Opt-in real-server behaviours (wire_quirks.go): endpoints without
// forward-only paging (WithoutForwardOnly), raw commas in next links
// (WithRawCommasInLinks), and a write answered with a cut-off body
// (Fault.TruncateBody).
package cwtest
