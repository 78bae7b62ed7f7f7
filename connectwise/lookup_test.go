package connectwise_test

import (
	"errors"
	"iter"
	"slices"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
)

type named struct {
	id   int
	name string
}

func items(err error, vs ...named) iter.Seq2[named, error] {
	return func(yield func(named, error) bool) {
		for _, v := range vs {
			if !yield(v, nil) {
				return
			}
		}
		if err != nil {
			yield(named{}, err)
		}
	}
}

func TestFindOne(t *testing.T) {
	key := func(n named) (int, string) { return n.id, n.name }
	got, err := connectwise.FindOne(items(nil, named{1, "Service Desk"}, named{2, " Help Desk "}), "board", "help desk", key)
	if err != nil || got.id != 2 {
		t.Errorf("case and space: %v %v", got, err)
	}
	_, err = connectwise.FindOne(items(nil, named{1, "Help Desk"}, named{7, "HELP DESK"}), "board", "Help Desk", key)
	var le *connectwise.LookupError
	if !errors.As(err, &le) || !slices.Equal(le.Matches, []int{1, 7}) || le.Error() != `connectwise: board name "Help Desk" is ambiguous: 2 match (ids 1, 7); choose by id` {
		t.Errorf("ambiguous: %v", err)
	}
	_, err = connectwise.FindOne(items(nil, named{1, "Help Desk"}), "board", "Helpdesk", key)
	if !errors.As(err, &le) || len(le.Matches) != 0 || le.Error() != `connectwise: no board named "Helpdesk"` {
		t.Errorf("miss: %v", err)
	}
	boom := errors.New("boom")
	if _, err = connectwise.FindOne(items(boom, named{1, "Help Desk"}), "board", "Help Desk", key); !errors.Is(err, boom) {
		t.Errorf("a listing error must pass through, got %v", err)
	}
}
