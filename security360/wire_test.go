package security360_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/security360"
)

const (
	wireBase     = "https://asio.test"
	wireClientID = "0e30-wire-client"
	wireSecret   = "sekret-VALUE-4242"
	companiesURL = wireBase + "/api/platform/v1/company/companies"
)

// wireClient builds a client whose HTTP goes to mt, with no client-side
// rate limit and no retries unless opts add them.
func wireClient(t testing.TB, mt *httpmock.MockTransport, opts ...security360.Option) *security360.Client {
	t.Helper()
	all := append([]security360.Option{
		security360.WithBaseURL(wireBase),
		security360.WithHTTPClient(&http.Client{Transport: mt}),
		security360.WithRateLimit(0, 1),
		security360.WithRetry(0, time.Millisecond, time.Millisecond),
	}, opts...)
	c, err := security360.NewClient(security360.Credentials{ClientID: wireClientID, ClientSecret: wireSecret}, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tokenServer issues tok-1, tok-2... and records each request.
type tokenServer struct {
	expiresIn string // raw JSON value; empty omits the field
	mu        sync.Mutex
	bodies    []map[string]string
	headers   []http.Header
}

func (ts *tokenServer) respond(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return httpmock.NewStringResponse(http.StatusBadRequest, `{"error":"invalid_request"}`), nil
	}
	ts.mu.Lock()
	ts.bodies = append(ts.bodies, m)
	ts.headers = append(ts.headers, req.Header.Clone())
	n := len(ts.bodies)
	ts.mu.Unlock()
	body := fmt.Sprintf(`{"access_token":"tok-%d","token_type":"Bearer"`, n)
	if ts.expiresIn != "" {
		body += `,"expires_in":` + ts.expiresIn
	}
	return httpmock.NewStringResponse(http.StatusOK, body+"}"), nil
}

func (ts *tokenServer) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.bodies)
}

// authRecorder answers with body and records each Authorization header.
type authRecorder struct {
	mu    sync.Mutex
	auths []string
	body  string
}

func (a *authRecorder) respond(req *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.auths = append(a.auths, req.Header.Get("Authorization"))
	a.mu.Unlock()
	return httpmock.NewStringResponse(http.StatusOK, a.body), nil
}

func (a *authRecorder) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.auths) == 0 {
		return ""
	}
	return a.auths[len(a.auths)-1]
}

func TestWireTokenRequestAndBearer(t *testing.T) {
	mt := httpmock.NewMockTransport()
	ts := &tokenServer{expiresIn: "3600"}
	mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", ts.respond)
	var apiReq *http.Request
	mt.RegisterResponder(http.MethodGet, companiesURL, func(req *http.Request) (*http.Response, error) {
		apiReq = req
		return httpmock.NewStringResponse(http.StatusOK, `[{"id":"c1","name":"Acme Corp","friendlyName":"Acme"}]`), nil
	})
	c := wireClient(t, mt)
	companies, _, err := c.Companies.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(companies) != 1 || companies[0].ID != "c1" || companies[0].DisplayName() != "Acme" {
		t.Errorf("companies = %+v", companies)
	}

	want := map[string]string{
		"grant_type":    "client_credentials",
		"client_id":     wireClientID,
		"client_secret": wireSecret,
		"scope":         "platform.companies.read platform.sites.read platform.sites.write",
	}
	if ts.count() != 1 || fmt.Sprint(ts.bodies[0]) != fmt.Sprint(want) {
		t.Errorf("token request body = %v, want %v", ts.bodies, want)
	}
	h := ts.headers[0]
	if h.Get("Content-Type") != "application/json" || h.Get("Accept") != "application/json" || h.Get("Authorization") != "" {
		t.Errorf("token request headers = %v", h)
	}
	if got := apiReq.Header.Get("Authorization"); got != "Bearer tok-1" {
		t.Errorf("API Authorization = %q, want Bearer tok-1", got)
	}
	if apiReq.Header.Get("Accept") != "application/json" || apiReq.Body != nil && apiReq.ContentLength > 0 {
		t.Errorf("API request headers = %v", apiReq.Header)
	}
}

