package cwtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// kind describes one resource type to the generic handlers.
type kind[T any, P stampedRecord[T]] struct {
	resource string // singular, lower case: "ticket"
	perm     string // module function guarding it
	tab      func(*state) *table[T, P]

	// For nested resources (a board's statuses, a ticket's notes):
	parentOf  func(P) int
	setParent func(st *state, r P, parentID int)
	parentErr func(st *state, parentID int) *apiError // nil when it exists

	// prepare validates and normalizes a new version under the write
	// lock; old is nil on create.
	prepare func(c *call, st *state, r, old P) *apiError
	// after runs once the record is stored (old nil on create).
	after func(c *call, st *state, r, old P)
	// remove replaces the default hard delete (soft deletes, cascades).
	remove func(c *call, st *state, r P) *apiError
}

func (k *kind[T, P]) scoped() bool { return k.parentOf != nil }

// withAfter sets after and returns k, for kinds built by a constructor.
func (k *kind[T, P]) withAfter(after func(c *call, st *state, r, old P)) *kind[T, P] {
	k.after = after
	return k
}

// lookup finds the record addressed by the call's ids, checking that it
// belongs to the parent in the path. Caller holds the lock.
func (k *kind[T, P]) lookup(c *call, st *state) (P, *apiError) {
	id := c.ids[len(c.ids)-1]
	if k.scoped() {
		if e := k.parentErr(st, c.ids[0]); e != nil {
			return nil, e
		}
	}
	r := P(k.tab(st).get(id))
	if r == nil || (k.scoped() && k.parentOf(r) != c.ids[0]) {
		return nil, notFound(k.resource, id)
	}
	return r, nil
}

func (k *kind[T, P]) keep(c *call) (func(*T) bool, *apiError) {
	if !k.scoped() {
		return nil, nil
	}
	parent := c.ids[0]
	c.s.mu.RLock()
	e := k.parentErr(c.s.st, parent)
	c.s.mu.RUnlock()
	if e != nil {
		return nil, e
	}
	return func(r *T) bool { return k.parentOf(P(r)) == parent }, nil
}

func (k *kind[T, P]) list(search bool) func(*call) {
	return func(c *call) { k.query(c, search, false) }
}

func (k *kind[T, P]) count(c *call) { k.query(c, false, true) }

// query answers a list, a /search or a /count of the kind's records.
func (k *kind[T, P]) query(c *call, search, counting bool) {
	p, e := parseListParams(c.r, search)
	var keep func(*T) bool
	if e == nil {
		keep, e = k.keep(c)
	}
	if e != nil {
		writeError(c.w, e)
		return
	}
	rows := func() []*T { return k.tab(c.s.st).rows }
	if counting {
		runCount[T](c, k.resource, p, rows, keep)
		return
	}
	runList[T, P](c, k.resource, p, rows, keep)
}

func (k *kind[T, P]) get(c *call) {
	c.s.mu.RLock()
	r, e := k.lookup(c, c.s.st)
	c.s.mu.RUnlock()
	if e != nil {
		writeError(c.w, e)
		return
	}
	writeRecord(c, http.StatusOK, r)
}

// decodeBody reads a JSON body into v, naming the field on a type error.
func decodeBody(r *http.Request, resource string, v any) *apiError {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return badRequest("could not read the request body: %v", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return badRequest("The request body is empty; a %s object is required", resource)
	}
	return decodeJSON(raw, resource, v)
}

func decodeJSON(raw []byte, resource string, v any) *apiError {
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(resource, fieldError{Code: "InvalidField", Message: fmt.Sprintf("The field %s must be a %s, not a %s.", te.Field, te.Type, te.Value), Field: te.Field})
		}
		return badRequest("The request body is not valid JSON: %v", err)
	}
	return nil
}

func (k *kind[T, P]) create(c *call) { k.save(c, false) }

func (k *kind[T, P]) put(c *call) { k.save(c, true) }

// save serves POST (a new record) and PUT (a whole new version of the
// record the path names).
func (k *kind[T, P]) save(c *call, replace bool) {
	r := P(new(T))
	if e := decodeBody(c.r, k.resource, r); e != nil {
		writeError(c.w, e)
		return
	}
	c.s.mu.Lock()
	st := c.s.st
	var old P
	var e *apiError
	if replace {
		old, e = k.lookup(c, st)
	}
	if e == nil {
		e = k.store(c, st, r, old)
	}
	c.s.mu.Unlock()
	if e != nil {
		writeError(c.w, e)
		return
	}
	status := http.StatusOK
	if !replace {
		status = http.StatusCreated
	}
	writeRecord(c, status, r)
}

// store validates r (a new version of old, or a new record) and saves it.
// Caller holds the write lock.
func (k *kind[T, P]) store(c *call, st *state, r, old P) *apiError {
	if old == nil {
		r.setRecID(0)
		if k.scoped() {
			if e := k.parentErr(st, c.ids[0]); e != nil {
				return e
			}
			k.setParent(st, r, c.ids[0])
		}
	} else {
		r.setRecID(old.recID())
		if k.scoped() {
			k.setParent(st, r, k.parentOf(old))
		}
	}
	if k.prepare != nil {
		if e := k.prepare(c, st, r, old); e != nil {
			return e
		}
	}
	stamp(r, old, c.s.now(), c.member.Identifier)
	if old == nil {
		k.tab(st).insert((*T)(r))
	} else {
		k.tab(st).replace((*T)(r))
	}
	if k.after != nil {
		k.after(c, st, r, old)
	}
	notifyCallbacks(c, st, k.resource, actionOf(old == nil), r.recID(), r)
	return nil
}

