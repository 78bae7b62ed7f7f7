package connectwise_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/connectwise"
)

const (
	testOrigin = "https://api-eu.myconnectwise.net"
	testBase   = testOrigin + "/v2025_1/apis/3.0/"
	privKey    = "PRIV-KEY-sup3rs3cret"
)

func testConfig() connectwise.Config {
	return connectwise.Config{
		Site:       "eu.myconnectwise.net",
		CompanyID:  "acme",
		PublicKey:  "PUBKEY12",
		PrivateKey: privKey,
		ClientID:   "11111111-2222-3333-4444-555555555555",
	}
}

// setup returns a client whose traffic goes to an httpmock transport, with
// companyinfo answered, and fast retries.
func setup(t *testing.T) (*connectwise.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", testOrigin+"/login/companyinfo/acme",
		httpmock.NewStringResponder(200, `{"CompanyName":"Acme","Codebase":"v2025_1/","VersionCode":"v2025.1","CompanyID":"acme","IsCloud":"True","SiteUrl":"eu.myconnectwise.net"}`))
	c, err := connectwise.NewClient(testConfig(),
		connectwise.WithHTTPClient(&http.Client{Transport: mt}),
		connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(2, time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func jsonResponder(status int, body string, headers ...string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			resp.Header.Set(headers[i], headers[i+1])
		}
		resp.Request = r
		return resp, nil
	}
}

func TestRequestHeadersAndDiscovery(t *testing.T) {
	c, mt := setup(t)
	var got *http.Request
	mt.RegisterResponder("GET", testBase+"system/info", func(r *http.Request) (*http.Response, error) {
		got = r
		return jsonResponder(200, `{"version":"v2025.1.12345","isCloud":true,"serverTimeZone":"Eastern Standard Time"}`)(r)
	})
	ctx := context.Background()
	for range 3 {
		info, _, err := c.System.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.Version != "v2025.1.12345" || !info.IsCloud {
			t.Fatalf("info = %+v", info)
		}
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("acme+PUBKEY12:"+privKey))
	if got.Header.Get("Authorization") != wantAuth {
		t.Errorf("Authorization = %q", got.Header.Get("Authorization"))
	}
	if got.Header.Get("clientId") != "11111111-2222-3333-4444-555555555555" {
		t.Errorf("clientId = %q", got.Header.Get("clientId"))
	}
	if a := got.Header.Get("Accept"); a != "application/vnd.connectwise.com+json; version=2025.8" {
		t.Errorf("Accept = %q", a)
	}
	// Discovery is cached: one companyinfo call for three requests.
	if n := mt.GetCallCountInfo()["GET "+testOrigin+"/login/companyinfo/acme"]; n != 1 {
		t.Errorf("companyinfo called %d times, want 1", n)
	}
	if c.Site() != testOrigin {
		t.Errorf("Site() = %q, UI host was not mapped to the api- host", c.Site())
	}
}

func TestUnknownCompany(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", testOrigin+"/login/companyinfo/acme", httpmock.NewStringResponder(200, `null`))
	c, _ := connectwise.NewClient(testConfig(), connectwise.WithHTTPClient(&http.Client{Transport: mt}))
	_, _, err := c.System.Info(context.Background())
	var ce *connectwise.ConfigError
	if !errors.As(err, &ce) || ce.Field != "CompanyID" || !strings.Contains(err.Error(), "not known") {
		t.Fatalf("err = %v, want ConfigError on CompanyID", err)
	}
}

