package connectwise_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// TestCollectionAllWalksEveryPage walks a collection over the simulator
// in pages of three, in both paging styles: every match comes back once,
// in order, one request per page, and the caller's options are left as
// they were (the walk pages on its own copy).
func TestCollectionAllWalksEveryPage(t *testing.T) {
	srv, c := newSim(t, cwtest.WithoutSeedData())
	first := srv.AddTickets(9, nil)
	// The first two tickets do not match, so a walk that dropped the
	// conditions after its first page would show them.
	var asc []int
	for id := first + 2; id < first+9; id++ {
		asc = append(asc, id)
	}
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	col := connectwise.NewCollection[connectwise.Ticket](c, "service/tickets")
	cases := []struct {
		name string
		opts connectwise.ListOptions
		want []int
	}{
		{"page numbers", connectwise.ListOptions{Conditions: connectwise.Where("id > ?", first+1), OrderBy: "id desc", PageSize: 3}, desc},
		{"forward-only", connectwise.ListOptions{Conditions: connectwise.Where("id > ?", first+1), PageSize: 3, ForwardOnly: true}, asc},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			opts := tc.opts
			var got []int
			for tk, err := range col.All(context.Background(), &opts) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, tk.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("ids %v, want %v", got, tc.want)
			}
			if n := srv.CountRequests("GET", "service/tickets"); n != 3 {
				t.Fatalf("%d page requests, want 3", n)
			}
			if opts != tc.opts {
				t.Fatalf("the walk changed the caller's options: %+v, was %+v", opts, tc.opts)
			}
		})
	}
}

// TestCollectionSearchOverSimulator: Search posts to {path}/search and
// the simulator, reading the conditions and order from the body as the
// PSA does, answers only the matches, in that order.
func TestCollectionSearchOverSimulator(t *testing.T) {
	srv, c := newSim(t, cwtest.WithoutSeedData())
	first := srv.AddTickets(5, func(i int, tk *cwtest.Ticket) { tk.ExternalXRef = fmt.Sprintf("s:%d", i) })
	col := connectwise.NewCollection[connectwise.Ticket](c, "/service/tickets/")
	if col.Path() != "service/tickets" {
		t.Fatalf("Path() = %q, want the path without its slashes", col.Path())
	}
	got, _, err := col.Search(context.Background(), &connectwise.ListOptions{
		Conditions: connectwise.Where("externalXRef in ?", []string{"s:1", "s:3", "s:9"}), OrderBy: "id desc",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != first+3 || got[1].ID != first+1 || got[0].ExternalXRef != "s:3" {
		t.Fatalf("got %+v, want tickets %d and %d", got, first+3, first+1)
	}
	if srv.CountRequests("POST", "service/tickets/search") != 1 || srv.CountRequests("GET", "service/tickets") != 0 {
		t.Fatal("Search did not go (only) through POST service/tickets/search")
	}
}
