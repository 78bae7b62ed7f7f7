package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// models maps spec schemas to Go types in package cwmodel.
type models struct {
	s       *spec
	names   map[string]string // schema name -> Go type name
	taken   map[string]bool   // every top-level Go name in cwmodel
	enums   map[string]string // "Schema.prop" -> enum type name
	mapType map[string]bool   // schemas generated as map types
}

func newModels(s *spec) (*models, error) {
	m := &models{s: s, names: map[string]string{}, taken: map[string]bool{}, enums: map[string]string{}, mapType: map[string]bool{}}
	// Hand-written names in cwmodel.
	for _, n := range []string{"RecordInfo", "CustomFields"} {
		m.taken[n] = true
	}
	for _, n := range m.schemaNames() {
		g := exported(n)
		if m.taken[g] {
			return nil, fmt.Errorf("schema %s: Go name %s is taken", n, g)
		}
		m.taken[g] = true
		m.names[n] = g
		sc := s.Components.Schemas[n].flatten()
		if len(sc.Properties.Keys) == 0 && sc.additional() != nil {
			m.mapType[n] = true
		}
	}
	for _, n := range m.schemaNames() {
		sc := s.Components.Schemas[n].flatten()
		for _, p := range sc.Properties.Keys {
			ps := sc.Properties.M[p]
			if len(ps.Enum) == 0 {
				continue
			}
			e := m.names[n] + exported(p)
			for m.taken[e] {
				e += "Value"
			}
			m.taken[e] = true
			m.enums[n+"."+p] = e
		}
	}
	return m, nil
}

func (m *models) schemaNames() []string {
	return slices.Sorted(maps.Keys(m.s.Components.Schemas))
}

// valueType is the Go type of a value of s (no pointer for optionality);
// qual prefixes model names ("cwmodel." outside the package).
func (m *models) valueType(s *schema, owner, prop, qual string) string {
	if s == nil {
		return "any"
	}
	if r := s.refName(); r != "" {
		return qual + m.names[r]
	}
	switch s.Type {
	case "string":
		if e, ok := m.enums[owner+"."+prop]; ok && len(s.Enum) > 0 {
			return qual + e
		}
		if s.Format == "date-time" {
			return "time.Time"
		}
		return "string"
	case "integer":
		switch s.Format {
		case "int64":
			return "int64"
		case "int32":
			return "int32"
		}
		return "int"
	case "number":
		if s.Format == "double" || s.Format == "float" {
			return "float64"
		}
		// Unformatted numbers in the spec are ids (typeAssociationIds,
		// members...), TypeScript's number: ints on the wire.
		return "int"
	case "boolean":
		return "bool"
	case "array":
		return "[]" + m.valueType(s.Items, owner, prop, qual)
	case "object":
		if a := s.additional(); a != nil && (a.Type != "" || a.Ref != "") {
			return "map[string]" + m.valueType(a, owner, prop, qual)
		}
		return "any"
	}
	return "any"
}

// fieldType returns the field's Go type and its json tag option.
func (m *models) fieldType(s *schema, owner, prop string) (string, string) {
	switch {
	case prop == "_info":
		return "RecordInfo", "omitzero"
	case prop == "customFields" && s.Type == "array" && s.Items != nil && s.Items.refName() == "CustomFieldValue":
		return "CustomFields", "omitzero"
	case owner == "CustomFieldValue" && prop == "value":
		// The PSA replaces the whole customFields array on every write, so
		// each entry goes back with its value as read: null clears it.
		return "any", ""
	}
	t := m.valueType(s, owner, prop, "")
	switch {
	case strings.HasPrefix(t, "[]"), strings.HasPrefix(t, "map["):
		return t, "omitzero"
	case t == "any":
		return t, "omitempty"
	case s.refName() != "" && m.mapType[s.refName()]:
		return t, "omitzero"
	}
	return "*" + t, "omitempty"
}

