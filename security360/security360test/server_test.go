package security360test_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/internal/simkit/simkittest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/security360test"
)

// call sends one raw request and decodes a JSON answer into out (if not nil).
func call(t *testing.T, srv *security360test.Server, method, path, token, contentType, body string, out any) *http.Response {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	// An unstarted server (in a synctest bubble) has no URL; its Client
	// serves any host in memory.
	base := cmp.Or(srv.URL, "http://security360test.invalid")
	resp, _ := simkittest.Do(t, srv.Client(), method, base+path, h, body, out)
	return resp
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

func jsonToken(creds security360.Credentials, scope string) string {
	b, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": creds.ClientID, "client_secret": creds.ClientSecret, "scope": scope})
	return string(b)
}

func token(t *testing.T, srv *security360test.Server, scope string) string {
	t.Helper()
	var tok tokenAnswer
	resp := call(t, srv, "POST", "/v1/token", "", "application/json", jsonToken(srv.Credentials(), scope), &tok)
	if resp.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token: %d %+v", resp.StatusCode, tok)
	}
	return tok.AccessToken
}

const companiesPath = "/api/platform/v1/company/companies"

func TestTokenEndpoint(t *testing.T) {
	srv := security360test.NewServer(security360test.WithTokenLifetime(30 * time.Minute))
	defer srv.Close()
	creds := srv.Credentials()

	var tok tokenAnswer
	resp := call(t, srv, "POST", "/v1/token", "", "application/json", jsonToken(creds, "platform.companies.read"), &tok)
	if resp.StatusCode != 200 || tok.TokenType != "Bearer" || tok.ExpiresIn != 1800 || tok.Scope != "platform.companies.read" || len(tok.AccessToken) < 32 {
		t.Errorf("JSON token answer: %d %+v", resp.StatusCode, tok)
	}

	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret}}
	tok = tokenAnswer{}
	resp = call(t, srv, "POST", "/v1/token", "", "application/x-www-form-urlencoded", form.Encode(), &tok)
	if resp.StatusCode != 200 || tok.AccessToken == "" || !strings.Contains(tok.Scope, security360.ScopeSitesWrite) {
		t.Errorf("form token answer: %d %+v", resp.StatusCode, tok)
	}

	for _, tc := range []struct {
		name, ct, body string
		status         int
		code           string
	}{
		{"wrong secret", "application/json", jsonToken(security360.Credentials{ClientID: creds.ClientID, ClientSecret: "nope"}, ""), 401, "invalid_client"},
		{"wrong id", "application/json", jsonToken(security360.Credentials{ClientID: "other", ClientSecret: creds.ClientSecret}, ""), 401, "invalid_client"},
		{"unknown scope", "application/json", jsonToken(creds, "platform.tickets.read"), 400, "invalid_scope"},
		{"wrong grant", "application/json", `{"grant_type":"password"}`, 400, "unsupported_grant_type"},
		{"not json", "application/json", `{`, 400, "invalid_request"},
		{"text body", "text/plain", `hi`, 415, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ans tokenAnswer
			resp := call(t, srv, "POST", "/v1/token", "", tc.ct, tc.body, &ans)
			if resp.StatusCode != tc.status || ans.Error != tc.code || ans.AccessToken != "" {
				t.Errorf("got %d %+v, want %d %s", resp.StatusCode, ans, tc.status, tc.code)
			}
		})
	}
	if got := srv.TokenRequests(); got != 8 {
		t.Errorf("TokenRequests = %d, want 8", got)
	}
	if got := srv.APIRequests(); got != 0 {
		t.Errorf("APIRequests = %d, want 0", got)
	}
}

// The clock-driven tests run in a synctest bubble on the simulator's
// default clock, in memory: time.Sleep moves the fake clock.
func TestAuthorizationAndExpiry(t *testing.T) { synctest.Test(t, testAuthorizationAndExpiry) }

func testAuthorizationAndExpiry(t *testing.T) {
	srv := security360test.NewUnstartedServer(security360test.WithTokenLifetime(time.Hour))
	tok := token(t, srv, "")

	if resp := call(t, srv, "GET", companiesPath, "", "", "", nil); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	if resp := call(t, srv, "GET", companiesPath, "forged", "", "", nil); resp.StatusCode != 401 {
		t.Errorf("forged token: %d", resp.StatusCode)
	}
	if resp := call(t, srv, "GET", companiesPath, tok, "", "", nil); resp.StatusCode != 200 {
		t.Errorf("fresh token: %d", resp.StatusCode)
	}
	time.Sleep(59 * time.Minute)
	if resp := call(t, srv, "GET", companiesPath, tok, "", "", nil); resp.StatusCode != 200 {
		t.Errorf("token at 59m: %d", resp.StatusCode)
	}
	time.Sleep(time.Minute)
	var e struct{ Code, Message string }
	if resp := call(t, srv, "GET", companiesPath, tok, "", "", &e); resp.StatusCode != 401 || e.Code != "Unauthorized" {
		t.Errorf("token at 60m: %d %+v", resp.StatusCode, e)
	}

	tok2 := token(t, srv, "")
	srv.ExpireTokens()
	if resp := call(t, srv, "GET", companiesPath, tok2, "", "", nil); resp.StatusCode != 401 {
		t.Errorf("after ExpireTokens: %d", resp.StatusCode)
	}
	if got := srv.APIRequests(); got != 6 {
		t.Errorf("APIRequests = %d, want 6 (rejected ones count)", got)
	}
}

