package conformance_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/connectwise/apitest"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/security360test"
)

// testServer is the vocabulary package apitest promises: every simulator
// must satisfy it, or this file does not compile.
type testServer interface {
	Requests() []apitest.Request
	CountRequests(method, pathContains string) int
	ResetRequests()
	Throttled() int
	InjectFault(apitest.Fault)
	InjectStatus(status, times int)
	ClearFaults()
	SetRateLimit(perSecond float64, burst int)
	SetLatency(time.Duration)
	Handler() http.Handler
	Transport() http.RoundTripper
	Client() *http.Client
	Start()
	Close()
}

// simCase is one simulator with a GET it serves and the credentials it
// wants.
type simCase struct {
	name string
	srv  testServer
	path string
	auth func(t *testing.T, r *http.Request)
}

func simCases() []simCase {
	psa := cwtest.NewUnstartedServer()
	hd := heimdaltest.NewUnstartedServer()
	inf := infimatest.NewUnstartedServer()
	asio := security360test.NewUnstartedServer()
	return []simCase{
		{"cwtest", psa, "/v2025_1/apis/3.0/service/boards", func(_ *testing.T, r *http.Request) {
			cfg := psa.Config()
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cfg.CompanyID+"+"+cfg.PublicKey+":"+cfg.PrivateKey)))
			r.Header.Set("clientId", cfg.ClientID)
		}},
		{"heimdaltest", hd, heimdaltest.APIPrefix + "/customers?customerId=" + heimdaltest.ResellerID, func(_ *testing.T, r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+hd.APIKey())
		}},
		{"infimatest", inf, "/v1/partner", func(_ *testing.T, r *http.Request) {
			r.Header.Set("X-API-Key", inf.APIKey())
		}},
		{"security360test", asio, "/api/platform/v1/company/companies", func(t *testing.T, r *http.Request) {
			creds := asio.Credentials()
			body := `{"grant_type":"client_credentials","client_id":"` + creds.ClientID + `","client_secret":"` + creds.ClientSecret + `"}`
			resp, err := asio.Client().Post("http://asio.invalid/v1/token", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
				t.Fatalf("token: %d %v", resp.StatusCode, err)
			}
			r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		}},
	}
}

// get sends a GET in memory, with credentials when auth is set, and
// returns the status and Retry-After.
func (c simCase) get(t *testing.T, withAuth bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://sim.invalid"+c.path, nil)
	if withAuth {
		c.auth(t, req)
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// apiRequests drops the token requests security360test logs too.
func apiRequests(rs []apitest.Request) []apitest.Request {
	var out []apitest.Request
	for _, r := range rs {
		if r.Path != "/v1/token" {
			out = append(out, r)
		}
	}
	return out
}

// TestSimulatorsShareOneVocabulary drives the four simulators through the
// same controls and expects the same behaviour: one pipeline order (log,
// fault, credentials, rate limit), one fault shape, one request log.
func TestSimulatorsShareOneVocabulary(t *testing.T) {
	for _, c := range simCases() {
		t.Run(c.name, func(t *testing.T) {
			// The fake clock of a synctest bubble stops the limiter from
			// refilling between calls, so the 429s below are certain.
			synctest.Test(t, func(t *testing.T) {
				if st, _ := c.get(t, true); st != http.StatusOK {
					t.Fatalf("plain call: %d", st)
				}
				c.srv.ResetRequests()

				// An injected fault answers before the credentials are
				// looked at, with the Retry-After InjectStatus promises.
				c.srv.InjectStatus(http.StatusServiceUnavailable, 1)
				if st, ra := c.get(t, false); st != http.StatusServiceUnavailable || ra != "1" {
					t.Errorf("injected 503: %d Retry-After %q", st, ra)
				}
				// A rejected credential costs no rate-limit token: after
				// three of them the burst of one is still there.
				c.srv.SetRateLimit(1, 1)
				for range 3 {
					if st, _ := c.get(t, false); st != http.StatusUnauthorized {
						t.Fatalf("no credentials: %d", st)
					}
				}
				if st, _ := c.get(t, true); st != http.StatusOK {
					t.Errorf("first call within the limit: %d", st)
				}
				if st, ra := c.get(t, true); st != http.StatusTooManyRequests || ra != "1" {
					t.Errorf("over the limit: %d Retry-After %q", st, ra)
				}
				c.srv.SetRateLimit(0, 0)
				if c.srv.Throttled() != 1 {
					t.Errorf("Throttled = %d, want 1", c.srv.Throttled())
				}

				// A write-that-never-answers fault is a transport error.
				c.srv.InjectFault(apitest.Fault{PathContains: strings.SplitN(c.path, "?", 2)[0], DropAfterWrite: true, Times: 1})
				req, _ := http.NewRequest(http.MethodGet, "http://sim.invalid"+c.path, nil)
				c.auth(t, req)
				if resp, err := c.srv.Client().Do(req); err == nil {
					resp.Body.Close()
					t.Errorf("DropAfterWrite: got %d, want a transport error", resp.StatusCode)
				}

				want := []int{503, 401, 401, 401, 200, 429, 200}
				got := apiRequests(c.srv.Requests())
				if len(got) != len(want) {
					t.Fatalf("logged %d API requests, want %d: %+v", len(got), len(want), got)
				}
				for i, w := range want {
					if got[i].Status != w || got[i].Method != http.MethodGet {
						t.Errorf("request %d: %+v, want status %d", i, got[i], w)
					}
				}
				if !got[len(got)-1].Dropped {
					t.Error("the dropped request is not marked Dropped")
				}
				if n := c.srv.CountRequests("get", strings.ToUpper(strings.SplitN(c.path, "?", 2)[0])); n != len(want) {
					t.Errorf("CountRequests = %d, want %d", n, len(want))
				}
				c.srv.ResetRequests()
				if len(c.srv.Requests()) != 0 || c.srv.CountRequests("", "") != 0 || c.srv.Throttled() != 0 {
					t.Error("ResetRequests left something")
				}
			})
		})
	}
}
