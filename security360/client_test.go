package security360_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/simkit/simkittest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/security360test"
)

// newSim starts a simulator and a client pointed at it.
func newSim(t *testing.T, opts ...security360test.Option) (*security360test.Server, *security360.Client) {
	t.Helper()
	return newSimCreds(t, nil, opts...)
}

// newSimCreds is newSim with the client's credentials changed by edit
// first, for the tests of what the platform does with a wrong key.
func newSimCreds(t *testing.T, edit func(*security360.Credentials), opts ...security360test.Option) (*security360test.Server, *security360.Client) {
	t.Helper()
	return simkittest.Start(t, security360test.NewServer(opts...), func(srv *security360test.Server) (*security360.Client, error) {
		creds := srv.Credentials()
		if edit != nil {
			edit(&creds)
		}
		return security360.NewClient(creds, srv.ClientOptions()...)
	})
}

// wantRequests checks how many token and API requests srv has answered;
// why says what the counts prove.
func wantRequests(t *testing.T, srv *security360test.Server, tokens, api int, why string) {
	t.Helper()
	if gotTokens, gotAPI := srv.TokenRequests(), srv.APIRequests(); gotTokens != tokens || gotAPI != api {
		t.Errorf("%d token and %d API requests, want %d and %d: %s", gotTokens, gotAPI, tokens, api, why)
	}
}

func mustCompany(t *testing.T, srv *security360test.Server, name string) security360.Company {
	t.Helper()
	co, ok := srv.CompanyByName(name)
	if !ok {
		t.Fatalf("simulator has no company %q", name)
	}
	return co
}

