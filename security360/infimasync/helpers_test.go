package infimasync_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/security360test"
)

// storeSink delivers into the simulator's stand-in for the Training screen.
func storeSink(store *security360test.Store) infimasync.Sink {
	return infimasync.SinkFunc(func(_ context.Context, d infimasync.Delivery) error {
		store.Put(d.SiteKey(), string(d.Kind), d.Payload)
		return nil
	})
}

// newInfima returns a client for srv with the simulator's fast test options.
func newInfima(t testing.TB, srv *infimatest.Server, extra ...infima.Option) *infima.Client {
	t.Helper()
	c, err := infima.NewClient(srv.APIKey(), append(srv.ClientOptions(), extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// syntheticMappings maps every client of srv to its own made-up site: the
// sink addresses sites by key only, so no Asio is needed for sync tests.
func syntheticMappings(srv *infimatest.Server) []infimasync.Mapping {
	var ms []infimasync.Mapping
	for _, id := range srv.ClientIDs() {
		ms = append(ms, infimasync.Mapping{ClientID: id, CompanyID: fmt.Sprintf("co-%d", id), SiteID: fmt.Sprintf("site-%d", id)})
	}
	return ms
}

// memState is a StateStore in memory, standing in for a database so that
// a second Syncer can resume where the first stopped.
type memState struct {
	mu sync.Mutex
	m  map[infimasync.StateKey]string
}

func (s *memState) Load(context.Context) (map[infimasync.StateKey]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[infimasync.StateKey]string{}
	for k, v := range s.m {
		out[k] = v
	}
	return out, nil
}

func (s *memState) Save(_ context.Context, k infimasync.StateKey, fp string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[infimasync.StateKey]string{}
	}
	s.m[k] = fp
	return nil
}
