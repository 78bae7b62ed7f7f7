// Package psaenv chooses the PSA an example talks to: the one the CW_*
// variables name, or the embedded simulator when none is set, with one
// message for a missing or bad variable in every example.
package psaenv

import (
	"errors"
	"fmt"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/examples/internal/exampleenv"
)

// Vars are the variables that select a real PSA, in the order messages
// name them.
var Vars = []string{"CW_SITE", "CW_COMPANY_ID", "CW_PUBLIC_KEY", "CW_PRIVATE_KEY", "CW_CLIENT_ID"}

// varOf maps a connectwise.Config field to the variable that sets it,
// so a validation error points at what the user typed.
var varOf = map[string]string{
	"Site": "CW_SITE", "CompanyID": "CW_COMPANY_ID", "PublicKey": "CW_PUBLIC_KEY",
	"PrivateKey": "CW_PRIVATE_KEY", "ClientID": "CW_CLIENT_ID",
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

// Config returns the PSA named by the CW_* variables read through
// getenv, or, when none is set, a started simulator built with opts. The
// values are validated before anything is sent; a bad one is reported as
// its variable (the *connectwise.ConfigError stays reachable with
// errors.As), and no value is quoted, since it may be a key.
func Config(getenv func(string) string, opts ...cwtest.Option) (*PSA, error) {
	real, err := exampleenv.AllOrNone(getenv, Vars...)
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
		if errors.As(err, &ce) && varOf[ce.Field] != "" {
			return nil, fmt.Errorf("%s: %w", varOf[ce.Field], err)
		}
		return nil, err
	}
	return &PSA{Config: cfg}, nil
}
