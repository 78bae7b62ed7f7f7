// Package psasync is the Heimdal → ConnectWise PSA integration: it files
// Heimdal notifications and alerts as tickets on three PSA service boards
// and keeps those tickets in step with Heimdal.
//
// The flow has the shape every psabridge flow shares (see
// connectwise/flow): New takes the clients it uses (a *heimdal.Client and
// a *connectwise.Client the caller builds, so one PSA client, one rate
// budget, can serve several flows) and a flow.Store; Check reports
// connection, permissions and settings item by item; Run files the alerts
// and returns a Report embedding flow.Report; Audit repairs what a run
// cannot see; WithProgress takes a flow.ProgressFunc. flow.RunEvery drives
// Run and Audit on their own cadences.
//
// The Heimdal Dashboard's steps keep their names:
//
//  1. Test Connection and Save: Setup, an optional helper in front of the
//     flow, stages the Company Identifier, Base API URL and API keys, tests
//     them with the dedicated API call (/system/info) and saves them to the
//     store only after a successful test. Saving over earlier settings
//     keeps the ticket and customer settings unless
//     RetainTicketAndCustomerSettings(false) says otherwise. A restarted
//     process reads them back with LoadSettings.
//  2. Configure Heimdal Operations / Cyber Alerts / M365 Notifications:
//     ProvisionBoards creates the three boards (idempotently);
//     ConfigureBoard validates a board's ticket settings against the live
//     PSA and stores them.
//  3. Sync Customers: SyncCustomers proposes Heimdal customer → PSA company
//     matches, which MapCustomer or Accept confirm and store.
//  4. Run pulls every mapped customer's alerts, routes each module to its
//     board and hands the desired state to connectwise/ticketsync, one
//     source per board.
//
// # Ticket life cycle
//
// Heimdal Operations tickets follow their notification: created in the
// status on creation, moved to the status on update (with a note carrying
// the new text) when the notification changes, closed when it disappears,
// and reopened if a closed ticket's notification is still, or again,
// present. Cyber Alerts and M365 tickets are created in their board's
// status on creation and are never closed by the integration: a technician
// closes them, and a ticket a technician closed stays closed even while
// Heimdal still lists its alert.
//
// Each module's tickets carry the board's type and subtype named after the
// module (CPU, Memory, Ransomware Encryption...) when the board has them,
// as the boards ProvisionBoards makes do; see ConfigureBoard.
//
// Closing on disappearance is only safe when the picture is complete.
// If any mapped customer's Operations notifications could not be read, or
// a mapped PSA company is deleted or inactive, that Run creates and
// updates tickets but closes none, and says so in its report and error.
//
// # State
//
// The PSA is the ticket state (see ticketsync): nothing about tickets is
// kept here, so a Run stopped at any point is completed by the next one
// without a duplicate or a lost alert. Everything else is in the
// flow.Store, under "heimdal-psa/<customer>/": the saved connection
// settings (private key included: flow.Encrypt keeps it unreadable at
// rest; Settings never prints or marshals it), the board configurations,
// the customer mappings and when a Run last completed. A stored value that
// cannot be used is a *flow.StateError naming its key, and nothing is
// written to the PSA from it.
package psasync
