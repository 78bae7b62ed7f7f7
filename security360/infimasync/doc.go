// Package infimasync is the INFIMA side of the ConnectWise Security 360
// integration: it checks the two settings Security 360 asks for (the INFIMA
// server URL and Reporting API key), maps INFIMA clients to Asio sites, and
// pushes each mapped client's training statistics, phishing results and
// course schedule to the Security 360 Training screen.
//
// # Test Connection
//
// TestConnection diagnoses a failed connection in the order the INFIMA setup
// guide asks an administrator to check it, and names the cause in a
// *ConnectionError:
//
//  1. the server URL is exactly https://app.infimasecapis.com (plain http is
//     refused; see AllowServerURL and AllowLoopback for simulators);
//  2. the API key was pasted without leading or trailing whitespace;
//  3. the server is reachable: a DNS failure, a refused connection, a
//     timeout and a TLS failure are told apart, with the advice to have the
//     URL allowlisted on managed networks;
//  4. the key is accepted (a key regenerated in INFIMA invalidates the old
//     one).
//
// Steps 1 and 2 need no network, so Settings.Validate runs them alone.
//
// # Mapping
//
// Each INFIMA client is mapped to exactly one Asio site, because Security 360
// files integration data by site. SuggestMappings proposes matches by
// normalised name and lists what stays unmapped on either side; a person
// confirms before the proposal is saved. A MappingStore keeps the result:
// SiteExternalIDStore records it on the Asio sites themselves (an externalIds
// entry with product "infima"), MemoryStore keeps it in memory, and callers
// may supply their own.
//
// # Sync
//
// A Syncer reads every mapped client's active users, builds the three
// categories with infima.BuildReport and hands each to a Sink. It is a one-way
// push: nothing is read back from Security 360. A category without data is
// not sent (a freshly onboarded client sends nothing), and a category whose
// fingerprint matches the last delivery is skipped, so syncs after the first
// cost INFIMA reads but no pushes unless something changed. RunEvery repeats
// the sync on a cadence.
//
// Security 360's ingestion API for partner data is not public, so this
// package stops at the Sink interface. The security360test simulator offers
// a stand-in for the Training screen (security360test.Store) that a SinkFunc
// can write to.
//
// # Initial sync and the 15-minute window
//
// The setup guide allows up to 15 minutes for the initial sync. Its cost is
// one client-list request per 50 clients plus one users request per 50
// active users of each mapped client. A partner with 200 clients of 50 users
// each needs 4 + 200 = 204 requests; at the INFIMA client's default rate of
// 5 requests per second that is about 41 seconds (0.7 minutes), about 22
// times inside the window. TestInitialSync200x50UnderDefaultRateLimit
// measures this on a simulated clock and BenchmarkInitialSync200x50 reports
// it. Mappings kept by SiteExternalIDStore add one Asio request per company
// plus one, about 2.2 minutes for 200 companies at the Asio client's
// default 1.5 requests/s: still well inside the window.
//
// # Key rotation
//
// Generating a new key in INFIMA invalidates the old one. A sync that meets
// a rejected key stops at once with an error matching infima.ErrKeyRejected;
// what was delivered before stays delivered and is remembered, so the next
// sync with the new key sends only the rest.
package infimasync
