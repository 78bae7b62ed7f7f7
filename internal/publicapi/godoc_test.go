package publicapi

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// internalName matches what a public package's documentation must never
// show: a path into this module's internal/ trees, or a name from the
// internal packages the clients are built on (httpx.Limiter,
// apiclient.Backend), which used to leak into signatures and error docs. A
// path must start at a word boundary, so citations of other projects'
// files (callback's godoc cites providers/connectwise/internal/... of the
// connectors it learned the wire format from) are not mistaken for ours.
//
// Prose in the flows still cites namematch.Score as the scoring rule; it is
// not a type a caller handles, so it is left to the flows' owners.
var internalName = regexp.MustCompile(`(^|[\s"'(` + "`" + `])(github\.com/psabridge/psabridge/)?((connectwise|heimdal|infima|security360|officeprotect)/)?internal/|\b(httpx|apiclient|credcheck|psaquery)\.[A-Z]`)

// TestPublicDocsNameNoInternalType runs go doc -all on every public
// package (everything outside internal/ and examples/) and fails on any
// line that names an internal package: a user cannot import, name or
// errors.As into such a type.
func TestPublicDocsNameNoInternalType(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	out, err := exec.Command("go", "list", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for pkg := range strings.FieldsSeq(string(out)) {
		if strings.Contains(pkg, "/internal/") || strings.Contains(pkg, "/examples/") {
			continue
		}
		doc, err := exec.Command("go", "doc", "-all", pkg).CombinedOutput()
		if err != nil {
			t.Errorf("go doc -all %s: %v\n%s", pkg, err, doc)
			continue
		}
		checked++
		for i, line := range strings.Split(string(doc), "\n") {
			if internalName.MatchString(line) {
				t.Errorf("%s: go doc line %d names an internal package: %s", pkg, i+1, strings.TrimSpace(line))
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d public packages checked; the package list is wrong", checked)
	}
}
