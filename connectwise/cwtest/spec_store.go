package cwtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
	"github.com/psabridge/psabridge/internal/psaquery"
)

// specStore holds the records of every generic collection. Server.mu
// guards it, as it guards the rest of state.
type specStore struct {
	colls   map[string]*specColl      // concrete lower-case path -> records
	nextID  map[string]int            // normalized template -> next id
	singles map[string]map[string]any // singleton objects by concrete path
}

// specColl keeps records sorted by id. Records are never changed in
// place: every change stores a new map, so encoders holding an old one
// stay consistent.
type specColl struct {
	rows []map[string]any
}

func newSpecStore() *specStore {
	return &specStore{colls: map[string]*specColl{}, nextID: map[string]int{}, singles: map[string]map[string]any{}}
}

// specStoreOf returns the state's generic store, creating it on first use.
// Caller holds the write lock, or the read lock when create is false.
func (st *state) specStoreOf() *specStore {
	if st.spec == nil {
		st.spec = newSpecStore()
	}
	return st.spec
}

func (s *specStore) coll(path string) *specColl {
	c := s.colls[path]
	if c == nil {
		c = &specColl{}
		s.colls[path] = c
	}
	return c
}

func (c *specColl) search(id int) (int, bool) {
	return slices.BinarySearchFunc(c.rows, id, func(r map[string]any, id int) int { return recordID(r) - id })
}

func (c *specColl) get(id int) map[string]any {
	if c == nil {
		return nil
	}
	if i, ok := c.search(id); ok {
		return c.rows[i]
	}
	return nil
}

func (c *specColl) put(r map[string]any) {
	i, ok := c.search(recordID(r))
	if ok {
		c.rows[i] = r
		return
	}
	c.rows = slices.Insert(c.rows, i, r)
}

func (c *specColl) remove(id int) bool {
	i, ok := c.search(id)
	if ok {
		c.rows = slices.Delete(c.rows, i, i+1)
	}
	return ok
}

// recordID reads a stored record's id.
func recordID(r map[string]any) int {
	switch v := r["id"].(type) {
	case int:
		return v
	case float64:
		return int(v)
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	}
	return 0
}

// insert stores a new record under path, assigning the next id of its
// template (ids are unique per table, as in the PSA's database).
func (s *specStore) insert(path, template string, r map[string]any) {
	id := s.nextID[template]
	if id == 0 {
		id = 1
	}
	if given := recordID(r); given >= id {
		id = given
	}
	r["id"] = id
	s.nextID[template] = id + 1
	s.coll(path).put(r)
}

// infoBlock is the _info of a record stored at now by who, keeping when
// and by whom an older version was entered.
func infoBlock(old map[string]any, now time.Time, who string) map[string]any {
	ts := now.UTC().Format(time.RFC3339)
	in := map[string]any{"lastUpdated": ts, "updatedBy": who, "dateEntered": ts, "enteredBy": who}
	if old != nil {
		if oi, ok := old["_info"].(map[string]any); ok {
			if v, ok := oi["dateEntered"]; ok {
				in["dateEntered"] = v
			}
			if v, ok := oi["enteredBy"]; ok {
				in["enteredBy"] = v
			}
		}
	}
	return in
}

// resourceName turns a schema name into the resource name the PSA's
// messages use: "Company.Configuration" -> "configuration".
func resourceName(schema string) string {
	if i := strings.LastIndexByte(schema, '.'); i >= 0 {
		schema = schema[i+1:]
	}
	if schema == "" {
		return "object"
	}
	return strings.ToLower(schema[:1]) + schema[1:]
}

// decodeSpecBody reads a JSON object body with numbers kept exact.
func decodeSpecBody(r *http.Request, resource string) (map[string]any, *apiError) {
	var raw json.RawMessage
	if e := decodeBody(r, resource, &raw); e != nil {
		return nil, e
	}
	return decodeSpecJSON(raw, resource)
}

func decodeSpecJSON(raw []byte, resource string) (map[string]any, *apiError) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, badRequest("The request body is not valid JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("The request body must be a %s object", resource)
	}
	return m, nil
}

// coerceObject converts a decoded body to schema: property names matched
// case-insensitively (as the PSA's JSON reader does) and stored with the
// spec's spelling, values converted to their types, unknown and read-only
// properties dropped. Type mismatches become field errors. prefix is ""
// for a record, whose id and _info are the server's, and "field/" for an
// embedded object, which keeps both (a reference's id is what it points
// at).
func coerceObject(schema *psaspec.Schema, in map[string]any, prefix string, errs *[]fieldError) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		prop, ok := propertyFold(schema, k)
		if !ok {
			continue
		}
		switch {
		case prop.Name == "_info":
			// Read-only on a record; an embedded reference keeps its own.
			if m, ok := v.(map[string]any); ok && prefix != "" {
				out["_info"] = m
			}
			continue
		case prop.Name == "id" && prefix == "":
			continue
		}
		if cv, ok := coerceValue(prop, v, prefix+prop.Name, errs); ok {
			out[prop.Name] = cv
		}
	}
	return out
}

