package flow_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// Open a durable store, keep typed settings in it, and see a second open
// of the same file refused while the first holds it.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "flow-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "state.db")
	ctx := context.Background()

	// In production the key comes from a secrets manager, never the store.
	key := []byte("0123456789abcdef0123456789abcdef")
	store, err := flow.Open(path, flow.WithEncryptionKey(key))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	type settings struct{ ServerURL, APIKey string }
	_ = flow.PutJSON(ctx, store, "example/default/settings", settings{"https://api.example.com", "secret"})
	got, _ := flow.GetJSON[settings](ctx, store, "example/default/settings")
	fmt.Println(got.ServerURL)

	_, err = flow.Open(path, flow.WithLockTimeout(50*time.Millisecond))
	fmt.Println(errors.Is(err, flow.ErrLocked))
	// Output:
	// https://api.example.com
	// true
}

// A flow's report prints as one line for a log.
func ExampleReport_String() {
	r := &flow.Report{Flow: "infima-security360", Created: 11, Unchanged: 7, Calls: 8, Resumed: true}
	r.Skip("no data")
	fmt.Println(r)
	// Output:
	// infima-security360: resumed, 11 created, 0 updated, 0 closed, 7 unchanged, 1 skipped (no data 1), 0 failed, 8 calls in 0s
}
