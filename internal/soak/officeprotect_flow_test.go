package soak_test

import (
	"github.com/psabridge/psabridge/connectwise"
	flowstate "github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/officeprotect"
)

// newOfficeProtect builds the PSA client a host application would and
// hands it, with a fresh in-memory store, to the Office Protect flow.
func newOfficeProtect(cfg connectwise.Config, src officeprotect.EventSource, cwOpts []connectwise.Option, opts ...officeprotect.Option) (*officeprotect.Integration, error) {
	c, err := connectwise.NewClient(cfg, cwOpts...)
	if err != nil {
		return nil, err
	}
	return officeprotect.New(c, src, flowstate.NewMemoryStore(), opts...)
}
