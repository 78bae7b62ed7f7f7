package security360_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
)

// Asio's headers say the family's quota is spent until Reset; the next
// request of that family waits for Reset instead of drawing a 429, while
// other families go on. The header spelling on the wire is unconfirmed,
// so the X-RateLimit- form is used here (the bare form is what the
// simulator sends).
func TestWirePacesUntilReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", (&tokenServer{}).respond)
		reset := time.Now().Add(10 * time.Minute)
		var sent []time.Duration
		start := time.Now()
		mt.RegisterResponder(http.MethodGet, companiesURL, func(*http.Request) (*http.Response, error) {
			sent = append(sent, time.Since(start))
			r := httpmock.NewStringResponse(http.StatusOK, `[]`)
			r.Header.Set("X-RateLimit-Limit", "10")
			r.Header.Set("X-RateLimit-Remaining", "0")
			r.Header.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			return r, nil
		})
		mt.RegisterResponder(http.MethodGet, wireBase+"/v1/rate_limits", httpmock.NewStringResponder(http.StatusOK, `{"resources":{}}`))
		c := wireClient(t, mt)
		ctx := context.Background()
		for range 2 {
			if _, _, err := c.Companies.List(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.RateLimits(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if len(sent) != 2 || sent[0] != 0 || sent[1] != 10*time.Minute {
			t.Errorf("companies requests sent at %v, want [0s 10m0s]", sent)
		}
		if time.Since(start) != 10*time.Minute {
			t.Errorf("took %v; the other family must not wait", time.Since(start))
		}
	})
}
