package infima_test

// Fuzz target for the 200 bodies the infima client reads from the network
// (error responses are fuzzed for all four clients at once by
// internal/conformance's FuzzCheckResponse). CI runs the seeds (f.Add and
// testdata/fuzz/<Target>); search for new failures with
//
//	go test ./infima -run '^$' -fuzz '^FuzzDecodeINFIMA$' -fuzztime 20s

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/testbody"
)

// fzKey is the API key the decoding fuzzer's client sends; no error may
// repeat it.
const fzKey = "fz-infima-key-0123456789abcdef"

// fzMaxCalls bounds how many requests one fuzz input may cause: a body
// claiming a huge total legitimately makes the iterators ask for more
// pages, so past this the server answers an empty page.
const fzMaxCalls = 12

// fzClient returns a client whose requests all get a 200 with body (an
// empty page once fzMaxCalls is spent), retries off, every body tracked.
func fzClient(t *testing.T, body []byte) (*infima.Client, *testbody.Transport) {
	t.Helper()
	rt := &testbody.Transport{Answer: func(n int, _ *http.Request) (int, []byte) {
		if n > fzMaxCalls {
			return http.StatusOK, []byte(`{"items":[],"total":0}`)
		}
		return http.StatusOK, body
	}}
	c, err := infima.NewClient(fzKey, infima.WithHTTPClient(&http.Client{Transport: rt}),
		infima.WithRateLimit(0, 1), infima.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, rt
}

// FuzzDecodeINFIMA proves that any 200 body on any endpoint (partner,
// clients, users, and the reports built from them) gives a value or an
// error, never a panic; that syntactically broken JSON is a *DecodeError;
// that no error repeats the key; and that every body is closed.
func FuzzDecodeINFIMA(f *testing.F) {
	f.Add([]byte(`{"id":1,"name":"Partner","email":"p@example.com"}`))
	f.Add([]byte(`{"items":[{"id":3,"name":"Acme"}],"total":1,"limit":50,"offset":0}`))
	f.Add([]byte(`{"items":[{"id":"u1","first_name":"A","email":"a@example.com","status":"active","training_on_track":true,"phishing_tests":[{"sent_at":"2024-05-01T00:00:00Z","outcome":"clicked","campaign":"automatic"}]}],"total":1}`))
	f.Add([]byte(`{"items":[{}],"total":1000000000}`))
	f.Add([]byte(`{"items":null}`))
	f.Add([]byte(`{"total":3}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Add([]byte(`{"items":[{"id":"x"}]`))
	f.Add([]byte(`<html>maintenance</html>`))
	f.Add([]byte(`{"items":[{"next_course":{"due":"yesterday"},"created_at":12}],"total":-5}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, rt := fzClient(t, body)
		ctx := context.Background()
		check := func(what string, ok bool, err error) {
			t.Helper()
			if err == nil && !ok {
				t.Fatalf("%s: no value and no error for %q", what, body)
			}
			if err != nil && strings.Contains(err.Error(), fzKey) {
				t.Fatalf("%s: error repeats the API key: %v", what, err)
			}
			var raw json.RawMessage
			if json.NewDecoder(bytes.NewReader(body)).Decode(&raw) != nil {
				var de *infima.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("%s: broken JSON %q gave %v, want *DecodeError", what, body, err)
				}
			}
		}
		p, _, err := c.Partner.Get(ctx)
		check("Partner.Get", p != nil, err)
		_, _, err = c.Clients.List(ctx, nil)
		check("Clients.List", true, err)
		_, _, err = c.Users.List(ctx, 3, nil)
		check("Users.List", true, err)
		n := 0
		for _, err := range c.Clients.All(ctx, nil) {
			if n++; err != nil || n > 3 {
				break
			}
		}
		co, _, err := c.Clients.Find(ctx, 3)
		check("Clients.Find", co != nil, err)
		n = 0
		for _, err := range c.Users.All(ctx, 3, nil) {
			if n++; err != nil || n > 6 {
				break
			}
		}
		if open := rt.Unclosed(); len(open) > 0 {
			t.Fatalf("response bodies %v of %d not closed", open, rt.Calls())
		}
	})
}
