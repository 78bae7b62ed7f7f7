// Package exampleenv is the scaffolding every example's main shares: a
// context that ends on Ctrl-C or SIGTERM, one way to report a failure, the
// all-or-none rule for the variables that select real services, and the
// state file. examples/internal/psaenv adds the PSA choice on top.
//
// It exists so that each example's main.go shows the integration and not
// the plumbing, and so that a user who mistypes one variable gets the same
// message from every example. It imports only the standard library, so an
// example that does not talk to the PSA does not link its simulator.
package exampleenv

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// Main runs run with a context that is cancelled on SIGINT or SIGTERM, so
// an example interrupted mid-run still closes its simulators and state
// files. A failure is printed as "name: error" and exits with status 1.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// AllOrNone reports whether every one of vars is set (true) or none is
// (false). Some but not all is an error naming the missing ones: half a
// configuration is a typo, not a request for the simulators.
func AllOrNone(getenv func(string) string, vars ...string) (bool, error) {
	var missing []string
	for _, v := range vars {
		if getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	switch len(missing) {
	case 0:
		return true, nil
	case len(vars):
		return false, nil
	}
	return false, fmt.Errorf("set all of %s for the real services, or none for the simulators; missing: %s",
		strings.Join(vars, ", "), strings.Join(missing, ", "))
}

// StateFile returns the state file an example keeps its integration in:
// path when the user named one (-state), else state.db in a new temporary
// directory named after the example. remove deletes that directory and
// leaves a named file alone, since the user asked to keep it.
func StateFile(path, example string) (file string, remove func(), err error) {
	if path != "" {
		return path, func() {}, nil
	}
	dir, err := os.MkdirTemp("", example+"-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "state.db"), func() { _ = os.RemoveAll(dir) }, nil
}
