package cwtest

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/internal/psaquery"
)

// accessor reads one field path from a record by following struct field
// indices, resolved once per type and path.
type accessor struct {
	steps []step
}

type step struct {
	index  int    // struct field index, or -1 for a map key
	mapKey string // for map[string]string fields such as a reference's _info
}

type pathKey struct {
	t    reflect.Type
	path string
}

var accessors sync.Map // pathKey -> *accessor (nil when the path is unknown)

var timeType = reflect.TypeFor[time.Time]()

// resolve finds path ("board/name", case-insensitive per segment) in t.
func resolve(t reflect.Type, path string) *accessor {
	key := pathKey{t, strings.ToLower(path)}
	if a, ok := accessors.Load(key); ok {
		return a.(*accessor)
	}
	a := buildAccessor(t, path)
	accessors.Store(key, a)
	return a
}

func buildAccessor(t reflect.Type, path string) *accessor {
	a := &accessor{}
	for _, seg := range strings.Split(path, "/") {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
			a.steps = append(a.steps, step{index: -1, mapKey: seg})
			t = t.Elem()
		case t.Kind() == reflect.Struct && t != timeType:
			found := false
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name != "" && name != "-" && strings.EqualFold(name, seg) {
					a.steps = append(a.steps, step{index: i})
					t = f.Type
					found = true
					break
				}
			}
			if !found {
				return nil
			}
		default:
			return nil
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Slice {
		// Collections (company types, subtype associations) cannot be
		// compared against a single literal.
		return nil
	}
	return a
}

// get reads the field from v (a pointer to a record). Empty strings read
// as null, as the PSA stores unset text columns as NULL.
func (a *accessor) get(v reflect.Value) any {
	for _, st := range a.steps {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return nil
			}
			v = v.Elem()
		}
		if st.index < 0 {
			if v.IsNil() {
				return nil
			}
			for _, k := range v.MapKeys() {
				if strings.EqualFold(k.String(), st.mapKey) {
					return v.MapIndex(k).Interface()
				}
			}
			return nil
		}
		v = v.Field(st.index)
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.String && v.Len() == 0 {
		return nil
	}
	if v.Kind() == reflect.Struct && v.Type() != timeType {
		return v.Addr().Interface() // a reference compared with null
	}
	return v.Interface()
}

// listParams are the query options of a list, count or search request.
type listParams struct {
	conditions      string
	childConditions string
	customFields    string
	orderBy         string
	fields          string
	page            int
	pageSize        int
	pageID          int
	forwardOnly     bool
}

// query holds a parsed listParams ready to run against records of one
// type.
type query struct {
	typ       reflect.Type
	expr      *psaquery.Expr
	get       map[string]*accessor
	order     ordering[*accessor]
	child     *elementCond[*accessor]
	childArr  int // field index of the array childConditions walk
	custom    *elementCond[*accessor]
	customArr int // field index of customFields; -1 when the type has none
}

// queryValues reads query parameters case-insensitively, as the PSA's
// ASP.NET stack does.
func queryValue(q url.Values, name string) string {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func parseListParams(r *http.Request, allowBody bool) (listParams, *apiError) {
	q := r.URL.Query()
	p := listParams{
		conditions:      queryValue(q, "conditions"),
		childConditions: queryValue(q, "childConditions"),
		customFields:    queryValue(q, "customFieldConditions"),
		orderBy:         queryValue(q, "orderBy"),
		fields:          queryValue(q, "fields"),
		forwardOnly:     strings.EqualFold(r.Header.Get("pagination-type"), "forward-only"),
	}
	var err *apiError
	if p.page, err = intParam(queryValue(q, "page"), "page", 1); err != nil {
		return p, err
	}
	if p.pageSize, err = intParam(queryValue(q, "pageSize"), "pageSize", 25); err != nil {
		return p, err
	}
	if p.pageID, err = intParam(queryValue(q, "pageId"), "pageId", 0); err != nil {
		return p, err
	}
	if allowBody {
		// POST .../search carries the PSA's FilterValues in a JSON body
		// (searchBody, wire.go); paging and fields stay in the query.
		if e := readSearchBody(r, &p); e != nil {
			return p, e
		}
	}
	if p.page < 1 {
		p.page = 1
	}
	if p.pageSize < 1 {
		p.pageSize = 25
	}
	if p.pageSize > 1000 {
		p.pageSize = 1000
	}
	return p, nil
}

func intParam(v, name string, def int) (int, *apiError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("The value '%s' is not valid for %s.", v, name)
	}
	return n, nil
}

