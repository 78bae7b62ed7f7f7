package cwtest

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
	"github.com/psabridge/psabridge/internal/psaquery"
)

// specQuery is a list request's options compiled against a schema.
type specQuery struct {
	p        listParams
	expr     *psaquery.Expr
	paths    map[string][]string // condition field (lower case) -> canonical path
	child    *elementCond[[]string]
	childArr string // the array childConditions walk
	custom   *elementCond[[]string]
	order    ordering[[]string]
}

// infoAliases are the condition and orderBy names the PSA accepts for the
// _info block's audit fields on objects that have no such property.
var infoAliases = map[string]string{"lastupdated": "lastUpdated", "dateentered": "dateEntered", "updatedby": "updatedBy", "enteredby": "enteredBy"}

// fieldPath resolves a condition field ("contact/name", "LASTUPDATED",
// "_info/lastUpdated") against schema to the record's canonical path and
// the property it names (Type "" for _info members, whose type is text or
// a time).
func fieldPath(schema *psaspec.Schema, field string) ([]string, psaspec.Property, bool) {
	segs := strings.Split(strings.TrimSpace(field), "/")
	var out []string
	cur := schema
	for i, seg := range segs {
		if cur == nil {
			return nil, psaspec.Property{}, false
		}
		if strings.EqualFold(seg, "_info") {
			if i != len(segs)-2 {
				return nil, psaspec.Property{}, false
			}
			return append(out, "_info", segs[i+1]), psaspec.Property{Name: segs[i+1]}, true
		}
		p, ok := propertyFold(cur, seg)
		if !ok {
			if alias, ok := infoAliases[strings.ToLower(seg)]; ok && i == len(segs)-1 {
				return append(out, "_info", alias), psaspec.Property{Name: alias, Type: "string", Format: aliasFormat(alias)}, true
			}
			return nil, psaspec.Property{}, false
		}
		out = append(out, p.Name)
		if i == len(segs)-1 {
			return out, p, !p.Array
		}
		if p.Array || p.Type != "object" {
			return nil, psaspec.Property{}, false
		}
		if p.Ref == "" {
			// A map such as a reference's _info: any key.
			return append(out, segs[i+1:]...), psaspec.Property{}, i+1 == len(segs)-1
		}
		cur, _ = psaspec.LookupSchema(p.Ref)
	}
	return nil, psaspec.Property{}, false
}

func aliasFormat(name string) string {
	if name == "lastUpdated" || name == "dateEntered" {
		return "date-time"
	}
	return ""
}

// conditionTypeError is the PSA's answer to a literal of the wrong type,
// worded as the PSA words it.
func conditionTypeError(resource, field, want string, got psaquery.Kind) *apiError {
	kinds := map[psaquery.Kind]string{psaquery.String: "string", psaquery.Number: "numeric", psaquery.Bool: "boolean", psaquery.DateTime: "datetime", psaquery.Null: "null"}
	msg := fmt.Sprintf("Expected a %s value, not a %s. String values should be enclosed with double or single quotes; DateTime values should be enclosed in square brackets; numbers should consist of only digits, and optionally a decimal point and a negation sign; boolean values should be indicated with the keywords true or false; null values should be indicated by the keyword null.", want, kinds[got])
	return &apiError{status: http.StatusBadRequest, Code: "InvalidObject", Message: msg,
		Errors: []fieldError{{Code: "InvalidConditions", Message: msg, Resource: resource, Field: field}}}
}

// checkLiteral checks a comparison's literals against the field's type as
// the PSA does: booleans, numbers and dates want their own literal kind
// (or null). Text fields accept any literal.
func checkLiteral(resource string, prop psaspec.Property, c psaquery.Comparison) *apiError {
	var want string
	var ok func(psaquery.Kind) bool
	switch {
	case prop.Type == "boolean":
		want, ok = "boolean", func(k psaquery.Kind) bool { return k == psaquery.Bool }
	case prop.Type == "integer" || prop.Type == "number":
		want, ok = "numeric", func(k psaquery.Kind) bool { return k == psaquery.Number }
	case prop.Format == "date-time":
		want, ok = "datetime", func(k psaquery.Kind) bool { return k == psaquery.DateTime }
	default:
		return nil
	}
	if c.Op == psaquery.OpLike || c.Op == psaquery.OpNotLike || c.Op == psaquery.OpContains || c.Op == psaquery.OpNotContains {
		return nil // text patterns over any column
	}
	vals := c.Values
	if len(vals) == 0 {
		vals = []psaquery.Value{c.Value}
	}
	for _, v := range vals {
		if v.Kind != psaquery.Null && !ok(v.Kind) {
			return conditionTypeError(resource, c.Field, want, v.Kind)
		}
	}
	return nil
}

