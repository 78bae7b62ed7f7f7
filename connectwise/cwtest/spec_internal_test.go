package cwtest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
)

// TestSpecEveryOperationIsRouted sends every operation of the spec once
// (ids 1, an empty object or patch as the body) and requires that none
// meets the router's "not found", a 5xx or a 405: every verb the spec
// lists works, on hand-written routes as on generic collections.
func TestSpecEveryOperationIsRouted(t *testing.T) {
	_, c := newAPI(t, WithAPIMemberGrants(adminGrants()...))
	param := regexp.MustCompile(`\{[^}]*\}`)
	byStatus := map[int]int{}
	for _, op := range psaspec.Operations() {
		path := strings.Trim(param.ReplaceAllString(op.Path, "1"), "/")
		var body any
		switch op.Method {
		case http.MethodPost, http.MethodPut:
			body = map[string]any{}
			if op.RequestArray {
				body = []any{}
			}
		case http.MethodPatch:
			body = []any{}
		}
		r := c.do(op.Method, path, body)
		byStatus[r.status]++
		switch {
		case r.status >= 500:
			t.Errorf("%s %s: %d %s", op.Method, op.Path, r.status, r.body)
		case r.status == http.StatusNotFound && strings.Contains(string(r.body), "requested"):
			t.Errorf("%s %s: not routed: %s", op.Method, op.Path, r.body)
		case r.status == http.StatusMethodNotAllowed:
			t.Errorf("%s %s: 405 %s", op.Method, op.Path, r.body)
		}
	}
	t.Logf("%d operations: answers by status %v", len(psaspec.Operations()), byStatus)
}

// adminGrants gives every module function of the catalogue full rights.
func adminGrants() []Grant {
	var g []Grant
	for _, fn := range catalogue {
		g = append(g, Grant{fn.functionName, "All", "All", "All", "All"})
	}
	return g
}
