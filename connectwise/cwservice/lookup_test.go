package cwservice_test

import (
	"context"
	"errors"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwcompany"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/cwsystem"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// simulator returns a client of a seeded cwtest PSA over real HTTP.
func simulator(t *testing.T) *connectwise.Client {
	t.Helper()
	srv := cwtest.NewServer()
	t.Cleanup(srv.Close)
	c, err := connectwise.NewClient(srv.Config(), connectwise.WithHTTPClient(srv.Client()), connectwise.WithRateLimit(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLookupsByNameIgnoreCase(t *testing.T) {
	c := simulator(t)
	ctx := context.Background()
	svc := cwservice.New(c)
	board, err := svc.Boards.ByName(ctx, "  help DESK ")
	if err != nil || *board.Name != "Help Desk" {
		t.Fatalf("board: %v %+v", err, board)
	}
	id := int(*board.ID)
	if st, err := svc.Boards.StatusByName(ctx, id, "new"); err != nil || *st.Name != "New" {
		t.Errorf("status: %v %+v", err, st)
	}
	if it, err := svc.Boards.ItemByName(ctx, id, "GENERAL"); err != nil || *it.Name != "General" {
		t.Errorf("item: %v %+v", err, it)
	}
	if sub, err := svc.Boards.SubtypeByName(ctx, id, "email"); err != nil || *sub.Name != "Email" {
		t.Errorf("subtype: %v %+v", err, sub)
	}
	types, _, err := svc.Boards.ListTypes(ctx, id, nil)
	if err != nil || len(types) == 0 {
		t.Fatalf("types: %v %d", err, len(types))
	}
	if ty, err := svc.Boards.TypeByName(ctx, id, *types[0].Name); err != nil || *ty.ID != *types[0].ID {
		t.Errorf("type: %v %+v", err, ty)
	}
	prios, _, err := svc.Priorities.List(ctx, nil)
	if err != nil || len(prios) == 0 {
		t.Fatalf("priorities: %v", err)
	}
	if p, err := svc.Priorities.ByName(ctx, *prios[0].Name); err != nil || *p.ID != *prios[0].ID {
		t.Errorf("priority: %v %+v", err, p)
	}
	if co, err := cwcompany.New(c).Companies.ByIdentifier(ctx, "AcmeCorp"); err != nil || *co.Name != "Acme Corporation" {
		t.Errorf("company: %v %+v", err, co)
	}
	members := cwsystem.New(c).Members
	if m, err := members.ByName(ctx, "JSMITH"); err != nil || *m.Identifier != "jsmith" {
		t.Errorf("member by identifier: %v %+v", err, m)
	}
	if m, err := members.ByName(ctx, "jane smith"); err != nil || *m.Identifier != "jsmith" {
		t.Errorf("member by full name: %v %+v", err, m)
	}
}

func TestLookupMissesAreLookupErrors(t *testing.T) {
	c := simulator(t)
	ctx := context.Background()
	svc := cwservice.New(c)
	var le *connectwise.LookupError
	if _, err := svc.Boards.ByName(ctx, "No Such Board"); !errors.As(err, &le) || len(le.Matches) != 0 {
		t.Errorf("miss: %v", err)
	}
	// The simulator, like the PSA, refuses a second board of the same
	// name in any case; ambiguity is covered by FindOne's own test.
	if _, err := svc.Boards.StatusByName(ctx, 999999, "New"); err == nil {
		t.Error("a status of a board that does not exist was found")
	}
	if _, err := cwcompany.New(c).Companies.ByIdentifier(ctx, "NoSuchCo"); !errors.As(err, &le) {
		t.Errorf("company miss: %v", err)
	}
}
