package heimdal_test

// Fuzz target for the 200 bodies the heimdal client reads from the network
// (error responses are fuzzed for all four clients at once by
// internal/conformance's FuzzCheckResponse). CI runs the seeds (f.Add and
// testdata/fuzz/<Target>); search for new failures with
//
//	go test ./heimdal -run '^$' -fuzz '^FuzzDecodeHeimdal$' -fuzztime 20s

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/internal/testbody"
)

// fzKey is the API key the decoding fuzzer's client sends; no error may
// repeat it.
const fzKey = "fz-heimdal-key-0123456789abcdef"

// fzMaxCalls bounds how many requests one fuzz input may cause: a body
// claiming a huge totalCount legitimately makes the iterators ask for more
// pages, so past this the server answers an empty list.
const fzMaxCalls = 16

// fzClient returns a client whose requests all get a 200 with body (an
// empty list once fzMaxCalls is spent), retries off, every body tracked.
func fzClient(t *testing.T, body []byte) (*heimdal.Client, *testbody.Transport) {
	t.Helper()
	rt := &testbody.Transport{Answer: func(n int, _ *http.Request) (int, []byte) {
		if n > fzMaxCalls {
			return http.StatusOK, []byte(`[]`)
		}
		return http.StatusOK, body
	}}
	c, err := heimdal.NewClient(fzKey, heimdal.WithHTTPClient(&http.Client{Transport: rt}),
		heimdal.WithRateLimit(0, 1), heimdal.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, rt
}

// FuzzDecodeHeimdal proves that any 200 body on the customer, device,
// notification and alert lists, and through the All walks,
// gives values or an error, never a panic; that no error repeats the key;
// and that every body is closed.
func FuzzDecodeHeimdal(f *testing.F) {
	f.Add([]byte(`[{"id":"100","name":"Acme"}]`))
	f.Add([]byte(`{"items":[{"clientInfoId":"7","hostname":"ACME-WS01"}],"totalCount":1}`))
	f.Add([]byte(`{"items":[{"id":1,"module":"Disk","title":"Low disk","lastUpdate":"2024-05-01T10:00:00"}],"totalCount":1000000}`))
	f.Add([]byte(`{"message":"An error has occurred."}`))
	f.Add([]byte(`{"items":null,"totalCount":3}`))
	f.Add([]byte(`{"totalCount":3}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Add([]byte(`[{"id":{}}]`))
	f.Add([]byte(`<html>maintenance</html>`))
	f.Add([]byte(`[{"id":"1","created":"not a time","severity":12}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, rt := fzClient(t, body)
		ctx := context.Background()
		check := func(what string, err error) {
			t.Helper()
			if err != nil && strings.Contains(err.Error(), fzKey) {
				t.Fatalf("%s: error repeats the API key: %v", what, err)
			}
		}
		_, _, err := c.Customers.List(ctx, "100", nil)
		check("Customers.List", err)
		_, _, err = c.Devices.List(ctx, "100", nil)
		check("Devices.List", err)
		_, _, err = c.Devices.ListNotifications(ctx, "100", "7", nil)
		check("Devices.ListNotifications", err)
		_, _, err = c.CyberAlerts.List(ctx, "100", nil)
		check("CyberAlerts.List", err)
		_, _, err = c.M365.List(ctx, "100", nil)
		check("M365.List", err)
		n := 0
		for e, err := range c.CyberAlerts.All(ctx, "100", nil) {
			check("CyberAlerts.All", err)
			_, _ = heimdal.SectionCyberAlerts.LookupModule(e.Type)
			if n++; err != nil || n > 20 {
				break
			}
		}
		if open := rt.Unclosed(); len(open) > 0 {
			t.Fatalf("response bodies %v of %d not closed", open, rt.Calls())
		}
	})
}