// compile parses conditions, childConditions, customFieldConditions and
// orderBy for records of type T and checks that every field they name
// exists.
func compile[T any](p listParams, resource string) (*query, *apiError) {
	q := &query{typ: reflect.TypeFor[*T](), get: map[string]*accessor{}, childArr: -1, customArr: -1}
	if strings.TrimSpace(p.conditions) != "" {
		e, err := psaquery.Parse(p.conditions)
		if err != nil {
			return nil, conditionsError(resource, "conditions", err)
		}
		for _, f := range e.Fields() {
			a := resolveOrAlias(q.typ, f)
			if a == nil {
				return nil, unknownField(resource, f, "conditions")
			}
			q.get[strings.ToLower(f)] = a
		}
		q.expr = e
	}
	var e *apiError
	// childConditions name "array/field": every field must walk the same
	// array, whose elements are then read like records.
	q.child, e = parseElementCond(resource, "childConditions", p.childConditions, func(f string) (*accessor, bool) {
		arr, rest, _ := strings.Cut(f, "/")
		index, elem, ok := sliceField(q.typ, arr)
		if !ok || rest == "" || (q.childArr >= 0 && q.childArr != index) {
			return nil, false
		}
		q.childArr = index
		a := resolve(elem, rest)
		return a, a != nil
	})
	if e != nil {
		return nil, e
	}
	// Custom fields are named by the properties of one entry (caption,
	// value...); an unknown one reads as null, as on the generic records.
	index, elem, hasCustom := sliceField(q.typ, "customFields")
	if hasCustom {
		q.customArr = index
	}
	q.custom, e = parseElementCond(resource, "customFieldConditions", p.customFields, func(f string) (*accessor, bool) {
		if !hasCustom {
			return nil, true
		}
		return resolve(elem, f), true
	})
	if e != nil {
		return nil, e
	}
	q.order, e = parseOrdering(p, resource, func(f string) (*accessor, bool) {
		a := resolveOrAlias(q.typ, f)
		return a, a != nil
	})
	if e != nil {
		return nil, e
	}
	return q, nil
}

// sliceField finds the slice field whose JSON name is name
// (case-insensitive) in the struct t points to, with its element type.
func sliceField(t reflect.Type, name string) (int, reflect.Type, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		json, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Type.Kind() == reflect.Slice && strings.EqualFold(json, name) {
			return i, f.Type.Elem(), true
		}
	}
	return -1, nil, false
}

func unknownField(resource, field, param string) *apiError {
	msg := fmt.Sprintf("%s: Expected a valid field of %s, found '%s'", param, resource, field)
	return &apiError{status: http.StatusBadRequest, Code: "InvalidObject", Message: msg,
		Errors: []fieldError{{Code: "InvalidField", Message: msg, Resource: resource, Field: field}}}
}

// match evaluates the conditions against one record.
func (q *query) match(rec any) bool {
	v := reflect.ValueOf(rec)
	if q.expr != nil && !q.expr.Eval(func(path string) (any, bool) {
		a := q.get[strings.ToLower(path)]
		if a == nil {
			return nil, false
		}
		return a.get(v), true
	}) {
		return false
	}
	if q.child != nil && !q.child.any(elements(v, q.childArr)) {
		return false
	}
	return q.custom == nil || q.custom.any(elements(v, q.customArr))
}

// elements returns the length of the slice field at index of the record
// v points to, and a reader of its elements' fields; no elements when
// index is negative.
func elements(v reflect.Value, index int) (int, func(int, *accessor) any) {
	if index < 0 {
		return 0, nil
	}
	s := reflect.Indirect(v).Field(index)
	return s.Len(), func(i int, a *accessor) any {
		if a == nil {
			return nil
		}
		return a.get(s.Index(i))
	}
}

// runList answers a list request over rows (id-sorted, read under the
// caller's lock via rows()) with either paging style. keep further
// restricts rows, e.g. to one board's statuses.
func runList[T any, P record[T]](c *call, resource string, p listParams, rows func() []*T, keep func(*T) bool) {
	p, noLinks := c.s.pagingQuirks(c, p) // WithoutForwardOnly (wire_quirks.go)
	q, e := compile[T](p, resource)
	if e != nil {
		writeError(c.w, e)
		return
	}
	c.s.mu.RLock()
	page, links := pageRows(c, p, rows(), func(r *T) int { return P(r).recID() },
		func(r *T) bool { return (keep == nil || keep(r)) && q.match(r) },
		func(rs []*T) { sortRows(rs, q.order, func(r *T, a *accessor) any { return a.get(reflect.ValueOf(r)) }) })
	c.s.mu.RUnlock()
	c.s.writeLinks(c, p, links, noLinks)
	writeRecords(c.w, http.StatusOK, page, requested(p.fields, nil))
}

