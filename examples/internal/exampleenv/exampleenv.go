// Package exampleenv is the scaffolding every example's main shares: a
// context that ends on Ctrl-C or SIGTERM, one way to report a failure, and
// the choice between a real PSA named by the CW_* variables and the
// embedded simulator.
//
// It exists so that each example's main.go shows the integration and not
// the plumbing, and so that a user who mistypes one variable gets the same
// message from every example.
package exampleenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
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

// PSAVars are the variables that select a real PSA, in the order messages
// name them.
var PSAVars = []string{"CW_SITE", "CW_COMPANY_ID", "CW_PUBLIC_KEY", "CW_PRIVATE_KEY", "CW_CLIENT_ID"}

// psaVarOf maps a connectwise.Config field to the variable that sets it,
// so a validation error points at what the user typed.
var psaVarOf = map[string]string{
	"Site": "CW_SITE", "CompanyID": "CW_COMPANY_ID", "PublicKey": "CW_PUBLIC_KEY",
	"PrivateKey": "CW_PRIVATE_KEY", "ClientID": "CW_CLIENT_ID",
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

// PSA is the PSA an example talks to.
type PSA struct {
	// Config reaches the PSA: the CW_* values, or the simulator's.
	Config connectwise.Config
	// Sim is the embedded simulator, nil when the CW_* variables name a
	// real PSA.
	Sim *cwtest.Server
}

// Simulated reports whether the PSA is the embedded simulator.
func (p *PSA) Simulated() bool { return p.Sim != nil }

// Close stops the simulator, if one was started.
func (p *PSA) Close() {
	if p.Sim != nil {
		p.Sim.Close()
	}
}

// PSAConfig returns the PSA named by the CW_* variables read through
// getenv, or, when none is set, a started simulator built with opts. The
// values are validated before anything is sent; a bad one is reported as
// its variable (the *connectwise.ConfigError stays reachable with
// errors.As), and no value is quoted, since it may be a key.
func PSAConfig(getenv func(string) string, opts ...cwtest.Option) (*PSA, error) {
	real, err := AllOrNone(getenv, PSAVars...)
	if err != nil {
		return nil, err
	}
	if !real {
		sim := cwtest.NewServer(opts...)
		return &PSA{Config: sim.Config(), Sim: sim}, nil
	}
	cfg := connectwise.Config{
		Site:       getenv("CW_SITE"),
		CompanyID:  getenv("CW_COMPANY_ID"),
		PublicKey:  getenv("CW_PUBLIC_KEY"),
		PrivateKey: getenv("CW_PRIVATE_KEY"),
		ClientID:   getenv("CW_CLIENT_ID"),
	}
	if err := cfg.Validate(); err != nil {
		var ce *connectwise.ConfigError
		if errors.As(err, &ce) && psaVarOf[ce.Field] != "" {
			return nil, fmt.Errorf("%s: %w", psaVarOf[ce.Field], err)
		}
		return nil, err
	}
	return &PSA{Config: cfg}, nil
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
