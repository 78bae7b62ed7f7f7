package officeprotect

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// settingError reports an Office Protect setting that cannot work.
// tenant, for a mapping, leads Problem because a screen listing every
// tenant's mapping must say which one; err is the look-up that failed, if
// one did, kept reachable for callers who need its status.
func settingError(setting, tenant, problem string, err error) *bridge.ConfigError {
	if tenant != "" {
		problem = fmt.Sprintf("tenant %q: %s", tenant, problem)
	}
	return &bridge.ConfigError{API: "officeprotect", Field: setting, Problem: problem, Err: err}
}

// BoardSource says which rule of the setup guide chose the board.
type BoardSource string

// The two rules, in the guide's order.
const (
	// BoardMemberDefault is the API member's default service board.
	BoardMemberDefault BoardSource = "api-member-default"
	// BoardPSADefault is the PSA's default board, used when the API member
	// has no (usable) default board.
	BoardPSADefault BoardSource = "psa-default"
)

// BoardChoice is the board tickets are created on, and why.
type BoardChoice struct {
	Board  connectwise.Ref
	Source BoardSource
	// Explanation says, for the setup screen, why this board was chosen.
	Explanation string
}

// SetTicketStatus picks the status new tickets are created in; the zero
// Ref goes back to the board's default status. The status may be given by
// id or by name and must belong to the board tickets go to (see
// TicketStatuses) and be active. A closed status is refused: every ticket
// would be closed as it is created, so the integration would not work.
// Problems are *bridge.ConfigError values with Field "TicketStatus" (or
// "Board" when no board can be chosen).
func (in *Integration) SetTicketStatus(ctx context.Context, status connectwise.Ref) error {
	def, warn := in.memberDefaultBoard(ctx)
	tg, _, err := in.resolveTarget(ctx, def, warn, status)
	if err != nil {
		return err
	}
	return in.updateConfig(ctx, func(c *config) error {
		c.Status = connectwise.Ref{}
		if status.ID != 0 || status.Name != "" {
			c.Status = connectwise.Ref{ID: tg.status.ID, Name: tg.status.Name}
		}
		if c.Confirmed {
			c.Board, c.TargetStatus = tg.board, tg.status
		}
		return nil
	})
}

// TicketStatus returns the status chosen with SetTicketStatus (zero for
// the board's default).
func (in *Integration) TicketStatus(ctx context.Context) (connectwise.Ref, error) {
	c, err := in.loadConfig(ctx)
	return c.Status, err
}

// TicketStatuses returns the board tickets will be created on and its
// active statuses, for a status picker; closed ones are included (with
// ClosedStatus set) so that a picker can show why they are not offered.
func (in *Integration) TicketStatuses(ctx context.Context) (BoardChoice, []connectwise.BoardStatus, error) {
	def, warn := in.memberDefaultBoard(ctx)
	choice, _, err := in.chooseBoard(ctx, def, warn)
	if err != nil {
		return BoardChoice{}, nil, err
	}
	var out []connectwise.BoardStatus
	for st, err := range in.client.Boards.AllStatuses(ctx, choice.Board.ID, nil) {
		if err != nil {
			return choice, nil, fmt.Errorf("officeprotect: reading statuses of board %q: %w", choice.Board.Name, err)
		}
		if !st.Inactive {
			out = append(out, st)
		}
	}
	return choice, out, nil
}

// memberDefaultBoard reads the API member's default board. A PSA that
// hides the member's own record (Member Maintenance not granted) yields a
// warning and the PSA's default board instead, as the guide's fallback.
func (in *Integration) memberDefaultBoard(ctx context.Context) (connectwise.Ref, string) {
	me, _, err := in.client.System.Me(ctx)
	if err != nil {
		return connectwise.Ref{}, fmt.Sprintf("the API member's own record could not be read (%v)", err)
	}
	return me.ServiceDefaultBoard, ""
}

