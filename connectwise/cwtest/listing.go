package cwtest

import (
	"slices"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/internal/psaquery"
)

// The list machinery both kinds of records share: the hand-written ones
// (Go structs read through accessors, query.go) and the generic ones
// (JSON maps read by path, spec_query.go). Each side says how to read a
// field (G: an *accessor or a []string path) and what a row is (R); the
// parsing, the element conditions, ordering and paging are written once,
// so both answer a list the same way.

// elementCond is a parsed childConditions or customFieldConditions: the
// PSA keeps a record when one element of the array satisfies the
// expression as a whole.
type elementCond[G any] struct {
	expr *psaquery.Expr
	get  map[string]G // lower-case field -> how to read it from an element
}

// parseElementCond parses param's text; resolve turns each field into a
// reader or reports that the record has no such field.
func parseElementCond[G any](resource, param, text string, resolve func(field string) (G, bool)) (*elementCond[G], *apiError) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	e, err := psaquery.Parse(text)
	if err != nil {
		return nil, conditionsError(resource, param, err)
	}
	ec := &elementCond[G]{expr: e, get: map[string]G{}}
	for _, f := range e.Fields() {
		g, ok := resolve(f)
		if !ok {
			return nil, unknownField(resource, f, param)
		}
		ec.get[strings.ToLower(f)] = g
	}
	return ec, nil
}

// any reports whether one of n elements satisfies the condition; read
// returns element i's value of a field. A nil condition keeps everything.
func (ec *elementCond[G]) any(n int, read func(i int, g G) any) bool {
	if ec == nil {
		return true
	}
	for i := range n {
		if ec.expr.Eval(func(f string) (any, bool) { return read(i, ec.get[strings.ToLower(f)]), true }) {
			return true
		}
	}
	return false
}

// ordering is a parsed orderBy.
type ordering[G any] struct {
	keys []psaquery.OrderKey
	get  []G
}

// parseOrdering parses p.orderBy; resolve turns each field into a reader.
func parseOrdering[G any](p listParams, resource string, resolve func(field string) (G, bool)) (ordering[G], *apiError) {
	var o ordering[G]
	if strings.TrimSpace(p.orderBy) == "" {
		return o, nil
	}
	if p.forwardOnly {
		return o, badRequest("orderBy is not supported with forward-only pagination; results are always in id order")
	}
	keys, err := psaquery.ParseOrderBy(p.orderBy)
	if err != nil {
		return o, badRequest("orderBy: %v", err)
	}
	for _, k := range keys {
		g, ok := resolve(k.Field)
		if !ok {
			return o, unknownField(resource, k.Field, "orderBy")
		}
		o.keys = append(o.keys, k)
		o.get = append(o.get, g)
	}
	return o, nil
}

// sort orders rows stably, so id order breaks ties as on the PSA.
func sortRows[R, G any](rows []R, o ordering[G], read func(r R, g G) any) {
	if len(o.keys) == 0 {
		return
	}
	slices.SortStableFunc(rows, func(x, y R) int {
		for i, k := range o.keys {
			c := psaquery.CompareValues(read(x, o.get[i]), read(y, o.get[i]))
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// pageRows selects one page of rows (sorted by id) that match, with
// either paging style, and returns it with the Link values to send.
// sort orders the matched rows for page-number paging. The caller holds
// the read lock.
func pageRows[R any](c *call, p listParams, rows []R, id func(R) int, match func(R) bool, sort func([]R)) ([]R, []string) {
	if !p.forwardOnly {
		var matched []R
		for _, r := range rows {
			if match(r) {
				matched = append(matched, r)
			}
		}
		sort(matched)
		return numberedPage(c, p, matched)
	}
	start, _ := slices.BinarySearchFunc(rows, p.pageID+1, func(r R, want int) int { return id(r) - want })
	var page []R
	for _, r := range rows[start:] {
		if !match(r) {
			continue
		}
		if len(page) == p.pageSize {
			last := id(page[len(page)-1])
			return page, []string{linkTo(c, map[string]string{"pageId": strconv.Itoa(last), "pageSize": strconv.Itoa(p.pageSize)}, "next")}
		}
		page = append(page, r)
	}
	return page, nil
}
