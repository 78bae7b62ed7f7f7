package cwtest

import (
	"net/http"
	"strings"
	"sync"

	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
)

// This file and the other spec*.go files serve every path of the PSA's
// OpenAPI spec (connectwise/internal/psaspec) that no hand-written route
// in resources.go models: generic collections of JSON records, one per
// collection path (sub-resources keyed by their parents' ids), with the
// spec's types, required fields and maximum lengths checked as the PSA
// checks them, and conditions, childConditions, customFieldConditions,
// orderBy, fields, both paging styles, /count, /info and /search.
// Hand-written routes always win: the fallback only sees paths they do
// not know.

func init() { fallback = serveSpec }

// specPath is one path template of the spec with its operations.
type specPath struct {
	template string   // "/company/contacts/{parentId}/notes", trailing slash trimmed
	segs     []string // lower case; a parameter is "{" or "prefix{"
	ops      map[string]*psaspec.Operation
}

// param reports whether segment i is a path parameter.
func (p *specPath) param(i int) bool { return strings.HasSuffix(p.segs[i], "{") }

func (p *specPath) matches(segs []string) bool {
	if len(segs) != len(p.segs) {
		return false
	}
	for i, s := range p.segs {
		if p.param(i) {
			prefix := strings.TrimSuffix(s, "{")
			if len(segs[i]) <= len(prefix) || !strings.HasPrefix(segs[i], prefix) {
				return false
			}
			continue
		}
		if s != segs[i] {
			return false
		}
	}
	return true
}

// moreSpecific reports whether p should win over q for the same request:
// at the first segment where one is literal and the other a parameter,
// the literal wins ("contacts/default" over "contacts/{id}").
func (p *specPath) moreSpecific(q *specPath) bool {
	for i := range p.segs {
		if a, b := p.param(i), q.param(i); a != b {
			return !a
		}
	}
	return false
}

// specIndex is the spec arranged for serving.
type specIndex struct {
	byLen map[int][]*specPath
	// schemaOf maps a collection's normalized template ("company/contacts/{/notes")
	// to the schema of its records.
	schemaOf map[string]string
	// listed holds the normalized templates that have a GET list.
	listed map[string]bool
	// refTarget maps a reference schema ("CompanyReference") to the
	// top-level collection path holding what it references
	// ("company/companies").
	refTarget map[string]string
}

var loadSpecIndex = sync.OnceValue(func() *specIndex {
	ix := &specIndex{byLen: map[int][]*specPath{}, schemaOf: map[string]string{}, listed: map[string]bool{}, refTarget: map[string]string{}}
	paths := map[string]*specPath{}
	var order []*specPath
	for i := range psaspec.Operations() {
		op := &psaspec.Operations()[i]
		tpl := strings.TrimSuffix(op.Path, "/")
		key := strings.ToLower(tpl)
		p := paths[key]
		if p == nil {
			p = &specPath{template: tpl, ops: map[string]*psaspec.Operation{}}
			for _, s := range strings.Split(strings.Trim(tpl, "/"), "/") {
				if i := strings.IndexByte(s, '{'); i >= 0 {
					s = s[:i+1]
				}
				p.segs = append(p.segs, strings.ToLower(s))
			}
			paths[key] = p
			order = append(order, p)
		}
		if p.ops[op.Method] == nil {
			p.ops[op.Method] = op
		}
	}
	// Record schemas, most telling first: a single GET, then a list, then
	// a create's body.
	itemSchema := map[string]string{}
	listSchema := map[string]string{}
	postSchema := map[string]string{}
	byTarget := map[string][]string{}
	for _, p := range order {
		ix.byLen[len(p.segs)] = append(ix.byLen[len(p.segs)], p)
		n := len(p.segs)
		if g := p.ops[http.MethodGet]; g != nil && g.Response != "" {
			switch {
			case g.ResponseArray && p.segs[n-1] != "info":
				base := normTemplate(p.segs)
				listSchema[base] = g.Response
				ix.listed[base] = true
				if !strings.Contains(base, "{") {
					byTarget[g.Response] = append(byTarget[g.Response], strings.Trim(p.template, "/"))
				}
			case !g.ResponseArray && p.param(n-1):
				itemSchema[normTemplate(p.segs[:n-1])] = g.Response
			}
		}
		if po := p.ops[http.MethodPost]; po != nil && po.Request != "" && !po.RequestArray {
			postSchema[normTemplate(p.segs)] = po.Request
		}
	}
	for _, m := range []map[string]string{postSchema, listSchema, itemSchema} {
		for k, v := range m {
			ix.schemaOf[k] = v
		}
	}
	for schema, targets := range byTarget {
		if len(targets) == 1 {
			ix.refTarget[schema+"Reference"] = targets[0]
		}
	}
	return ix
})

// normTemplate joins template segments into a collection's key form.
func normTemplate(segs []string) string { return strings.Join(segs, "/") }

// match finds the template serving a request path (lower-case segments).
func (ix *specIndex) match(segs []string) *specPath {
	var best *specPath
	for _, p := range ix.byLen[len(segs)] {
		if p.matches(segs) && (best == nil || p.moreSpecific(best)) {
			best = p
		}
	}
	return best
}

// serveSpec is the fallback: it serves rest (the lower-cased path after
// apis/3.0/) when the spec has it.
func serveSpec(c *call, rest string) bool {
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	ix := loadSpecIndex()
	p := ix.match(segs)
	if p == nil {
		return false
	}
	method := c.r.Method
	op := p.ops[method]
	if op == nil && method == http.MethodHead {
		op = p.ops[http.MethodGet]
	}
	if op == nil {
		writeError(c.w, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", method))
		return true
	}
	function, lv := specPermission(method, segs)
	if e := c.s.authorize(c.member, function, lv); e != nil {
		writeError(c.w, e)
		return true
	}
	r := &specRequest{c: c, ix: ix, path: p, op: op, segs: segs}
	r.serve()
	return true
}
