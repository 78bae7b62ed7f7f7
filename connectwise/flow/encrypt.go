package flow

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// sealedVersion is the first byte of every sealed value, so a later format
// can be told apart from this one.
const sealedVersion = 1

// sealer seals values with AES-GCM. The key itself is kept only inside the
// cipher, so no field of a store can print it.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, &bridge.ConfigError{API: "flow", Field: "EncryptionKey", Problem: fmt.Sprintf("is %d bytes; an AES key is 16, 24 or 32 bytes (32 for AES-256)", len(key))}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, &bridge.ConfigError{API: "flow", Field: "EncryptionKey", Problem: "is not a usable AES key"}
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns version || nonce || ciphertext. The key name is the
// additional data, so a sealed value copied under another key fails to open.
func (s *sealer) seal(key string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	out := make([]byte, 0, 1+len(nonce)+len(plain)+s.aead.Overhead())
	out = append(out, sealedVersion)
	out = append(out, nonce...)
	return s.aead.Seal(out, nonce, plain, []byte(key))
}

func (s *sealer) open(key string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealedVersion {
		return nil, &StateError{Key: key, Problem: "value is not sealed (written without a key, or by another format)", Err: ErrCorrupt}
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(key))
	if err != nil {
		return nil, &StateError{Key: key, Problem: "value does not open with this key (another key, or altered on disk)", Err: ErrCorrupt}
	}
	if plain == nil {
		plain = []byte{}
	}
	return plain, nil
}

// encrypted seals the values of the Store it wraps.
type encrypted struct {
	inner Store
	seal  *sealer
}

// Encrypt wraps s so every value is sealed with AES-GCM under key (16, 24 or
// 32 bytes) before s sees it, and opened again on the way out. Keys stay in
// clear, so they must hold no secret. It works over any Store: the bbolt
// file, Redis, or memory.
//
// A value that does not open (another key, written without encryption, or
// altered) gives a *StateError matching ErrCorrupt, naming the key.
func Encrypt(s Store, key []byte) (Store, error) {
	if s == nil {
		return nil, &bridge.ConfigError{API: "flow", Field: "store", Problem: "is nil"}
	}
	sl, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	return &encrypted{inner: s, seal: sl}, nil
}

func (e *encrypted) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := e.inner.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return e.seal.open(key, v)
}

func (e *encrypted) Put(ctx context.Context, key string, value []byte) error {
	if key == "" {
		return errEmptyKey
	}
	return e.inner.Put(ctx, key, e.seal.seal(key, value))
}

func (e *encrypted) Delete(ctx context.Context, key string) error {
	return e.inner.Delete(ctx, key)
}

func (e *encrypted) Update(ctx context.Context, key string, fn func(old []byte) ([]byte, error)) error {
	return e.inner.Update(ctx, key, func(old []byte) ([]byte, error) {
		var plain []byte
		if old != nil {
			var err error
			if plain, err = e.seal.open(key, old); err != nil {
				return nil, err
			}
		}
		nv, err := fn(plain)
		if err != nil || nv == nil {
			return nil, err
		}
		return e.seal.seal(key, nv), nil
	})
}

func (e *encrypted) List(ctx context.Context, prefix string) ([]Entry, error) {
	entries, err := e.inner.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var errs []error
	for i := range entries {
		plain, err := e.seal.open(entries[i].Key, entries[i].Value)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		entries[i].Value = plain
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return entries, nil
}

func (e *encrypted) Close() error { return e.inner.Close() }
