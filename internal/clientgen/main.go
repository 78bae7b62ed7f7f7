// Command clientgen writes the plumbing every psabridge API client shares,
// from one template, so that the four clients stop carrying hand-copied
// blocks that drift apart: client_gen.go in each client package (its
// Option type, the transport options with their godoc, the default
// settings, CheckResponse and the error vocabulary re-exported from
// package bridge), and server_gen.go in each of the cwtest, heimdaltest,
// infimatest and security360test simulators (their options over simkit
// and the Server methods that hand straight to the kit).
//
// It runs from go generate in each package, naming the package:
//
//	//go:generate go run ../internal/clientgen heimdal
//
// The text is client.tmpl and server.tmpl; the per-API values (rates,
// retries, timeouts, documentation) are the tables in apis.go and
// servers.go. Output is gofmt'd and deterministic, so running it
// twice changes nothing.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"strings"
	"text/template"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: clientgen PACKAGE")
		os.Exit(2)
	}
	name, src, err := generate(os.Args[1])
	if err == nil {
		err = os.WriteFile(name, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "clientgen:", err)
		os.Exit(1)
	}
}

// generate returns the file name and the source written for pkg.
func generate(pkg string) (string, []byte, error) {
	if a, ok := clients[pkg]; ok {
		a.Package = pkg
		src, err := render(clientTemplate, a)
		return "client_gen.go", src, err
	}
	if s, ok := servers[pkg]; ok {
		s.Package = pkg
		src, err := render(serverTemplate, s)
		return "server_gen.go", src, err
	}
	return "", nil, fmt.Errorf("no client or simulator named %q", pkg)
}

func render(t *template.Template, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, err
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, buf.Bytes())
	}
	return src, nil
}

// human prints a duration the way the godoc reads it: "2m", "500ms".
func human(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return s
}

var funcs = template.FuncMap{
	"human": human,
	"go": func(d time.Duration) string {
		switch {
		case d == 0:
			return "0"
		case d%time.Minute == 0:
			return fmt.Sprintf("%d * time.Minute", d/time.Minute)
		case d%time.Second == 0:
			return fmt.Sprintf("%d * time.Second", d/time.Second)
		default:
			return fmt.Sprintf("%d * time.Millisecond", d/time.Millisecond)
		}
	},
	"has": func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	},
}
