package officeprotect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/officeprotect"
)

func TestConfirmSetupRefusesUntilCheckedAndContactSet(t *testing.T) {
	f := newFixture(t)
	if _, err := f.in.ConfirmSetup(f.ctx); !errors.Is(err, officeprotect.ErrNotChecked) {
		t.Fatalf("before CheckConnection: %v", err)
	}
	if _, err := f.in.CheckConnection(f.ctx); err != nil {
		t.Fatal(err)
	}
	_, err := f.in.ConfirmSetup(f.ctx)
	var se *bridge.ConfigError
	if !errors.As(err, &se) || se.Field != "EmergencyContact" {
		t.Fatalf("without a contact: %v", err)
	}
	if _, err := f.in.Process(f.ctx, []officeprotect.Event{event("e1", "t-acme", ago(time.Hour))}); !errors.Is(err, officeprotect.ErrNotConfirmed) {
		t.Fatalf("Process before ConfirmSetup: %v", err)
	}
	if f.ticketCount() != 0 {
		t.Fatal("tickets written before the setup was confirmed")
	}
}

func TestConfirmSetupRechecksRightsLive(t *testing.T) {
	f := newFixture(t)
	f.configure()
	f.psa.SetPermission("Service Tickets", "All", "None", "All", "All")
	_, err := f.in.ConfirmSetup(f.ctx)
	var ae *connectwise.AccessError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "Service Tickets: Edit") {
		t.Fatalf("err = %v", err)
	}
}