// patchOp is one JSON Patch operation as the PSA accepts it.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

func (k *kind[T, P]) patch(c *call) {
	ops, e := readPatch(c.r)
	if e != nil {
		writeError(c.w, e)
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	old, e := k.lookup(c, st)
	if e != nil {
		writeError(c.w, e)
		return
	}
	patched, e := patchDocument(old, ops, jsonNames(reflect.TypeFor[T]()), k.resource)
	if e != nil {
		writeError(c.w, e)
		return
	}
	r := P(new(T))
	if e := decodeJSON(patched, k.resource, r); e != nil {
		writeError(c.w, e)
		return
	}
	if e := k.store(c, st, r, old); e != nil {
		writeError(c.w, e)
		return
	}
	writeRecord(c, http.StatusOK, r)
}

// readPatch reads a JSON Patch body.
func readPatch(r *http.Request) ([]patchOp, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, badRequest("could not read the request body: %v", err)
	}
	var ops []patchOp
	if err := json.Unmarshal(raw, &ops); err != nil {
		return nil, badRequest("The patch body must be a JSON Patch array like [{\"op\":\"replace\",\"path\":\"name\",\"value\":\"...\"}]: %v", err)
	}
	return ops, nil
}

// patchDocument applies ops to the JSON form of old (a record, or nil for
// an empty object) and returns the patched JSON. names are the fields a
// path may start with, spelled as the PSA spells them.
func patchDocument(old any, ops []patchOp, names map[string]bool, resource string) ([]byte, *apiError) {
	doc, _ := json.Marshal(old)
	var m map[string]any
	_ = json.Unmarshal(doc, &m)
	if m == nil {
		m = map[string]any{}
	}
	for _, op := range ops {
		if e := applyPatch(m, op, names, resource); e != nil {
			return nil, e
		}
	}
	patched, _ := json.Marshal(m)
	return patched, nil
}

// jsonNames lists a struct's JSON field names (case-sensitive, as the PSA
// matches patch paths).
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for field := range t.Fields() {
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// applyPatch applies one operation to the record's JSON object. Paths may
// start with "/" and descend into references ("status/id"); a nested
// change to a reference's name or identifier is accepted and then lost
// when the reference is resolved by id, which is the PSA's "false 200".
func applyPatch(m map[string]any, op patchOp, names map[string]bool, resource string) *apiError {
	path := strings.TrimPrefix(op.Path, "/")
	segs := strings.Split(path, "/")
	if path == "" || !names[segs[0]] {
		return invalid(resource, fieldError{Code: "InvalidField", Message: fmt.Sprintf("Cannot patch '%s': %s has no such field (paths are case-sensitive)", op.Path, resource), Field: op.Path})
	}
	if segs[0] == "id" || segs[0] == "_info" {
		return nil // read-only; the PSA ignores them
	}
	var value any
	switch strings.ToLower(op.Op) {
	case "add", "replace":
		if len(op.Value) == 0 {
			return badRequest("patch operation %s on %s needs a value", op.Op, op.Path)
		}
		if err := json.Unmarshal(op.Value, &value); err != nil {
			return badRequest("patch value for %s is not valid JSON: %v", op.Path, err)
		}
	case "remove":
	default:
		return badRequest("Patch operation '%s' is not supported; use add, replace or remove", op.Op)
	}
	container := m
	for _, seg := range segs[:len(segs)-1] {
		next, ok := container[seg].(map[string]any)
		if !ok {
			if op.Op == "remove" {
				return nil
			}
			next = map[string]any{}
			container[seg] = next
		}
		container = next
	}
	last := segs[len(segs)-1]
	if strings.EqualFold(op.Op, "remove") {
		delete(container, last)
		return nil
	}
	container[last] = value
	return nil
}

func (k *kind[T, P]) del(c *call) {
	c.s.mu.Lock()
	st := c.s.st
	r, e := k.lookup(c, st)
	if e == nil {
		if k.remove != nil {
			e = k.remove(c, st, r)
		} else {
			k.tab(st).remove(r.recID())
		}
		if e == nil {
			notifyCallbacks(c, st, k.resource, "deleted", r.recID(), r)
		}
	}
	c.s.mu.Unlock()
	if e != nil {
		writeError(c.w, e)
		return
	}
	writeEmpty(c.w, http.StatusNoContent)
}

// ops selects which endpoints routesFor registers.
type ops struct {
	create, search, update, delete bool
}

// routesFor registers the standard endpoints of a kind under base
// (segments; "#" marks the parent id of a nested resource).
func routesFor[T any, P stampedRecord[T]](k *kind[T, P], base string, o ops) []route {
	b := strings.Split(base, "/")
	with := func(extra ...string) []string { return append(append([]string(nil), b...), extra...) }
	rs := []route{
		{http.MethodGet, with(), k.perm, levelInquire, k.list(false)},
		{http.MethodGet, with("count"), k.perm, levelInquire, k.count},
		{http.MethodGet, with("#"), k.perm, levelInquire, k.get},
	}
	if o.create {
		rs = append(rs, route{http.MethodPost, with(), k.perm, levelAdd, k.create})
	}
	if o.search {
		rs = append(rs, route{http.MethodPost, with("search"), k.perm, levelInquire, k.list(true)})
	}
	if o.update {
		rs = append(rs,
			route{http.MethodPatch, with("#"), k.perm, levelEdit, k.patch},
			route{http.MethodPut, with("#"), k.perm, levelEdit, k.put})
	}
	if o.delete {
		rs = append(rs, route{http.MethodDelete, with("#"), k.perm, levelDelete, k.del})
	}
	return rs
}

func itoa(n int) string { return strconv.Itoa(n) }
