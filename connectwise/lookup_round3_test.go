package connectwise_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// Items stops when the loop stops, as any iterator must.
func TestItemsStopsEarly(t *testing.T) {
	n := 0
	for v := range connectwise.Items([]int{1, 2, 3}) {
		if n++; v == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("Items yielded %d values before the break, want 2", n)
	}
}

// Collect gathers every page of a walk; FindOne then matches the list
// again through Items without another request; and a refused walk returns
// the error with no items, so a partial list never passes for the whole.
func TestCollectAgainstTheSimulator(t *testing.T) {
	srv := cwtest.NewServer()
	t.Cleanup(srv.Close)
	board := srv.AddBoard(cwtest.Board{Name: "Round Three"}).ID
	for i := range 23 {
		srv.AddStatus(board, cwtest.BoardStatus{Name: fmt.Sprintf("Status %02d", i)})
	}
	client := func(privateKey string) *connectwise.Client {
		cfg := srv.Config()
		cfg.PrivateKey = privateKey
		c, err := connectwise.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()

	got, err := connectwise.Collect(client(srv.Config().PrivateKey).Boards.AllStatuses(ctx, board, &connectwise.ListOptions{PageSize: 5}))
	if err != nil || len(got) != 23 || got[0].Name != "Status 00" || got[22].Name != "Status 22" {
		t.Fatalf("Collect read %d statuses (err %v), want all 23 in order", len(got), err)
	}
	sent := len(srv.Requests())
	st, err := connectwise.FindOne(connectwise.Items(got), "status", " status 17 ", func(s connectwise.BoardStatus) (int, string) { return s.ID, s.Name })
	if err != nil || st.Name != "Status 17" {
		t.Fatalf("FindOne over Items: %+v, %v", st, err)
	}
	if n := len(srv.Requests()) - sent; n != 0 {
		t.Errorf("matching a collected list sent %d requests, want none", n)
	}

	refused, err := connectwise.Collect(client("wrong-key").Boards.All(ctx, nil))
	if !connectwise.IsUnauthorized(err) || refused != nil {
		t.Errorf("Collect with a refused key: %v, %v; want nil and a 401", refused, err)
	}
}
