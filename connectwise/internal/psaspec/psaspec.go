// Package psaspec is the ConnectWise PSA OpenAPI spec as data, for the
// simulator (connectwise/cwtest) to serve every path and check every body
// the way the PSA does, and for tests that prove coverage of the spec.
//
// The spec itself is connectwise-psa-openapi.json.gz beside this file (see
// PROVENANCE.md); table_gen.go is generated from it by internal/psagen.
// Operations and Schemas decode that table once, on first use.
package psaspec

import (
	"encoding/json"
	"slices"
	"sync"
)

// Operation is one path and verb of the API.
type Operation struct {
	// Method is the HTTP method, upper case.
	Method string `json:"method"`
	// Path is the template under apis/3.0, with a leading slash and the
	// spec's parameter names: "/company/contacts/{parentId}/notes/{id}".
	// The two paths the spec truncated ("{memberIdentifier:regex(...") are
	// repaired to "{memberIdentifier}". A few paths end in "/", as in the
	// spec.
	Path string `json:"path"`
	// OperationID is the spec's name, unique: "getCompanyContacts".
	OperationID string `json:"operationId"`
	// Area is the first path segment: company, service, finance...
	Area string `json:"area"`
	// Status is the success status: 200, 201 (create) or 204 (no body).
	Status int `json:"status"`
	// Request names the body schema ("" when there is none);
	// RequestArray is true when the body is an array of it. PATCH bodies
	// are PatchOperation arrays.
	Request      string `json:"request,omitempty"`
	RequestArray bool   `json:"requestArray,omitempty"`
	// Response names the answer's schema (or "string" for downloads);
	// ResponseArray is true for lists.
	Response      string `json:"response,omitempty"`
	ResponseArray bool   `json:"responseArray,omitempty"`
	// Query lists the operation-specific query parameters beyond
	// conditions, childConditions, customFieldConditions, orderBy,
	// fields, page, pageSize and pageId (which every GET takes).
	Query []string `json:"query,omitempty"`
}

// Property is one property of a schema.
type Property struct {
	// Name is the JSON name, exactly as the PSA spells it.
	Name string `json:"name"`
	// Type is string, integer, number, boolean, object (a reference, see
	// Ref, or a map) or any. For arrays it is the element's type.
	Type string `json:"type"`
	// Format is int32, int64, double, date-time, date, uuid or "".
	Format string `json:"format,omitempty"`
	// Ref names the referenced schema ("CompanyReference").
	Ref string `json:"ref,omitempty"`
	// Array is true for an array of Type/Ref.
	Array bool `json:"array,omitempty"`
	// Enum lists the allowed values of a string.
	Enum []string `json:"enum,omitempty"`
	// Nullable, Required, RequiredOnUpdates (x-required-on-updates) and
	// PostOnly (x-post-only: accepted on create, never returned) are the
	// spec's flags.
	Nullable          bool `json:"nullable,omitempty"`
	Required          bool `json:"required,omitempty"`
	RequiredOnUpdates bool `json:"requiredOnUpdates,omitempty"`
	PostOnly          bool `json:"postOnly,omitempty"`
	// MaxLength is the maximum length of a string, 0 when unlimited.
	MaxLength int `json:"maxLength,omitempty"`
}

// Schema is one object of the API with its properties in the spec's order.
type Schema struct {
	Name       string     `json:"name"`
	Properties []Property `json:"properties"`
}

// Property returns the property named name (exact spelling), if any.
func (s *Schema) Property(name string) (Property, bool) {
	for _, p := range s.Properties {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

var load = sync.OnceValue(func() *decoded {
	var t struct {
		Operations []Operation `json:"operations"`
		Schemas    []Schema    `json:"schemas"`
	}
	if err := json.Unmarshal([]byte(table), &t); err != nil {
		panic("psaspec: generated table does not decode: " + err.Error())
	}
	d := &decoded{ops: t.Operations, schemas: map[string]*Schema{}}
	for i := range t.Schemas {
		d.schemas[t.Schemas[i].Name] = &t.Schemas[i]
	}
	return d
})

type decoded struct {
	ops     []Operation
	schemas map[string]*Schema
}

// Operations returns every operation, sorted by path then verb (GET, POST,
// PUT, PATCH, DELETE). The slice is shared: do not modify it.
func Operations() []Operation { return load().ops }

// LookupSchema returns the schema named name ("Ticket",
// "Company.Configuration").
func LookupSchema(name string) (*Schema, bool) {
	s, ok := load().schemas[name]
	return s, ok
}

// SchemaNames returns the names of every schema, sorted.
func SchemaNames() []string {
	out := make([]string, 0, len(load().schemas))
	for n := range load().schemas {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
