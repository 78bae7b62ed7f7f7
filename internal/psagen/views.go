package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// generateViews checks the core table (views_table.go) against the spec
// and writes the core package's services, its view models and the test
// that every generated method sends its operation.
func generateViews(s *spec, out, header string) error {
	if err := checkViews(s, coreServices, views); err != nil {
		return err
	}
	for name, src := range map[string]string{
		"services_gen.go":      emitCoreServices(s, coreServices),
		"views_gen.go":         emitViews(views),
		"services_gen_test.go": emitCoreTest(s, coreServices),
	} {
		if err := writeGo(filepath.Join(out, name), header+src); err != nil {
			return err
		}
	}
	return nil
}

// kinds maps a method kind to the verb and response shape it needs.
var kinds = map[string]struct {
	verb  string
	array bool // the response is an array of the model
	none  bool // the response carries no model
}{
	"list": {"get", true, false}, "all": {"get", true, false}, "get": {"get", false, false},
	"count": {"get", false, true}, "create": {"post", false, false}, "patch": {"patch", false, false},
	"delete": {"delete", false, true},
}

// findOp returns the operation verb on path, matching the path ignoring
// case as the PSA routes it.
func findOp(s *spec, verb, path string) *op {
	for _, o := range s.sortedOps() {
		if o.Verb == verb && strings.EqualFold(o.Wire, path) {
			return o
		}
	}
	return nil
}

// checkViews returns the first entry of the tables that the spec does not
// support, naming it.
func checkViews(s *spec, svcs []coreService, vs []view) error {
	byName := map[string]view{}
	for _, v := range vs {
		if err := checkView(s, v); err != nil {
			return err
		}
		byName[v.Name] = v
	}
	for _, svc := range svcs {
		for _, mt := range svc.Methods {
			where := svc.Name + "." + mt.Name
			k, ok := kinds[mt.Kind]
			switch {
			case !ok:
				return fmt.Errorf("views: %s: unknown kind %q", where, mt.Kind)
			case k.verb != mt.Verb:
				return fmt.Errorf("views: %s: a %s sends %s, not %s", where, mt.Kind, strings.ToUpper(k.verb), strings.ToUpper(mt.Verb))
			}
			o := findOp(s, mt.Verb, mt.Path)
			if o == nil {
				return fmt.Errorf("views: %s: the spec has no %s %s", where, strings.ToUpper(mt.Verb), mt.Path)
			}
			for _, seg := range strings.Split(mt.Path, "/") {
				if strings.HasPrefix(seg, "{") && seg != "{id}" && seg != "{parentId}" {
					return fmt.Errorf("views: %s: path parameter %s is neither {id} nor {parentId}", where, seg)
				}
			}
			if (mt.Parent != "") != strings.Contains(mt.Path, "{parentId}") {
				return fmt.Errorf("views: %s: Parent names the {parentId} argument, and only it", where)
			}
			if mt.Kind == "count" && !strings.HasSuffix(mt.Path, "/count") {
				return fmt.Errorf("views: %s: a count goes to a /count path", where)
			}
			if k.none {
				continue
			}
			v, ok := byName[mt.Model]
			if !ok {
				return fmt.Errorf("views: %s: no view %q", where, mt.Model)
			}
			sc := o.Resp
			if mt.Kind == "create" || mt.Kind == "patch" {
				if o.Body == nil || (mt.Kind == "create" && o.Body.refName() != v.Schema) {
					return fmt.Errorf("views: %s: the spec's %s %s takes no %s body", where, strings.ToUpper(mt.Verb), o.Wire, v.Schema)
				}
			}
			got, array := "", false
			if sc != nil {
				got, array = schemaRef(sc)
			}
			if got != v.Schema || array != k.array {
				return fmt.Errorf("views: %s: the spec's %s %s answers %s (array %v), not the %s view of %s", where, strings.ToUpper(mt.Verb), o.Wire, got, array, v.Name, v.Schema)
			}
		}
	}
	return nil
}

