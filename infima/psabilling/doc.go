// Package psabilling keeps ConnectWise PSA invoices in step with INFIMA: it
// sets the quantity of an agreement addition (a per-seat product line such
// as "Security awareness seat") to the number of active users INFIMA counts
// for the mapped client.
//
// This is the billing side the INFIMA setup guide mentions ("ConnectWise PSA
// (Manage) handles billing and user-count sync for invoicing"); it is
// independent of the Security 360 integration in security360/infimasync.
//
// It has the shape every flow has (see connectwise/flow): New takes the PSA
// and INFIMA clients and a flow.Store; Check reports the connections and
// each mapping item by item; Run ("Sync customers") reconciles once and
// returns a Report sharing flow.Report; flow.RunEvery repeats it. The dry
// run is Plan, which reads both sides and returns the quantities that would
// change without writing anything; Apply then writes a reviewed plan. Both
// Run and Apply read each addition again just before writing and skip one
// already at the target, so a repeated, resumed or concurrent run writes
// nothing twice. The PSA holds the quantities; the store holds the
// mappings, whether the last run finished, and which additions failed.
//
// # Counting users
//
// The active user count is the number of users the Reporting API lists with
// status=active for the client (one request per 50 users), not the client's
// user_count rollup: the Reporting API does not document whether
// user_count includes deactivated users, and a bill must not depend on a
// guess. Deactivated users (people who left) are not billed.
package psabilling