// runCount answers GET .../count.
func runCount[T any](c *call, resource string, p listParams, rows func() []*T, keep func(*T) bool) {
	p.orderBy, p.forwardOnly = "", false
	q, e := compile[T](p, resource)
	if e != nil {
		writeError(c.w, e)
		return
	}
	n := 0
	c.s.mu.RLock()
	for _, r := range rows() {
		if (keep == nil || keep(r)) && q.match(r) {
			n++
		}
	}
	c.s.mu.RUnlock()
	writeJSON(c.w, http.StatusOK, map[string]int{"count": n})
}

// numberedPage cuts page p.page out of matched for page-number paging and
// returns the first/prev/next/last links the PSA sends with it.
func numberedPage[T any](c *call, p listParams, matched []T) (page []T, links []string) {
	total := len(matched)
	lastPage := max(1, (total+p.pageSize-1)/p.pageSize)
	if from := (p.page - 1) * p.pageSize; from < total {
		page = matched[from:min(total, from+p.pageSize)]
	}
	size := strconv.Itoa(p.pageSize)
	if p.page > 1 {
		links = append(links,
			linkTo(c, map[string]string{"page": "1", "pageSize": size}, "first"),
			linkTo(c, map[string]string{"page": strconv.Itoa(min(p.page-1, lastPage)), "pageSize": size}, "prev"))
	}
	if p.page < lastPage {
		links = append(links,
			linkTo(c, map[string]string{"page": strconv.Itoa(p.page + 1), "pageSize": size}, "next"),
			linkTo(c, map[string]string{"page": strconv.Itoa(lastPage), "pageSize": size}, "last"))
	}
	return page, links
}

// linkTo builds an absolute URL for the same request with some query
// parameters replaced, in RFC 5988 form.
func linkTo(c *call, set map[string]string, rel string) string {
	q := c.r.URL.Query()
	for k := range q {
		for name := range set {
			if strings.EqualFold(k, name) {
				q.Del(k)
			}
		}
		if strings.EqualFold(k, "page") && set["pageId"] != "" {
			q.Del(k)
		}
	}
	for k, v := range set {
		q.Set(k, v)
	}
	return c.s.formatLink(c.r, q, rel) // wire.go
}

// writeRecords encodes records, each pruned to tree (nil: whole).
func writeRecords[R any](w http.ResponseWriter, status int, recs []R, tree fieldTree) {
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = prune(r, tree)
	}
	writeJSON(w, status, out)
}

// writeRecord encodes one record, honouring ?fields=.
func writeRecord(c *call, status int, rec any) {
	writeJSON(c.w, status, prune(rec, requested(queryValue(c.r.URL.Query(), "fields"), nil)))
}

// requested is the projection ?fields= asks for ("id,summary,status/id"),
// or def when it asks for none.
func requested(fields string, def fieldTree) fieldTree {
	if strings.TrimSpace(fields) == "" {
		return def
	}
	return parseFields(fields)
}

// prune keeps the parts of a record (a struct, a JSON map, or a list of
// either) that tree names, case-insensitively; nil keeps everything.
func prune(v any, tree fieldTree) any {
	if tree == nil {
		return v
	}
	return pruneValue(reflect.ValueOf(v), tree)
}

type fieldTree map[string]fieldTree // lower-case name -> children (nil: whole value)

func parseFields(s string) fieldTree {
	t := fieldTree{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		node := t
		segs := strings.Split(strings.ToLower(f), "/")
		for i, seg := range segs {
			child, ok := node[seg]
			if i == len(segs)-1 {
				node[seg] = nil // the whole value wins over a narrower pick
				break
			}
			if ok && child == nil {
				break // already keeping the whole value
			}
			if !ok {
				child = fieldTree{}
				node[seg] = child
			}
			node = child
		}
	}
	return t
}

// pruneValue keeps the parts of a record that tree names, walking the Go
// value directly (decoding and re-encoding JSON costs four times more)
// and omitting what encoding/json would omit.
func pruneValue(v reflect.Value, tree fieldTree) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if tree == nil {
		return v.Interface()
	}
	switch {
	case v.Kind() == reflect.Struct && v.Type() != timeType:
		out := make(map[string]any, len(tree))
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			sub, ok := tree[strings.ToLower(name)]
			if !ok || name == "" || name == "-" {
				continue
			}
			fv := v.Field(i)
			if strings.Contains(opts, "omitempty") && emptyJSON(fv) {
				continue
			}
			out[name] = pruneValue(fv, sub)
		}
		return out
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		// A projection into an array ("types/name") applies to each
		// element.
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = pruneValue(v.Index(i), tree)
		}
		return out
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			if sub, ok := tree[strings.ToLower(k.String())]; ok {
				out[k.String()] = pruneValue(v.MapIndex(k), sub)
			}
		}
		return out
	}
	return v.Interface()
}

// emptyJSON mirrors encoding/json's omitempty test.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return v.IsZero()
}
