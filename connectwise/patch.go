package connectwise

import (
	"fmt"
	"strings"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// PatchOp is one JSON Patch operation as the PSA accepts it (the same type
// as security360.PatchOp). Build them with Replace, Add and Remove.
type PatchOp = bridge.PatchOp

// Replace sets the field at path to value. For a reference (status, board,
// company...) pass a whole Ref: the PSA may answer 200 to a patch of
// "company/identifier" without changing anything, so nested paths are
// refused by the client.
func Replace(path string, value any) PatchOp { return PatchOp{Op: "replace", Path: path, Value: value} }

// Add sets a field that has no value yet.
func Add(path string, value any) PatchOp { return PatchOp{Op: "add", Path: path, Value: value} }

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
