// Package heimdal is a client for the Heimdal Security API, written for the
// Heimdal → ConnectWise PSA integration.
//
// The integration files Heimdal alerts as tickets on three PSA boards, and
// this package knows which alert goes where: every Module (CPU, MEM, REP,
// LAD...) belongs to one Board (Heimdal Operations, Heimdal Cyber Alerts,
// Heimdal M365 Notifications), and its TypeName is the ticket type on that
// board. Client.OpenAlerts turns whatever Heimdal currently shows for a
// customer into Alert values with a stable Key and a content Fingerprint,
// which is all a ticket sync needs to create, update and close tickets.
//
// # The API
//
// Heimdal authenticates with a bearer API key generated in the Heimdal
// Dashboard; every call is scoped by a customerId (a reseller key may use
// its own id or any of its customers'). Lists page with pageNumber and
// pageSize and answer {"items": [...], "totalCount": n}. Each list method
// returns one page plus a *Response with TotalCount and NextPage; its All
// twin walks every page lazily and never modifies the caller's options.
//
// Confirmed from Heimdal's material and community clients: the base URL,
// bearer auth, GET /customers, GET /2.0/activeclients (startDate, endDate,
// clientInfoId) and GET /2.0/activeclients/getNotifications, which needs a
// clientInfoId. The endpoints for Cyber Alerts email alerts and M365 alerts
// are not publicly documented: CyberAlertsService and M365Service use
// clearly named paths in the same style, served by the heimdaltest
// simulator. Item field names are likewise modelled, not documented.
//
// # Rate limits and errors
//
// Heimdal answers 429 when called too fast and publishes no limit, so the
// client defaults to 2 requests/s with 5 retries that honour Retry-After.
// Errors are *Error (status and message; a 401 reads "Heimdal API key
// rejected"), *RateLimitError around it for a 429 that outlived the
// retries (RetryAfter reads the server's wait), and *ConfigError for a bad key or base URL. The API key never
// appears in errors, logs or printed forms of Client.
//
// Package heimdaltest provides an in-memory Heimdal over real HTTP for tests
// and examples.
package heimdal
