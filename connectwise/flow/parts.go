package flow

import (
	"fmt"
	"strings"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// NeedStore returns a *bridge.ConfigError of api (the flow's package name)
// when s is nil, else nil. Every flow's constructor calls it, so a missing
// store is reported with one field name ("Store") and one remedy whichever
// flow the caller built.
func NeedStore(api string, s Store) error {
	if s == nil {
		return &bridge.ConfigError{API: api, Field: "Store", Problem: "is nil: pass a flow.Store (flow.Open for a file, flow.NewMemoryStore)"}
	}
	return nil
}

// CheckInstance returns a *bridge.ConfigError of api (field "Instance")
// unless name can name a flow instance: it is one segment of every store
// key the instance writes, so an empty name or one with a "/" would mix
// its state with another instance's.
func CheckInstance(api, name string) error {
	if name == "" || strings.Contains(name, "/") {
		return &bridge.ConfigError{API: api, Field: "Instance", Problem: `must be non-empty and contain no "/"`}
	}
	return nil
}

// MappingError returns the *bridge.ConfigError of api for field of the
// i-th mapping, named by its Go path ("Mappings[2].SiteID"), so that every
// flow's ValidateMappings points at a bad mapping the same way.
func MappingError(api string, i int, field, problem string) error {
	return &bridge.ConfigError{API: api, Field: fmt.Sprintf("Mappings[%d].%s", i, field), Problem: problem}
}
