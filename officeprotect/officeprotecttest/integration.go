package officeprotecttest

import (
	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/officeprotect"
)

// NewIntegration builds the PSA client from cfg and cwOpts as a host
// application would, and hands it, with a fresh in-memory store, to
// officeprotect.New. Tests that vary the PSA settings use it so that a bad
// setting is refused where a real host would see it refused: by
// connectwise.NewClient, as a *connectwise.ConfigError.
func NewIntegration(cfg connectwise.Config, src officeprotect.EventSource, cwOpts []connectwise.Option, opts ...officeprotect.Option) (*officeprotect.Integration, error) {
	c, err := connectwise.NewClient(cfg, cwOpts...)
	if err != nil {
		return nil, err
	}
	return officeprotect.New(c, src, flow.NewMemoryStore(), opts...)
}
