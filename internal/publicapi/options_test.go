package publicapi

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/psabridge/psabridge"

// clients are the four API client packages and how each one is built.
var clients = []struct{ pkg, newClient string }{
	{"connectwise", "connectwise.NewClient(connectwise.Config{}, %s)"},
	{"heimdal", `heimdal.NewClient("key", %s)`},
	{"infima", `infima.NewClient("key", %s)`},
	{"security360", "security360.NewClient(security360.Credentials{}, %s)"},
}

// exportImporter type-checks against the compiled export data the go tool
// keeps in its build cache, so the check costs one `go list -export`.
func exportImporter(t *testing.T, fset *token.FileSet) types.Importer {
	t.Helper()
	var args []string
	for _, c := range clients {
		args = append(args, module+"/"+c.pkg)
	}
	cmd := exec.Command("go", append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.String())
	}
	exports := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		path, file, _ := strings.Cut(line, "\t")
		exports[path] = file
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
}

// check type-checks a file that calls call after importing every client,
// and returns the type errors.
func check(t *testing.T, imp types.Importer, fset *token.FileSet, call string) []string {
	t.Helper()
	var src strings.Builder
	src.WriteString("package probe\n\nimport (\n")
	for _, c := range clients {
		fmt.Fprintf(&src, "\t%q\n", module+"/"+c.pkg)
	}
	src.WriteString(")\n\nfunc probe() {\n")
	for _, c := range clients {
		fmt.Fprintf(&src, "\t_ = %s.WithTimeout\n", c.pkg) // every import used
	}
	fmt.Fprintf(&src, "\t_, _ = %s\n}\n", call)
	f, err := parser.ParseFile(fset, "probe.go", src.String(), 0)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src.String())
	}
	var errs []string
	conf := types.Config{Importer: imp, Error: func(err error) { errs = append(errs, err.Error()) }}
	_, _ = conf.Check("probe", fset, []*ast.File{f}, nil)
	return errs
}

// TestOptionsDoNotCrossClients proves that each client accepts its own
// options and that passing another client's option is a compile error:
// connectwise.NewClient(cfg, heimdal.WithBaseURL(u)) used to compile and
// be ignored silently.
func TestOptionsDoNotCrossClients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	fset := token.NewFileSet()
	imp := exportImporter(t, fset)
	for _, to := range clients {
		for _, from := range clients {
			for _, opt := range []string{"WithTimeout(0)", "WithLimiter(nil)", "WithHTTPClient(nil)"} {
				call := fmt.Sprintf(to.newClient, from.pkg+"."+opt)
				errs := check(t, imp, fset, call)
				if from.pkg == to.pkg {
					if len(errs) != 0 {
						t.Errorf("%s: want it to compile, got %v", call, errs)
					}
					continue
				}
				if len(errs) != 1 || !strings.Contains(errs[0], "cannot use") || !strings.Contains(errs[0], from.pkg+".Option") {
					t.Errorf("%s: want one error refusing %s.Option, got %v", call, from.pkg, errs)
				}
			}
		}
	}
	// The case the issue names: a base URL meant for another client.
	if errs := check(t, imp, fset, `connectwise.NewClient(connectwise.Config{}, heimdal.WithBaseURL("https://evil.example"))`); len(errs) == 0 {
		t.Error("connectwise.NewClient accepted heimdal.WithBaseURL")
	}
}
