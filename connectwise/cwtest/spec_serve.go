package cwtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
)

// specRequest is one request the spec serves.
type specRequest struct {
	c    *call
	ix   *specIndex
	path *specPath
	op   *psaspec.Operation
	segs []string // the request's lower-case segments
}

// collection names the records a request works on: the first n segments.
type collection struct {
	path     string // concrete: "company/contacts/5/notes"
	template string // normalized: "company/contacts/{/notes"
	schema   *psaspec.Schema
	resource string
}

func (r *specRequest) collection(n int) (collection, bool) {
	tpl := normTemplate(r.path.segs[:n])
	name, ok := r.ix.schemaOf[tpl]
	if !ok {
		return collection{}, false
	}
	sc, ok := psaspec.LookupSchema(name)
	if !ok {
		return collection{}, false
	}
	return collection{path: strings.Join(r.segs[:n], "/"), template: tpl, schema: sc, resource: resourceName(name)}, true
}

func (r *specRequest) serve() {
	p, n := r.path, len(r.segs)
	last := p.segs[n-1]
	lit := func(i int, s string) bool { return i >= 0 && !p.param(i) && p.segs[i] == s }
	switch r.op.Method {
	case http.MethodGet, http.MethodHead:
		switch {
		case lit(n-1, "count") || (lit(n-1, "info") && lit(n-2, "count")):
			k := n - 1
			for k > 0 && (lit(k-1, "info") || lit(k-1, "count")) && k > n-3 {
				k--
			}
			r.count(k)
			return
		case r.op.ResponseArray:
			if lit(n-1, "info") {
				r.list(n-1, r.op.Response, false)
				return
			}
			r.list(n, "", false)
			return
		case p.param(n-1) && r.op.Response != "":
			r.getOne(n-1, "")
			return
		case lit(n-1, "info") && n >= 2 && p.param(n-2) && r.op.Response != "":
			r.getOne(n-2, r.op.Response)
			return
		case r.op.Response == "" || r.op.Response == "string":
			// Downloads (images, PDFs): the simulator has no files.
			r.c.w.Header().Set("Content-Type", "application/octet-stream")
			r.c.w.WriteHeader(http.StatusOK)
			return
		}
		r.singleton()
		return
	case http.MethodPost:
		if last == "search" && !p.param(n-1) && r.ix.listed[normTemplate(p.segs[:n-1])] {
			r.list(n-1, "", true)
			return
		}
		if r.ix.listed[normTemplate(p.segs)] && r.op.Request != "" && !r.op.RequestArray && (r.op.Status == http.StatusCreated || r.op.Request == r.op.Response) {
			r.create(n)
			return
		}
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		if r.op.Status == http.StatusMultiStatus {
			break // bulk operations
		}
		if p.param(n - 1) {
			if _, ok := r.collection(n - 1); ok {
				r.item(n - 1)
				return
			}
		}
		r.singleton()
		return
	}
	r.action()
}

// hand reports whether a hand-written route serves GET path, so reads of
// that collection go through it.
func (r *specRequest) hand(path string) bool {
	rt, _, e := r.c.s.route(http.MethodGet, path)
	return e == nil && rt != nil
}

// internalGet runs the hand-written GET route for path with query and
// returns its answer. The caller holds no lock.
func (r *specRequest) internalGet(path, rawQuery string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	rt, ids, e := r.c.s.route(http.MethodGet, path)
	if e == nil && rt.perm != "" {
		e = r.c.s.authorize(r.c.member, rt.perm, rt.level)
	}
	if e != nil {
		writeError(rec, e)
		return rec
	}
	req := r.c.r.Clone(r.c.r.Context())
	req.Method = http.MethodGet
	u := *req.URL
	u.Path = u.Path[:strings.Index(strings.ToLower(u.Path), "/apis/3.0/")+len("/apis/3.0/")] + path
	u.RawPath = ""
	u.RawQuery = rawQuery
	req.URL = &u
	req.Body = http.NoBody
	rt.fn(&call{s: r.c.s, w: rec, r: req, ids: ids, member: r.c.member})
	return rec
}

