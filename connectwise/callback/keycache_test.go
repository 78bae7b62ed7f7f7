package callback_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/connectwise/callback"
)

// TestKeyCacheBoundsEntriesAndAge drives the cache through deliveries
// whose key URLs differ only by key id: with room for two keys, a third
// evicts the oldest, which must then be fetched again; and a key is
// fetched again once it is ttl old. The bounds are well below the
// defaults, so a handler that ignored WithKeyCache would fetch less.
func TestKeyCacheBoundsEntriesAndAge(t *testing.T) {
	const ttl = 10 * time.Minute
	ks := newKeyServer(t)
	rec := &recorder{}
	clock := newManualClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	// Replay detection off: the same delivery is sent again and again,
	// and only its key URL matters here.
	h := newHandler(t, ks, rec, callback.WithClock(clock.Now), callback.WithKeyCache(2, ttl), callback.WithReplayWindow(0, 0))
	deliver := func(keyID string, wantFetches int64) {
		t.Helper()
		body := withMember(t, "Metadata", map[string]any{"key_url": "https://example.com" + keyPath + "?companyName=Acme&id=" + keyID})
		if w := post(h, sign(testKey, body), body); w.Code != http.StatusNoContent {
			t.Fatalf("key %s: status %d: %s", keyID, w.Code, w.Body)
		}
		if got := ks.fetches.Load(); got != wantFetches {
			t.Fatalf("key %s: %d fetches, want %d", keyID, got, wantFetches)
		}
	}
	// Distinct fetch times make "the oldest" unambiguous.
	deliver("a", 1)
	clock.Advance(time.Second)
	deliver("b", 2)
	deliver("a", 2) // cached
	clock.Advance(time.Second)
	deliver("c", 3) // the cache is full: a, the oldest, goes
	deliver("b", 3) // cached
	deliver("a", 4) // evicted, so fetched again (and b, now the oldest, goes)
	deliver("c", 4) // cached
	deliver("b", 5)

	// b was fetched last, at the current time: it stays cached until it
	// is ttl old, and no longer.
	clock.Advance(ttl - time.Nanosecond)
	deliver("b", 5)
	clock.Advance(time.Nanosecond)
	deliver("b", 6)
}

// TestKeyTimeoutBoundsAFetch: a key host that accepts the request and
// never answers makes the delivery fail (502, ErrKeyUnavailable) when the
// configured timeout has passed, on the bubble's fake clock.
func TestKeyTimeoutBoundsAFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 3 * time.Second
		hc := &http.Client{Transport: silentKeyHost{}}
		h, err := callback.NewHandler(callback.Config{Site: "example.com", CompanyID: "acme"}, (&recorder{}).fn,
			callback.WithHTTPClient(hc), callback.WithKeyTimeout(timeout))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, got := h.Verify(t.Context(), knownSignature, fixture(t))
		if elapsed := time.Since(start); elapsed != timeout {
			t.Fatalf("the fetch gave up after %v, want %v", elapsed, timeout)
		}
		var re *callback.RejectError
		if !errors.As(got, &re) || re.Status != http.StatusBadGateway || !errors.Is(got, callback.ErrKeyUnavailable) {
			t.Fatalf("got %v, want a 502 ErrKeyUnavailable", got)
		}
		if !strings.Contains(re.Reason, "deadline exceeded") || strings.Contains(re.Reason, "e17e6674") {
			t.Fatalf("reason %q: want the deadline named and the key id left out", re.Reason)
		}
	})
}

// silentKeyHost accepts every request and answers none: it waits until
// the request's context ends.
type silentKeyHost struct{}

func (silentKeyHost) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}
