package cluster_test

import (
	"context"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cluster"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/internal/redistest"
)

func TestStoreConformance(t *testing.T) {
	addr := redistest.Addr(t)
	flowtest.TestStore(t, func(t *testing.T) flow.Store {
		s, err := cluster.NewStore(context.Background(), clientFor(t, addr), cluster.WithPrefix(redistest.Prefix(t)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// Another worker (its own connection pool) opening the same prefix reads
// what the first wrote.
func TestStoreSharedAcrossWorkers(t *testing.T) {
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	flowtest.TestReopen(t, func(t *testing.T) flow.Store {
		s, err := cluster.NewStore(context.Background(), clientFor(t, addr), cluster.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// With appendonly on, flow state survives a Redis restart.
func TestStoreSurvivesRedisRestart(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAppendOnly())
	flowtest.TestReopen(t, func(t *testing.T) flow.Store {
		srv.Restart()
		s, err := cluster.NewStore(context.Background(), clientFor(t, srv.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
