package psaspec_test

import (
	"slices"
	"testing"

	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
)

// TestSchemasMatchSpec compares every schema of the table with the spec
// file: the same property names, and the same maxLength, required flag,
// enum and reference for each.
func TestSchemasMatchSpec(t *testing.T) {
	type prop struct {
		Ref       string   `json:"$ref"`
		MaxLength int      `json:"maxLength"`
		Enum      []string `json:"enum"`
		Items     *prop    `json:"items"`
	}
	type schema struct {
		Properties map[string]prop `json:"properties"`
		Required   []string        `json:"required"`
		AllOf      []schema        `json:"allOf"`
	}
	var doc struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	decodeSpec(t, &doc)
	if got, want := len(psaspec.SchemaNames()), len(doc.Components.Schemas); got != want {
		t.Errorf("table has %d schemas, spec %d", got, want)
	}
	checked := 0
	for name, s := range doc.Components.Schemas {
		for _, part := range s.AllOf {
			for k, v := range part.Properties {
				if s.Properties == nil {
					s.Properties = map[string]prop{}
				}
				s.Properties[k] = v
			}
			s.Required = append(s.Required, part.Required...)
		}
		ts, ok := psaspec.LookupSchema(name)
		if !ok {
			t.Errorf("schema %s missing from the table", name)
			continue
		}
		if len(ts.Properties) != len(s.Properties) {
			t.Errorf("%s: %d properties in the table, %d in the spec", name, len(ts.Properties), len(s.Properties))
		}
		for pn, p := range s.Properties {
			tp, ok := ts.Property(pn)
			if !ok {
				t.Errorf("%s.%s missing from the table", name, pn)
				continue
			}
			ref := p.Ref
			if p.Items != nil && p.Items.Ref != "" {
				ref = p.Items.Ref
			}
			if ref != "" && "#/components/schemas/"+tp.Ref != ref {
				t.Errorf("%s.%s: ref %q, spec %q", name, pn, tp.Ref, ref)
			}
			if tp.MaxLength != p.MaxLength || tp.Required != slices.Contains(s.Required, pn) || !slices.Equal(tp.Enum, p.Enum) {
				t.Errorf("%s.%s: table %+v differs from spec %+v", name, pn, tp, p)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no property checked")
	}
	t.Logf("%d properties of %d schemas match", checked, len(doc.Components.Schemas))
}