func TestTokenIsCachedAcrossCalls(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	for range 3 {
		if _, _, err := c.Companies.List(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	wantRequests(t, srv, 1, 3, "the token is fetched once for three calls")
}

// runConcurrently starts n goroutines that call fn at the same moment and
// returns their errors.
func runConcurrently(n int, fn func() error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func TestFiftyConcurrentCallersCauseOneTokenRequest(t *testing.T) {
	srv, c := newSim(t)
	errs := runConcurrently(50, func() error {
		_, _, err := c.Companies.List(context.Background(), nil)
		return err
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	wantRequests(t, srv, 1, 50, "fifty concurrent calls share one token request")
}

func TestUnauthorizedRefreshesTokenOnceAndRetries(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	if _, _, err := c.Companies.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	companies, _, err := c.Companies.List(ctx, nil)
	if err != nil {
		t.Fatalf("call after token expiry: %v", err)
	}
	if len(companies) == 0 {
		t.Error("no companies after retry")
	}
	wantRequests(t, srv, 2, 3, "the first call, the 401 and its retry after one refresh")
}

func TestConcurrentUnauthorizedCauseOneRefresh(t *testing.T) {
	srv, c := newSim(t)
	if _, _, err := c.Companies.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	errs := runConcurrently(50, func() error {
		_, _, err := c.Companies.List(context.Background(), nil)
		return err
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := srv.TokenRequests(); got != 2 {
		t.Errorf("token requests = %d, want 2 (one initial, one refresh)", got)
	}
}

func TestSecondUnauthorizedIsReturned(t *testing.T) {
	srv, c := newSim(t)
	srv.InjectStatus(http.StatusUnauthorized, 2)
	_, _, err := c.Companies.List(context.Background(), nil)
	var apiErr *security360.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want *Error with 401", err)
	}
	if got := srv.TokenRequests(); got != 2 {
		t.Errorf("token requests = %d, want 2 (retry exactly once)", got)
	}
	if !strings.Contains(err.Error(), "API Access") {
		t.Errorf("error %q does not say what to check", err)
	}
}

func TestRejectedCredentialsAreATypedError(t *testing.T) {
	const wrongSecret = "wrong-secret-0123456789"
	srv, c := newSimCreds(t, func(c *security360.Credentials) { c.ClientSecret = wrongSecret })
	_, _, err := c.Companies.List(context.Background(), nil)
	if !errors.Is(err, security360.ErrCredentialsRejected) {
		t.Fatalf("err = %v, want ErrCredentialsRejected", err)
	}
	var te *security360.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || te.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %#v, want *TokenError invalid_client 401", err)
	}
	if !strings.Contains(err.Error(), "client ID or client secret") {
		t.Errorf("message %q does not name the client ID/secret", err)
	}
	if strings.Contains(err.Error(), wrongSecret) {
		t.Error("error contains the secret")
	}
	if srv.APIRequests() != 0 {
		t.Error("an API call was made without a token")
	}
}

func TestMissingScopeIsReported(t *testing.T) {
	t.Run("key lacks requested scope", func(t *testing.T) {
		_, c := newSim(t, security360test.WithScopes(security360.ScopeCompaniesRead))
		_, _, err := c.Companies.List(context.Background(), nil)
		var te *security360.TokenError
		if !errors.As(err, &te) || te.Code != "invalid_scope" {
			t.Fatalf("err = %v, want invalid_scope", err)
		}
		if errors.Is(err, security360.ErrCredentialsRejected) {
			t.Error("a scope problem must not read as rejected credentials")
		}
	})
	t.Run("token lacks scope for the call", func(t *testing.T) {
		srv, c := newSimCreds(t, func(c *security360.Credentials) { c.Scope = security360.ScopeCompaniesRead })
		co := mustCompany(t, srv, "Acme Corp")
		_, _, err := c.Sites.List(context.Background(), co.ID, nil)
		var apiErr *security360.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden {
			t.Fatalf("err = %v, want 403", err)
		}
		if !strings.Contains(err.Error(), "scope") {
			t.Errorf("error %q does not mention scopes", err)
		}
	})
}

func TestSetExternalIDIsIdempotent(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	co := mustCompany(t, srv, "Acme Corp")
	site := srv.Sites(co.ID)[0]
	infima := security360.ExternalID{ExternalID: "client-42", ProductID: "infima", ProductInstanceID: "partner-7"}

	got, changed, err := c.Sites.SetExternalID(ctx, co.ID, site.ID, infima)
	if err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Error("first SetExternalID reported no change")
	}
	if e, ok := got.ExternalIDFor("infima"); !ok || !sameMapping(e, infima) {
		t.Errorf("returned site externalIds = %+v", got.ExternalIDs)
	}
	if s, _ := srv.Site(co.ID, site.ID); len(s.ExternalIDs) != 1 || !sameMapping(s.ExternalIDs[0], infima) {
		t.Fatalf("server externalIds = %+v, want [%+v]", s.ExternalIDs, infima)
	}

	before := len(srv.Requests())
	_, changed, err = c.Sites.SetExternalID(ctx, co.ID, site.ID, infima)
	if err != nil {
		t.Fatal(err)
	}
	if changed {
		t.Error("repeating SetExternalID reported a change")
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method != http.MethodGet {
			t.Errorf("repeat made a %s request", r.Method)
		}
	}

	// Another product's entry survives; the same product is replaced.
	other := security360.ExternalID{ExternalID: "psa-9", ProductID: "manage"}
	if _, _, err := c.Sites.SetExternalID(ctx, co.ID, site.ID, other); err != nil {
		t.Fatal(err)
	}
	moved := security360.ExternalID{ExternalID: "client-43", ProductID: "infima", ProductInstanceID: "partner-7"}
	if _, changed, err := c.Sites.SetExternalID(ctx, co.ID, site.ID, moved); err != nil || !changed {
		t.Fatalf("remap: changed=%v err=%v", changed, err)
	}
	s, _ := srv.Site(co.ID, site.ID)
	want := []security360.ExternalID{moved, other}
	if len(s.ExternalIDs) != 2 || !sameMapping(s.ExternalIDs[0], want[0]) || !sameMapping(s.ExternalIDs[1], want[1]) {
		t.Errorf("externalIds = %+v, want %+v", s.ExternalIDs, want)
	}

	if _, changed, err := c.Sites.RemoveExternalID(ctx, co.ID, site.ID, "infima"); err != nil || !changed {
		t.Fatalf("remove: changed=%v err=%v", changed, err)
	}
	if _, changed, err := c.Sites.RemoveExternalID(ctx, co.ID, site.ID, "infima"); err != nil || changed {
		t.Fatalf("second remove: changed=%v err=%v", changed, err)
	}
	if s, _ := srv.Site(co.ID, site.ID); len(s.ExternalIDs) != 1 || !sameMapping(s.ExternalIDs[0], other) {
		t.Errorf("after remove externalIds = %+v", s.ExternalIDs)
	}
}

func TestSetExternalIDRejectsBadInput(t *testing.T) {
	srv, c := newSim(t)
	co := mustCompany(t, srv, "Acme Corp")
	site := srv.Sites(co.ID)[0]
	for _, id := range []security360.ExternalID{
		{ProductID: "infima"},
		{ExternalID: "1"},
		{ExternalID: " 1", ProductID: "infima"},
	} {
		_, _, err := c.Sites.SetExternalID(context.Background(), co.ID, site.ID, id)
		var ce *security360.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("SetExternalID(%+v) err = %v, want *ConfigError", id, err)
		}
	}
	if n := srv.APIRequests(); n != 0 {
		t.Errorf("bad input made %d requests", n)
	}
}

func TestConcurrentSetExternalIDKeepsBothProducts(t *testing.T) {
	srv, c := newSim(t)
	co := mustCompany(t, srv, "Globex Corporation")
	site := srv.Sites(co.ID)[0]
	products := []string{"infima", "manage", "automate", "backup"}
	errs := make([]error, len(products))
	var wg sync.WaitGroup
	for i, p := range products {
		wg.Go(func() {
			_, _, errs[i] = c.Sites.SetExternalID(context.Background(), co.ID, site.ID, security360.ExternalID{ExternalID: "x-" + p, ProductID: p})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	s, _ := srv.Site(co.ID, site.ID)
	if len(s.ExternalIDs) != len(products) {
		t.Errorf("externalIds = %+v, want one per product", s.ExternalIDs)
	}
}

func TestCompaniesPaging(t *testing.T) {
	srv, c := newSim(t, security360test.WithPageSize(2))
	ctx := context.Background()

	page, resp, err := c.Companies.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || resp.NextCursor != "2" || resp.NextURL == "" {
		t.Fatalf("first page: %d items, cursor %q, next %q", len(page), resp.NextCursor, resp.NextURL)
	}
	page2, resp2, err := c.Companies.List(ctx, &security360.ListOptions{Limit: 2, Cursor: resp.NextCursor})
	if err != nil || len(page2) != 2 || page2[0].ID == page[0].ID {
		t.Fatalf("second page: %+v, %v", page2, err)
	}
	if resp2.NextCursor != "4" {
		t.Errorf("second page cursor = %q", resp2.NextCursor)
	}

	opts := &security360.ListOptions{Limit: 2}
	var names []string
	for co, err := range c.Companies.All(ctx, opts) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, co.Name)
	}
	want := []string{"Acme Corp", "Globex Corporation", "Initech LLC", "Umbrella Health", "Vandelay Industries"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("All = %q, want %q", names, want)
	}
	if *opts != (security360.ListOptions{Limit: 2}) {
		t.Errorf("All modified the caller's options: %+v", *opts)
	}

	// Breaking out early fetches no further page.
	before := srv.APIRequests()
	for range c.Companies.All(ctx, nil) {
		break
	}
	if got := srv.APIRequests() - before; got != 1 {
		t.Errorf("early break made %d requests, want 1", got)
	}
}

func TestSitesListAndAll(t *testing.T) {
	srv, c := newSim(t, security360test.WithPageSize(1))
	ctx := context.Background()
	co := mustCompany(t, srv, "Initech LLC")
	var names []string
	for s, err := range c.Sites.All(ctx, co.ID, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if s.CompanyID != co.ID {
			t.Errorf("site %q CompanyID = %q", s.Name, s.CompanyID)
		}
		names = append(names, s.Name)
	}
	if fmt.Sprint(names) != "[Initech Austin Initech Dallas]" {
		t.Errorf("sites = %q", names)
	}
	empty := mustCompany(t, srv, "Vandelay Industries")
	sites, _, err := c.Sites.List(ctx, empty.ID, nil)
	if err != nil || len(sites) != 0 {
		t.Errorf("company without sites: %v, %v", sites, err)
	}
	got, _, err := c.Sites.Get(ctx, co.ID, srv.Sites(co.ID)[1].ID)
	if err != nil || got.Name != "Initech Dallas" || got.CompanyID != co.ID {
		t.Errorf("Get = %+v, %v", got, err)
	}
	for _, err := range c.Sites.All(ctx, "", nil) {
		if err == nil {
			t.Error("All with an empty company ID yielded no error")
		}
	}
}

func TestNotFound(t *testing.T) {
	_, c := newSim(t)
	_, _, err := c.Companies.Get(context.Background(), "no-such-company")
	if !security360.IsNotFound(err) {
		t.Fatalf("err = %v, want not found", err)
	}
	var apiErr *security360.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "NotFound" || apiErr.Method != "GET" || !strings.HasSuffix(apiErr.Path, "/no-such-company") {
		t.Errorf("error fields = %+v", apiErr)
	}
}

// oneRequestQuota starts a simulator whose quota allows one request an
// hour and returns it with a constructor for clients that never retry, so
// the quota's answer reaches the test unchanged.
func oneRequestQuota(t *testing.T) (*security360test.Server, func() *security360.Client) {
	t.Helper()
	srv := simkittest.Serve(t, security360test.NewServer(security360test.WithQuota(1, time.Hour)))
	return srv, func() *security360.Client {
		t.Helper()
		c, err := security360.NewClient(srv.Credentials(), append(srv.ClientOptions(), security360.WithRetry(0, time.Millisecond, time.Millisecond))...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// Asio reports the quota of a family in Limit/Remaining/Reset on every
// answer; once it is spent the client waits for Reset instead of sending
// requests into 429s (connectwise/WIREFACTS.md §8).
func TestSpentQuotaIsPacedNotSent(t *testing.T) {
	srv, newClient := oneRequestQuota(t)
	c := newClient()
	if _, _, err := c.Companies.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := c.Companies.List(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "rate-limit window") {
		t.Fatalf("err = %v, want a wait for the window that the deadline ended", err)
	}
	if got := srv.APIRequests(); got != 1 {
		t.Errorf("%d API requests, want 1: the spent quota must hold the second back", got)
	}
	// Another family is not held back by this one.
	if _, _, err := c.RateLimits(context.Background()); err != nil {
		t.Errorf("rate_limits: %v", err)
	}
}

// A 429 that carries Reset but no Retry-After (as Asio documents it) still
// tells the caller how long to wait.
func TestRateLimitWithoutRetryAfterExposesReset(t *testing.T) {
	_, newClient := oneRequestQuota(t)
	a, b := newClient(), newClient() // b knows nothing of a's quota
	ctx := context.Background()
	if _, _, err := a.Companies.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err := b.Companies.List(ctx, nil)
	wait, ok := security360.RetryAfter(err)
	if !ok || wait < 59*time.Minute || wait > time.Hour+time.Second {
		t.Fatalf("RetryAfter(%v) = %v, %v; want about an hour", err, wait, ok)
	}
	var apiErr *security360.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
		t.Errorf("err = %v, want a wrapped 429 *Error", err)
	}
}

func TestTransientFailureIsRetried(t *testing.T) {
	srv, c := newSim(t, security360test.WithRetryAfter(0))
	srv.InjectStatus(http.StatusServiceUnavailable, 1)
	if _, _, err := c.Companies.List(context.Background(), nil); err != nil {
		t.Fatalf("503 then success: %v", err)
	}
	if got := srv.APIRequests(); got != 2 {
		t.Errorf("API requests = %d, want 2", got)
	}
}

func TestRateLimits(t *testing.T) {
	_, c := newSim(t, security360test.WithQuota(100, time.Minute))
	ctx := context.Background()
	if _, _, err := c.Companies.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rl, _, err := c.RateLimits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, q, ok := rl.Family("partner")
	if !ok || q.Limit != 100 || q.Remaining != 99 || time.Until(q.Reset) > time.Minute || len(rl.Raw) == 0 {
		t.Errorf("RateLimits = %+v", rl)
	}
}

func TestNoSecretInPrintedValues(t *testing.T) {
	srv, c := newSim(t)
	creds := srv.Credentials()
	if _, _, err := c.Companies.List(context.Background(), nil); err != nil {
		t.Fatal(err) // a token is now cached inside c
	}
	for _, v := range []any{creds, &creds, c} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, creds.ClientSecret) {
				t.Errorf("%s of %T shows the secret: %s", verb, v, out)
			}
			if !strings.Contains(out, httpx.Redacted) {
				t.Errorf("%s of %T does not show %s: %s", verb, v, httpx.Redacted, out)
			}
		}
	}
}

func TestCredentialsValidate(t *testing.T) {
	good := security360.Credentials{ClientID: "0e30abc", ClientSecret: "s3cret"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good credentials: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*security360.Credentials)
		field string
		says  string
	}{
		{"no id", func(c *security360.Credentials) { c.ClientID = "" }, "ClientID", "required"},
		{"no secret", func(c *security360.Credentials) { c.ClientSecret = "" }, "ClientSecret", "required"},
		{"trailing newline", func(c *security360.Credentials) { c.ClientSecret += "\n" }, "ClientSecret", "trailing whitespace"},
		{"leading space", func(c *security360.Credentials) { c.ClientID = " " + c.ClientID }, "ClientID", "leading whitespace"},
		{"inner space", func(c *security360.Credentials) { c.ClientSecret = "a b" }, "ClientSecret", "whitespace"},
		{"scope newline", func(c *security360.Credentials) { c.Scope = "platform.sites.read\nplatform.sites.write" }, "Scope", "newlines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			err := c.Validate()
			var ce *security360.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Validate() = %v, want %s error saying %q", err, tc.field, tc.says)
			}
			if _, err := security360.NewClient(c); err == nil {
				t.Error("NewClient accepted invalid credentials")
			}
		})
	}
	spaced := good
	spaced.Scope = "  platform.sites.read   platform.sites.write "
	if err := spaced.Validate(); err != nil {
		t.Errorf("spaces between scopes rejected: %v", err)
	}
}

