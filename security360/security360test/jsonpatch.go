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

// modify applies op at toks below node and returns the new node. Every
// token but the last only selects a member to descend into, the same way
// for objects and arrays; the last one is where the operation happens.
func modify(node any, toks []string, op string, val any, path string) (any, error) {
	if len(toks) == 1 {
		return applyLast(node, toks[0], op, val, path)
	}
	cur, set, err := member(node, toks[0], path)
	if err != nil {
		return nil, err
	}
	child, err := modify(cur, toks[1:], op, val, path)
	if err != nil {
		return nil, err
	}
	set(child)
	return node, nil
}

// member returns the existing member tok of node, to descend through, and
// a function that stores a replacement for it.
func member(node any, tok, path string) (any, func(any), error) {
	switch n := node.(type) {
	case map[string]any:
		cur, exists := n[tok]
		if !exists {
			return nil, nil, fmt.Errorf("path %q does not exist", path)
		}
		return cur, func(v any) { n[tok] = v }, nil
	case []any:
		if tok == "-" {
			return nil, nil, errDashNotLast(path)
		}
		idx, err := strconv.Atoi(tok)
		if err != nil || idx < 0 || idx >= len(n) {
			return nil, nil, errIndex(path, tok)
		}
		return n[idx], func(v any) { n[idx] = v }, nil
	}
	return nil, nil, errNotContainer(path)
}

// applyLast applies op to member tok of node, the pointer's last token.
func applyLast(node any, tok, op string, val any, path string) (any, error) {
	switch n := node.(type) {
	case map[string]any:
		cur, exists := n[tok]
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
			if op != "add" {
				return nil, errDashNotLast(path)
			}
			return append(n, val), nil
		}
		idx, err := strconv.Atoi(tok)
		// Only add may name the position just past the end.
		if err != nil || idx < 0 || idx > len(n) || (idx == len(n) && op != "add") {
			return nil, errIndex(path, tok)
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
	return nil, errNotContainer(path)
}

func errDashNotLast(path string) error {
	return fmt.Errorf("path %q: \"-\" is only valid as the last token of add", path)
}

func errIndex(path, tok string) error { return fmt.Errorf("path %q: index %q out of range", path, tok) }

func errNotContainer(path string) error {
	return fmt.Errorf("path %q goes through a value that is neither object nor array", path)
}
