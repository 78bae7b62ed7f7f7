package heimdal_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/internal/simkit/simkittest"
)

func newSim(t *testing.T, opts ...heimdaltest.Option) (*heimdaltest.Server, *heimdal.Client) {
	t.Helper()
	return simkittest.Start(t, heimdaltest.NewServer(opts...), func(srv *heimdaltest.Server) (*heimdal.Client, error) {
		return heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	})
}

func TestNewClientRejectsBadKeys(t *testing.T) {
	for _, key := range []string{"", "   ", "\t", " abcd1234secret", "abcd1234secret\n", "abcd 1234secret", "abcd\x001234"} {
		_, err := heimdal.NewClient(key)
		var ce *heimdal.ConfigError
		if !errors.As(err, &ce) || ce.Field != "APIKey" {
			t.Errorf("NewClient(%q): err = %v, want *ConfigError for APIKey", key, err)
			continue
		}
		if trimmed := strings.TrimSpace(key); len(trimmed) >= 4 && strings.Contains(err.Error(), trimmed) {
			t.Errorf("error %q echoes the key", err)
		}
		if !strings.Contains(err.Error(), "APIKey") {
			t.Errorf("error %q does not name the field", err)
		}
	}
}

func TestNewClientBaseURL(t *testing.T) {
	ok := []string{"", "https://dashboard.heimdalsecurity.com/api/heimdalapi/", "http://127.0.0.1:8080/api/heimdalapi", "http://localhost:1/x", "http://[::1]:9/"}
	for _, u := range ok {
		c, err := heimdal.NewClient("k3y-value", heimdal.WithBaseURL(u))
		if err != nil {
			t.Errorf("WithBaseURL(%q): %v", u, err)
			continue
		}
		if strings.HasSuffix(c.BaseURL(), "/") {
			t.Errorf("BaseURL %q keeps a trailing slash", c.BaseURL())
		}
	}
	if c, _ := heimdal.NewClient("k3y-value"); c.BaseURL() != heimdal.DefaultBaseURL {
		t.Errorf("default base = %q", c.BaseURL())
	}
	bad := []string{"http://dashboard.heimdalsecurity.com/api", "ftp://127.0.0.1/", "dashboard.heimdalsecurity.com", "https://user:pw@host/", "://"}
	for _, u := range bad {
		_, err := heimdal.NewClient("k3y-value", heimdal.WithBaseURL(u))
		var ce *heimdal.ConfigError
		if !errors.As(err, &ce) || ce.Field != "BaseURL" {
			t.Errorf("WithBaseURL(%q): err = %v, want *ConfigError for BaseURL", u, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error %q echoes credentials", err)
		}
	}
}

func TestClientNeverPrintsKey(t *testing.T) {
	const key = "s3cr3t-heimdal-key-DO-NOT-PRINT"
	c, err := heimdal.NewClient(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{c, *c, c.Customers, c.Devices, struct{ C *heimdal.Client }{c}, []*heimdal.Client{c}} {
			if s := fmt.Sprintf(f, v); strings.Contains(s, key) || strings.Contains(s, fmt.Sprintf("%x", key)) {
				t.Errorf("Sprintf(%s, %T) reveals the key: %s", f, v, s)
			}
		}
	}
	if !strings.Contains(fmt.Sprintf("%v", c), "[REDACTED]") {
		t.Errorf("String() = %v, want a redacted key marker", c)
	}
}

func TestCustomersFromReseller(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	var names []string
	for cu, err := range c.Customers.All(ctx, srv.ResellerID(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if cu.IsReseller() || cu.ResellerID != heimdal.ID(srv.ResellerID()) || cu.ID == "" || cu.CreatedAt.IsZero() {
			t.Errorf("unexpected customer %+v", cu)
		}
		names = append(names, cu.Name)
	}
	want := []string{"Acme Corp", "Globex", "Initech", "Umbrella Corporation", "Zorgon Dynamics ApS"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("customers = %q, want %q", names, want)
	}
	one, resp, err := c.Customers.List(ctx, heimdaltest.GlobexID, nil)
	if err != nil || len(one) != 1 || one[0].Name != "Globex" || resp.TotalCount != 1 || resp.NextPage != 0 {
		t.Fatalf("customer-scoped list = %+v, %+v, %v", one, resp, err)
	}
}

func TestDevicesPagingOverHTTP(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	for _, h := range []string{"ACME-LT01", "ACME-LT02"} {
		if _, err := srv.AddDevice(heimdaltest.AcmeID, h); err != nil {
			t.Fatal(err)
		}
	}
	opts := &heimdal.DeviceListOptions{ListOptions: heimdal.ListOptions{PageSize: 2}}
	page, resp, err := c.Devices.List(ctx, heimdaltest.AcmeID, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || resp.TotalCount != 5 || resp.PageNumber != 1 || resp.NextPage != 2 {
		t.Fatalf("page 1: %d items, %+v", len(page), resp)
	}
	srv.ResetRequests()
	var hosts []string
	for d, err := range c.Devices.All(ctx, heimdaltest.AcmeID, opts) {
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, d.Hostname)
	}
	if got := strings.Join(hosts, ","); got != "ACME-DC01,ACME-WS01,ACME-WS02,ACME-LT01,ACME-LT02" {
		t.Errorf("All = %s", got)
	}
	if n := srv.CountRequests("", "/2.0/activeclients"); n != 3 {
		t.Errorf("All made %d requests, want 3 pages", n)
	}
	if opts.PageNumber != 0 || opts.PageSize != 2 {
		t.Errorf("All mutated the options: %+v", opts.ListOptions)
	}
	last, resp, err := c.Devices.List(ctx, heimdaltest.AcmeID, &heimdal.DeviceListOptions{ListOptions: heimdal.ListOptions{PageNumber: 3, PageSize: 2}})
	if err != nil || len(last) != 1 || resp.NextPage != 0 {
		t.Errorf("last page: %d items, %+v, %v", len(last), resp, err)
	}
}

func TestWrongKeyIs401(t *testing.T) {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	const wrong = "wrong-key-7f3a9c"
	c, err := heimdal.NewClient(wrong, srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Devices.List(context.Background(), heimdaltest.AcmeID, nil)
	var he *heimdal.Error
	if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want 401 *heimdal.Error", err)
	}
	if !strings.Contains(err.Error(), "Heimdal API key rejected") || !strings.Contains(err.Error(), "/2.0/activeclients") {
		t.Errorf("error text %q", err)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, he), wrong) {
		t.Error("401 error reveals the key")
	}
}

func TestSimulatorErrorsSurfaceTyped(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	_, _, err := c.Devices.List(ctx, "999999", nil)
	var he *heimdal.Error
	if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden || !strings.Contains(he.Message, "999999") {
		t.Errorf("foreign customer: %v", err)
	}
	srv.InjectStatus(http.StatusInternalServerError, 1)
	if _, _, err = c.Customers.List(ctx, srv.ResellerID(), nil); !errors.As(err, &he) || he.StatusCode != 500 {
		t.Errorf("injected 500: %v", err)
	}
	// 502 is retried for a GET; the third attempt succeeds.
	srv.ResetRequests()
	srv.InjectStatus(http.StatusBadGateway, 2)
	if _, _, err = c.Customers.List(ctx, srv.ResellerID(), nil); err != nil {
		t.Errorf("502 twice then success: %v", err)
	}
	if n := srv.CountRequests("", "/customers"); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	srv.ResetRequests()
	if _, _, err := c.Devices.ListNotifications(ctx, heimdaltest.AcmeID, "", nil); err == nil || !strings.Contains(err.Error(), "clientInfoID") {
		t.Errorf("missing device: %v", err)
	}
	if _, _, err := c.Devices.List(ctx, "", nil); err == nil || !strings.Contains(err.Error(), "customerID") {
		t.Errorf("missing customer: %v", err)
	}
	if _, _, err := c.Devices.List(ctx, heimdaltest.AcmeID, &heimdal.DeviceListOptions{ListOptions: heimdal.ListOptions{PageSize: 5000}}); err == nil {
		t.Error("oversized page accepted")
	}
	if n := srv.CountRequests("", ""); n != 0 {
		t.Errorf("invalid calls reached the server: %d requests", n)
	}
}