func propertyFold(schema *psaspec.Schema, name string) (psaspec.Property, bool) {
	if p, ok := schema.Property(name); ok {
		return p, true
	}
	for _, p := range schema.Properties {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return psaspec.Property{}, false
}

// jsonKind names a decoded JSON value's type the way the PSA's messages do.
func jsonKind(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case json.Number, float64, int:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func typeMismatch(field, want string, v any) fieldError {
	return fieldError{Code: "InvalidField", Message: fmt.Sprintf("The field %s must be a %s, not a %s.", field, want, jsonKind(v)), Field: field}
}

func coerceValue(prop psaspec.Property, v any, field string, errs *[]fieldError) (any, bool) {
	if v == nil {
		return nil, true
	}
	if prop.Array {
		arr, ok := v.([]any)
		if !ok {
			*errs = append(*errs, typeMismatch(field, "array", v))
			return nil, false
		}
		elem := prop
		elem.Array = false
		out := make([]any, 0, len(arr))
		for _, x := range arr {
			if cx, ok := coerceValue(elem, x, field, errs); ok {
				out = append(out, cx)
			}
		}
		return out, true
	}
	switch prop.Type {
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			*errs = append(*errs, typeMismatch(field, "boolean", v))
			return nil, false
		}
		return b, true
	case "integer":
		n, ok := number(v)
		if !ok || n != float64(int64(n)) {
			*errs = append(*errs, typeMismatch(field, "integer", v))
			return nil, false
		}
		return int(n), true
	case "number":
		n, ok := number(v)
		if !ok {
			*errs = append(*errs, typeMismatch(field, "number", v))
			return nil, false
		}
		return n, true
	case "string":
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String() // the PSA's reader turns a number into its text
		default:
			*errs = append(*errs, typeMismatch(field, "string", v))
			return nil, false
		}
		if prop.Format == "date-time" && s != "" {
			t, ok := psaquery.ParseTime(s)
			if !ok {
				*errs = append(*errs, fieldError{Code: "InvalidField", Message: fmt.Sprintf("The field %s must be a date and time such as 2024-01-02T03:04:05Z, not '%s'.", field, s), Field: field})
				return nil, false
			}
			s = t.UTC().Truncate(time.Second).Format(time.RFC3339)
		}
		if len(prop.Enum) > 0 && s != "" {
			i := slices.IndexFunc(prop.Enum, func(e string) bool { return strings.EqualFold(e, s) })
			if i < 0 {
				*errs = append(*errs, fieldError{Code: "InvalidField", Message: fmt.Sprintf("The field %s must be one of %s, not '%s'.", field, strings.Join(prop.Enum, ", "), s), Field: field})
				return nil, false
			}
			s = prop.Enum[i]
		}
		return s, true
	case "object":
		if prop.Ref == "" {
			// A map (_info) or a value of any type (a custom field's
			// value): kept as sent.
			return normalizeJSON(v), true
		}
		m, ok := v.(map[string]any)
		if !ok {
			*errs = append(*errs, typeMismatch(field, "object", v))
			return nil, false
		}
		sub, ok := psaspec.LookupSchema(prop.Ref)
		if !ok {
			return m, true
		}
		return coerceObject(sub, m, field+"/", errs), true
	}
	return normalizeJSON(v), true
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

// normalizeJSON turns json.Number into float64 in values kept untyped.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalizeJSON(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeJSON(e)
		}
		return out
	}
	return v
}

// checkRules applies the spec's required fields (and, on a PUT or PATCH,
// those required on updates) and maximum lengths, counted in UTF-16 code
// units as .NET counts a string's Length.
func checkRules(schema *psaspec.Schema, rec map[string]any, update bool, errs *[]fieldError) {
	for _, p := range schema.Properties {
		v, present := rec[p.Name]
		if p.Required || (update && p.RequiredOnUpdates) {
			if !present || v == nil || v == "" {
				*errs = append(*errs, required(p.Name))
				continue
			}
		}
		if s, ok := v.(string); ok && p.MaxLength > 0 {
			if n := len(utf16.Encode([]rune(s))); n > p.MaxLength {
				*errs = append(*errs, fieldError{Code: "MaxLengthField", Message: fmt.Sprintf("The field %s must be a string with a maximum length of %d.", p.Name, p.MaxLength), Field: p.Name})
			}
		}
	}
}

// idText formats an id for messages and paths.
func idText(id int) string { return strconv.Itoa(id) }
