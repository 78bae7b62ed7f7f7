package flow

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
)

// MemoryStore is a Store held in process memory. State is lost when the
// process ends, so it suits tests, examples and flows whose state the host
// saves elsewhere; Open is the durable default.
type MemoryStore struct {
	mu     sync.RWMutex
	values map[string][]byte
	closed bool
}

var _ Store = (*MemoryStore)(nil)

// errClosed is returned by a store used after Close.
var errClosed = errors.New("flow: store is closed")

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{values: map[string][]byte{}}
}

// Get implements Store.
func (m *MemoryStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkCall(ctx, key); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, errClosed
	}
	v, ok := m.values[key]
	if !ok {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

// Put implements Store.
func (m *MemoryStore) Put(ctx context.Context, key string, value []byte) error {
	return m.write(ctx, key, func() error {
		m.values[key] = cloneNonNil(value)
		return nil
	})
}

// Delete implements Store.
func (m *MemoryStore) Delete(ctx context.Context, key string) error {
	return m.write(ctx, key, func() error {
		delete(m.values, key)
		return nil
	})
}

// Update implements Store. fn runs under the store's lock, so it is called
// exactly once; it must not call back into the store.
func (m *MemoryStore) Update(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) error {
	return m.write(ctx, key, func() error {
		var old []byte
		if v, ok := m.values[key]; ok {
			old = cloneNonNil(v)
		}
		nv, err := fn(old)
		switch {
		case err != nil:
			return err
		case nv == nil:
			delete(m.values, key)
		default:
			m.values[key] = bytes.Clone(nv)
		}
		return nil
	})
}

// write runs fn under the write lock once the checks every write makes
// have passed, so a write to a closed store or with a bad key changes
// nothing.
func (m *MemoryStore) write(ctx context.Context, key string, fn func() error) error {
	if err := checkCall(ctx, key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	return fn()
}

// List implements Store.
func (m *MemoryStore) List(ctx context.Context, prefix string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, errClosed
	}
	var out []Entry
	for k, v := range m.values {
		if strings.HasPrefix(k, prefix) {
			out = append(out, Entry{Key: k, Value: cloneNonNil(v)})
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Close implements Store; later calls fail.
func (m *MemoryStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.values = nil
	return nil
}

// cloneNonNil copies v, turning nil into an empty slice so a stored empty
// value reads back as present.
func cloneNonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return bytes.Clone(v)
}