// chooseBoard applies the guide's rule: the API member's default service
// board, else the PSA's default board. unreadable, when set, says why the
// member's default is unknown.
func (in *Integration) chooseBoard(ctx context.Context, def connectwise.Ref, unreadable string) (BoardChoice, []string, error) {
	var warnings []string
	why := "the API member has no default service board"
	if unreadable != "" {
		why = unreadable
	}
	if def.ID != 0 {
		b, _, err := in.client.Boards.Get(ctx, def.ID)
		switch {
		case err == nil && !b.InactiveFlag:
			return BoardChoice{
				Board:       connectwise.Ref{ID: b.ID, Name: b.Name},
				Source:      BoardMemberDefault,
				Explanation: fmt.Sprintf("tickets go to %q, the API member's default service board", b.Name),
			}, nil, nil
		case err == nil:
			why = fmt.Sprintf("the API member's default service board %q is inactive", b.Name)
		case connectwise.IsNotFound(err):
			why = fmt.Sprintf("the API member's default service board (id %d) no longer exists", def.ID)
		case connectwise.IsForbidden(err):
			// Without Table Setup the board cannot be read back; the
			// member's own record is the best evidence there is.
			return BoardChoice{
					Board:       def,
					Source:      BoardMemberDefault,
					Explanation: fmt.Sprintf("tickets go to %q, the API member's default service board", def.Name),
				}, []string{fmt.Sprintf("board %q could not be verified: the API member lacks System / Table Setup: Inquire", def.Name)},
				nil
		default:
			return BoardChoice{}, nil, fmt.Errorf("officeprotect: reading the API member's default board: %w", err)
		}
		warnings = append(warnings, why)
	}
	// The PSA API has no "default board" flag: a ticket without a board
	// lands on the first active board, so that is the PSA's default.
	page, _, err := in.client.Boards.List(ctx, &connectwise.ListOptions{
		Conditions: connectwise.Where("inactiveFlag = ?", false),
		OrderBy:    "id asc",
		PageSize:   1,
	})
	switch {
	case connectwise.IsForbidden(err):
		return BoardChoice{}, warnings, settingError("Board", "", why+", and the PSA's default board cannot be read without System / Table Setup: Inquire; "+
			"set a default service board on the API member or grant Table Setup", err)
	case err != nil:
		return BoardChoice{}, warnings, fmt.Errorf("officeprotect: reading the PSA's boards: %w", err)
	case len(page) == 0:
		return BoardChoice{}, warnings, settingError("Board", "", why+", and the PSA has no active service board", nil)
	}
	return BoardChoice{
		Board:       connectwise.Ref{ID: page[0].ID, Name: page[0].Name},
		Source:      BoardPSADefault,
		Explanation: fmt.Sprintf("%s, so tickets go to %q, the PSA's default board", why, page[0].Name),
	}, warnings, nil
}

// resolveTarget chooses the board and checks the status against it.
func (in *Integration) resolveTarget(ctx context.Context, def connectwise.Ref, unreadable string, status connectwise.Ref) (*target, []string, error) {
	choice, warnings, err := in.chooseBoard(ctx, def, unreadable)
	if err != nil {
		return nil, warnings, err
	}
	rb, err := ticketsync.Resolve(ctx, in.client, ticketsync.BoardSettings{Board: connectwise.Ref{ID: choice.Board.ID}, Status: status})
	if err == nil {
		return &target{board: choice, status: rb.Status}, warnings, nil
	}
	// ticketsync names the board the status was checked on; the caller
	// chose a TicketStatus, so that is the setting reported.
	var ce *bridge.ConfigError
	refused := errors.As(err, &ce) && ce.API == "ticketsync"
	switch {
	case refused && ce.Field == "Board":
		return nil, warnings, settingError("Board", "", fmt.Sprintf("board %q: %s", choice.Board.Name, ce.Problem), err)
	case refused:
		return nil, warnings, settingError("TicketStatus", "", ce.Problem, err)
	case connectwise.IsForbidden(err) && status.ID != 0:
		warnings = append(warnings, fmt.Sprintf("ticket status %d could not be checked against board %q: the API member lacks System / Table Setup: Inquire", status.ID, choice.Board.Name))
		return &target{board: choice, status: connectwise.Ref{ID: status.ID, Name: status.Name}}, warnings, nil
	case connectwise.IsForbidden(err):
		return nil, warnings, settingError("TicketStatus", "",
			fmt.Sprintf("the statuses of board %q cannot be read without System / Table Setup: Inquire; grant it, or give the status by id", choice.Board.Name), err)
	}
	return nil, warnings, fmt.Errorf("officeprotect: checking ticket settings: %w", err)
}

// SetEmergencyContact sets the address alerted when the integration
// breaks. It must be a bare address ("soc@example.com": no display name)
// whose domain has a dot; surrounding spaces are ignored. It is required
// before ConfirmSetup.
func (in *Integration) SetEmergencyContact(ctx context.Context, email string) error {
	addr, err := ValidateEmail(email)
	if err != nil {
		return err
	}
	return in.updateConfig(ctx, func(c *config) error {
		c.Contact = addr
		return nil
	})
}

// EmergencyContact returns the emergency contact address ("" if unset).
func (in *Integration) EmergencyContact(ctx context.Context) (string, error) {
	c, err := in.loadConfig(ctx)
	return c.Contact, err
}

// ValidateEmail checks an emergency contact address as SetEmergencyContact
// does and returns it trimmed, or a *bridge.ConfigError naming
// EmergencyContact.
func ValidateEmail(email string) (string, error) {
	fail := func(problem string) (string, error) {
		return "", settingError("EmergencyContact", "", problem, nil)
	}
	e := strings.TrimSpace(email)
	if e == "" {
		return fail("is required: enter the address to alert when the integration breaks")
	}
	addr, err := mail.ParseAddress(e)
	if err != nil {
		return fail(fmt.Sprintf("%q is not a valid email address", e))
	}
	if addr.Name != "" || addr.Address != e {
		return fail(fmt.Sprintf("%q must be a bare address such as soc@example.com, without a display name or brackets", e))
	}
	at := strings.LastIndexByte(e, '@')
	domain := e[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return fail(fmt.Sprintf("%q has no valid domain (like example.com) after the @", e))
	}
	return e, nil
}