// relay copies a recorded answer to the client, projecting each object to
// tree when it is not nil (the /info forms of hand-written collections).
func (r *specRequest) relay(rec *httptest.ResponseRecorder, tree fieldTree) {
	if link := rec.Header().Get("Link"); link != "" {
		r.c.w.Header().Set("Link", link)
	}
	if tree == nil || rec.Code != http.StatusOK {
		writeBytes(r.c.w, rec.Code, rec.Body.Bytes())
		return
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		writeBytes(r.c.w, rec.Code, rec.Body.Bytes())
		return
	}
	writeJSON(r.c.w, rec.Code, prune(v, tree))
}

// parents checks that every record a path names before segment n exists,
// answering the PSA's 404 when one does not. The caller holds no lock.
func (r *specRequest) parents(n int) bool {
	for i := 0; i < n; i++ {
		if !r.path.param(i) {
			continue
		}
		id, err := strconv.Atoi(r.segs[i])
		if err != nil {
			continue // identifiers (memberIdentifier, reportName) are not checked
		}
		prefix := strings.Join(r.segs[:i+1], "/")
		if r.hand(prefix) {
			if rec := r.internalGet(prefix, ""); rec.Code == http.StatusNotFound {
				writeBytes(r.c.w, rec.Code, rec.Body.Bytes())
				return false
			}
			continue
		}
		pc, ok := r.collection(i)
		if !ok {
			continue
		}
		r.c.s.mu.RLock()
		found := r.c.s.st.specStoreOf().colls[pc.path].get(id) != nil
		r.c.s.mu.RUnlock()
		if !found {
			writeError(r.c.w, notFound(pc.resource, id))
			return false
		}
	}
	return true
}

// infoTree is the projection of an /info form (its schema's properties),
// or nil for the whole record.
func infoTree(infoSchema string) fieldTree {
	if infoSchema == "" {
		return nil
	}
	if sc, ok := psaspec.LookupSchema(infoSchema); ok {
		return schemaTree(sc)
	}
	return nil
}

// compile parses and compiles the list options of a request on the
// collection of the first n segments and checks its parents; false when
// it has answered already.
func (r *specRequest) compile(n int, col collection, search, counting bool) (*specQuery, bool) {
	p, e := parseListParams(r.c.r, search)
	if e == nil && counting {
		p.orderBy, p.forwardOnly = "", false
	}
	var q *specQuery
	if e == nil {
		q, e = compileSpec(p, col.schema, col.resource)
	}
	if e != nil {
		writeError(r.c.w, e)
		return nil, false
	}
	return q, r.parents(n)
}

func (r *specRequest) list(n int, infoSchema string, search bool) {
	tree := infoTree(infoSchema)
	base := strings.Join(r.segs[:n], "/")
	if r.hand(base) {
		r.relay(r.internalGet(base, r.c.r.URL.RawQuery), tree)
		return
	}
	col, ok := r.collection(n)
	if !ok {
		writeJSON(r.c.w, http.StatusOK, []any{})
		return
	}
	q, ok := r.compile(n, col, search, false)
	if !ok {
		return
	}
	r.c.s.mu.RLock()
	page := q.page(r.c, r.c.s.st.specStoreOf().colls[col.path].rowsOrNil())
	r.c.s.mu.RUnlock()
	writeRecords(r.c.w, http.StatusOK, page, requested(q.p.fields, tree))
}

func (r *specRequest) count(n int) {
	base := strings.Join(r.segs[:n], "/")
	if r.hand(base) {
		r.relay(r.internalGet(base+"/count", r.c.r.URL.RawQuery), nil)
		return
	}
	col, ok := r.collection(n)
	if !ok {
		writeJSON(r.c.w, http.StatusOK, map[string]int{"count": 0})
		return
	}
	q, ok := r.compile(n, col, false, true)
	if !ok {
		return
	}
	count := 0
	r.c.s.mu.RLock()
	for _, rec := range r.c.s.st.specStoreOf().colls[col.path].rowsOrNil() {
		if q.match(rec) {
			count++
		}
	}
	r.c.s.mu.RUnlock()
	writeJSON(r.c.w, http.StatusOK, map[string]int{"count": count})
}