func TestWireCustomScopeIsNormalised(t *testing.T) {
	mt := httpmock.NewMockTransport()
	ts := &tokenServer{}
	mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", ts.respond)
	mt.RegisterResponder(http.MethodGet, wireBase+"/v1/rate_limits", httpmock.NewStringResponder(http.StatusOK,
		// The documented shape (partner API 2.2.8, connectwise/WIREFACTS.md N11).
		`{"resources":{"alerts":{"create-alert":{"limit":35,"remaining":34,"reset":1603785300}},"service":{"rate-limit":{"limit":"500","remaining":12,"reset":1603785300},"other":{"limit":500,"remaining":40,"reset":1603785300}}}}`))
	c, err := security360.NewClient(
		security360.Credentials{ClientID: wireClientID, ClientSecret: wireSecret, Scope: "  platform.companies.read   security.security360.write "},
		security360.WithBaseURL(wireBase), security360.WithHTTPClient(&http.Client{Transport: mt}), security360.WithRateLimit(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	rl, _, err := c.RateLimits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := ts.bodies[0]["scope"]; got != "platform.companies.read security.security360.write" {
		t.Errorf("scope = %q", got)
	}
	name, q, ok := rl.Family("service")
	if !ok || name != "rate-limit" || q.Limit != 500 || q.Remaining != 12 || q.Reset.Unix() != 1603785300 {
		t.Errorf("service family = %q %+v %v", name, q, ok)
	}
	if a := rl.Resources["alerts"]["create-alert"]; a.Limit != 35 || a.Remaining != 34 {
		t.Errorf("alerts = %+v", a)
	}
}

func TestWireTokenRefreshedBeforeExpiry(t *testing.T) {
	for _, tc := range []struct {
		name        string
		expiresIn   string
		stillCached time.Duration // elapsed time at which tok-1 must still be used
		refreshedBy time.Duration // elapsed time by which tok-2 must be used
	}{
		{"hour token refreshed in its last minute", "3600", 58 * time.Minute, 59*time.Minute + 30*time.Second},
		{"expires_in as a string", `"3600"`, 58 * time.Minute, 59*time.Minute + 30*time.Second},
		{"short token refreshed at half life", "10", 4 * time.Second, 6 * time.Second},
		{"missing expires_in means an hour", "", 58 * time.Minute, 59*time.Minute + 30*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mt := httpmock.NewMockTransport()
				ts := &tokenServer{expiresIn: tc.expiresIn}
				api := &authRecorder{body: `[]`}
				mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", ts.respond)
				mt.RegisterResponder(http.MethodGet, companiesURL, api.respond)
				c := wireClient(t, mt)
				call := func() {
					t.Helper()
					if _, _, err := c.Companies.List(context.Background(), nil); err != nil {
						t.Fatal(err)
					}
				}
				start := time.Now()
				call()
				time.Sleep(tc.stillCached - time.Since(start))
				call()
				if ts.count() != 1 || api.last() != "Bearer tok-1" {
					t.Fatalf("at %v: %d token requests, auth %q; want the cached tok-1", tc.stillCached, ts.count(), api.last())
				}
				time.Sleep(tc.refreshedBy - time.Since(start))
				call()
				if ts.count() != 2 || api.last() != "Bearer tok-2" {
					t.Fatalf("at %v: %d token requests, auth %q; want a fresh tok-2", tc.refreshedBy, ts.count(), api.last())
				}
			})
		})
	}
}

func TestWireWaitingCallerHonoursItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		release := make(chan struct{})
		ts := &tokenServer{expiresIn: "3600"}
		mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", func(req *http.Request) (*http.Response, error) {
			<-release
			return ts.respond(req)
		})
		mt.RegisterResponder(http.MethodGet, companiesURL, httpmock.NewStringResponder(http.StatusOK, `[]`))
		c := wireClient(t, mt)

		leader := make(chan error, 1)
		go func() {
			_, _, err := c.Companies.List(context.Background(), nil)
			leader <- err
		}()
		synctest.Wait() // the leader is now stuck in the token request

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := c.Companies.List(ctx, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waiter err = %v, want deadline exceeded", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("waiter gave up after %v, want its 1s deadline", waited)
		}
		close(release)
		if err := <-leader; err != nil {
			t.Fatal(err)
		}
		if ts.count() != 1 {
			t.Errorf("token requests = %d, want 1", ts.count())
		}
	})
}

