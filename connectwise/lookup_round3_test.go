package connectwise_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// Collect gathers every page of a walk, and FindOne can then match the
// list again through Items without another request.
func TestCollectWalksEveryPageAndItemsFeedsFindOne(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	b := srv.AddBoard(cwtest.Board{Name: "Round Three"})
	for i := range 23 {
		srv.AddStatus(b.ID, cwtest.BoardStatus{Name: fmt.Sprintf("Status %02d", i)})
	}
	c, err := connectwise.NewClient(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := connectwise.Collect(c.Boards.AllStatuses(ctx, b.ID, &connectwise.ListOptions{PageSize: 5}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 23 || got[0].Name != "Status 00" || got[22].Name != "Status 22" {
		t.Fatalf("Collect read %d statuses (%v ... ), want all 23 in order", len(got), got[:min(len(got), 2)])
	}
	before := len(srv.Requests())
	st, err := connectwise.FindOne(connectwise.Items(got), "status", " status 17 ", func(s connectwise.BoardStatus) (int, string) { return s.ID, s.Name })
	if err != nil || st.Name != "Status 17" {
		t.Fatalf("FindOne over Items: %+v, %v", st, err)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("matching a collected list sent %d requests, want none", n)
	}
}

// A walk that fails returns the error and no items: a partial list must
// not pass for the whole one.
func TestCollectFailsWholeOnError(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	cfg := srv.Config()
	cfg.PrivateKey = "wrong-key"
	c, err := connectwise.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := connectwise.Collect(c.Boards.All(context.Background(), nil))
	if !connectwise.IsUnauthorized(err) || got != nil {
		t.Fatalf("Collect with a refused key: %v, %v; want nil and a 401", got, err)
	}
}

// Items stops when the loop stops, as any iterator must.
func TestItemsStopsEarly(t *testing.T) {
	n := 0
	for v, err := range connectwise.Items([]int{1, 2, 3}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if v == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("Items yielded %d values before the break, want 2", n)
	}
}