// The backfill window is [now-48h, ∞): exactly 48 hours old is in, one
// second more is out, and 49 hours is never backfilled.
func TestBackfillCoversExactly48Hours(t *testing.T) {
	for _, tc := range []struct {
		name   string
		source func(*fixture) officeprotect.EventSource
	}{
		{"in-memory source", func(f *fixture) officeprotect.EventSource { return f.src }},
		// A source that ignores since: the integration's own filter decides.
		{"source returning everything", func(f *fixture) officeprotect.EventSource { return laxSource{f.src} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			in, err := officeprotect.New(psaClient(t, f.psa), tc.source(f), f.store, officeprotect.WithClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			f.in = in
			f.src.Add(
				event("just-now", "t-acme", now),
				event("47h59m59s", "t-acme", ago(47*time.Hour+59*time.Minute+59*time.Second)),
				event("48h-exactly", "t-globex", ago(48*time.Hour)),
				event("48h-plus-1s", "t-acme", ago(48*time.Hour+time.Second)),
				event("49h", "t-globex", ago(49*time.Hour)),
				event("a-week", "t-acme", ago(7*24*time.Hour)),
			)
			res := f.confirm()
			got := f.tickets()
			for _, id := range []string{"just-now", "47h59m59s", "48h-exactly"} {
				if len(got[id]) != 1 {
					t.Errorf("event %s: %d tickets, want 1", id, len(got[id]))
				}
			}
			for _, id := range []string{"48h-plus-1s", "49h", "a-week"} {
				if len(got[id]) != 0 {
					t.Errorf("event %s is older than 48 hours but was backfilled", id)
				}
			}
			if !res.BackfillSince.Equal(ago(48*time.Hour)) || res.Backfill.Created != 3 || len(res.Backfill.Failed) != 0 {
				t.Errorf("since %s, backfill %v", res.BackfillSince, res.Backfill)
			}
		})
	}
}

// laxSource returns every event whatever since says.
type laxSource struct{ officeprotect.EventSource }

func (s laxSource) Events(ctx context.Context, _ time.Time) ([]officeprotect.Event, error) {
	return s.EventSource.Events(ctx, time.Time{})
}

func TestConfirmSetupReportsProgressAndSkips(t *testing.T) {
	f := newFixture(t)
	f.src.Add(
		event("a1", "t-acme", ago(time.Hour)),
		event("a2", "t-acme", ago(2*time.Hour)),
		event("g1", "t-globex", ago(3*time.Hour)),
		event("i1", "t-initech", ago(4*time.Hour)), // disabled
		event("c1", "t-contoso", ago(5*time.Hour)), // unmapped
	)
	var stages []officeprotect.Stage
	var last flow.Progress
	writes := 0
	f.opts = append(f.opts, officeprotect.WithProgress(func(p flow.Progress) {
		st := officeprotect.Stage(p.Step)
		if len(stages) == 0 || stages[len(stages)-1] != st {
			stages = append(stages, st)
		}
		if st == officeprotect.StageBackfill && p.Done > 0 {
			writes++
			last = p
		}
	}))
	f.restart()
	f.configure()
	res, err := f.in.ConfirmSetup(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []officeprotect.Stage{officeprotect.StageCheck, officeprotect.StageMappings, officeprotect.StageTicketSettings, officeprotect.StageBackfill}
	if len(stages) != len(want) {
		t.Fatalf("stages %v, want %v", stages, want)
	}
	for i := range want {
		if stages[i] != want[i] {
			t.Fatalf("stages %v, want %v", stages, want)
		}
	}
	if writes != 3 || last.Done != 3 || last.Total != 3 {
		t.Errorf("progress: %d writes, last %+v", writes, last)
	}
	b := res.Backfill
	if b.Events != 5 || b.Created != 3 || b.SkippedFor(officeprotect.SkipDisabled) != 1 || b.SkippedFor(officeprotect.SkipUnmapped) != 1 {
		t.Fatalf("backfill %v, skipped %+v", b, b.Skipped)
	}
	if res.Enabled != 2 || res.Disabled != 1 || len(res.Warnings) != 0 {
		t.Errorf("enabled %d disabled %d warnings %v", res.Enabled, res.Disabled, res.Warnings)
	}
	for _, tk := range f.psa.Tickets() {
		if tk.Company.ID != f.acme.ID && tk.Company.ID != f.globex.ID {
			t.Errorf("ticket %d filed under %s: only enabled tenants may get tickets", tk.ID, tk.Company.Identifier)
		}
	}
}

func TestBoardIsTheMembersDefaultElseThePSADefault(t *testing.T) {
	t.Run("member default board", func(t *testing.T) {
		f := newFixture(t)
		f.psa.SetMemberDefaultBoard(f.psa.APIMember().ID, f.helpDesk.ID)
		f.src.Add(event("e1", "t-acme", ago(time.Hour)))
		res := f.confirm()
		if res.Board.Board.ID != f.helpDesk.ID || res.Board.Source != officeprotect.BoardMemberDefault ||
			!strings.Contains(res.Board.Explanation, "API member's default service board") {
			t.Fatalf("board %+v", res.Board)
		}
		if tk := f.tickets()["e1"]; len(tk) != 1 || tk[0].Board.ID != f.helpDesk.ID || tk[0].Status.Name != "New" {
			t.Fatalf("ticket %+v", tk)
		}
	})
	t.Run("no member default: PSA default board", func(t *testing.T) {
		f := newFixture(t)
		f.psa.SetMemberDefaultBoard(f.psa.APIMember().ID, 0)
		f.src.Add(event("e1", "t-acme", ago(time.Hour)))
		res := f.confirm()
		if res.Board.Board.ID != f.serviceDesk.ID || res.Board.Source != officeprotect.BoardPSADefault ||
			!strings.Contains(res.Board.Explanation, "no default service board") || !strings.Contains(res.Board.Explanation, "PSA's default board") {
			t.Fatalf("board %+v", res.Board)
		}
		if tk := f.tickets()["e1"]; len(tk) != 1 || tk[0].Board.ID != f.serviceDesk.ID {
			t.Fatalf("ticket %+v", tk)
		}
	})
	t.Run("member default board deleted", func(t *testing.T) {
		f := newFixture(t)
		f.psa.SetMemberDefaultBoard(f.psa.APIMember().ID, f.serviceDesk.ID)
		f.psa.DeleteBoard(f.serviceDesk.ID)
		res := f.confirm()
		if res.Board.Board.ID != f.helpDesk.ID || res.Board.Source != officeprotect.BoardPSADefault ||
			!strings.Contains(res.Board.Explanation, "no longer exists") {
			t.Fatalf("board %+v", res.Board)
		}
		if len(res.Warnings) == 0 {
			t.Error("a vanished default board should be a warning")
		}
	})
}

func TestConfirmSetupUsesTheChosenStatus(t *testing.T) {
	f := newFixture(t)
	f.configure()
	if err := f.in.SetTicketStatus(f.ctx, connectwise.Ref{Name: "Waiting"}); err != nil {
		t.Fatal(err)
	}
	f.src.Add(event("e1", "t-acme", ago(time.Minute)))
	res, err := f.in.ConfirmSetup(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status.Name != "Waiting" {
		t.Errorf("status %+v", res.Status)
	}
	if tk := f.tickets()["e1"]; len(tk) != 1 || tk[0].Status.Name != "Waiting" || tk[0].ClosedFlag {
		t.Fatalf("ticket %+v", tk)
	}
}

func TestConfirmSetupRejectsUnavailableMappedCompanies(t *testing.T) {
	f := newFixture(t)
	f.configure()
	f.psa.DeleteCompany(f.acme.ID)
	f.psa.SetCompanyInactive(f.globex.ID, true)
	f.psa.SetCompanyInactive(f.initech.ID, true) // disabled: only a warning
	f.src.Add(event("g1", "t-globex", ago(time.Hour)))
	_, err := f.in.ConfirmSetup(f.ctx)
	if err == nil {
		t.Fatal("confirmed with mapped companies deleted and inactive")
	}
	for _, want := range []string{`tenant "t-acme"`, "is deleted", `tenant "t-globex"`, "is inactive"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "t-initech") {
		t.Errorf("a disabled mapping failed the setup: %v", err)
	}
	var se *bridge.ConfigError
	if !errors.As(err, &se) || se.Field != "Mapping" {
		t.Errorf("not a Mapping ConfigError: %v", err)
	}
	if f.ticketCount() != 0 {
		t.Fatal("backfill ran although validation failed")
	}
	// Fixing the mappings lets it through, with the disabled one warned about.
	if err := f.in.RemoveMapping(f.ctx, "t-acme"); err != nil {
		t.Fatal(err)
	}
	f.psa.SetCompanyInactive(f.globex.ID, false)
	res, err := f.in.ConfirmSetup(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "t-initech") || res.Backfill.Created != 1 {
		t.Fatalf("warnings %v backfill %v", res.Warnings, res.Backfill)
	}
}

func TestConfirmSetupRechecksTheStatusOnTheLiveBoard(t *testing.T) {
	f := newFixture(t)
	f.configure()
	if err := f.in.SetTicketStatus(f.ctx, connectwise.Ref{Name: "Waiting"}); err != nil {
		t.Fatal(err)
	}
	// The board (and its statuses) changes after the status was chosen:
	// the live check catches it.
	f.psa.DeleteBoard(f.serviceDesk.ID)
	f.psa.SetMemberDefaultBoard(f.psa.APIMember().ID, f.helpDesk.ID)
	_, err := f.in.ConfirmSetup(f.ctx)
	var se *bridge.ConfigError
	if !errors.As(err, &se) || se.Field != "TicketStatus" || !strings.Contains(se.Problem, "Help Desk") {
		t.Fatalf("err = %v", err)
	}
}

func TestWithoutTableSetupTheStatusMustBeGivenByID(t *testing.T) {
	f := newFixture(t)
	waiting := flowtest.StatusID(t, f.psa, f.serviceDesk.ID, "Waiting")
	f.psa.RevokePermission("Table Setup")
	f.configure()
	_, err := f.in.ConfirmSetup(f.ctx)
	var se *bridge.ConfigError
	if !errors.As(err, &se) || se.Field != "TicketStatus" || !strings.Contains(se.Problem, "Table Setup") {
		t.Fatalf("err = %v", err)
	}
	if err := f.in.SetTicketStatus(f.ctx, connectwise.Ref{ID: waiting}); err != nil {
		t.Fatal(err)
	}
	f.src.Add(event("e1", "t-acme", ago(time.Hour)))
	res, err := f.in.ConfirmSetup(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Board.Board.ID != f.serviceDesk.ID || res.Backfill.Created != 1 {
		t.Fatalf("board %+v backfill %v", res.Board, res.Backfill)
	}
	joined := strings.Join(res.Warnings, "\n")
	for _, want := range []string{"Table Setup: Inquire is not granted", "could not be verified", "could not be checked"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	// Without Table Setup and without a member default board, no board can
	// be found at all.
	f.psa.SetMemberDefaultBoard(f.psa.APIMember().ID, 0)
	_, err = f.in.ConfirmSetup(f.ctx)
	if !errors.As(err, &se) || se.Field != "Board" || !strings.Contains(se.Problem, "Table Setup") {
		t.Fatalf("err = %v", err)
	}
}