func (r *specRequest) getOne(n int, infoSchema string) {
	tree := infoTree(infoSchema)
	item := strings.Join(r.segs[:n+1], "/")
	if r.hand(item) {
		r.relay(r.internalGet(item, r.c.r.URL.RawQuery), tree)
		return
	}
	col, ok := r.collection(n)
	id, err := strconv.Atoi(r.segs[n])
	if !ok || err != nil {
		r.singleton()
		return
	}
	if !r.parents(n) {
		return
	}
	r.c.s.mu.RLock()
	rec := r.c.s.st.specStoreOf().colls[col.path].get(id)
	r.c.s.mu.RUnlock()
	if rec == nil {
		writeError(r.c.w, notFound(col.resource, id))
		return
	}
	writeJSON(r.c.w, http.StatusOK, prune(rec, requested(queryValue(r.c.r.URL.Query(), "fields"), tree)))
}

// prepare turns a body into a record of col: converted, references
// resolved, rules checked. old is the stored version on an update.
func (r *specRequest) prepare(col collection, body map[string]any, old map[string]any, update bool) (map[string]any, *apiError) {
	var errs []fieldError
	rec := coerceObject(col.schema, body, "", &errs)
	if len(errs) == 0 {
		r.resolveRefs(col.schema, rec, &errs)
	}
	if len(errs) == 0 {
		checkRules(col.schema, rec, update, &errs)
	}
	if len(errs) > 0 {
		return nil, invalid(col.resource, errs...)
	}
	for _, p := range col.schema.Properties {
		if p.PostOnly {
			delete(rec, p.Name) // accepted, never returned
		}
	}
	return rec, nil
}

// resolveRefs fills in the names of references to records the simulator
// holds (a contact's company, a configuration's type) and refuses ids that
// do not exist, as the PSA does. References to collections the spec does
// not map one to one are kept as sent.
func (r *specRequest) resolveRefs(schema *psaspec.Schema, rec map[string]any, errs *[]fieldError) {
	for _, p := range schema.Properties {
		if p.Array || p.Ref == "" {
			continue
		}
		m, ok := rec[p.Name].(map[string]any)
		if !ok {
			continue
		}
		target := r.ix.refTarget[p.Ref]
		if target == "" {
			continue
		}
		title := strings.TrimSuffix(p.Ref, "Reference")
		var found map[string]any
		id, ok := m["id"].(int)
		switch {
		case ok && id > 0:
			if found = r.lookupRecord(target, id); found == nil {
				*errs = append(*errs, fieldError{Code: "NotFound", Message: title + " " + idText(id) + " not found", Field: p.Name + "/id"})
				continue
			}
		default:
			// Like the PSA, a reference may name its record instead.
			key, val := "identifier", stringOf(m["identifier"])
			if val == "" {
				key, val = "name", stringOf(m["name"])
			}
			if val == "" {
				continue
			}
			if found = r.findRecord(target, key, val); found == nil {
				*errs = append(*errs, fieldError{Code: "NotFound", Message: title + " '" + val + "' not found", Field: p.Name + "/" + key})
				continue
			}
			id = recordID(found)
		}
		ref := map[string]any{"id": id}
		refSchema, _ := psaspec.LookupSchema(p.Ref)
		for _, rp := range refSchema.Properties {
			switch rp.Name {
			case "id", "_info":
				continue
			case "name":
				if v, ok := found["name"]; ok {
					ref["name"] = v
				} else if fn, ok := found["firstName"].(string); ok {
					ref["name"] = strings.TrimSpace(fn + " " + stringOf(found["lastName"]))
				}
				continue
			}
			if v, ok := found[rp.Name]; ok && v != nil {
				if _, nested := v.(map[string]any); !nested {
					ref[rp.Name] = v
				}
			}
		}
		rec[p.Name] = ref
	}
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// findRecord finds the one record of the top-level collection at path
// whose key (identifier or name) is val, case-insensitively; nil when
// none or several match. The caller holds no lock.
func (r *specRequest) findRecord(path, key, val string) map[string]any {
	lower := strings.ToLower(path)
	var matches []map[string]any
	if r.hand(lower) {
		if strings.Contains(val, `"`) && strings.Contains(val, "'") {
			return nil
		}
		quoted := `"` + val + `"`
		if strings.Contains(val, `"`) {
			quoted = "'" + val + "'"
		}
		rec := r.internalGet(lower, url.Values{"conditions": {key + " = " + quoted}, "pageSize": {"2"}}.Encode())
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &matches) != nil {
			return nil
		}
	} else {
		r.c.s.mu.RLock()
		for _, rec := range r.c.s.st.specStoreOf().colls[lower].rowsOrNil() {
			have := stringOf(rec[key])
			if key == "name" && have == "" {
				have = strings.TrimSpace(stringOf(rec["firstName"]) + " " + stringOf(rec["lastName"]))
			}
			if strings.EqualFold(have, val) {
				matches = append(matches, rec)
			}
		}
		r.c.s.mu.RUnlock()
	}
	if len(matches) != 1 {
		return nil
	}
	return matches[0]
}