func conditionsError(resource, param string, err error) *apiError {
	return &apiError{status: http.StatusBadRequest, Code: "InvalidObject", Message: param + ": " + err.Error(),
		Errors: []fieldError{{Code: "InvalidConditions", Message: err.Error(), Resource: resource, Field: param}}}
}

// compileSpec parses a list's options for records of schema.
func compileSpec(p listParams, schema *psaspec.Schema, resource string) (*specQuery, *apiError) {
	q := &specQuery{p: p, paths: map[string][]string{}}
	if strings.TrimSpace(p.conditions) != "" {
		e, err := psaquery.Parse(p.conditions)
		if err != nil {
			return nil, conditionsError(resource, "conditions", err)
		}
		for _, c := range e.Comparisons() {
			path, prop, ok := fieldPath(schema, c.Field)
			if !ok {
				return nil, unknownField(resource, c.Field, "conditions")
			}
			if e := checkLiteral(resource, prop, c); e != nil {
				return nil, e
			}
			q.paths[strings.ToLower(c.Field)] = path
		}
		q.expr = e
	}
	var e *apiError
	// childConditions name "array/field": every field must walk the same
	// array, whose elements are read by path.
	q.child, e = parseElementCond(resource, "childConditions", p.childConditions, func(f string) ([]string, bool) {
		arr, rest, _ := strings.Cut(f, "/")
		prop, ok := propertyFold(schema, arr)
		if !ok || !prop.Array || rest == "" || (q.childArr != "" && q.childArr != prop.Name) {
			return nil, false
		}
		q.childArr = prop.Name
		if sub, ok := psaspec.LookupSchema(prop.Ref); ok {
			path, _, ok := fieldPath(sub, rest)
			return path, ok
		}
		return strings.Split(rest, "/"), true
	})
	if e != nil {
		return nil, e
	}
	q.custom, e = parseElementCond(resource, "customFieldConditions", p.customFields, func(f string) ([]string, bool) {
		return []string{f}, true
	})
	if e != nil {
		return nil, e
	}
	q.order, e = parseOrdering(p, resource, func(f string) ([]string, bool) {
		path, _, ok := fieldPath(schema, f)
		return path, ok
	})
	if e != nil {
		return nil, e
	}
	return q, nil
}

// lookupPath reads a canonical path from a record; keys below the first
// level are matched case-insensitively (references' _info and maps).
func lookupPath(v any, path []string) any {
	for _, seg := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		x, ok := m[seg]
		if !ok {
			for k, e := range m {
				if strings.EqualFold(k, seg) {
					x, ok = e, true
					break
				}
			}
		}
		if !ok {
			return nil
		}
		v = x
	}
	if s, ok := v.(string); ok && s == "" {
		return nil // the PSA stores empty text as NULL
	}
	return v
}

func (q *specQuery) match(rec map[string]any) bool {
	if q.expr != nil && !q.expr.Eval(func(f string) (any, bool) {
		return lookupPath(rec, q.paths[strings.ToLower(f)]), true
	}) {
		return false
	}
	if q.child != nil && !q.child.any(mapElements(rec[q.childArr])) {
		return false
	}
	return q.custom == nil || q.custom.any(mapElements(rec["customFields"]))
}

// mapElements returns the length of a generic record's array and a
// reader of its elements' fields.
func mapElements(arr any) (int, func(int, []string) any) {
	list, _ := arr.([]any)
	return len(list), func(i int, path []string) any { return lookupPath(list[i], path) }
}

// page selects one page of rows (id-sorted) with either paging style and
// sets the Link header as the hand-written routes do (writeLinks: the empty
// Link on the last forward-only page, WithoutForwardOnly, raw commas).
// Caller holds the read lock.
func (q *specQuery) page(c *call, rows []map[string]any) []map[string]any {
	p, noLinks := c.s.pagingQuirks(c, q.p)
	out, links := pageRows(c, p, rows, recordID, q.match, func(rs []map[string]any) {
		sortRows(rs, q.order, func(r map[string]any, path []string) any { return lookupPath(r, path) })
	})
	c.s.writeLinks(c, p, links, noLinks)
	return out
}

// schemaTree is a fields tree naming a schema's properties: the /info
// lists answer with the Info schema's subset of each record.
func schemaTree(schema *psaspec.Schema) fieldTree {
	t := fieldTree{}
	for _, p := range schema.Properties {
		t[strings.ToLower(p.Name)] = nil
	}
	return t
}

// resolveOrAlias is resolve for the hand-written records, also accepting
// the _info aliases the PSA accepts (lastUpdated > [..] on tickets).
func resolveOrAlias(t reflect.Type, field string) *accessor {
	if a := resolve(t, field); a != nil {
		return a
	}
	if alias, ok := infoAliases[strings.ToLower(strings.TrimSpace(field))]; ok {
		return resolve(t, "_info/"+alias)
	}
	return nil
}