func TestScopesAreEnforced(t *testing.T) {
	srv := security360test.NewServer()
	defer srv.Close()
	acme, _ := srv.CompanyByName("Acme Corp")
	site := srv.Sites(acme.ID)[0]
	readOnly := token(t, srv, security360.ScopeCompaniesRead+" "+security360.ScopeSitesRead)
	sitesPath := companiesPath + "/" + acme.ID + "/sites"

	if resp := call(t, srv, "GET", sitesPath, readOnly, "", "", nil); resp.StatusCode != 200 {
		t.Errorf("read sites: %d", resp.StatusCode)
	}
	patch := `[{"op":"replace","path":"/name","value":"x"}]`
	if resp := call(t, srv, "PATCH", sitesPath+"/"+site.ID, readOnly, "application/json-patch+json", patch, nil); resp.StatusCode != 403 {
		t.Errorf("patch without sites.write: %d", resp.StatusCode)
	}
	companiesOnly := token(t, srv, security360.ScopeCompaniesRead)
	if resp := call(t, srv, "GET", sitesPath, companiesOnly, "", "", nil); resp.StatusCode != 403 {
		t.Errorf("sites without sites.read: %d", resp.StatusCode)
	}
	limited := security360test.NewServer(security360test.WithScopes(security360.ScopeCompaniesRead))
	defer limited.Close()
	var ans tokenAnswer
	if resp := call(t, limited, "POST", "/v1/token", "", "application/json", jsonToken(limited.Credentials(), security360.DefaultScope), &ans); resp.StatusCode != 400 || ans.Error != "invalid_scope" {
		t.Errorf("asking for scopes the key lacks: %d %+v", resp.StatusCode, ans)
	}
}

func TestPagingAndLinkHeader(t *testing.T) {
	srv := security360test.NewServer()
	defer srv.Close()
	tok := token(t, srv, "")

	var all []security360.Company
	if resp := call(t, srv, "GET", companiesPath, tok, "", "", &all); resp.StatusCode != 200 || len(all) != 5 || resp.Header.Get("Link") != "" {
		t.Fatalf("unpaged: %d items, Link %q", len(all), resp.Header.Get("Link"))
	}
	var page []security360.Company
	resp := call(t, srv, "GET", companiesPath+"?limit=2", tok, "", "", &page)
	wantLink := fmt.Sprintf(`<%s%s?cursor=2&limit=2>; rel="next"`, srv.URL, companiesPath)
	if len(page) != 2 || resp.Header.Get("Link") != wantLink {
		t.Errorf("page 1: %d items, Link %q, want %q", len(page), resp.Header.Get("Link"), wantLink)
	}
	resp = call(t, srv, "GET", companiesPath+"?limit=2&cursor=4", tok, "", "", &page)
	if len(page) != 1 || page[0].Name != "Vandelay Industries" || resp.Header.Get("Link") != "" {
		t.Errorf("last page: %+v, Link %q", page, resp.Header.Get("Link"))
	}
	resp = call(t, srv, "GET", companiesPath+"?cursor=99", tok, "", "", &page)
	if resp.StatusCode != 200 || len(page) != 0 {
		t.Errorf("past the end: %d %+v", resp.StatusCode, page)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x", "?cursor=-1"} {
		if resp := call(t, srv, "GET", companiesPath+q, tok, "", "", nil); resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", q, resp.StatusCode)
		}
	}
}