func TestRediscoveryOnUnexpected404(t *testing.T) {
	mt := httpmock.NewMockTransport()
	codebases := []string{"v2024_1/", "v2025_1/"}
	calls := 0
	mt.RegisterResponder("GET", testOrigin+"/login/companyinfo/acme", func(r *http.Request) (*http.Response, error) {
		cb := codebases[min(calls, 1)]
		calls++
		return httpmock.NewStringResponse(200, `{"Codebase":"`+cb+`"}`), nil
	})
	mt.RegisterResponder("GET", testOrigin+"/v2024_1/apis/3.0/system/info", httpmock.NewStringResponder(404, `<html>gone</html>`))
	mt.RegisterResponder("GET", testOrigin+"/v2025_1/apis/3.0/system/info", httpmock.NewStringResponder(200, `{"version":"v2025.1"}`))
	c, _ := connectwise.NewClient(testConfig(), connectwise.WithHTTPClient(&http.Client{Transport: mt}))
	info, _, err := c.System.Info(context.Background())
	if err != nil || info.Version != "v2025.1" {
		t.Fatalf("info=%v err=%v", info, err)
	}
	if calls != 2 {
		t.Fatalf("companyinfo calls = %d, want 2 (one re-discovery)", calls)
	}
	// The PSA's own 404 for a missing record costs one request: no
	// rediscovery (issue 14 item 14).
	mt.RegisterResponder("GET", testOrigin+"/v2025_1/apis/3.0/service/tickets/9", httpmock.NewStringResponder(404, `{"code":"NotFound","message":"Ticket 9 not found"}`))
	_, _, err = c.Tickets.Get(context.Background(), 9)
	if !connectwise.IsNotFound(err) || calls != 2 || mt.GetCallCountInfo()["GET "+testOrigin+"/v2025_1/apis/3.0/service/tickets/9"] != 1 {
		t.Fatalf("err=%v companyinfo calls=%d, want 2 (no rediscovery for a record 404); calls %v", err, calls, mt.GetCallCountInfo())
	}
}

func TestConfiguredCodebaseSkipsDiscovery(t *testing.T) {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", testOrigin+"/v4_6_release/apis/3.0/system/info", httpmock.NewStringResponder(200, `{"version":"v2025.1"}`))
	cfg := testConfig()
	cfg.Codebase = "v4_6_release" // trailing slash added
	c, _ := connectwise.NewClient(cfg, connectwise.WithHTTPClient(&http.Client{Transport: mt}))
	if _, _, err := c.System.Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	if mt.GetTotalCallCount() != 1 {
		t.Fatalf("calls = %d, want 1", mt.GetTotalCallCount())
	}
}

func TestErrorDecoding(t *testing.T) {
	c, mt := setup(t)
	mt.RegisterResponder("POST", testBase+"service/tickets", jsonResponder(400,
		`{"code":"InvalidObject","message":"Ticket object is invalid","errors":[{"code":"InvalidObject","message":"The status is not valid for this board","resource":"ticket","field":"status"}]}`))
	_, _, err := c.Tickets.Create(context.Background(), &connectwise.Ticket{Summary: "x", Company: connectwise.Ref{ID: 1}})
	var e *connectwise.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T %v", err, err)
	}
	if e.StatusCode != 400 || e.Code != "InvalidObject" || len(e.Errors) != 1 || e.Errors[0].Field != "status" {
		t.Fatalf("decoded %+v", e)
	}
	if !strings.Contains(err.Error(), "status: The status is not valid") {
		t.Errorf("message does not name the field: %v", err)
	}
	if connectwise.IsOutcomeUnknown(err) {
		t.Error("a 400 is a definite refusal, not an unknown outcome")
	}
}

func TestRateLimitBodyUsesErrorKey(t *testing.T) {
	c, mt := setup(t)
	mt.RegisterResponder("GET", testBase+"service/boards", jsonResponder(429,
		`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."}`, "Retry-After", "0"))
	_, _, err := c.Boards.List(context.Background(), nil)
	var e *connectwise.Error
	if !errors.As(err, &e) || e.Code != "ConnectWiseAPI" || !connectwise.IsRateLimited(err) {
		t.Fatalf("err = %v", err)
	}
	// 1 try + 4×2 throttle retries (429s have their own budget), and the
	// last 429 is what the caller sees.
	if n := mt.GetCallCountInfo()["GET "+testBase+"service/boards"]; n != 9 {
		t.Errorf("attempts = %d, want 9", n)
	}
	if c.Throttled() != 9 {
		t.Errorf("Throttled() = %d, want 9", c.Throttled())
	}
}

