package connectwise

import (
	"encoding/json"
	"fmt"
	"strings"
)

// PatchOp is one JSON Patch operation as the PSA accepts it. Build them with
// Replace, Add and Remove.
type PatchOp struct {
	Op    string
	Path  string
	Value any
}

// MarshalJSON writes {"op","path","value"}, keeping an explicit null value
// (to clear a field) and omitting value for remove.
func (p PatchOp) MarshalJSON() ([]byte, error) {
	if p.Op == "remove" {
		return json.Marshal(struct {
			Op   string `json:"op"`
			Path string `json:"path"`
		}{p.Op, p.Path})
	}
	return json.Marshal(struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}{p.Op, p.Path, p.Value})
}

// Replace sets the field at path to value. For a reference (status, board,
// company...) pass a whole Ref: the PSA may answer 200 to a patch of
// "company/identifier" without changing anything, so nested paths are
// refused by the client.
func Replace(path string, value any) PatchOp { return PatchOp{"replace", path, value} }

// Add sets a field that has no value yet.
func Add(path string, value any) PatchOp { return PatchOp{"add", path, value} }

// Remove clears a field.
func Remove(path string) PatchOp { return PatchOp{Op: "remove", Path: path} }

func checkPatch(ops []PatchOp) error {
	if len(ops) == 0 {
		return fmt.Errorf("connectwise: empty patch")
	}
	for _, op := range ops {
		switch op.Op {
		case "add", "replace", "remove":
		default:
			return fmt.Errorf("connectwise: patch op %q is not add, replace or remove", op.Op)
		}
		p := strings.TrimPrefix(op.Path, "/")
		if p == "" {
			return fmt.Errorf("connectwise: patch %s has an empty path", op.Op)
		}
		if strings.Contains(p, "/") {
			head, _, _ := strings.Cut(p, "/")
			return fmt.Errorf("connectwise: patch path %q: replace the whole reference (path %q with a Ref value); nested paths can be silently ignored by the PSA", op.Path, head)
		}
	}
	return nil
}