func TestCompanyAndSiteLookups(t *testing.T) {
	srv := security360test.NewServer(security360test.WithoutSeedData())
	defer srv.Close()
	if len(srv.Companies()) != 0 {
		t.Fatal("WithoutSeed still seeded")
	}
	co := srv.AddCompany("Acme Corporation")
	site, ok := srv.AddSite(co.ID, "Main")
	if !ok || !strings.HasPrefix(site.ID, "22222222-") || site.CompanyID != co.ID || !site.PrimaryFlag {
		t.Fatalf("AddSite = %+v, %v", site, ok)
	}
	if _, ok := srv.AddSite("missing", "x"); ok {
		t.Error("AddSite on a missing company succeeded")
	}
	tok := token(t, srv, "")
	var got security360.Company
	if resp := call(t, srv, "GET", companiesPath+"/"+co.ID, tok, "", "", &got); resp.StatusCode != 200 || got.ID != co.ID || got.Name != co.Name {
		t.Errorf("GET company = %d %+v", resp.StatusCode, got)
	}
	var s security360.Site
	if resp := call(t, srv, "GET", companiesPath+"/"+co.ID+"/sites/"+site.ID, tok, "", "", &s); resp.StatusCode != 200 || s.Name != "Main" {
		t.Errorf("GET site = %d %+v", resp.StatusCode, s)
	}
	for _, p := range []string{companiesPath + "/nope", companiesPath + "/nope/sites", companiesPath + "/" + co.ID + "/sites/nope", "/api/platform/v1/other"} {
		var e struct{ Code string }
		if resp := call(t, srv, "GET", p, tok, "", "", &e); resp.StatusCode != 404 || e.Code != "NotFound" {
			t.Errorf("GET %s = %d %+v", p, resp.StatusCode, e)
		}
	}
}

func TestPatchSite(t *testing.T) {
	srv := security360test.NewServer()
	defer srv.Close()
	acme, _ := srv.CompanyByName("Acme Corp")
	site := srv.Sites(acme.ID)[0]
	tok := token(t, srv, "")
	path := companiesPath + "/" + acme.ID + "/sites/" + site.ID
	patch := func(body string) (int, security360.Site) {
		var s security360.Site
		resp := call(t, srv, "PATCH", path, tok, "application/json-patch+json", body, nil)
		if resp.StatusCode == 200 {
			call(t, srv, "GET", path, tok, "", "", &s)
		}
		return resp.StatusCode, s
	}

	status, s := patch(`[{"op":"add","path":"/externalIds/-","value":{"externalId":"1","productId":"infima"}},
		{"op":"add","path":"/friendlyName","value":"Acme HQ"}]`)
	if status != 200 || len(s.ExternalIDs) != 1 || s.FriendlyName != "Acme HQ" {
		t.Fatalf("add+replace: %d %+v", status, s)
	}
	status, s = patch(`[{"op":"test","path":"/externalIds/0/externalId","value":"1"},{"op":"replace","path":"/externalIds/0/externalId","value":"2"}]`)
	if status != 200 || s.ExternalIDs[0].ExternalID != "2" {
		t.Errorf("test+replace: %d %+v", status, s)
	}
	status, s = patch(`[{"op":"remove","path":"/externalIds/0"},{"op":"remove","path":"/friendlyName"}]`)
	if status != 200 || len(s.ExternalIDs) != 0 || s.FriendlyName != "" {
		t.Errorf("remove: %d %+v", status, s)
	}
	for name, tc := range map[string]struct {
		body   string
		status int
	}{
		"failed test":       {`[{"op":"test","path":"/name","value":"other"}]`, 409},
		"change id":         {`[{"op":"replace","path":"/id","value":"x"}]`, 400},
		"empty name":        {`[{"op":"replace","path":"/name","value":" "}]`, 400},
		"bad externalIds":   {`[{"op":"replace","path":"/externalIds","value":[{"externalId":"1"}]}]`, 400},
		"externalIds type":  {`[{"op":"replace","path":"/externalIds","value":"x"}]`, 400},
		"replace missing":   {`[{"op":"replace","path":"/nothing","value":1}]`, 400},
		"bad index":         {`[{"op":"remove","path":"/externalIds/5"}]`, 400},
		"unsupported op":    {`[{"op":"move","from":"/a","path":"/b"}]`, 400},
		"no value":          {`[{"op":"add","path":"/x"}]`, 400},
		"not an array":      {`{"op":"add"}`, 400},
		"empty":             {`[]`, 400},
		"relative pointer":  {`[{"op":"add","path":"x","value":1}]`, 400},
		"through a scalar":  {`[{"op":"add","path":"/name/x","value":1}]`, 400},
		"dash not for test": {`[{"op":"test","path":"/externalIds/-","value":1}]`, 400},
		"dash not last":     {`[{"op":"add","path":"/externalIds/-/externalId","value":"1"}]`, 400},
		"through missing":   {`[{"op":"add","path":"/nothing/x","value":1}]`, 400},
		"through past end":  {`[{"op":"add","path":"/externalIds/9/externalId","value":"1"}]`, 400},
	} {
		before, _ := srv.Site(acme.ID, site.ID)
		if resp := call(t, srv, "PATCH", path, tok, "application/json-patch+json", tc.body, nil); resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, tc.status)
		}
		if after, _ := srv.Site(acme.ID, site.ID); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%s: a rejected patch changed the site: %+v", name, after)
		}
	}
	if resp := call(t, srv, "PATCH", path, tok, "text/plain", `[]`, nil); resp.StatusCode != 415 {
		t.Errorf("text/plain patch: %d", resp.StatusCode)
	}
	if resp := call(t, srv, "PATCH", companiesPath+"/"+acme.ID+"/sites/nope", tok, "application/json", `[{"op":"add","path":"/x","value":1}]`, nil); resp.StatusCode != 404 {
		t.Errorf("patch missing site: %d", resp.StatusCode)
	}
}