func TestWireWaiterTakesOverWhenLeaderIsCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		ts := &tokenServer{expiresIn: "3600"}
		var mu sync.Mutex
		calls := 0
		mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", func(req *http.Request) (*http.Response, error) {
			mu.Lock()
			calls++
			first := calls == 1
			mu.Unlock()
			if first {
				<-req.Context().Done()
				return nil, req.Context().Err()
			}
			return ts.respond(req)
		})
		mt.RegisterResponder(http.MethodGet, companiesURL, httpmock.NewStringResponder(http.StatusOK, `[]`))
		c := wireClient(t, mt)

		leaderCtx, cancelLeader := context.WithCancel(context.Background())
		leader := make(chan error, 1)
		go func() {
			_, _, err := c.Companies.List(leaderCtx, nil)
			leader <- err
		}()
		synctest.Wait()
		waiter := make(chan error, 1)
		go func() {
			_, _, err := c.Companies.List(context.Background(), nil)
			waiter <- err
		}()
		synctest.Wait()
		cancelLeader()
		if err := <-leader; !errors.Is(err, context.Canceled) {
			t.Errorf("leader err = %v, want canceled", err)
		}
		if err := <-waiter; err != nil {
			t.Errorf("waiter err = %v, want success with its own token request", err)
		}
		if calls != 2 {
			t.Errorf("token requests = %d, want 2", calls)
		}
	})
}

