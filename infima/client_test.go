package infima_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/infima"
)

func TestNewClientRejectsBadKeys(t *testing.T) {
	for name, key := range map[string]string{
		"empty":      "",
		"leading":    " " + testKey,
		"trailing":   testKey + " ",
		"newline":    testKey + "\n",
		"crlf":       testKey + "\r\n",
		"tab inside": "ik_live\t9f8e7d6c5b4a3928",
		"non-ascii":  "ik_live_9f8e7d6c5b4a3928é",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := infima.NewClient(key)
			var ce *infima.ConfigError
			if c != nil || !errors.As(err, &ce) || ce.Field != "APIKey" {
				t.Fatalf("got %v, %v; want *ConfigError for APIKey", c, err)
			}
			if strings.Contains(err.Error(), "9f8e7d6c5b4a3928") {
				t.Fatalf("error echoes the key: %v", err)
			}
			if !strings.Contains(err.Error(), "APIKey") {
				t.Fatalf("error does not name the field: %v", err)
			}
		})
	}
}

func TestNewClientBaseURLs(t *testing.T) {
	ok := map[string]string{
		"":                               "https://app.infimasecapis.com",
		"https://app.infimasecapis.com":  "https://app.infimasecapis.com",
		"https://app.infimasecapis.com/": "https://app.infimasecapis.com",
		"https://proxy.example:8443":     "https://proxy.example:8443",
		"http://127.0.0.1:8080":          "http://127.0.0.1:8080",
		"http://localhost:9000":          "http://localhost:9000",
		"http://[::1]:9000":              "http://[::1]:9000",
	}
	for in, want := range ok {
		var opts []infima.Option
		if in != "" {
			opts = append(opts, infima.WithBaseURL(in))
		}
		c, err := infima.NewClient(testKey, opts...)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if c.BaseURL() != want {
			t.Errorf("%q: BaseURL %q, want %q", in, c.BaseURL(), want)
		}
	}
	bad := map[string]string{
		"http://app.infimasecapis.com":          "https://",
		"ftp://app.infimasecapis.com":           "https://",
		"app.infimasecapis.com":                 "https://",
		"https://app.infimasecapis.com/v1":      "path",
		"https://app.infimasecapis.com/?x=1":    "query",
		"https://user:pw@app.infimasecapis.com": "credentials",
		" https://app.infimasecapis.com":        "whitespace",
		"https://":                              "absolute URL",
		"http://10.0.0.5":                       "https://",
	}
	for in, hint := range bad {
		_, err := infima.NewClient(testKey, infima.WithBaseURL(in))
		var ce *infima.ConfigError
		if !errors.As(err, &ce) || ce.Field != "BaseURL" {
			t.Errorf("%q: got %v, want *ConfigError for BaseURL", in, err)
			continue
		}
		if !strings.Contains(err.Error(), hint) {
			t.Errorf("%q: %v does not mention %q", in, err, hint)
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("%q: error shows credentials: %v", in, err)
		}
	}
}

func TestClientNeverPrintsKey(t *testing.T) {
	c, err := infima.NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	printed := []string{
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
		fmt.Sprintf("%s", c), fmt.Sprintf("%q", c), fmt.Sprint(c), c.String(),
		fmt.Sprintf("%v", *c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", *c),
		fmt.Sprintf("%v", []*infima.Client{c}), fmt.Sprintf("%+v", struct{ C *infima.Client }{c}),
		fmt.Sprintf("%#v", c.Partner), fmt.Sprintf("%+v", *c.Clients),
	}
	for _, s := range printed {
		if strings.Contains(s, testKey) || strings.Contains(s, "9f8e7d6c") {
			t.Fatalf("key printed: %s", s)
		}
	}
	if !strings.Contains(printed[0], "[REDACTED]") || !strings.Contains(printed[0], infima.DefaultBaseURL) {
		t.Fatalf("String() = %s", printed[0])
	}
}

func TestEveryRequestCarriesKeyAndAccept(t *testing.T) {
	c, mt := mockClient(t)
	rec := &recorder{}
	mt.RegisterResponder("GET", base+"/v1/partner", func(req *http.Request) (*http.Response, error) {
		rec.add(req)
		return httpmock.NewStringResponse(200, `{"partner_name":"Partner Co","created_date":"2010-02-04T18:37:01Z","admins":[{"id":"521f055b-e0cf-5bcd-9ce0-a412d194d544","email":"john.doe@partner.co","role":"Administrator","created_date":"2010-10-17T17:37:54Z"}]}`), nil
	})
	mt.RegisterResponder("GET", base+"/v1/clients", pagedResponder(t, rec, 3, companyJSON))
	mt.RegisterResponder("GET", base+"/v1/clients/2/users", pagedResponder(t, rec, 1, func(int) any { return map[string]any{"id": "u1"} }))

	ctx := context.Background()
	p, _, err := c.Partner.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Partner Co" || len(p.Admins) != 1 || p.Admins[0].Role != "Administrator" || p.CreatedDate.Year() != 2010 {
		t.Fatalf("partner %+v", p)
	}
	_, resp, err := c.Clients.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Request == nil || resp.Request.Header.Get("X-API-Key") != "" || resp.Request.URL.Path != "/v1/clients" {
		t.Fatalf("Response.Request carries the key or is missing: %v", resp.Request)
	}
	if _, _, err := c.Users.List(ctx, 2, nil); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs {
		if r.Header.Get("X-API-Key") != testKey || r.Header.Get("Accept") != "application/json" || r.Method != http.MethodGet {
			t.Fatalf("%s %s headers %v", r.Method, r.URL, r.Header)
		}
		if r.Header.Get("Authorization") != "" {
			t.Fatal("unexpected Authorization header")
		}
	}
	// With no options the server's defaults apply: no query at all.
	if reqs[1].URL.RawQuery != "" || reqs[2].URL.RawQuery != "" {
		t.Fatalf("queries %q %q", reqs[1].URL.RawQuery, reqs[2].URL.RawQuery)
	}
}

func TestLoggerNeverSeesKey(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := mockClient(t, infima.WithLogger(logger))
	mt.RegisterResponder("GET", base+"/v1/partner", httpmock.NewStringResponder(401, `{"message":"Unauthorized `+testKey+`"}`))
	_, _, err := c.Partner.Get(context.Background())
	if !infima.IsKeyRejected(err) {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(buf.String(), "/v1/partner") {
		t.Fatalf("nothing logged: %q", buf.String())
	}
	if strings.Contains(buf.String(), testKey) {
		t.Fatalf("key logged: %s", buf.String())
	}
}

func TestKeyNotForwardedOnCrossHostRedirect(t *testing.T) {
	c, mt := mockClient(t)
	mt.RegisterResponder("GET", base+"/v1/partner", func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(http.StatusFound, "")
		r.Header.Set("Location", "https://elsewhere.example/v1/partner")
		return r, nil
	})
	var got http.Header
	mt.RegisterResponder("GET", "https://elsewhere.example/v1/partner", func(req *http.Request) (*http.Response, error) {
		got = req.Header.Clone()
		return httpmock.NewStringResponse(200, `{"partner_name":"x"}`), nil
	})
	if _, _, err := c.Partner.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Get("X-API-Key") != "" {
		t.Fatalf("redirect target saw headers %v", got)
	}
}