func (m *models) generate(w *strings.Builder) {
	w.WriteString("package cwmodel\n\nimport \"time\"\n\n")
	for _, n := range m.schemaNames() {
		sc := m.s.Components.Schemas[n].flatten()
		g := m.names[n]
		if m.mapType[n] {
			fmt.Fprintf(w, "// %s is the PSA's %s object, a free-form map.\ntype %s %s\n\n", g, n, g, m.valueType(sc, n, "", ""))
			continue
		}
		fmt.Fprintf(w, "// %s is the PSA's %s object. Pointer fields are nil when the PSA did not\n// send them (or a fields= projection left them out) and are not sent when nil.\ntype %s struct {\n", g, n, g)
		required := map[string]bool{}
		for _, r := range sc.Required {
			required[r] = true
		}
		used := map[string]bool{}
		for _, p := range sc.Properties.Keys {
			ps := sc.Properties.M[p]
			f := exported(p)
			for used[f] {
				f += "_"
			}
			used[f] = true
			t, opt := m.fieldType(ps, n, p)
			if c := fieldComment(ps, required[p]); c != "" {
				fmt.Fprintf(w, "\t// %s %s\n", f, c)
			}
			tag := p
			if opt != "" {
				tag += "," + opt
			}
			// The spec's rules, checked by connectwise before a create or
			// a PUT is sent (see connectwise.Check).
			var rules []string
			if required[p] {
				rules = append(rules, "required")
			}
			if ps.RequiredOnUpdates {
				rules = append(rules, "update")
			}
			if ps.MaxLength > 0 && t == "*string" {
				rules = append(rules, fmt.Sprintf("max=%d", ps.MaxLength))
			}
			cw := ""
			if len(rules) > 0 {
				cw = " cw:" + strconv.Quote(strings.Join(rules, ","))
			}
			fmt.Fprintf(w, "\t%s %s `json:%s%s`\n", f, t, strconv.Quote(tag), cw)
		}
		w.WriteString("}\n\n")
	}
	// Enums.
	for _, k := range slices.Sorted(maps.Keys(m.enums)) {
		owner, prop, _ := strings.Cut(k, ".")
		// Schema names may contain dots; the property is after the last.
		if i := strings.LastIndex(k, "."); i >= 0 {
			owner, prop = k[:i], k[i+1:]
		}
		e := m.enums[k]
		ps := m.s.Components.Schemas[owner].flatten().Properties.M[prop]
		fmt.Fprintf(w, "// %s is the set of values of %s.%s.\ntype %s string\n\n", e, owner, prop, e)
		fmt.Fprintf(w, "// Values of %s.\nconst (\n", e)
		usedC := map[string]bool{}
		for _, v := range ps.Enum {
			c := e + exported(v)
			if strings.TrimSpace(v) == "" {
				c = e + "Empty"
			}
			for usedC[c] || m.taken[c] {
				c += "_"
			}
			usedC[c] = true
			fmt.Fprintf(w, "\t%s %s = %s\n", c, e, strconv.Quote(v))
		}
		w.WriteString(")\n\n")
	}
}

// fieldComment states what the spec says beyond the type.
func fieldComment(s *schema, required bool) string {
	var parts []string
	if required {
		parts = append(parts, "is required")
	}
	if s.MaxLength > 0 {
		parts = append(parts, fmt.Sprintf("has at most %d characters", s.MaxLength))
	}
	if s.RequiredOnUpdates {
		parts = append(parts, "is required on updates")
	}
	if s.PostOnly {
		parts = append(parts, "is only sent on create and never returned")
	}
	d := s.Description
	for _, known := range []string{"Required On Updates;", "Only available for POST, will not be returned in the response;", "Only available for POST, will not be returned in the response."} {
		d = strings.ReplaceAll(d, known, "")
	}
	d = strings.TrimSpace(d)
	for strings.HasPrefix(d, "Max length:") {
		_, d, _ = strings.Cut(d, ";")
		d = strings.TrimSpace(d)
	}
	if d != "" {
		d = strings.Join(strings.Fields(d), " ")
		parts = append(parts, "("+strings.TrimSuffix(d, ";")+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "."
}
