package exampleenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/examples/internal/exampletest"
)

func TestAllOrNone(t *testing.T) {
	for _, tc := range []struct {
		vars    map[string]string
		all     bool
		wantErr string
	}{
		{nil, false, ""},
		{map[string]string{"A": "1", "B": "2"}, true, ""},
		{map[string]string{"B": "2"}, false, "set all of A, B for the real services, or none for the simulators; missing: A"},
	} {
		all, err := AllOrNone(exampletest.Env(tc.vars), "A", "B")
		if all != tc.all || (err == nil) != (tc.wantErr == "") || err != nil && err.Error() != tc.wantErr {
			t.Errorf("AllOrNone(%v) = %v, %v; want %v, %q", tc.vars, all, err, tc.all, tc.wantErr)
		}
	}
}

func TestStateFile(t *testing.T) {
	named := filepath.Join(t.TempDir(), "kept.db")
	if err := os.WriteFile(named, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	got, remove, err := StateFile(named, "ex")
	if err != nil || got != named {
		t.Fatalf("StateFile(%q) = %q, %v", named, got, err)
	}
	remove()
	if _, err := os.Stat(named); err != nil {
		t.Errorf("a named state file was removed: %v", err)
	}

	tmp, remove, err := StateFile("", "ex")
	if err != nil || filepath.Base(tmp) != "state.db" || !strings.HasPrefix(filepath.Base(filepath.Dir(tmp)), "ex-") {
		t.Fatalf("StateFile(\"\") = %q, %v", tmp, err)
	}
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	remove()
	if _, err := os.Stat(filepath.Dir(tmp)); !os.IsNotExist(err) {
		t.Errorf("the temporary directory outlived remove: %v", err)
	}
}
