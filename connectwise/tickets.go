package connectwise

import (
	"context"
	"fmt"
)

// The ticket service's methods are generated (services_gen.go); these are
// the helpers and the rules the PSA enforces that its spec does not state.

// Record types of a ticket.
const (
	RecordServiceTicket = "ServiceTicket"
	RecordProjectTicket = "ProjectTicket"
	RecordProjectIssue  = "ProjectIssue"
)

// MaxSummaryLength is the PSA's limit on a ticket summary, in UTF-16 code
// units as Length counts them (an emoji usually costs 2).
const MaxSummaryLength = 100

// TicketError reports a ticket the client refuses to send, naming the field.
type TicketError struct {
	Field   string
	Problem string
}

// Error reads "connectwise: ticket <field>: <problem>".
func (e *TicketError) Error() string { return "connectwise: ticket " + e.Field + ": " + e.Problem }

// ticketsPath is the collection the hand-written helpers (CreateNote) and
// Collection's search rule refer to.
const ticketsPath = "service/tickets"

// TruncateSummary shortens s to the PSA's limit of MaxSummaryLength UTF-16
// units without splitting a user-perceived character, marking the cut with
// an ellipsis (see Truncate).
func TruncateSummary(s string) string { return Truncate(s, MaxSummaryLength) }

// checkCreate refuses, before anything is sent, a ticket the PSA would
// answer with a 400: the summary and company are required.
func (t *Ticket) checkCreate() error {
	switch {
	case t == nil:
		return &TicketError{"ticket", "is nil"}
	case t.Summary == "":
		return &TicketError{"summary", "is required"}
	case Length(t.Summary) > MaxSummaryLength:
		return &TicketError{"summary", fmt.Sprintf("is %d UTF-16 code units; the PSA allows %d (use TruncateSummary)", Length(t.Summary), MaxSummaryLength)}
	case t.Company.ID == 0 && t.Company.Identifier == "":
		return &TicketError{"company", "is required"}
	}
	return nil
}

// Close moves a ticket to a closed status of its board.
func (s *TicketsService) Close(ctx context.Context, id int, closedStatus Ref) (*Ticket, *Response, error) {
	return s.Patch(ctx, id, Replace("status", Ref{ID: closedStatus.ID}))
}

// CreateNote adds a note to a ticket. The PSA requires at least one of the
// detail, internal and resolution flags; with none set, the note is sent
// as a detail description.
func (s *TicketsService) CreateNote(ctx context.Context, ticketID int, n *Note) (*Note, *Response, error) {
	if n == nil || n.Text == "" {
		return nil, nil, &TicketError{"note text", "is required"}
	}
	body := *n
	if !body.DetailDescriptionFlag && !body.InternalAnalysisFlag && !body.ResolutionFlag {
		body.DetailDescriptionFlag = true
	}
	return create(ctx, s.client, idPath(ticketsPath, ticketID, "notes"), &body)
}
