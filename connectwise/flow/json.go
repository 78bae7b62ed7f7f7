package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// GetJSON reads the value at key as JSON into a T. A value that does not
// decode gives a *StateError matching ErrCorrupt that names the key; an
// absent key gives an error matching ErrNotFound.
func GetJSON[T any](ctx context.Context, s Store, key string) (T, error) {
	var v T
	raw, err := s.Get(ctx, key)
	if err != nil {
		return v, err
	}
	if err := decodeJSON(key, raw, &v); err != nil {
		return v, err
	}
	return v, nil
}

// DecodeJSON decodes a value read at key (an Entry from List, say) by the
// same rules as GetJSON.
func DecodeJSON[T any](key string, raw []byte) (T, error) {
	var v T
	if err := decodeJSON(key, raw, &v); err != nil {
		return v, err
	}
	return v, nil
}

// Keyed is a value read by ListJSON and the key it is stored at, which
// errors about the value name.
type Keyed[T any] struct {
	Key   string
	Value T
}

// ListJSON reads every value under prefix as JSON, in key order, by the
// rules of GetJSON: the first value that does not decode ends the listing
// with a *StateError naming its key, so a flow never acts on part of its
// state. With nothing under prefix the slice is empty, not nil.
func ListJSON[T any](ctx context.Context, s Store, prefix string) ([]Keyed[T], error) {
	es, err := s.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]Keyed[T], 0, len(es))
	for _, e := range es {
		v, err := DecodeJSON[T](e.Key, e.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, Keyed[T]{Key: e.Key, Value: v})
	}
	return out, nil
}

// IndexJSON reads every value under prefix as ListJSON does and indexes
// the values by the id each names. A value that decodes yet names no id
// (id returns "") is as damaged as one that does not decode: a record the
// flow cannot attribute must stop it, not be skipped, so it is a
// *StateError matching ErrCorrupt that names its key, with problem. A
// later value naming the same id replaces the earlier one.
func IndexJSON[T any](ctx context.Context, s Store, prefix string, id func(T) string, problem string) (map[string]T, error) {
	es, err := ListJSON[T](ctx, s, prefix)
	if err != nil {
		return nil, err
	}
	out := make(map[string]T, len(es))
	for _, e := range es {
		k := id(e.Value)
		if k == "" {
			return nil, &StateError{Key: e.Key, Err: ErrCorrupt, Problem: problem}
		}
		out[k] = e.Value
	}
	return out, nil
}

// PutJSON stores v as JSON at key.
func PutJSON[T any](ctx context.Context, s Store, key string, v T) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("flow: encode %s: %w", key, err)
	}
	return s.Put(ctx, key, raw)
}

// UpdateJSON atomically replaces the value at key with fn's result. fn gets
// the current value and whether one was stored (the zero T when not). An
// error from fn leaves the store unchanged and is returned; so is a stored
// value that does not decode (a *StateError matching ErrCorrupt), without
// calling fn. fn may be called more than once when another writer raced it.
func UpdateJSON[T any](ctx context.Context, s Store, key string, fn func(v T, found bool) (T, error)) error {
	return s.Update(ctx, key, func(old []byte) ([]byte, error) {
		var v T
		found := old != nil
		if found {
			if err := decodeJSON(key, old, &v); err != nil {
				return nil, err
			}
		}
		nv, err := fn(v, found)
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(nv)
		if err != nil {
			return nil, fmt.Errorf("flow: encode %s: %w", key, err)
		}
		return raw, nil
	})
}

func decodeJSON(key string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		// json errors quote at most a type name and offset, never the value.
		// A syntax error quotes the offending character, which may belong to
		// a secret, so only its offset is kept.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return &StateError{Key: key, Problem: fmt.Sprintf("value is not valid JSON (truncated or damaged at offset %d)", syn.Offset), Err: ErrCorrupt}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return &StateError{Key: key, Problem: "value is truncated JSON", Err: ErrCorrupt}
		}
		return &StateError{Key: key, Problem: fmt.Sprintf("value does not decode as %s", strings.TrimPrefix(fmt.Sprintf("%T", v), "*")), Err: errors.Join(ErrCorrupt, err)}
	}
	return nil
}