// Other products' entries carry platform-assigned id, siteId and
// backsynced (partner API 2.2.8); a mapping write touches only its own
// entry with element-level operations, so theirs are never rewritten.
func TestWirePatchExternalIDs(t *testing.T) {
	siteURL := companiesURL + "/c1/sites/s1"
	other := `{"backsynced":true,"externalId":"old","id":"e-1","productId":"manage","productInstanceId":"m1","siteId":"s1"}`
	for _, tc := range []struct {
		name string
		site string
		want string
	}{
		{"append next to another product's entry", `{"id":"s1","name":"HQ","externalIds":[` + other + `]}`,
			`[{"op":"add","path":"/externalIds/-","value":{"externalId":"42","productId":"infima","productInstanceId":"p1"}}]`},
		{"add a missing member", `{"id":"s1","name":"HQ"}`,
			`[{"op":"add","path":"/externalIds","value":[{"externalId":"42","productId":"infima","productInstanceId":"p1"}]}]`},
		{"change only our own entry", `{"id":"s1","name":"HQ","externalIds":[` + other + `,{"externalId":"7","id":"e-2","productId":"infima","productInstanceId":"p1","siteId":"s1","backsynced":true},{"externalId":"8","productId":"infima"}]}`,
			`[{"op":"test","path":"/externalIds/2/productId","value":"infima"},{"op":"remove","path":"/externalIds/2"},` +
				`{"op":"test","path":"/externalIds/1/productId","value":"infima"},{"op":"replace","path":"/externalIds/1/externalId","value":"42"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", (&tokenServer{}).respond)
			mt.RegisterResponder(http.MethodGet, siteURL, httpmock.NewStringResponder(http.StatusOK, tc.site))
			var patch *http.Request
			var patchBody []byte
			mt.RegisterResponder(http.MethodPatch, siteURL, func(req *http.Request) (*http.Response, error) {
				patch = req
				patchBody, _ = io.ReadAll(req.Body)
				return httpmock.NewStringResponse(http.StatusOK, `{"id":"s1","name":"HQ","externalIds":[`+other+`,{"externalId":"42","productId":"infima","productInstanceId":"p1"}]}`), nil
			})
			c := wireClient(t, mt)
			site, changed, err := c.Sites.SetExternalID(context.Background(), "c1", "s1",
				security360.ExternalID{ExternalID: "42", ProductID: "infima", ProductInstanceID: "p1"})
			if err != nil || !changed {
				t.Fatalf("changed=%v err=%v", changed, err)
			}
			if string(patchBody) != tc.want {
				t.Errorf("PATCH body =\n%s\nwant\n%s", patchBody, tc.want)
			}
			if ct := patch.Header.Get("Content-Type"); ct != "application/json-patch+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if auth := patch.Header.Get("Authorization"); auth != "Bearer tok-1" {
				t.Errorf("Authorization = %q", auth)
			}
			if e, ok := site.ExternalIDFor("infima"); !ok || e.ExternalID != "42" || site.CompanyID != "c1" {
				t.Errorf("returned site = %+v", site)
			}
			if e, _ := site.ExternalIDFor("manage"); e.ID != "e-1" || !e.Backsynced || e.SiteID != "s1" {
				t.Errorf("other product's entry = %+v", e)
			}
		})
	}
}

func TestWireUnknownPatchOutcomeIsLookedUp(t *testing.T) {
	siteURL := companiesURL + "/c1/sites/s1"
	before := `{"id":"s1","name":"HQ","externalIds":[]}`
	after := `{"id":"s1","name":"HQ","externalIds":[{"externalId":"42","productId":"infima"}]}`
	for _, tc := range []struct {
		name        string
		secondGet   string
		wantPatches int
	}{
		{"write landed", after, 1},
		{"write lost", before, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", (&tokenServer{}).respond)
			mt.RegisterResponder(http.MethodGet, siteURL,
				httpmock.NewStringResponder(http.StatusOK, before).Once().
					Then(httpmock.NewStringResponder(http.StatusOK, tc.secondGet)))
			mt.RegisterResponder(http.MethodPatch, siteURL,
				httpmock.NewStringResponder(http.StatusBadGateway, `{"message":"upstream timeout"}`).Once().
					Then(httpmock.NewStringResponder(http.StatusOK, after)))
			c := wireClient(t, mt)
			site, changed, err := c.Sites.SetExternalID(context.Background(), "c1", "s1", security360.ExternalID{ExternalID: "42", ProductID: "infima"})
			if err != nil || !changed {
				t.Fatalf("changed=%v err=%v", changed, err)
			}
			if _, ok := site.ExternalIDFor("infima"); !ok {
				t.Errorf("site = %+v", site)
			}
			if n := mt.GetCallCountInfo()["PATCH "+siteURL]; n != tc.wantPatches {
				t.Errorf("PATCH requests = %d, want %d", n, tc.wantPatches)
			}
		})
	}
}

func TestWireUnknownPatchOutcomeSurfaces(t *testing.T) {
	siteURL := companiesURL + "/c1/sites/s1"
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", (&tokenServer{}).respond)
	mt.RegisterResponder(http.MethodGet, siteURL, httpmock.NewStringResponder(http.StatusOK, `{"id":"s1","name":"HQ"}`))
	mt.RegisterResponder(http.MethodPatch, siteURL, httpmock.NewStringResponder(http.StatusGatewayTimeout, `{"message":"timeout"}`))
	c := wireClient(t, mt)
	_, _, err := c.Sites.Patch(context.Background(), "c1", "s1", security360.PatchOp{Op: "add", Path: "/name", Value: "x"})
	var ou *security360.OutcomeUnknownError
	var apiErr *security360.Error
	if !errors.As(err, &ou) || !security360.IsOutcomeUnknown(err) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("err = %v, want OutcomeUnknownError wrapping a 504 *Error", err)
	}
}

func TestWireListShapesAndLinks(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", (&tokenServer{}).respond)
	mt.RegisterResponderWithQuery(http.MethodGet, companiesURL, "limit=1",
		httpmock.NewStringResponder(http.StatusOK, `{"data":[{"id":"c1","name":"A"}],"total":3}`).
			HeaderSet(http.Header{"Link": {`<https://asio.test/api/platform/v1/company/companies?limit=1&cursor=0>; rel="first", <https://asio.test/api/platform/v1/company/companies?fields=id,name&limit=1&cursor=p2>; rel="next"`}}))
	mt.RegisterResponderWithQuery(http.MethodGet, companiesURL, "fields=id,name&limit=1&cursor=p2",
		httpmock.NewStringResponder(http.StatusOK, `{"companies":[{"id":"c2","name":"B"}]}`).
			HeaderSet(http.Header{"Link": {`<https://evil.test/steal?cursor=p3>; rel="next"`}}))
	c := wireClient(t, mt)

	_, resp, err := c.Companies.List(context.Background(), &security360.ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if resp.NextCursor != "p2" {
		t.Errorf("NextCursor = %q, want p2", resp.NextCursor)
	}
	var ids []string
	for co, err := range c.Companies.All(context.Background(), &security360.ListOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, co.ID)
	}
	// The link to another host is dropped, so the token never goes there.
	if fmt.Sprint(ids) != "[c1 c2]" {
		t.Errorf("ids = %v, want [c1 c2]", ids)
	}
}

func TestWirePagingLoopIsAnError(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", (&tokenServer{}).respond)
	mt.RegisterResponder(http.MethodGet, companiesURL,
		httpmock.NewStringResponder(http.StatusOK, `[{"id":"c1","name":"A"}]`).
			HeaderSet(http.Header{"Link": {`<` + companiesURL + `?cursor=same>; rel="next"`}}))
	c := wireClient(t, mt)
	var got int
	var lastErr error
	for _, err := range c.Companies.All(context.Background(), nil) {
		if err != nil {
			lastErr = err
			break
		}
		got++
	}
	if lastErr == nil || !strings.Contains(lastErr.Error(), "paging loop") || got != 2 {
		t.Errorf("got %d items, err %v; want 2 items then a paging-loop error", got, lastErr)
	}
}

func TestWireNoTokenOrSecretLeaks(t *testing.T) {
	var logs bytes.Buffer
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", (&tokenServer{expiresIn: "3600"}).respond)
	echo := fmt.Sprintf(`{"code":"NotFound","message":"no company for token tok-1 and secret %s"}`, wireSecret)
	mt.RegisterResponder(http.MethodGet, companiesURL+"/c9", httpmock.NewStringResponder(http.StatusNotFound, echo))
	mt.RegisterResponder(http.MethodGet, companiesURL+"/c1", httpmock.NewStringResponder(http.StatusOK, `{"id":"c1","name":"A"}`))
	c := wireClient(t, mt, security360.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))

	_, resp404, err := c.Companies.Get(context.Background(), "c9")
	if err == nil {
		t.Fatal("want an error")
	}
	_, resp, err2 := c.Companies.Get(context.Background(), "c1")
	if err2 != nil {
		t.Fatal(err2)
	}
	outputs := map[string]string{
		"error":          err.Error(),
		"error %+v":      fmt.Sprintf("%+v", err),
		"response %+v":   fmt.Sprintf("%+v", resp),
		"response %#v":   fmt.Sprintf("%#v", resp),
		"404 resp %+v":   fmt.Sprintf("%+v", resp404),
		"client %+v":     fmt.Sprintf("%+v", c),
		"client %#v":     fmt.Sprintf("%#v", c),
		"request header": fmt.Sprint(resp.Request.Header),
		"logs":           logs.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "tok-1") || strings.Contains(out, wireSecret) {
			t.Errorf("%s leaks the token or secret: %s", name, out)
		}
	}
	if !strings.Contains(err.Error(), httpx.Redacted) {
		t.Errorf("echoed credentials were not replaced: %s", err)
	}
	if logs.Len() == 0 {
		t.Error("logger received nothing; the leak check on logs proves nothing")
	}
}

