package connectwise

import (
	"fmt"
	"iter"
	"strings"
)

// LookupError reports a look-up by name or identifier that matched no
// object, or more than one. It names what was looked for, so that a
// misconfigured board or status name reads as such.
type LookupError struct {
	// What is the kind of object: "board", "status on board 5", "company".
	What string
	// Name is the name or identifier looked for.
	Name string
	// Matches holds the ids of every match (empty when nothing matched).
	Matches []int
}

// Error reads `connectwise: no board named "Help Desk"` or
// `connectwise: board name "Help Desk" is ambiguous: 2 match (ids 3, 9); choose by id`.
func (e *LookupError) Error() string {
	if len(e.Matches) == 0 {
		return fmt.Sprintf("connectwise: no %s named %q", e.What, e.Name)
	}
	ids := make([]string, len(e.Matches))
	for i, id := range e.Matches {
		ids[i] = itoa(id)
	}
	return fmt.Sprintf("connectwise: %s name %q is ambiguous: %d match (ids %s); choose by id", e.What, e.Name, len(e.Matches), strings.Join(ids, ", "))
}

// FindOne returns the one item of items whose name equals name, ignoring
// case and surrounding space: the rule the PSA's own screens apply and the
// one every integration's look-ups (board, status, type, priority,
// member...) need. It fails with a *LookupError when nothing or more than
// one item matches, and passes on the first error of items. key returns an
// item's id and name.
func FindOne[T any](items iter.Seq2[T, error], what, name string, key func(T) (id int, name string)) (T, error) {
	var zero, hit T
	var ids []int
	want := strings.TrimSpace(name)
	for v, err := range items {
		if err != nil {
			return zero, err
		}
		id, n := key(v)
		if strings.EqualFold(strings.TrimSpace(n), want) {
			hit = v
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		return zero, &LookupError{What: what, Name: name, Matches: ids}
	}
	return hit, nil
}

// Collect drains items, such as a service's All walk, into a slice: the
// form a look-up needs when it matches the same list more than once (a
// board's statuses, types or subtypes). It stops at the first error and
// returns it with no items, so a half-read list is never taken for the
// whole one.
func Collect[T any](items iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range items {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Items yields the elements of s with no error, so that FindOne can match
// a list already read (by Collect, or held in a table) without reading it
// from the PSA again.
func Items[T any](s []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range s {
			if !yield(v, nil) {
				return
			}
		}
	}
}
