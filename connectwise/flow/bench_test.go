package flow_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// BenchmarkPut measures one durable write: for the file store it is one
// fsynced bbolt transaction, which bounds how fast a flow records
// deliveries.
func BenchmarkPut(b *testing.B) {
	value := []byte(`{"Version":1,"Fingerprint":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`)
	for _, k := range []struct {
		name string
		open func(b *testing.B) flow.Store
	}{
		{"memory", func(*testing.B) flow.Store { return flow.NewMemoryStore() }},
		{"file", func(b *testing.B) flow.Store { return mustOpen(b, filepath.Join(b.TempDir(), "s.db")) }},
		{"file-sealed", func(b *testing.B) flow.Store {
			return mustOpen(b, filepath.Join(b.TempDir(), "s.db"), flow.WithEncryptionKey(testKey))
		}},
	} {
		b.Run(k.name, func(b *testing.B) {
			s := k.open(b)
			defer s.Close()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if err := s.Put(ctx, fmt.Sprintf("bench/delivered/%d", i%512), value); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func mustOpen(b *testing.B, path string, opts ...flow.Option) flow.Store {
	s, err := flow.Open(path, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
