package security360test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// errTestFailed is a JSON Patch "test" operation that did not hold.
var errTestFailed = errors.New("test operation failed")

// applyOp applies one RFC 6902 operation (add, remove, replace, test) to a
// decoded JSON document. The document is modified in place where possible
// and the new root is returned.
func applyOp(doc any, op, path string, val any, hasValue bool) (any, error) {
	switch op {
	case "add", "replace", "test":
		if !hasValue {
			return nil, fmt.Errorf("%s at %q needs a value", op, path)
		}
	case "remove":
	default:
		return nil, fmt.Errorf("operation %q is not supported", op)
	}
	toks, err := parsePointer(path)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		switch op {
		case "add", "replace":
			return val, nil
		case "test":
			if !reflect.DeepEqual(doc, val) {
				return nil, errTestFailed
			}
			return doc, nil
		}
		return nil, errors.New("cannot remove the whole document")
	}
	return modify(doc, toks, op, val, path)
}

func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path %q must start with /", p)
	}
	toks := strings.Split(p[1:], "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks, nil
}

func modify(node any, toks []string, op string, val any, path string) (any, error) {
	tok, last := toks[0], len(toks) == 1
	switch n := node.(type) {
	case map[string]any:
		cur, exists := n[tok]
		if !last {
			if !exists {
				return nil, fmt.Errorf("path %q does not exist", path)
			}
			child, err := modify(cur, toks[1:], op, val, path)
			if err != nil {
				return nil, err
			}
			n[tok] = child
			return n, nil
		}
		switch op {
		case "add":
			n[tok] = val
		case "replace":
			if !exists {
				return nil, fmt.Errorf("replace: path %q does not exist", path)
			}
			n[tok] = val
		case "remove":
			if !exists {
				return nil, fmt.Errorf("remove: path %q does not exist", path)
			}
			delete(n, tok)
		case "test":
			if !exists || !reflect.DeepEqual(cur, val) {
				return nil, errTestFailed
			}
		}
		return n, nil
	case []any:
		if tok == "-" {
			if !last || op != "add" {
				return nil, fmt.Errorf("path %q: \"-\" is only valid as the last token of add", path)
			}
			return append(n, val), nil
		}
		idx, err := strconv.Atoi(tok)
		if err != nil || idx < 0 || idx > len(n) || (idx == len(n) && (op != "add" || !last)) {
			return nil, fmt.Errorf("path %q: index %q out of range", path, tok)
		}
		if !last {
			child, err := modify(n[idx], toks[1:], op, val, path)
			if err != nil {
				return nil, err
			}
			n[idx] = child
			return n, nil
		}
		switch op {
		case "add":
			return slices.Insert(n, idx, val), nil
		case "replace":
			n[idx] = val
		case "remove":
			return slices.Delete(n, idx, idx+1), nil
		case "test":
			if !reflect.DeepEqual(n[idx], val) {
				return nil, errTestFailed
			}
		}
		return n, nil
	}
	return nil, fmt.Errorf("path %q goes through a value that is neither object nor array", path)
}
