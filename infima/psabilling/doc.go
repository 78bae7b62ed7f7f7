// Package psabilling keeps ConnectWise PSA invoices in step with INFIMA: it
// sets the quantity of an agreement addition (a per-seat product line such
// as "Security awareness seat") to the number of active users INFIMA counts
// for the mapped client.
//
// This is the billing side the INFIMA setup guide mentions ("ConnectWise PSA
// (Manage) handles billing and user-count sync for invoicing"); it is
// independent of the Security 360 integration in security360/infimasync.
//
// The flow is dry-run first: DryRun reads both sides and returns a Plan of
// the quantities that would change, without writing anything; Apply then
// patches only those. Apply reads each addition again just before writing
// and skips one already at the target, so applying a plan twice, or
// applying it after someone else already fixed the quantity, writes nothing.
//
// # Counting users
//
// The active user count is the number of users the Reporting API lists with
// status=active for the client (one request per 50 users), not the client's
// user_count rollup: the Reporting API does not document whether
// user_count includes deactivated users, and a bill must not depend on a
// guess. Deactivated users (people who left) are not billed.
package psabilling