func TestPostGatewayErrorIsOutcomeUnknown(t *testing.T) {
	c, mt := setup(t)
	mt.RegisterResponder("POST", testBase+"service/tickets", jsonResponder(502, `<html>Bad gateway</html>`))
	_, _, err := c.Tickets.Create(context.Background(), &connectwise.Ticket{Summary: "x", Company: connectwise.Ref{ID: 1}})
	if !connectwise.IsOutcomeUnknown(err) {
		t.Fatalf("err = %v, want outcome unknown", err)
	}
	var e *connectwise.Error
	if !errors.As(err, &e) || e.StatusCode != 502 {
		t.Fatalf("the typed PSA error is not kept inside: %v", err)
	}
	if n := mt.GetCallCountInfo()["POST "+testBase+"service/tickets"]; n != 1 {
		t.Fatalf("POST sent %d times, want exactly 1", n)
	}
}

func TestCreateValidatesBeforeSending(t *testing.T) {
	c, mt := setup(t)
	long := strings.Repeat("é", 101)
	for _, tk := range []*connectwise.Ticket{
		nil,
		{Company: connectwise.Ref{ID: 1}},
		{Summary: long, Company: connectwise.Ref{ID: 1}},
		{Summary: "ok"},
	} {
		_, _, err := c.Tickets.Create(context.Background(), tk)
		var te *connectwise.TicketError
		if !errors.As(err, &te) {
			t.Errorf("Create(%+v) err = %v, want *TicketError", tk, err)
		}
	}
	if mt.GetTotalCallCount() != 0 {
		t.Fatalf("%d requests sent for invalid tickets", mt.GetTotalCallCount())
	}
	if got := connectwise.TruncateSummary(long); len([]rune(got)) != 100 || !strings.HasSuffix(got, "…") {
		t.Errorf("TruncateSummary gave %d runes", len([]rune(got)))
	}
}

