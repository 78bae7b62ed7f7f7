package apiclient

import (
	"fmt"
	"iter"
)

// Walk yields every item of a paged list lazily, one page in memory at a
// time, for any kind of paging: page numbers, offsets, page ids or cursors
// are all a position C. fetch loads the page at a position and returns its
// items and the position of the next page, the zero C after the last.
//
// A position's String method, if it has one, names it in errors.
//
// A server (or a caching proxy) that names a position it already served
// would make the walk fetch pages forever; Walk stops with an error
// instead. Iteration stops at the first error, which is yielded once.
func Walk[T any, C comparable](api string, start C, fetch func(C) ([]T, C, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero C
		seen := map[C]bool{}
		for at := start; ; {
			seen[at] = true
			items, next, err := fetch(at)
			if err != nil {
				var none T
				yield(none, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == zero {
				return
			}
			if seen[next] {
				var none T
				yield(none, fmt.Errorf("%s: paging loop: the server named %v as the next page again after %v; stopping", api, next, at))
				return
			}
			at = next
		}
	}
}
