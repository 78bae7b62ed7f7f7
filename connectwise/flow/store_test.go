package flow_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
)

var testKey = bytes.Repeat([]byte{7}, 32)

func openFile(t *testing.T, path string, opts ...flow.Option) flow.Store {
	t.Helper()
	s, err := flow.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMemoryStoreConformance(t *testing.T) {
	flowtest.TestStore(t, func(*testing.T) flow.Store { return flow.NewMemoryStore() })
}

func TestFileStoreConformance(t *testing.T) {
	flowtest.TestStore(t, func(t *testing.T) flow.Store {
		return openFile(t, filepath.Join(t.TempDir(), "state.db"))
	})
	path := filepath.Join(t.TempDir(), "reopen.db")
	flowtest.TestReopen(t, func(t *testing.T) flow.Store { return openFile(t, path) })
}

func TestEncryptedConformance(t *testing.T) {
	t.Run("Memory", func(t *testing.T) {
		flowtest.TestStore(t, func(t *testing.T) flow.Store {
			s, err := flow.Encrypt(flow.NewMemoryStore(), testKey)
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("File", func(t *testing.T) {
		flowtest.TestStore(t, func(t *testing.T) flow.Store {
			return openFile(t, filepath.Join(t.TempDir(), "state.db"), flow.WithEncryptionKey(testKey))
		})
		path := filepath.Join(t.TempDir(), "reopen.db")
		flowtest.TestReopen(t, func(t *testing.T) flow.Store { return openFile(t, path, flow.WithEncryptionKey(testKey)) })
	})
}

// A second Open of a held file waits out the lock timeout and says so; the
// holder's data is untouched.
func TestOpenLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	first := openFile(t, path)
	defer first.Close()
	ctx := context.Background()
	if err := first.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	_, err := flow.Open(path, flow.WithLockTimeout(50*time.Millisecond))
	if !errors.Is(err, flow.ErrLocked) {
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
	var se *flow.StateError
	if !errors.As(err, &se) || se.Path != path {
		t.Fatalf("second Open error = %#v, want a *StateError naming %s", err, path)
	}
	if v, err := first.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("holder reads %q, %v after the refused Open", v, err)
	}
	first.Close()
	again := openFile(t, path)
	defer again.Close()
	if v, err := again.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("after the holder closed, Get = %q, %v", v, err)
	}
}

// Damaged files give a typed error at Open, never a panic or a store that
// fails halfway through a run.
func TestOpenDamagedFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s := openFile(t, good)
	err := s.Update(context.Background(), "seed", func([]byte) ([]byte, error) { return []byte("x"), nil })
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if err := s.Put(context.Background(), fmt.Sprintf("k/%04d", i), bytes.Repeat([]byte("x"), 3000)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	full, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"not a store":   []byte(strings.Repeat("this is a text file, not a bbolt store\n", 200)),
		"truncated":     full[:len(full)/2],
		"header only":   full[:4096],
		"scrambled":     scramble(full),
		"zeroed header": append(make([]byte, 8192), full[8192:]...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".db")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := flow.Open(path, flow.WithLockTimeout(100*time.Millisecond))
			if err == nil {
				// bbolt found the file sound; every value must still read.
				defer st.Close()
				t.Logf("bbolt accepted the %s file", name)
				if _, err := st.List(context.Background(), ""); err != nil {
					t.Fatalf("Open accepted the file but List fails: %v", err)
				}
				return
			}
			if !errors.Is(err, flow.ErrCorrupt) {
				t.Fatalf("Open error = %v, want ErrCorrupt", err)
			}
			var se *flow.StateError
			if !errors.As(err, &se) || se.Path != path {
				t.Fatalf("Open error %v does not name the file", err)
			}
		})
	}
}

func scramble(b []byte) []byte {
	out := bytes.Clone(b)
	for i := 16; i < len(out); i += 97 {
		out[i] ^= 0xa5
	}
	return out
}

// Values sealed with a key are unreadable on disk and refuse another key.
func TestEncryptionAtRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	ctx := context.Background()
	const secret = "super-secret-private-key-value"
	s := openFile(t, path, flow.WithEncryptionKey(testKey))
	if err := s.Put(ctx, "infima/settings", []byte(`{"APIKey":"`+secret+`"}`)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the secret rests in clear in the store file")
	}
	if !bytes.Contains(raw, []byte("infima/settings")) {
		t.Fatal("the key is missing from the file; the test reads the wrong file")
	}

	other := openFile(t, path, flow.WithEncryptionKey(bytes.Repeat([]byte{8}, 32)))
	_, err = other.Get(ctx, "infima/settings")
	other.Close()
	if !errors.Is(err, flow.ErrCorrupt) || strings.Contains(err.Error(), secret) {
		t.Fatalf("Get with another key error = %v, want ErrCorrupt without the value", err)
	}
	plain := openFile(t, path)
	v, err := plain.Get(ctx, "infima/settings")
	plain.Close()
	if err != nil || bytes.Contains(v, []byte(secret)) {
		t.Fatalf("a keyless open reads %q, %v; want sealed bytes", v, err)
	}

	again := openFile(t, path, flow.WithEncryptionKey(testKey))
	defer again.Close()
	v, err = again.Get(ctx, "infima/settings")
	if err != nil || !bytes.Contains(v, []byte(secret)) {
		t.Fatalf("Get with the right key = %q, %v", v, err)
	}
}

