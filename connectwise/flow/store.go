package flow

import (
	"context"
	"errors"
	"strings"
)

// ErrNotFound is returned by Store.Get for a key that holds no value.
var ErrNotFound = errors.New("flow: not found")

// ErrLocked is matched (errors.Is) by the error Open returns when another
// process holds the store file. It is never a sign of damage: wait for the
// other process to stop, or point this one at another file.
var ErrLocked = errors.New("flow: store is held by another process")

// ErrCorrupt is matched (errors.Is) by every error about stored state that
// cannot be used: a truncated or foreign file, a value that does not decode,
// a value sealed with another key. A flow writes nothing to an API from state
// that failed this way.
var ErrCorrupt = errors.New("flow: stored state cannot be used")

// StateError reports a store, or one value in it, that cannot be used. It
// names the file and key at fault but never quotes a stored value, which may
// hold a secret.
type StateError struct {
	// Path is the store's file, when it has one.
	Path string
	// Key is the value at fault, when one value is.
	Key string
	// Problem says what is wrong and what to do.
	Problem string
	// Err is ErrLocked, or wraps ErrCorrupt, or is the underlying error.
	Err error
}

// Error reads "flow: <path>: <key>: <problem>: <err>", omitting empty parts.
func (e *StateError) Error() string {
	parts := []string{"flow"}
	if e.Path != "" {
		parts = append(parts, e.Path)
	}
	if e.Key != "" {
		parts = append(parts, "key "+e.Key)
	}
	if e.Problem != "" {
		parts = append(parts, e.Problem)
	}
	if e.Err != nil {
		parts = append(parts, e.Err.Error())
	}
	return strings.Join(parts, ": ")
}

// Unwrap returns Err, so errors.Is(err, ErrLocked) and errors.Is(err,
// ErrCorrupt) work.
func (e *StateError) Unwrap() error { return e.Err }

// Entry is one key and its value.
type Entry struct {
	Key   string
	Value []byte
}

// Store keeps a flow's state across restarts. Keys are slash-separated paths
// ("heimdal-psa/<instance>/settings"); values are opaque bytes (the flows
// store JSON). Implementations must be safe for concurrent use, and a value
// written by Put or Update must survive a crash once the call returns.
//
// Keys are never encrypted (Encrypt seals values only), so a key must never
// hold a secret. Values handed to or returned by a Store are copies: callers
// may keep and modify them. An empty key is invalid. Every method returns an
// error wrapping ctx.Err() when ctx is already done.
//
// flowtest.TestStore is the conformance suite every implementation passes.
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

// errEmptyKey is returned for an empty key by the stores of this package.
var errEmptyKey = errors.New("flow: empty key")

// checkCall is the argument check every method of this package's stores
// starts with.
func checkCall(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return errEmptyKey
	}
	return nil
}
