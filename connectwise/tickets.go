package connectwise

import (
	"context"
	"fmt"
	"iter"
	"time"
)

// TicketsService manages service tickets and their notes.
type TicketsService service

// Record types of a ticket.
const (
	RecordServiceTicket = "ServiceTicket"
	RecordProjectTicket = "ProjectTicket"
	RecordProjectIssue  = "ProjectIssue"
)

// MaxSummaryLength is the PSA's limit on a ticket summary, in UTF-16 code
// units as Length counts them (an emoji usually costs 2).
const MaxSummaryLength = 100

// Ticket is a service ticket. Board, Status, Company and the others are
// references: set their ID to point at an object.
type Ticket struct {
	ID                 int       `json:"id,omitempty"`
	Summary            string    `json:"summary,omitempty"`
	RecordType         string    `json:"recordType,omitempty"`
	Board              Ref       `json:"board,omitzero"`
	Status             Ref       `json:"status,omitzero"`
	Company            Ref       `json:"company,omitzero"`
	Type               Ref       `json:"type,omitzero"`
	SubType            Ref       `json:"subType,omitzero"`
	Item               Ref       `json:"item,omitzero"`
	Priority           Ref       `json:"priority,omitzero"`
	InitialDescription string    `json:"initialDescription,omitempty"`
	ExternalXRef       string    `json:"externalXRef,omitempty"`
	EstimatedStartDate time.Time `json:"estimatedStartDate,omitzero"`
	RequiredDate       time.Time `json:"requiredDate,omitzero"`
	ClosedFlag         bool      `json:"closedFlag,omitempty"`
	ClosedDate         time.Time `json:"closedDate,omitzero"`
	Info               *Info     `json:"_info,omitempty"`
}

// Note is a ticket note.
type Note struct {
	ID                    int       `json:"id,omitempty"`
	TicketID              int       `json:"ticketId,omitempty"`
	Text                  string    `json:"text,omitempty"`
	DetailDescriptionFlag bool      `json:"detailDescriptionFlag,omitempty"`
	InternalAnalysisFlag  bool      `json:"internalAnalysisFlag,omitempty"`
	ResolutionFlag        bool      `json:"resolutionFlag,omitempty"`
	DateCreated           time.Time `json:"dateCreated,omitzero"`
	CreatedBy             string    `json:"createdBy,omitempty"`
}

// TicketError reports a ticket the client refuses to send, naming the field.
type TicketError struct {
	Field   string
	Problem string
}

// Error reads "connectwise: ticket <field>: <problem>".
func (e *TicketError) Error() string { return "connectwise: ticket " + e.Field + ": " + e.Problem }

const ticketsPath = "service/tickets"

// TruncateSummary shortens s to the PSA's limit of MaxSummaryLength UTF-16
// units without splitting a user-perceived character, marking the cut with
// an ellipsis (see Truncate).
func TruncateSummary(s string) string { return Truncate(s, MaxSummaryLength) }

// List returns one page of tickets.
func (s *TicketsService) List(ctx context.Context, opts *ListOptions) ([]Ticket, *Response, error) {
	return list[Ticket](ctx, s.client, ticketsPath, true, opts)
}

// All walks every matching ticket lazily, one page in memory at a time.
// Use ForwardOnly for full scans.
func (s *TicketsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Ticket, error] {
	return all[Ticket](ctx, s.client, ticketsPath, true, opts)
}

// Get returns one ticket.
func (s *TicketsService) Get(ctx context.Context, id int) (*Ticket, *Response, error) {
	return get[Ticket](ctx, s.client, idPath(ticketsPath, id))
}

// Count returns how many tickets match cond.
func (s *TicketsService) Count(ctx context.Context, cond Conditions) (int, *Response, error) {
	return count(ctx, s.client, ticketsPath, cond)
}

// Create creates a ticket. Summary (at most 100 UTF-16 units, see Length) and Company are
// checked before anything is sent. If the error satisfies IsOutcomeUnknown,
// the ticket may exist: look it up (by ExternalXRef) before creating again.
func (s *TicketsService) Create(ctx context.Context, t *Ticket) (*Ticket, *Response, error) {
	if t == nil {
		return nil, nil, &TicketError{"ticket", "is nil"}
	}
	switch {
	case t.Summary == "":
		return nil, nil, &TicketError{"summary", "is required"}
	case Length(t.Summary) > MaxSummaryLength:
		return nil, nil, &TicketError{"summary", fmt.Sprintf("is %d UTF-16 code units; the PSA allows %d (use TruncateSummary)", Length(t.Summary), MaxSummaryLength)}
	case t.Company.ID == 0 && t.Company.Identifier == "":
		return nil, nil, &TicketError{"company", "is required"}
	}
	return create(ctx, s.client, ticketsPath, t)
}

// Patch updates a ticket with JSON Patch operations, for example
// Replace("status", Ref{ID: 12}).
func (s *TicketsService) Patch(ctx context.Context, id int, ops ...PatchOp) (*Ticket, *Response, error) {
	return patch[Ticket](ctx, s.client, idPath(ticketsPath, id), ops)
}

// Close moves a ticket to a closed status of its board.
func (s *TicketsService) Close(ctx context.Context, id int, closedStatus Ref) (*Ticket, *Response, error) {
	return s.Patch(ctx, id, Replace("status", Ref{ID: closedStatus.ID}))
}

// Delete deletes a ticket.
func (s *TicketsService) Delete(ctx context.Context, id int) (*Response, error) {
	return remove(ctx, s.client, idPath(ticketsPath, id))
}

// ListNotes returns one page of a ticket's notes.
func (s *TicketsService) ListNotes(ctx context.Context, ticketID int, opts *ListOptions) ([]Note, *Response, error) {
	return list[Note](ctx, s.client, idPath(ticketsPath, ticketID, "notes"), false, opts)
}

// AllNotes walks every note of a ticket lazily.
func (s *TicketsService) AllNotes(ctx context.Context, ticketID int, opts *ListOptions) iter.Seq2[Note, error] {
	return all[Note](ctx, s.client, idPath(ticketsPath, ticketID, "notes"), false, opts)
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
