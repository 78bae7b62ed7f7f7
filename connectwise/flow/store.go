package flow

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Store.Get for a key that holds no value.
var ErrNotFound = errors.New("flow: not found")

// Entry is one key and its value.
type Entry struct {
	Key   string
	Value []byte
}

// Store keeps a flow's state across restarts. Keys are slash-separated paths
// ("heimdal-psa/<instance>/settings"); values are opaque bytes (the flows
// store JSON). Implementations must be safe for concurrent use, and a value
// written by Put or Update must survive a crash once the call returns.
type Store interface {
	// Get returns the value at key, or an error matching ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put sets the value at key.
	Put(ctx context.Context, key string, value []byte) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// Update atomically replaces the value at key with fn's result. old is
	// nil when the key is absent; returning a nil value deletes the key, and
	// returning an error leaves the store unchanged and is returned. fn may
	// be called more than once when another writer raced it.
	Update(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) error
	// List returns every entry whose key starts with prefix, in key order.
	List(ctx context.Context, prefix string) ([]Entry, error)
	// Close releases the store.
	Close() error
}
