package infimasync_test

import (
	"fmt"
	"testing"

	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// newInfima returns a client for srv with the simulator's fast test options.
func newInfima(t testing.TB, srv *infimatest.Server, extra ...infima.Option) *infima.Client {
	t.Helper()
	c, err := infima.NewClient(srv.APIKey(), append(srv.ClientOptions(), extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// offlineAsio is an Asio client that is never called: runs do not read
// Asio, and sync tests map clients to made-up sites.
func offlineAsio(t testing.TB) *security360.Client {
	t.Helper()
	c, err := security360.NewClient(security360.Credentials{ClientID: "unused", ClientSecret: "unused-secret"},
		security360.WithBaseURL("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newSyncer builds a flow on store (a fresh memory store when nil) with
// mappings saved offline.
func newSyncer(t testing.TB, in *infima.Client, store flow.Store, sink infimasync.Sink, mappings []infimasync.Mapping, opts ...infimasync.Option) *infimasync.Syncer {
	t.Helper()
	if store == nil {
		store = flow.NewMemoryStore()
	}
	s, err := infimasync.New(in, offlineAsio(t), store, sink, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if mappings != nil {
		if err := infimasync.SaveMappingsOffline(t.Context(), s, mappings); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// syntheticMappings maps every client of srv to its own made-up site: the
// sink addresses sites by key only, so no Asio is needed for sync tests.
func syntheticMappings(srv *infimatest.Server) []infimasync.Mapping {
	var ms []infimasync.Mapping
	for _, id := range srv.ClientIDs() {
		ms = append(ms, infimasync.Mapping{InfimaClientID: id, CompanyID: fmt.Sprintf("co-%d", id), SiteID: fmt.Sprintf("site-%d", id)})
	}
	return ms
}
