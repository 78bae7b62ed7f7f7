// Command psa-tour walks the ConnectWise PSA client through a typical
// integration's first minutes: check the connection and permissions, list
// boards with their statuses and types, priorities and companies, then
// create a ticket, add a note and close it.
//
// With CW_SITE, CW_COMPANY_ID, CW_PUBLIC_KEY, CW_PRIVATE_KEY and
// CW_CLIENT_ID set it talks to that PSA (and creates one real ticket).
// Without them it starts the embedded simulator, so it runs anywhere:
//
//	go run ./examples/psa-tour
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/examples/internal/exampleenv"
	"github.com/psabridge/psabridge/examples/internal/psaenv"
)

func main() {
	exampleenv.Main("psa-tour", func(ctx context.Context) error { return run(ctx, os.Stdout, os.Getenv) })
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	psa, err := psaenv.Config(getenv)
	if err != nil {
		return err
	}
	defer psa.Close()
	if psa.Simulated() {
		fmt.Fprintf(out, "No CW_* variables set: using the embedded PSA simulator at %s\n\n", psa.Sim.URL)
	}
	c, err := connectwise.NewClient(psa.Config)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	defer tw.Flush()
	section := func(title string) {
		tw.Flush()
		fmt.Fprintf(out, "\n== %s\n", title)
	}

	section("Connection")
	info, _, err := c.System.Info(ctx)
	if err != nil {
		return fmt.Errorf("connection check: %w", err)
	}
	me, _, err := c.System.Me(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "site\t%s\nversion\t%s\ncloud\t%v\nAPI member\t%s (default board: %s)\n", c.Site(), info.Version, info.IsCloud, me.Identifier, orNone(me.ServiceDefaultBoard.Name))
	rep, err := c.CheckAccess(ctx, []connectwise.Requirement{
		{Module: "Companies", Function: "Company Maintenance", Rights: []connectwise.Right{connectwise.RightInquire}},
		{Module: "Service Desk", Function: "Service Tickets", Rights: []connectwise.Right{connectwise.RightAdd, connectwise.RightEdit, connectwise.RightInquire}},
		{Module: "System", Function: "Table Setup", Rights: []connectwise.Right{connectwise.RightInquire}},
	})
	if err != nil {
		return err
	}
	for _, chk := range rep.Checks {
		fmt.Fprintf(tw, "permission\t%s\n", chk)
	}
	if err := rep.Err(); err != nil {
		return err
	}

	section("Boards")
	fmt.Fprintln(tw, "ID\tBOARD\tSTATUSES\tTYPES")
	var board *connectwise.Board
	var openSt, closedSt connectwise.BoardStatus
	for b, err := range c.Boards.All(ctx, nil) {
		if err != nil {
			return err
		}
		var sts, types []string
		for st, err := range c.Boards.AllStatuses(ctx, b.ID, nil) {
			if err != nil {
				return err
			}
			label := st.Name
			if st.ClosedStatus {
				label += " (closed)"
			}
			sts = append(sts, label)
			if b.ID == me.ServiceDefaultBoard.ID || board == nil {
				if st.DefaultFlag || openSt.ID == 0 && !st.ClosedStatus {
					openSt = st
				}
				// Prefer the status literally named Closed over
				// variants such as ">Closed".
				if st.ClosedStatus && (closedSt.ID == 0 || strings.EqualFold(st.Name, "Closed")) {
					closedSt = st
				}
			}
		}
		for ty, err := range c.Boards.AllTypes(ctx, b.ID, nil) {
			if err != nil {
				return err
			}
			types = append(types, ty.Name)
		}
		if board == nil || b.ID == me.ServiceDefaultBoard.ID {
			bb := b
			board = &bb
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", b.ID, b.Name, strings.Join(sts, ", "), strings.Join(types, ", "))
	}
	if board == nil {
		return errors.New("the PSA has no service board")
	}

	fmt.Fprintln(tw, "(closed) marks a status that closes a ticket; \">Closed\" is ConnectWise's own default name, not a typo.")

	section("Priorities")
	for p, err := range c.Priorities.All(ctx, nil) {
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%d\t%s\n", p.ID, p.Name)
	}

	section("Companies (first 10 active)")
	// deletedFlag alone keeps former customers, whose status is Inactive:
	// "active" in the PSA's UI means the company status, not the deletion flag.
	companies, _, err := c.Companies.List(ctx, &connectwise.ListOptions{
		Conditions: connectwise.Where("deletedFlag = ? and status/name = ?", false, "Active"), OrderBy: "name asc", PageSize: 10,
	})
	if err != nil {
		return err
	}
	for _, co := range companies {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", co.ID, co.Identifier, co.Name)
	}
	if len(companies) == 0 {
		return errors.New("the PSA has no active company")
	}

	section("A ticket's life")
	tk, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{
		Summary:            "psa-tour: test ticket from psabridge",
		Board:              connectwise.Ref{ID: board.ID},
		Status:             connectwise.Ref{ID: openSt.ID},
		Company:            connectwise.Ref{ID: companies[0].ID},
		InitialDescription: "Created by the psabridge psa-tour example; safe to delete.",
		ExternalXRef:       "psa-tour:" + time.Now().UTC().Format("20060102T150405"),
	})
	if err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	fmt.Fprintf(tw, "created\t#%d %q on %s for %s, status %s\n", tk.ID, tk.Summary, tk.Board.Name, tk.Company.Name, tk.Status.Name)
	note, _, err := c.Tickets.CreateNote(ctx, tk.ID, &connectwise.Note{Text: "Checked by psa-tour.", InternalAnalysisFlag: true})
	if err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	fmt.Fprintf(tw, "note\t#%d added\n", note.ID)
	if closedSt.ID == 0 {
		return fmt.Errorf("board %q has no closed status", board.Name)
	}
	tk, _, err = c.Tickets.Close(ctx, tk.ID, connectwise.Ref{ID: closedSt.ID})
	if err != nil {
		return fmt.Errorf("close ticket: %w", err)
	}
	fmt.Fprintf(tw, "closed\t#%d now %s (closedFlag=%v)\n", tk.ID, tk.Status.Name, tk.ClosedFlag)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
