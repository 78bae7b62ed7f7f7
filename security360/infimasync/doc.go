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
// # The flow
//
// Syncer has the shape every flow has (see connectwise/flow): New takes the
// INFIMA and Asio clients and a flow.Store, never builds a client; Check
// reports settings, connection, sites, mappings and stored state item by
// item; Run ("Sync customers") delivers once and returns a Report sharing
// flow.Report; flow.RunEvery repeats it with jitter and backoff.
//
// Everything the flow remembers is in the store, under
// "infima-security360/<instance>/": the settings (SaveSettings,
// LoadSettings; the API key rests there, so open the store with an
// encryption key), the mappings, a fingerprint of what each site shows, the
// categories that failed and whether the last run finished. A new Syncer on
// the same store, in this process or after a restart, carries on: its first
// run says it resumed, and sends only what the stopped one did not. A
// delivery is recorded the moment the sink accepts it, even if the run is
// being stopped; only a crash between the two can repeat one, and the
// delivery's Fingerprint lets a sink drop that repeat. Stored state that
// does not decode, or comes from another version, stops the run before any
// delivery with a *flow.StateError naming the key.
//
// # Mapping
//
// Each INFIMA client is mapped to exactly one Asio site, because Security 360
// files integration data by site. SuggestMappings proposes matches by
// normalised name and lists what stays unmapped on either side; a person
// confirms, then SaveMappings checks the sites exist in Asio and stores the
// set. Check warns about a mapping whose site Asio has since deleted.
//
// # Sync
//
// A run reads every mapped client's active users, builds the three
// categories with BuildClientReport and hands each to a Sink. It is a
// one-way push: nothing is read back from Security 360. A category without
// data is not sent (a freshly onboarded client sends nothing), and a
// category whose fingerprint matches the last delivery is skipped, so runs
// after the first cost INFIMA reads but no pushes unless something changed.
//
// Security 360's ingestion API for partner data is not public, so this
// package stops at the Sink interface; infimasynctest.Recorder stands in
// for the Training screen in tests and the example.
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
// it. A run does not read Asio; SaveMappings and Check list its sites (one
// request per company plus one, about 2.2 minutes for 200 companies at the
// Asio client's default 1.5 requests/s).
//
// # Key rotation
//
// Generating a new key in INFIMA invalidates the old one. A sync that meets
// a rejected key stops at once with an error matching infima.ErrKeyRejected;
// what was delivered before stays delivered and is remembered in the store,
// so a Syncer built with the new key sends only the rest.
package infimasync
