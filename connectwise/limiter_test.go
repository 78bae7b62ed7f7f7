package connectwise_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
)

// recordingLimiter is a bridge.Limiter that counts what the transport
// tells it, as a shared (Redis) limiter would see it.
type recordingLimiter struct {
	waits, successes atomic.Int32
	mu               sync.Mutex
	throttled        []time.Duration
}

func (l *recordingLimiter) Wait(ctx context.Context) error { l.waits.Add(1); return ctx.Err() }
func (l *recordingLimiter) Succeeded()                     { l.successes.Add(1) }
func (l *recordingLimiter) Throttled(wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.throttled = append(l.throttled, wait)
}

// TestWithLimiterPacesEveryAttempt checks that a caller's limiter replaces
// the built-in one: every attempt, retries included, waits on it, and it
// hears of each 429 with the server's Retry-After and of each success.
func TestWithLimiterPacesEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"version":"v2025.1"}`))
	}))
	defer srv.Close()
	lim := &recordingLimiter{}
	// The server's Retry-After of 7s is capped so the test does not sleep
	// for it; the limiter hears the capped wait.
	c, err := connectwise.NewClient(connectwise.Config{Site: srv.URL, CompanyID: "acme", PublicKey: "pub12345", PrivateKey: "priv12345", ClientID: "0b5b1c3e-0000-4000-8000-000000000000", Codebase: "v2025_1/"},
		connectwise.WithLimiter(lim),
		connectwise.WithRetry(2, time.Millisecond, time.Millisecond),
		connectwise.WithMaxRetryAfter(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := c.System.Info(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lim.waits.Load(); got != 2 {
		t.Errorf("limiter waits = %d, want 2 (one per attempt)", got)
	}
	if got := lim.successes.Load(); got != 1 {
		t.Errorf("limiter successes = %d, want 1", got)
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if len(lim.throttled) != 1 || lim.throttled[0] != time.Millisecond {
		t.Errorf("limiter throttled = %v, want one 429 with the capped wait 1ms", lim.throttled)
	}
	if got := c.Throttled(); got != 1 {
		t.Errorf("client Throttled() = %d, want 1", got)
	}
}