func TestInjectedStatuses(t *testing.T) {
	srv := security360test.NewServer(security360test.WithRetryAfter(2 * time.Second))
	defer srv.Close()
	tok := token(t, srv, "")
	srv.InjectStatus(http.StatusTooManyRequests, 1)
	srv.InjectStatus(http.StatusInternalServerError, 1)
	resp := call(t, srv, "GET", companiesPath, tok, "", "", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("first: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := call(t, srv, "GET", companiesPath, tok, "", "", nil); resp.StatusCode != 500 || resp.Header.Get("Retry-After") != "" {
		t.Errorf("second: %d", resp.StatusCode)
	}
	if resp := call(t, srv, "GET", companiesPath, tok, "", "", nil); resp.StatusCode != 200 {
		t.Errorf("third: %d", resp.StatusCode)
	}
	srv.InjectTokenStatus(http.StatusLocked, 1)
	if resp := call(t, srv, "POST", "/v1/token", "", "application/json", jsonToken(srv.Credentials(), ""), nil); resp.StatusCode != 423 {
		t.Errorf("injected token status: %d", resp.StatusCode)
	}
	token(t, srv, "")
	var api []security360test.Request
	for _, r := range srv.Requests() {
		if r.Path != "/v1/token" {
			api = append(api, r)
		}
	}
	if len(api) != 3 || api[0].Method != "GET" || api[0].Path != companiesPath || api[0].Status != 429 {
		t.Errorf("API requests = %+v", api)
	}
	// Token requests are in the log too, injected failures included.
	if n := srv.CountRequests("POST", "/v1/token"); n != 3 || srv.TokenRequests() != 3 {
		t.Errorf("token requests: %d", n)
	}
}

func TestRateLimitWindow(t *testing.T) { synctest.Test(t, testRateLimitWindow) }

func testRateLimitWindow(t *testing.T) {
	srv := security360test.NewUnstartedServer(security360test.WithQuota(2, time.Minute))
	tok := token(t, srv, "")
	for i := range 2 {
		if resp := call(t, srv, "GET", companiesPath, tok, "", "", nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	time.Sleep(20 * time.Second)
	resp := call(t, srv, "GET", companiesPath, tok, "", "", nil)
	// Asio documents Limit/Remaining/Reset and no Retry-After.
	reset := strconv.FormatInt(time.Now().Add(40*time.Second).Unix(), 10)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "" || resp.Header.Get("Limit") != "2" || resp.Header.Get("Remaining") != "0" || resp.Header.Get("Reset") != reset {
		t.Errorf("over quota: %d %v, want 429 with Limit 2, Remaining 0, Reset %s", resp.StatusCode, resp.Header, reset)
	}
	time.Sleep(40 * time.Second)
	var rl struct {
		Resources map[string]map[string]struct{ Limit, Remaining int }
	}
	if resp := call(t, srv, "GET", "/v1/rate_limits", tok, "", "", &rl); resp.StatusCode != 200 || rl.Resources["partner"]["companies"].Limit != 2 || rl.Resources["partner"]["companies"].Remaining != 2 || rl.Resources["platform"]["rate-limits"].Remaining != 1 {
		t.Errorf("new window: %d %+v", resp.StatusCode, rl)
	}
}

func TestUnstartedServerWithOwnListener(t *testing.T) {
	srv := security360test.NewUnstartedServer()
	l := simkittest.Listen(t)
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	if srv.URL != "http://"+l.Addr().String() {
		t.Errorf("URL = %q, want the given listener %s", srv.URL, l.Addr())
	}
	c, err := security360.NewClient(srv.Credentials(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Companies.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerInMemory(t *testing.T) {
	srv := security360test.NewUnstartedServer(security360test.WithCredentials("id-1", "secret-1"))
	defer srv.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/v1/token", strings.NewReader(`{"grant_type":"client_credentials","client_id":"id-1","client_secret":"secret-1"}`))
	req.Header.Set("Content-Type", "application/json")
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "access_token") {
		t.Errorf("in-memory token: %d %s", rec.Code, rec.Body)
	}
	if creds := srv.Credentials(); creds.ClientID != "id-1" || creds.ClientSecret != "secret-1" {
		t.Errorf("Credentials = %v", creds)
	}
}
