package psaspec_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
)

var schemaOf = regexp.MustCompile(`is the PSA's (\S+) object`)

// TestEveryPropertyHasAField reads the generated models' source and checks
// that each schema of the spec has a type whose JSON names are exactly the
// schema's property names.
func TestEveryPropertyHasAField(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../../cwmodel/models_gen.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE || gd.Doc == nil {
			continue
		}
		m := schemaOf.FindStringSubmatch(gd.Doc.Text())
		if m == nil {
			continue
		}
		name := m[1]
		s, ok := psaspec.LookupSchema(name)
		if !ok {
			t.Errorf("type for %s, which is not a schema", name)
			continue
		}
		found[name] = true
		st, ok := gd.Specs[0].(*ast.TypeSpec).Type.(*ast.StructType)
		if !ok {
			if len(s.Properties) != 0 {
				t.Errorf("%s has properties but is not a struct", name)
			}
			continue
		}
		var tags []string
		for _, fl := range st.Fields.List {
			tag, _ := strconv.Unquote(fl.Tag.Value)
			j, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			tags = append(tags, j)
		}
		var want []string
		for _, p := range s.Properties {
			want = append(want, p.Name)
		}
		if strings.Join(tags, " ") != strings.Join(want, " ") {
			t.Errorf("%s: fields %v, spec properties %v", name, tags, want)
		}
	}
	for _, n := range psaspec.SchemaNames() {
		if !found[n] {
			t.Errorf("schema %s has no type", n)
		}
	}
}
