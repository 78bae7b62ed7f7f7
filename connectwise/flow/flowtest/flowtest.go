// Package flowtest is the conformance suite every flow.Store passes: the
// in-memory store, the bbolt file, the encrypting wrapper, and stores
// written elsewhere (Redis) run the same tests.
package flowtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// TestStore runs the conformance suite. newStore returns a fresh, empty
// store for each subtest; TestStore closes it when the subtest ends.
func TestStore(t *testing.T, newStore func(t *testing.T) flow.Store) {
	t.Helper()
	open := func(t *testing.T) flow.Store {
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	ctx := context.Background()

	t.Run("GetAbsent", func(t *testing.T) {
		s := open(t)
		if _, err := s.Get(ctx, "a/absent"); !errors.Is(err, flow.ErrNotFound) {
			t.Fatalf("Get(absent) error = %v, want ErrNotFound", err)
		}
	})

	t.Run("PutGet", func(t *testing.T) {
		s := open(t)
		mustPut(t, s, "a/1", "one")
		mustPut(t, s, "a/1", "uno")
		if got := mustGet(t, s, "a/1"); got != "uno" {
			t.Fatalf("Get = %q, want %q (the second Put replaces)", got, "uno")
		}
	})

	t.Run("EmptyValueIsPresent", func(t *testing.T) {
		s := open(t)
		if err := s.Put(ctx, "a/empty", nil); err != nil {
			t.Fatal(err)
		}
		v, err := s.Get(ctx, "a/empty")
		if err != nil || len(v) != 0 {
			t.Fatalf("Get(empty) = %q, %v; want empty, nil", v, err)
		}
	})

	t.Run("ValuesAreCopies", func(t *testing.T) {
		s := open(t)
		in := []byte("value")
		if err := s.Put(ctx, "a/copy", in); err != nil {
			t.Fatal(err)
		}
		in[0] = 'X'
		out, err := s.Get(ctx, "a/copy")
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != "value" {
			t.Fatalf("Get after caller changed its Put slice = %q, want %q", out, "value")
		}
		out[0] = 'Y'
		if got := mustGet(t, s, "a/copy"); got != "value" {
			t.Fatalf("Get after caller changed a returned slice = %q, want %q", got, "value")
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		mustPut(t, s, "a/1", "one")
		if err := s.Delete(ctx, "a/1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "a/1"); !errors.Is(err, flow.ErrNotFound) {
			t.Fatalf("Get after Delete error = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "a/1"); err != nil {
			t.Fatalf("Delete(absent) = %v, want nil", err)
		}
	})

	t.Run("Update", func(t *testing.T) {
		s := open(t)
		err := s.Update(ctx, "a/u", func(old []byte) ([]byte, error) {
			if old != nil {
				return nil, fmt.Errorf("old = %q for an absent key, want nil", old)
			}
			return []byte("created"), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Update(ctx, "a/u", func(old []byte) ([]byte, error) {
			return append(old, "+more"...), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, "a/u"); got != "created+more" {
			t.Fatalf("Get = %q, want %q", got, "created+more")
		}
		boom := errors.New("boom")
		err = s.Update(ctx, "a/u", func(old []byte) ([]byte, error) { return []byte("lost"), boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Update error = %v, want fn's error", err)
		}
		if got := mustGet(t, s, "a/u"); got != "created+more" {
			t.Fatalf("Get after failed Update = %q, want it unchanged", got)
		}
		if err := s.Update(ctx, "a/u", func([]byte) ([]byte, error) { return nil, nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "a/u"); !errors.Is(err, flow.ErrNotFound) {
			t.Fatalf("Get after Update returned nil: error = %v, want ErrNotFound", err)
		}
	})

	t.Run("UpdateIsAtomic", func(t *testing.T) {
		s := open(t)
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for range workers {
			wg.Go(func() {
				for range each {
					errs <- s.Update(ctx, "a/counter", func(old []byte) ([]byte, error) {
						n := 0
						if old != nil {
							var err error
							if n, err = strconv.Atoi(string(old)); err != nil {
								return nil, err
							}
						}
						return []byte(strconv.Itoa(n + 1)), nil
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := mustGet(t, s, "a/counter"); got != strconv.Itoa(workers*each) {
			t.Fatalf("counter = %s after %d concurrent increments; an Update was lost", got, workers*each)
		}
	})

	t.Run("List", func(t *testing.T) {
		s := open(t)
		for _, k := range []string{"b/2", "a/1", "b/1", "b/10", "bb/1", "c"} {
			mustPut(t, s, k, "v:"+k)
		}
		got, err := s.List(ctx, "b/")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"b/1", "b/10", "b/2"}
		if len(got) != len(want) {
			t.Fatalf("List(b/) = %v, want keys %v", keys(got), want)
		}
		for i, e := range got {
			if e.Key != want[i] || string(e.Value) != "v:"+want[i] {
				t.Fatalf("List(b/)[%d] = %s=%q, want %s=%q", i, e.Key, e.Value, want[i], "v:"+want[i])
			}
		}
		got[0].Value[0] = 'X'
		if v := mustGet(t, s, "b/1"); v != "v:b/1" {
			t.Fatalf("changing a listed value changed the store: %q", v)
		}
		all, err := s.List(ctx, "")
		if err != nil || len(all) != 6 {
			t.Fatalf("List(\"\") = %v, %v; want all 6 keys", keys(all), err)
		}
		none, err := s.List(ctx, "zzz/")
		if err != nil || len(none) != 0 {
			t.Fatalf("List(zzz/) = %v, %v; want nothing", keys(none), err)
		}
	})

	t.Run("EmptyKey", func(t *testing.T) {
		s := open(t)
		if err := s.Put(ctx, "", []byte("v")); err == nil {
			t.Fatal("Put with an empty key succeeded, want an error")
		}
		if _, err := s.Get(ctx, ""); err == nil || errors.Is(err, flow.ErrNotFound) {
			t.Fatalf("Get(\"\") error = %v, want an invalid-key error", err)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		s := open(t)
		mustPut(t, s, "a/1", "one")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Get(cctx, "a/1"); !errors.Is(err, context.Canceled) {
			t.Errorf("Get error = %v, want context.Canceled", err)
		}
		if err := s.Put(cctx, "a/1", []byte("two")); !errors.Is(err, context.Canceled) {
			t.Errorf("Put error = %v, want context.Canceled", err)
		}
		if err := s.Update(cctx, "a/1", func([]byte) ([]byte, error) { return []byte("three"), nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("Update error = %v, want context.Canceled", err)
		}
		if err := s.Delete(cctx, "a/1"); !errors.Is(err, context.Canceled) {
			t.Errorf("Delete error = %v, want context.Canceled", err)
		}
		if _, err := s.List(cctx, "a/"); !errors.Is(err, context.Canceled) {
			t.Errorf("List error = %v, want context.Canceled", err)
		}
		if got := mustGet(t, s, "a/1"); got != "one" {
			t.Errorf("value = %q after calls with a cancelled context, want it unchanged", got)
		}
	})

	t.Run("BinaryValues", func(t *testing.T) {
		s := open(t)
		v := []byte{0, 1, 2, 0xff, 0xfe, '\n', 0}
		if err := s.Put(ctx, "a/bin", v); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "a/bin")
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get = %v, %v; want %v", got, err, v)
		}
	})
}

// TestReopen checks that what one store wrote is read by the next one opened
// on the same backing (file, Redis database): open is called twice, the
// first store is closed before the second opens.
func TestReopen(t *testing.T, open func(t *testing.T) flow.Store) {
	t.Helper()
	ctx := context.Background()
	s := open(t)
	mustPut(t, s, "r/settings", `{"a":1}`)
	mustPut(t, s, "r/gone", "x")
	if err := s.Delete(ctx, "r/gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, "r/n", func([]byte) ([]byte, error) { return []byte("7"), nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t)
	defer s2.Close()
	if got := mustGet(t, s2, "r/settings"); got != `{"a":1}` {
		t.Errorf("after reopen r/settings = %q", got)
	}
	if got := mustGet(t, s2, "r/n"); got != "7" {
		t.Errorf("after reopen r/n = %q", got)
	}
	if _, err := s2.Get(ctx, "r/gone"); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("after reopen a deleted key reads %v, want ErrNotFound", err)
	}
}

func mustPut(t *testing.T, s flow.Store, key, value string) {
	t.Helper()
	if err := s.Put(context.Background(), key, []byte(value)); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func mustGet(t *testing.T, s flow.Store, key string) string {
	t.Helper()
	v, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return string(v)
}

func keys(es []flow.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	return out
}
