package infimasync

import (
	"context"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// SaveMappingsOffline stores ms after ValidateMappings only, without
// checking the sites in Asio, so sync tests can address made-up sites (the
// sink keys deliveries by site, so no Asio is needed for a run).
func SaveMappingsOffline(ctx context.Context, s *Syncer, ms []Mapping) error {
	if err := ValidateMappings(ms); err != nil {
		return err
	}
	return flow.PutJSON(ctx, s.store, s.keys.mappings(), mappingsDoc{Version: stateVersion, Mappings: ms})
}