// A sealed value moved to another key does not open: the key is bound in.
func TestEncryptedValueBoundToKey(t *testing.T) {
	ctx := context.Background()
	mem := flow.NewMemoryStore()
	s, err := flow.Encrypt(mem, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "a", []byte("v")); err != nil {
		t.Fatal(err)
	}
	sealed, _ := mem.Get(ctx, "a")
	_ = mem.Put(ctx, "b", sealed)
	if _, err := s.Get(ctx, "b"); !errors.Is(err, flow.ErrCorrupt) {
		t.Fatalf("Get of a value moved between keys: %v, want ErrCorrupt", err)
	}
}

func TestBadOptions(t *testing.T) {
	var ce *bridge.ConfigError
	if _, err := flow.Encrypt(flow.NewMemoryStore(), []byte("short")); !errors.As(err, &ce) || ce.Field != "EncryptionKey" {
		t.Errorf("Encrypt(short key) error = %v, want ConfigError on EncryptionKey", err)
	}
	if _, err := flow.Open(""); !errors.As(err, &ce) || ce.Field != "path" {
		t.Errorf("Open(\"\") error = %v, want ConfigError on path", err)
	}
	path := filepath.Join(t.TempDir(), "x.db")
	if _, err := flow.Open(path, flow.WithEncryptionKey([]byte("short"))); !errors.As(err, &ce) {
		t.Errorf("Open with a short key error = %v, want ConfigError", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Open with a bad option created the file (stat: %v)", err)
	}
}

type settings struct {
	Name  string
	Count int
}

func TestJSONHelpers(t *testing.T) {
	ctx := context.Background()
	s := flow.NewMemoryStore()
	if _, err := flow.GetJSON[settings](ctx, s, "s"); !errors.Is(err, flow.ErrNotFound) {
		t.Fatalf("GetJSON(absent) = %v, want ErrNotFound", err)
	}
	if err := flow.PutJSON(ctx, s, "s", settings{Name: "a", Count: 1}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		err := flow.UpdateJSON(ctx, s, "s", func(v settings, found bool) (settings, error) {
			if !found {
				return v, errors.New("found = false for a stored value")
			}
			v.Count++
			return v, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := flow.GetJSON[settings](ctx, s, "s")
	if err != nil || got != (settings{Name: "a", Count: 4}) {
		t.Fatalf("GetJSON = %+v, %v", got, err)
	}

	_ = s.Put(ctx, "bad", []byte(`{"Name":"secret-value`))
	_, err = flow.GetJSON[settings](ctx, s, "bad")
	var se *flow.StateError
	if !errors.Is(err, flow.ErrCorrupt) || !errors.As(err, &se) || se.Key != "bad" || strings.Contains(err.Error(), "secret") {
		t.Fatalf("GetJSON(truncated) error = %v, want ErrCorrupt naming the key, without the value", err)
	}
	_ = s.Put(ctx, "old", []byte(`{"Name":5}`))
	called := false
	err = flow.UpdateJSON(ctx, s, "old", func(v settings, _ bool) (settings, error) { called = true; return v, nil })
	if !errors.Is(err, flow.ErrCorrupt) || called {
		t.Fatalf("UpdateJSON over a value of another shape: err = %v, fn called = %v", err, called)
	}
}

func TestListJSON(t *testing.T) {
	ctx := context.Background()
	s := flow.NewMemoryStore()
	none, err := flow.ListJSON[settings](ctx, s, "m/")
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("ListJSON(nothing stored) = %#v, %v; want an empty, non-nil slice", none, err)
	}
	for _, v := range []settings{{Name: "b", Count: 2}, {Name: "a", Count: 1}} {
		if err := flow.PutJSON(ctx, s, "m/"+v.Name, v); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Put(ctx, "other", []byte(`not json`))
	got, err := flow.ListJSON[settings](ctx, s, "m/")
	want := []flow.Keyed[settings]{{Key: "m/a", Value: settings{Name: "a", Count: 1}}, {Key: "m/b", Value: settings{Name: "b", Count: 2}}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("ListJSON = %+v, %v; want %+v in key order", got, err, want)
	}
	_ = s.Put(ctx, "m/c", []byte(`{"Name":"secret-value`))
	_, err = flow.ListJSON[settings](ctx, s, "m/")
	var se *flow.StateError
	if !errors.Is(err, flow.ErrCorrupt) || !errors.As(err, &se) || se.Key != "m/c" || strings.Contains(err.Error(), "secret") {
		t.Fatalf("ListJSON over a damaged value: %v, want ErrCorrupt naming m/c without the value", err)
	}
}

func TestIndexJSON(t *testing.T) {
	ctx := t.Context()
	s := flow.NewMemoryStore()
	for _, v := range []settings{{Name: "b", Count: 2}, {Name: "a", Count: 1}} {
		if err := flow.PutJSON(ctx, s, "m/"+v.Name, v); err != nil {
			t.Fatal(err)
		}
	}
	byName := func(v settings) string { return v.Name }
	got, err := flow.IndexJSON(ctx, s, "m/", byName, "names nothing")
	if err != nil || len(got) != 2 || got["a"].Count != 1 || got["b"].Count != 2 {
		t.Fatalf("IndexJSON = %+v, %v; want a and b by name", got, err)
	}
	// A record that decodes but names nothing stops the read.
	if err := flow.PutJSON(ctx, s, "m/c", settings{Count: 3}); err != nil {
		t.Fatal(err)
	}
	_, err = flow.IndexJSON(ctx, s, "m/", byName, "names nothing")
	var se *flow.StateError
	if !errors.Is(err, flow.ErrCorrupt) || !errors.As(err, &se) || se.Key != "m/c" || se.Problem != "names nothing" {
		t.Fatalf("IndexJSON over a nameless record: %v, want ErrCorrupt naming m/c", err)
	}
}

func TestReportString(t *testing.T) {
	r := &flow.Report{Flow: "infima-security360", Created: 3, Updated: 1, Unchanged: 5, Calls: 14,
		Duration: 1234 * time.Millisecond, Resumed: true}
	r.Skip("no mapping")
	r.Skip("no mapping")
	r.Skip("archived")
	r.Fail("client 7", errors.New("503"))
	want := "infima-security360: resumed, 3 created, 1 updated, 0 closed, 5 unchanged, 3 skipped (archived 1, no mapping 2), 1 failed, 14 calls in 1.234s"
	if got := r.String(); got != want {
		t.Fatalf("String() =\n%s\nwant\n%s", got, want)
	}
	if got := (&flow.Report{}).String(); got != "0 created, 0 updated, 0 closed, 0 unchanged, 0 skipped, 0 failed, 0 calls in 0s" {
		t.Fatalf("empty report String() = %q", got)
	}
}

// Stores print a summary, never a value: settings with API keys rest there.
func TestStoresNeverPrintValues(t *testing.T) {
	const secret = "super-secret-api-key"
	ctx := context.Background()
	mem := flow.NewMemoryStore()
	file := openFile(t, filepath.Join(t.TempDir(), "state.db"))
	defer file.Close()
	sealed, err := flow.Encrypt(flow.NewMemoryStore(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]flow.Store{"memory": mem, "file": file, "sealed": sealed} {
		if err := s.Put(ctx, "x/settings", []byte(`{"APIKey":"`+secret+`"}`)); err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("store", "store", s)
		for _, out := range []string{fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s), logged.String()} {
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) || strings.Contains(out, "115 117 112") {
				t.Errorf("%s store prints its value: %s", name, out)
			}
		}
	}
	if got := fmt.Sprint(mem); got != "flow.MemoryStore{1 keys}" {
		t.Errorf("memory store prints %q", got)
	}
}

func TestConstructorParts(t *testing.T) {
	for name, tc := range map[string]struct {
		err   error
		field string // "" when err must be nil
	}{
		"nil store":        {flow.NeedStore("x", nil), "Store"},
		"store":            {flow.NeedStore("x", flow.NewMemoryStore()), ""},
		"empty instance":   {flow.CheckInstance("x", ""), "Instance"},
		"instance with /":  {flow.CheckInstance("x", "a/b"), "Instance"},
		"instance":         {flow.CheckInstance("x", "msp-1.eu"), ""},
		"mapping field":    {flow.MappingError("x", 2, "SiteID", "is missing"), "Mappings[2].SiteID"},
		"first of mapping": {flow.MappingError("x", 0, "InfimaClientID", "is missing"), "Mappings[0].InfimaClientID"},
	} {
		var ce *bridge.ConfigError
		switch {
		case tc.field == "" && tc.err != nil:
			t.Errorf("%s: %v, want nil", name, tc.err)
		case tc.field != "" && (!errors.As(tc.err, &ce) || ce.API != "x" || ce.Field != tc.field || ce.Problem == ""):
			t.Errorf("%s: %#v, want a ConfigError of x on %s saying what is wrong", name, tc.err, tc.field)
		}
	}
}