func TestPatchWire(t *testing.T) {
	c, mt := setup(t)
	var body string
	mt.RegisterResponder("PATCH", testBase+"service/tickets/7", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return jsonResponder(200, `{"id":7,"summary":"s","status":{"id":12,"name":"Closed"},"closedFlag":true}`)(r)
	})
	tk, _, err := c.Tickets.Patch(context.Background(), 7,
		connectwise.Replace("status", connectwise.Ref{ID: 12}),
		connectwise.Replace("requiredDate", nil),
		connectwise.Remove("item"))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"op":"replace","path":"status","value":{"id":12}},{"op":"replace","path":"requiredDate","value":null},{"op":"remove","path":"item"}]`
	if body != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
	if !tk.ClosedFlag || tk.Status.Name != "Closed" {
		t.Errorf("ticket = %+v", tk)
	}
	// Nested reference paths are refused before sending.
	_, _, err = c.Tickets.Patch(context.Background(), 7, connectwise.Replace("company/identifier", "X"))
	if err == nil || !strings.Contains(err.Error(), `"company"`) {
		t.Errorf("nested path err = %v", err)
	}
	if n := mt.GetCallCountInfo()["PATCH "+testBase+"service/tickets/7"]; n != 1 {
		t.Errorf("PATCH sent %d times", n)
	}
}

func TestPagingIteratorDoesNotMutateOptions(t *testing.T) {
	c, mt := setup(t)
	// Three pages of 2 via page-number paging with Link headers.
	mt.RegisterResponder("GET", testBase+"company/companies", func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		page := q.Get("page")
		if q.Get("conditions") != `deletedFlag = false` || q.Get("pageSize") != "2" {
			return httpmock.NewStringResponse(400, `{"code":"InvalidObject","message":"bad query `+q.Encode()+`"}`), nil
		}
		link := func(p string, rel string) string {
			return fmt.Sprintf(`<%scompany/companies?pageSize=2&page=%s>; rel="%s"`, testBase, p, rel)
		}
		switch page {
		case "1":
			return jsonResponder(200, `[{"id":1},{"id":2}]`, "Link", link("2", "next")+", "+link("3", "last"))(r)
		case "2":
			return jsonResponder(200, `[{"id":3},{"id":4}]`, "Link", link("1", "prev")+", "+link("3", "next")+", "+link("3", "last"))(r)
		case "3":
			return jsonResponder(200, `[{"id":5}]`, "Link", link("2", "prev")+", "+link("1", "first"))(r)
		}
		return jsonResponder(200, `[]`)(r)
	})
	opts := &connectwise.ListOptions{Conditions: connectwise.Where("deletedFlag = ?", false), PageSize: 2}
	before := *opts
	var ids []int
	for co, err := range c.Companies.All(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, co.ID)
	}
	if fmt.Sprint(ids) != "[1 2 3 4 5]" {
		t.Fatalf("ids = %v", ids)
	}
	if *opts != before {
		t.Fatalf("options mutated: %+v", *opts)
	}
	// Breaking early stops fetching.
	mt.ZeroCallCounters()
	for range c.Companies.All(context.Background(), opts) {
		break
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Fatalf("early break made %d calls", n)
	}
}

func TestForwardOnlyPaging(t *testing.T) {
	c, mt := setup(t)
	mt.RegisterResponder("GET", testBase+"service/tickets", func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("pagination-type") != "forward-only" {
			return httpmock.NewStringResponse(400, `{"code":"InvalidObject","message":"expected forward-only"}`), nil
		}
		if r.URL.Query().Has("page") || r.URL.Query().Has("orderBy") {
			return httpmock.NewStringResponse(400, `{"code":"InvalidObject","message":"page/orderBy sent"}`), nil
		}
		switch r.URL.Query().Get("pageId") {
		case "":
			return jsonResponder(200, `[{"id":10},{"id":11}]`, "Link", `<`+testBase+`service/tickets?pageSize=2&pageId=11>; rel="next"`)(r)
		case "11":
			return jsonResponder(200, `[{"id":15}]`)(r)
		}
		return jsonResponder(200, `[]`)(r)
	})
	var ids []int
	for tk, err := range c.Tickets.All(context.Background(), &connectwise.ListOptions{ForwardOnly: true, PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	if fmt.Sprint(ids) != "[10 11 15]" {
		t.Fatalf("ids = %v", ids)
	}
	_, _, err := c.Tickets.List(context.Background(), &connectwise.ListOptions{ForwardOnly: true, OrderBy: "id desc"})
	if err == nil {
		t.Fatal("OrderBy with forward-only paging was accepted")
	}
}

func TestLongConditionsGoToSearch(t *testing.T) {
	c, mt := setup(t)
	keys := make([]string, 150)
	for i := range keys {
		keys[i] = fmt.Sprintf("heimdal:customer-%04d:alert", i)
	}
	var body map[string]any
	mt.RegisterResponder("POST", testBase+"service/tickets/search", func(r *http.Request) (*http.Response, error) {
		_ = json.NewDecoder(r.Body).Decode(&body)
		return jsonResponder(200, `[{"id":1,"externalXRef":"heimdal:customer-0000:alert"}]`)(r)
	})
	got, _, err := c.Tickets.List(context.Background(), &connectwise.ListOptions{Conditions: connectwise.Where("externalXRef in ?", keys), PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.HasPrefix(body["conditions"].(string), `externalXRef in ("heimdal:customer-0000:alert", `) {
		t.Fatalf("got %v, body %v", got, body)
	}
	if mt.GetCallCountInfo()["GET "+testBase+"service/tickets"] != 0 {
		t.Fatal("an over-long URL was sent")
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	cfg := testConfig()
	c, _ := connectwise.NewClient(cfg)
	type holder struct {
		C   *connectwise.Client
		Cfg connectwise.Config
	}
	h := holder{c, cfg}
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s %q", cfg, cfg),
		fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h),
	} {
		if strings.Contains(s, privKey) || strings.Contains(s, "PUBKEY12") {
			t.Errorf("secret printed: %s", s)
		}
	}
	// A server that echoes the key back has it scrubbed from the error.
	c2, mt := setup(t)
	mt.RegisterResponder("GET", testBase+"system/info", jsonResponder(401, `{"code":"Unauthorized","message":"bad key `+privKey+`"}`))
	_, _, err := c2.System.Info(context.Background())
	if !connectwise.IsUnauthorized(err) || strings.Contains(err.Error(), privKey) {
		t.Fatalf("err = %v", err)
	}
}
