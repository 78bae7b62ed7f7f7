package infima_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/internal/simkit/simkittest"
)

// testKey is long and distinctive so that a leak anywhere is easy to spot.
const testKey = "ik_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

const base = infima.DefaultBaseURL

var fixedNow = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

// simClient starts a simulator and a client for it.
func simClient(t *testing.T, srvOpts []infimatest.Option, opts ...infima.Option) (*infima.Client, *infimatest.Server) {
	t.Helper()
	srv, c := simkittest.Start(t, infimatest.NewServer(append([]infimatest.Option{infimatest.WithClock(func() time.Time { return fixedNow })}, srvOpts...)...), func(srv *infimatest.Server) (*infima.Client, error) {
		return infima.NewClient(srv.APIKey(), append(srv.ClientOptions(), opts...)...)
	})
	return c, srv
}

// mockClient returns a client whose requests go to an httpmock transport.
func mockClient(t *testing.T, opts ...infima.Option) (*infima.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := infima.NewClient(testKey, append([]infima.Option{
		infima.WithHTTPClient(&http.Client{Transport: mt}),
		infima.WithRetry(4, time.Millisecond, 10*time.Millisecond),
		infima.WithRateLimit(0, 1),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

// recorder keeps the requests a responder saw, for wire assertions.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) add(req *http.Request) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
}

func (r *recorder) all() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

// pagedResponder serves n numbered objects with the API's paging rules
// (limit 1–50, default 20) and records every request.
func pagedResponder(t *testing.T, rec *recorder, n int, item func(i int) any) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		rec.add(req)
		q := req.URL.Query()
		limit, offset := 20, 0
		if v := q.Get("limit"); v != "" {
			limit, _ = strconv.Atoi(v)
		}
		if v := q.Get("offset"); v != "" {
			offset, _ = strconv.Atoi(v)
		}
		if limit < 1 || limit > 50 {
			return httpmock.NewStringResponse(400, `{"message":"limit must be between 1 and 50"}`), nil
		}
		items := []any{}
		for i := offset; i < min(offset+limit, n); i++ {
			items = append(items, item(i))
		}
		return httpmock.NewJsonResponse(200, map[string]any{"items": items, "total": n, "limit": limit, "offset": offset})
	}
}

func companyJSON(i int) any {
	return map[string]any{
		"id": i + 1, "client_name": fmt.Sprintf("Client %d", i+1),
		"user_count": 10, "inactive_user_count": 1,
		"phishing_click_rate_total": 25.0, "phishing_click_rate_last_year": 12.5,
		"training_on_track_rate": 80.0, "created_date": "2021-03-04T05:06:07Z",
	}
}
