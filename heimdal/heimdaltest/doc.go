// Package heimdaltest is an in-memory Heimdal API over real HTTP, in the
// spirit of net/http/httptest, for tests and runnable examples of the
// Heimdal → ConnectWise PSA integration.
//
//	srv := heimdaltest.NewServer()
//	defer srv.Close()
//	client, _ := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
//	key := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 97% full")
//
// The server is seeded with a reseller and five customers (four named like
// typical PSA companies, one with no PSA counterpart), each with devices and
// M365 users. Tests drive it with Raise, Update, Clear and ClearAll, and
// observe it with Requests and CountRequests. It serves the same paths, query parameters
// (matched case-insensitively, as Heimdal's .NET back end does), bearer
// authentication, pageNumber/pageSize paging with totalCount, and
// {"Message": ...} error bodies as the heimdal client expects; it can enforce
// a rate limit (WithRateLimit, SetRateLimit: 429 with Retry-After), add
// latency (WithLatency, SetLatency) and inject faults (InjectFault,
// InjectStatus). The four simulators of this module share this vocabulary.
//
// For tests inside testing/synctest, where real sockets cannot be used,
// create the server with NewUnstartedServer and use Transport (or Client),
// which call Handler in memory.
//
// A Server is safe for concurrent use. Its memory is bounded: it refuses to
// hold more than MaxAlerts alerts or MaxDevices devices.
package heimdaltest
