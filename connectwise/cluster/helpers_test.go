package cluster_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/psabridge/psabridge/internal/redistest"
	"github.com/psabridge/psabridge/internal/testbody"
)

// newRedis returns a client of the shared test Redis and a key prefix no
// other test uses.
func newRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	return clientFor(t, redistest.Addr(t)), redistest.Prefix(t)
}

// clientFor connects to addr; each call is a separate connection pool, as a
// separate worker process would have.
func clientFor(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200e6, ReadTimeout: 500e6, WriteTimeout: 500e6})
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", addr, err)
	}
	return rdb
}

// logBuffer collects slog records for assertions.
type logBuffer struct{ testbody.Buffer }

func (b *logBuffer) count(s string) int { return strings.Count(b.String(), s) }

func newLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