// checkView checks one view's properties against its schema.
func checkView(s *spec, v view) error {
	sc, ok := s.Components.Schemas[v.Schema]
	if !ok {
		return fmt.Errorf("views: %s: the spec has no schema %s", v.Name, v.Schema)
	}
	sc = sc.flatten()
	for _, f := range v.Fields {
		where := v.Name + "." + f.Go
		ps, ok := sc.Properties.M[f.JSON]
		switch {
		case f.Beyond != "" && ok:
			return fmt.Errorf("views: %s: %s %q is in the spec now: drop Beyond", where, v.Schema, f.JSON)
		case f.Beyond != "":
			continue
		case !ok:
			return fmt.Errorf("views: %s: schema %s has no property %q", where, v.Schema, f.JSON)
		}
		exact, kind := typeMatch(f, ps)
		switch {
		case !kind:
			return fmt.Errorf("views: %s: Go type %s does not hold %s.%s (%s)", where, f.Type, v.Schema, f.JSON, describeSchema(ps))
		case !exact && f.Loose == "":
			return fmt.Errorf("views: %s: Go type %s differs from %s.%s (%s): say why in Loose", where, f.Type, v.Schema, f.JSON, describeSchema(ps))
		case exact && f.Loose != "":
			return fmt.Errorf("views: %s: Go type %s matches %s.%s: drop Loose", where, f.Type, v.Schema, f.JSON)
		}
	}
	return nil
}

func describeSchema(ps *schema) string {
	switch {
	case ps.refName() != "":
		return ps.refName()
	case ps.Type == "array" && ps.Items != nil:
		return "array of " + describeSchema(ps.Items)
	case ps.Format != "":
		return ps.Type + "/" + ps.Format
	}
	return ps.Type
}

// typeMatch says whether the Go type of f is the spec's type of ps
// (exact) or at least holds the same JSON kind (kind).
func typeMatch(f viewField, ps *schema) (exact, kind bool) {
	isRef := strings.HasSuffix(ps.refName(), "Reference")
	var items *schema
	if ps.Type == "array" {
		items = ps.Items
	}
	switch f.Type {
	case "int":
		return ps.Type == "integer", ps.Type == "integer" || ps.Type == "number"
	case "float64":
		return ps.Type == "number", ps.Type == "number"
	case "bool":
		return ps.Type == "boolean", ps.Type == "boolean"
	case "string":
		ok := ps.Type == "string" && ps.Format != "date-time"
		return ok, ok
	case "Level":
		ok := ps.Type == "string" && slices.Equal(ps.Enum, []string{"None", "My", "All"})
		return ok, ok
	case "time.Time":
		return ps.Type == "string" && ps.Format == "date-time", ps.Type == "string"
	case "Ref":
		return isRef, isRef
	case "[]Ref":
		ok := items != nil && strings.HasSuffix(items.refName(), "Reference")
		return ok, ok
	case "[]int":
		return items != nil && items.Type == "integer", items != nil && (items.Type == "integer" || items.Type == "number")
	case "*Info":
		ok := f.JSON == "_info" && ps.Type == "object"
		return ok, ok
	}
	return false, false
}