func TestWireTokenEndpointFailures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		code     string
		says     string
		rejected bool
	}{
		{"invalid client", 401, `{"error":"invalid_client","error_description":"bad secret ` + wireSecret + `"}`, "invalid_client", "client ID or client secret", true},
		{"bad request invalid client", 400, `{"error":"invalid_client"}`, "invalid_client", "client ID or client secret", true},
		{"invalid scope", 400, `{"error":"invalid_scope"}`, "invalid_scope", "scope", false},
		{"locked key", 423, `{"message":"locked"}`, "locked", "locked", false},
		{"no token", 200, `{"token_type":"Bearer"}`, "invalid_response", "usable access token", false},
		{"not bearer", 200, `{"access_token":"x","token_type":"mac"}`, "invalid_response", "Bearer", false},
		{"not json", 200, `<html>`, "invalid_response", "usable access token", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token", httpmock.NewStringResponder(tc.status, tc.body))
			c := wireClient(t, mt)
			_, _, err := c.Companies.List(context.Background(), nil)
			var te *security360.TokenError
			if !errors.As(err, &te) || te.Code != tc.code {
				t.Fatalf("err = %v, want TokenError %s", err, tc.code)
			}
			if errors.Is(err, security360.ErrCredentialsRejected) != tc.rejected {
				t.Errorf("errors.Is(ErrCredentialsRejected) = %v, want %v", !tc.rejected, tc.rejected)
			}
			if !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), wireSecret) {
				t.Errorf("message %q: want it to say %q and not hold the secret", err, tc.says)
			}
			if n := mt.GetCallCountInfo()["GET "+companiesURL]; n != 0 {
				t.Errorf("%d API calls without a token", n)
			}
		})
	}
}

func TestWireTokenOutcomeUnknownIsRetriedOnce(t *testing.T) {
	mt := httpmock.NewMockTransport()
	ts := &tokenServer{expiresIn: "3600"}
	mt.RegisterResponder(http.MethodPost, wireBase+"/v1/token",
		httpmock.NewErrorResponder(errors.New("connection reset by peer")).Once().Then(ts.respond))
	mt.RegisterResponder(http.MethodGet, companiesURL, httpmock.NewStringResponder(http.StatusOK, `[]`))
	c := wireClient(t, mt)
	if _, _, err := c.Companies.List(context.Background(), nil); err != nil {
		t.Fatalf("token fetch after one reset: %v", err)
	}
	if n := mt.GetCallCountInfo()["POST "+wireBase+"/v1/token"]; n != 2 {
		t.Errorf("token attempts = %d, want 2", n)
	}
}