// lookupRecord reads record id of the top-level collection at path,
// through its hand-written route when it has one. The caller holds no lock.
func (r *specRequest) lookupRecord(path string, id int) map[string]any {
	lower := strings.ToLower(path)
	item := lower + "/" + idText(id)
	if r.hand(item) {
		rec := r.internalGet(item, "")
		if rec.Code != http.StatusOK {
			return nil
		}
		var m map[string]any
		if json.Unmarshal(rec.Body.Bytes(), &m) != nil {
			return nil
		}
		return m
	}
	r.c.s.mu.RLock()
	defer r.c.s.mu.RUnlock()
	return r.c.s.st.specStoreOf().colls[lower].get(id)
}

func (r *specRequest) create(n int) {
	col, ok := r.collection(n)
	if !ok {
		r.action()
		return
	}
	body, e := decodeSpecBody(r.c.r, col.resource)
	if e != nil {
		writeError(r.c.w, e)
		return
	}
	if !r.parents(n) {
		return
	}
	rec, e := r.prepare(col, body, nil, false)
	if e != nil {
		writeError(r.c.w, e)
		return
	}
	s := r.c.s
	s.mu.Lock()
	st := s.st
	rec["_info"] = infoBlock(nil, s.now(), r.c.member.Identifier)
	if errs := fillCustomFields(st, col.template, rec); len(errs) > 0 {
		s.mu.Unlock()
		writeError(r.c.w, invalid(col.resource, errs...))
		return
	}
	st.specStoreOf().insert(col.path, col.template, rec)
	notifySpec(r.c, st, col.template, "added", rec)
	s.mu.Unlock()
	status := r.op.Status // 201, or 200 for the few creates the spec says answer 200 (sales/orders)
	if status == 0 {
		status = http.StatusCreated
	}
	r.write(status, rec)
}

// write answers with one record, honouring ?fields=.
func (r *specRequest) write(status int, rec map[string]any) { writeRecord(r.c, status, rec) }

// item serves PUT, PATCH and DELETE on record segs[n] of the collection
// of the first n segments.
func (r *specRequest) item(n int) {
	col, _ := r.collection(n)
	id, err := strconv.Atoi(r.segs[n])
	if err != nil {
		writeError(r.c.w, notFound(col.resource, 0))
		return
	}
	if !r.parents(n) {
		return
	}
	s := r.c.s
	current := func() map[string]any {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.st.specStoreOf().colls[col.path].get(id)
	}
	old := current()
	if old == nil {
		writeError(r.c.w, notFound(col.resource, id))
		return
	}
	var body map[string]any
	switch r.op.Method {
	case http.MethodDelete:
		s.mu.Lock()
		st := s.st
		if st.specStoreOf().colls[col.path].remove(id) {
			notifySpec(r.c, st, col.template, "deleted", old)
		}
		s.mu.Unlock()
		writeEmpty(r.c.w, http.StatusNoContent)
		return
	case http.MethodPut:
		var e *apiError
		if body, e = decodeSpecBody(r.c.r, col.resource); e != nil {
			writeError(r.c.w, e)
			return
		}
	case http.MethodPatch:
		var e *apiError
		if body, e = specPatch(r.c.r, old, col.schema, col.resource); e != nil {
			writeError(r.c.w, e)
			return
		}
	}
	rec, e := r.prepare(col, body, old, true)
	if e != nil {
		writeError(r.c.w, e)
		return
	}
	s.mu.Lock()
	st := s.st
	cl := st.specStoreOf().colls[col.path]
	prev := cl.get(id)
	if prev == nil {
		s.mu.Unlock()
		writeError(r.c.w, notFound(col.resource, id))
		return
	}
	rec["id"] = id
	rec["_info"] = infoBlock(prev, s.now(), r.c.member.Identifier)
	if errs := fillCustomFields(st, col.template, rec); len(errs) > 0 {
		s.mu.Unlock()
		writeError(r.c.w, invalid(col.resource, errs...))
		return
	}
	cl.put(rec)
	notifySpec(r.c, st, col.template, "updated", rec)
	s.mu.Unlock()
	r.write(http.StatusOK, rec)
}

