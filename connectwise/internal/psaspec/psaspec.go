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
	"maps"
	"slices"
	"sync"

	"github.com/psabridge/psabridge/internal/psagen/psatable"
)

// Operation is one path and verb of the API (see psatable.Operation).
type Operation = psatable.Operation

// Property is one property of a schema (see psatable.Property).
type Property = psatable.Property

// Schema is one object of the API with its properties in the spec's order
// (see psatable.Schema).
type Schema = psatable.Schema

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
	return slices.Sorted(maps.Keys(load().schemas))
}