// pathOf builds the Go expression of a core method's wire path, relative
// to apis/3.0/.
func pathOf(mt coreMethod) string {
	p := strings.TrimPrefix(mt.Path, "/")
	if mt.Kind == "count" {
		p = strings.TrimSuffix(p, "/count") // count() adds it
	}
	p = strconvQuote(p)
	p = strings.ReplaceAll(p, "{parentId}", `" + itoa(`+mt.Parent+`) + "`)
	p = strings.ReplaceAll(p, "{id}", `" + itoa(id) + "`)
	return strings.TrimSuffix(p, ` + ""`)
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// params are a core method's Go parameters after ctx.
func params(mt coreMethod) (decl string, args []string) {
	var ps []string
	if mt.Parent != "" {
		ps = append(ps, mt.Parent)
	}
	if strings.Contains(mt.Path, "{id}") {
		ps = append(ps, "id")
	}
	if len(ps) > 0 {
		decl = ", " + strings.Join(ps, ", ") + " int"
	}
	return decl, ps
}

func docComment(w *strings.Builder, name, doc string) {
	for i, line := range strings.Split(doc, "\n") {
		if i == 0 {
			line = name + " " + line
		}
		fmt.Fprintf(w, "// %s\n", line)
	}
}

func emitCoreServices(s *spec, svcs []coreService) string {
	var w strings.Builder
	w.WriteString("package connectwise\n\n// The core services, generated from internal/psagen/views_table.go:\n// each method is one call into the request layer (pagination.go).\n// Helpers that are more than one call live beside them by hand.\n\n")
	w.WriteString("import (\n\t\"context\"\n\t\"iter\"\n)\n")
	for _, svc := range svcs {
		w.WriteString("\n")
		docComment(&w, svc.Name, svc.Doc)
		fmt.Fprintf(&w, "type %s service\n", svc.Name)
		for _, mt := range svc.Methods {
			decl, _ := params(mt)
			path := pathOf(mt)
			searchable := findOp(s, "post", mt.Path+"/search") != nil
			w.WriteString("\n")
			docComment(&w, mt.Name, mt.Doc)
			fmt.Fprintf(&w, "//\n// It sends %s %s.\n", strings.ToUpper(mt.Verb), mt.Path)
			recv := "func (s *" + svc.Name + ") " + mt.Name + "(ctx context.Context" + decl
			switch mt.Kind {
			case "list":
				fmt.Fprintf(&w, "%s, opts *ListOptions) ([]%s, *Response, error) {\n\treturn list[%[2]s](ctx, s.client, %s, %v, opts)\n}\n", recv, mt.Model, path, searchable)
			case "all":
				fmt.Fprintf(&w, "%s, opts *ListOptions) iter.Seq2[%s, error] {\n\treturn all[%[2]s](ctx, s.client, %s, %v, opts)\n}\n", recv, mt.Model, path, searchable)
			case "get":
				fmt.Fprintf(&w, "%s) (*%s, *Response, error) {\n\treturn get[%[2]s](ctx, s.client, %s)\n}\n", recv, mt.Model, path)
			case "count":
				fmt.Fprintf(&w, "%s, cond Conditions) (int, *Response, error) {\n\treturn count(ctx, s.client, %s, cond)\n}\n", recv, path)
			case "create":
				fmt.Fprintf(&w, "%s, v *%s) (*%[2]s, *Response, error) {\n", recv, mt.Model)
				if mt.Check != "" {
					fmt.Fprintf(&w, "\tif err := v.%s(); err != nil {\n\t\treturn nil, nil, err\n\t}\n", mt.Check)
				}
				fmt.Fprintf(&w, "\treturn create(ctx, s.client, %s, v)\n}\n", path)
			case "patch":
				fmt.Fprintf(&w, "%s, ops ...PatchOp) (*%s, *Response, error) {\n\treturn patch[%[2]s](ctx, s.client, %s, ops)\n}\n", recv, mt.Model, path)
			case "delete":
				fmt.Fprintf(&w, "%s) (*Response, error) {\n\treturn remove(ctx, s.client, %s)\n}\n", recv, path)
			}
		}
	}
	return w.String()
}

func emitViews(vs []view) string {
	var w strings.Builder
	w.WriteString("package connectwise\n\n// The core package's narrow models: each is a view of a spec schema\n// with the properties the core services use, as value types (a zero\n// value is not sent). The full models are in connectwise/cwmodel.\n// Generated from internal/psagen/views_table.go.\n\n")
	for _, v := range vs {
		if slices.ContainsFunc(v.Fields, func(f viewField) bool { return f.Type == "time.Time" }) {
			w.WriteString("import \"time\"\n")
			break
		}
	}
	for _, v := range vs {
		w.WriteString("\n")
		docComment(&w, v.Name, v.Doc)
		fmt.Fprintf(&w, "//\n// It is a view of the spec's %s.\n", v.Schema)
		fmt.Fprintf(&w, "type %s struct {\n", v.Name)
		for _, f := range v.Fields {
			if f.Doc != "" {
				fmt.Fprintf(&w, "\t// %s\n", f.Doc)
			}
			if f.Beyond != "" {
				fmt.Fprintf(&w, "\t// Beyond the spec: %s.\n", f.Beyond)
			}
			tag := f.JSON
			if f.Tag != "" {
				tag += "," + f.Tag
			}
			fmt.Fprintf(&w, "\t%s %s `json:%q`\n", f.Go, f.Type, tag)
		}
		w.WriteString("}\n")
	}
	return w.String()
}

// testBodies are valid bodies for the creates whose Check would refuse an
// empty one.
var testBodies = map[string]string{
	"Ticket": `{Summary: "s", Company: connectwise.Ref{ID: 1}}`,
	"Board":  `{Name: "b", Location: connectwise.Ref{ID: 1}, Department: connectwise.Ref{ID: 1}}`,
}

func emitCoreTest(s *spec, svcs []coreService) string {
	var w strings.Builder
	w.WriteString("package connectwise_test\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\t\"strings\"\n\t\"testing\"\n\n\t\"github.com/jarcoal/httpmock\"\n\t\"github.com/psabridge/psabridge/connectwise\"\n)\n\n")
	w.WriteString("// TestCoreServicesSendTheirSpecOperations calls every generated method of\n// the core services and checks the method and path it sends against the\n// spec operation named in internal/psagen/views_table.go (paths compared\n// ignoring case, as the PSA routes them).\nfunc TestCoreServicesSendTheirSpecOperations(t *testing.T) {\n")
	w.WriteString("\tctx := context.Background()\n\tfor _, tc := range []struct {\n\t\tname, method, path, answer string\n\t\tcall func(c *connectwise.Client) error\n\t}{\n")
	for _, svc := range svcs {
		field := strings.TrimSuffix(svc.Name, "Service")
		for _, mt := range svc.Methods {
			o := findOp(s, mt.Verb, mt.Path)
			want := strings.ReplaceAll(strings.ReplaceAll(o.Wire, "{parentId}", "7"), "{id}", "9")
			_, ps := params(mt)
			args := ""
			for _, p := range ps {
				if p == "id" {
					args += ", 9"
				} else {
					args += ", 7"
				}
			}
			answer, call := "{}", ""
			recv := "c." + field + "." + mt.Name + "(ctx" + args
			switch mt.Kind {
			case "list":
				answer, call = "[]", "_, _, err := "+recv+", nil)\n\t\t\treturn err"
			case "all":
				answer, call = "[]", "for _, err := range "+recv+", nil) {\n\t\t\t\treturn err\n\t\t\t}\n\t\t\treturn nil"
			case "get":
				call = "_, _, err := " + recv + ")\n\t\t\treturn err"
			case "count":
				answer, call = `{"count":1}`, "_, _, err := "+recv+", connectwise.Conditions{})\n\t\t\treturn err"
			case "create":
				call = "_, _, err := " + recv + ", &connectwise." + mt.Model + testBodies[mt.Model] + ")\n\t\t\treturn err"
				if testBodies[mt.Model] == "" {
					call = "_, _, err := " + recv + ", &connectwise." + mt.Model + "{})\n\t\t\treturn err"
				}
			case "patch":
				call = "_, _, err := " + recv + `, connectwise.Replace("name", "x"))` + "\n\t\t\treturn err"
			case "delete":
				answer, call = "", "_, err := "+recv+")\n\t\t\treturn err"
			}
			fmt.Fprintf(&w, "\t\t{%q, %q, %q, %q, func(c *connectwise.Client) error {\n\t\t\t%s\n\t\t}},\n",
				field+"."+mt.Name, strings.ToUpper(mt.Verb), "/v2025_1/apis/3.0"+want, answer, call)
		}
	}
	// The test builds its own client (codebase fixed, so nothing but the
	// call is sent) to depend on no other test file of the package.
	w.WriteString(`	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			var sent []string
			mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				sent = append(sent, r.Method+" "+r.URL.Path)
				if tc.answer == "" {
					return httpmock.NewStringResponse(http.StatusNoContent, ""), nil
				}
				resp := httpmock.NewStringResponse(http.StatusOK, tc.answer)
				resp.Header.Set("Content-Type", "application/json")
				return resp, nil
			})
			c, err := connectwise.NewClient(connectwise.Config{Site: "eu.myconnectwise.net", CompanyID: "acme", PublicKey: "pub", PrivateKey: "test-private", ClientID: "11111111-2222-3333-4444-555555555555", Codebase: "v2025_1/"},
				connectwise.WithHTTPClient(&http.Client{Transport: mt}), connectwise.WithRateLimit(0, 1))
			if err != nil {
				t.Fatal(err)
			}
`)
	w.WriteString("\t\t\tif err := tc.call(c); err != nil {\n\t\t\t\tt.Fatal(err)\n\t\t\t}\n\t\t\tif len(sent) != 1 || !strings.EqualFold(sent[0], tc.method+\" \"+tc.path) {\n\t\t\t\tt.Errorf(\"sent %q, want the spec's %s %s\", sent, tc.method, tc.path)\n\t\t\t}\n\t\t})\n\t}\n}\n")
	return w.String()
}