// specPatch reads a JSON Patch body and applies it to old, a generic
// record of schema (nil: no field may be patched), for prepare to check.
func specPatch(req *http.Request, old map[string]any, schema *psaspec.Schema, resource string) (map[string]any, *apiError) {
	ops, e := readPatch(req)
	if e != nil {
		return nil, e
	}
	names := map[string]bool{}
	if schema != nil {
		for _, p := range schema.Properties {
			names[p.Name] = true
		}
	}
	patched, e := patchDocument(old, ops, names, resource)
	if e != nil {
		return nil, e
	}
	return decodeSpecJSON(patched, resource)
}

// singleton serves objects that exist once per path (settings, a
// member's defaults): GET answers what was last PUT or PATCHed, or an
// empty object.
func (r *specRequest) singleton() {
	key := strings.Join(r.segs, "/")
	s := r.c.s
	schema, _ := psaspec.LookupSchema(r.op.Response)
	if schema == nil {
		schema, _ = psaspec.LookupSchema(r.op.Request)
	}
	resource := "object"
	if schema != nil {
		resource = resourceName(schema.Name)
	}
	switch r.op.Method {
	case http.MethodGet, http.MethodHead:
		s.mu.RLock()
		rec := s.st.specStoreOf().singles[key]
		s.mu.RUnlock()
		if rec == nil {
			rec = map[string]any{}
		}
		r.write(http.StatusOK, rec)
		return
	case http.MethodDelete:
		s.mu.Lock()
		delete(s.st.specStoreOf().singles, key)
		s.mu.Unlock()
		writeEmpty(r.c.w, http.StatusNoContent)
		return
	}
	var body map[string]any
	var e *apiError
	if r.op.Method == http.MethodPatch {
		s.mu.RLock()
		old := s.st.specStoreOf().singles[key]
		s.mu.RUnlock()
		body, e = specPatch(r.c.r, old, schema, resource)
	} else {
		body, e = decodeSpecBody(r.c.r, resource)
	}
	if e != nil {
		writeError(r.c.w, e)
		return
	}
	rec := body
	if schema != nil {
		var errs []fieldError
		rec = coerceObject(schema, body, "", &errs)
		if len(errs) > 0 {
			writeError(r.c.w, invalid(resource, errs...))
			return
		}
	}
	s.mu.Lock()
	s.st.specStoreOf().singles[key] = rec
	s.mu.Unlock()
	r.write(http.StatusOK, rec)
}

// action answers the spec's verbs that are not plain CRUD (merge, copy,
// convert, bulk...): the body is checked against its schema, nothing is
// changed, and the answer has the documented status and shape.
func (r *specRequest) action() {
	if r.op.Request != "" && !r.op.RequestArray {
		if schema, ok := psaspec.LookupSchema(r.op.Request); ok {
			body, e := decodeSpecBody(r.c.r, resourceName(r.op.Request))
			if e != nil {
				writeError(r.c.w, e)
				return
			}
			var errs []fieldError
			coerceObject(schema, body, "", &errs)
			if len(errs) > 0 {
				writeError(r.c.w, invalid(resourceName(r.op.Request), errs...))
				return
			}
		}
	}
	status := r.op.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case status == http.StatusNoContent || r.op.Response == "":
		writeEmpty(r.c.w, status)
	case r.op.ResponseArray:
		writeJSON(r.c.w, status, []any{})
	case r.op.Response == "SuccessResponse":
		writeJSON(r.c.w, status, map[string]any{"success": true})
	case r.op.Response == "Count":
		writeJSON(r.c.w, status, map[string]int{"count": 0})
	default:
		writeJSON(r.c.w, status, map[string]any{})
	}
}