func TestBaseURL(t *testing.T) {
	creds := security360.Credentials{ClientID: "id", ClientSecret: "secret"}
	c, err := security360.NewClient(creds)
	if err != nil || c.BaseURL() != security360.DefaultBaseURL || security360.DefaultBaseURL != "https://openapi.service.itsupport247.net" {
		t.Fatalf("default base URL: %v %v", c, err)
	}
	for in, want := range map[string]string{
		"https://openapi.service.euplatform.connectwise.com/": "https://openapi.service.euplatform.connectwise.com",
		"http://127.0.0.1:8080":                               "http://127.0.0.1:8080",
		"http://localhost:1/prefix/":                          "http://localhost:1/prefix",
	} {
		c, err := security360.NewClient(creds, security360.WithBaseURL(in))
		if err != nil || c.BaseURL() != want {
			t.Errorf("WithBaseURL(%q) = %v, %v; want %q", in, c, err, want)
		}
	}
	for _, bad := range []string{"http://openapi.service.itsupport247.net", "ftp://x", "openapi.service.itsupport247.net", "https://u:p@host", "https://host/?q=1", " https://host"} {
		_, err := security360.NewClient(creds, security360.WithBaseURL(bad))
		var ce *security360.ConfigError
		if !errors.As(err, &ce) || ce.Field != "BaseURL" {
			t.Errorf("WithBaseURL(%q): err = %v, want BaseURL ConfigError", bad, err)
		}
	}
	for region, want := range map[string]string{"na": security360.BaseURLNorthAmerica, "EU": security360.BaseURLEurope, "au": security360.BaseURLAustralia} {
		if got, err := security360.RegionBaseURL(region); err != nil || got != want {
			t.Errorf("RegionBaseURL(%q) = %q, %v", region, got, err)
		}
	}
	if _, err := security360.RegionBaseURL("mars"); err == nil {
		t.Error("unknown region accepted")
	}
}
