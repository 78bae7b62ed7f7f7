// Package psasync is the Heimdal → ConnectWise PSA integration: it files
// Heimdal notifications and alerts as tickets on three PSA service boards
// and keeps those tickets in step with Heimdal.
//
// An Integration follows the Heimdal Dashboard's setup screen, and models
// its gates in the API rather than in a user interface:
//
//  1. UpdateSettings stages the Company Identifier, Base API URL and API
//     keys; TestConnection makes the dedicated API call (/system/info).
//  2. Save is refused until TestConnection succeeded for exactly the
//     staged settings. Saving over earlier settings keeps the ticket and
//     customer settings unless RetainTicketAndCustomerSettings(false) says
//     otherwise (the dashboard's confirmation pop-up).
//  3. Only saved settings enable the rest: CheckAccess compares the API
//     member's security role with what the integration needs;
//     ProvisionBoards creates the three boards (idempotently);
//     ConfigureBoard validates a board's ticket settings against the live
//     PSA; SyncCustomers proposes Heimdal customer → PSA company matches,
//     which MapCustomer or Accept confirm.
//  4. Sync pulls every mapped customer's alerts, routes each module to its
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
// a mapped PSA company is deleted or inactive, that Sync creates and
// updates tickets but closes none, and says so in its report and error.
//
// # State
//
// The PSA is the ticket state (see ticketsync): nothing about tickets is
// kept here. Settings, board configurations and customer mappings live in
// the Integration's memory; callers that need them across restarts save
// them with their own configuration.
package psasync
