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
)

func newSim(t *testing.T, opts ...heimdaltest.Option) (*heimdaltest.Server, *heimdal.Client) {
	t.Helper()
	srv := heimdaltest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
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

func collect(t *testing.T, c *heimdal.Client, customerID string, boards ...heimdal.Board) map[string]heimdal.Alert {
	t.Helper()
	out := map[string]heimdal.Alert{}
	for a, err := range c.OpenAlerts(context.Background(), customerID, boards...) {
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[a.Key]; dup {
			t.Fatalf("duplicate key %s", a.Key)
		}
		out[a.Key] = a
	}
	return out
}

func TestRaiseUpdateClearThroughClient(t *testing.T) {
	srv, c := newSim(t)
	kDisk := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 91% full")
	kREP := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleRansomware, "ACME-DC01", "Encryption attempt blocked", "vssadmin.exe")
	kLAD := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleLAD, "alice@acme.example", "Impossible travel", "Copenhagen then Sydney")
	srv.Raise(heimdaltest.GlobexID, heimdal.ModuleCPU, "GLOBEX-WS01", "CPU at 100%", "for 30 minutes")

	first := collect(t, c, heimdaltest.AcmeID)
	if len(first) != 3 {
		t.Fatalf("got %d alerts, want 3: %v", len(first), first)
	}
	for key, board := range map[string]heimdal.Board{kDisk: heimdal.BoardOperations, kREP: heimdal.BoardCyberAlerts, kLAD: heimdal.BoardM365} {
		a, ok := first[key]
		if !ok {
			t.Fatalf("raised key %s not fetched (have %v)", key, first)
		}
		if a.Board() != board || a.CustomerID != heimdaltest.AcmeID || a.Fingerprint == "" || a.FirstSeen.IsZero() {
			t.Errorf("%s: %+v", key, a)
		}
	}
	disk := first[kDisk]
	if disk.Target != "ACME-WS01" || disk.Title != "Low disk space" || disk.Description != "C: is 91% full" || disk.Severity == "" {
		t.Errorf("disk alert content: %+v", disk)
	}
	if lad := first[kLAD]; lad.Target != "alice@acme.example" || lad.TargetID == "" {
		t.Errorf("M365 alert target: %+v", lad)
	}

	// Refetching without changes gives identical keys and fingerprints.
	again := collect(t, c, heimdaltest.AcmeID)
	for k, a := range first {
		if again[k].Fingerprint != a.Fingerprint {
			t.Errorf("%s: fingerprint changed without a content change", k)
		}
	}

	// A content update keeps the key and changes the fingerprint.
	if !srv.Update(kDisk, "Low disk space", "C: is 99% full") {
		t.Fatal("Update: no such key")
	}
	updated := collect(t, c, heimdaltest.AcmeID)
	if len(updated) != 3 {
		t.Fatalf("after update: %d alerts", len(updated))
	}
	if u := updated[kDisk]; u.Fingerprint == disk.Fingerprint || u.Description != "C: is 99% full" || !u.FirstSeen.Equal(disk.FirstSeen) {
		t.Errorf("updated alert: %+v (before %+v)", u, disk)
	}
	if updated[kREP].Fingerprint != first[kREP].Fingerprint {
		t.Error("untouched alert changed fingerprint")
	}
	if !srv.SetSeverity(kREP, "Critical") || collect(t, c, heimdaltest.AcmeID)[kREP].Fingerprint == first[kREP].Fingerprint {
		t.Error("a severity change must change the fingerprint")
	}

	// Clear makes it disappear; other customers are unaffected.
	if !srv.Clear(kDisk) || srv.Clear(kDisk) {
		t.Fatal("Clear must report the first removal only")
	}
	if got := collect(t, c, heimdaltest.AcmeID); len(got) != 2 || got[kDisk].Key != "" {
		t.Errorf("after Clear: %v", got)
	}
	if got := collect(t, c, heimdaltest.GlobexID, heimdal.BoardOperations); len(got) != 1 {
		t.Errorf("Globex: %v", got)
	}
	srv.ClearAll()
	if got := collect(t, c, heimdaltest.AcmeID); len(got) != 0 {
		t.Errorf("after ClearAll: %v", got)
	}
	if srv.Update(kDisk, "x", "y") {
		t.Error("Update of a cleared alert must report false")
	}
}

func TestEveryModuleRoutesToItsBoard(t *testing.T) {
	srv, c := newSim(t)
	keys := map[string]heimdal.Module{}
	for i, m := range heimdal.Modules() {
		target := "INITECH-WS01"
		if m.Board() == heimdal.BoardM365 {
			target = "bob@initech.example"
		}
		k := srv.Raise(heimdaltest.InitechID, m, target, fmt.Sprintf("alert %d", i), m.TypeName())
		keys[k] = m
	}
	got := collect(t, c, heimdaltest.InitechID)
	if len(got) != len(keys) {
		t.Fatalf("fetched %d alerts, raised %d", len(got), len(keys))
	}
	for k, m := range keys {
		a := got[k]
		if a.Module != m || a.Board() != m.Board() {
			t.Errorf("key %s: module %q board %v, want %q on %v", k, a.Module, a.Board(), m, m.Board())
		}
	}
	// Restricting boards restricts the walk, and skips the other endpoints.
	srv.ResetRequests()
	only := collect(t, c, heimdaltest.InitechID, heimdal.BoardM365, heimdal.BoardM365)
	if len(only) != len(heimdal.ModulesFor(heimdal.BoardM365)) {
		t.Errorf("M365 only: %d alerts", len(only))
	}
	if n := srv.CountRequests("", "activeclients") + srv.CountRequests("", "getEmailAlerts"); n != 0 {
		t.Errorf("M365-only walk called other endpoints %d times", n)
	}
	if n := srv.CountRequests("", "/2.0/m365/getAlerts"); n != 1 {
		t.Errorf("duplicate board walked twice: %d calls", n)
	}
}

func TestOpenAlertsStopsEarly(t *testing.T) {
	srv, c := newSim(t)
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleCPU, "ACME-DC01", "a", "a")
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleMemory, "ACME-DC01", "b", "b")
	srv.ResetRequests()
	for range c.OpenAlerts(context.Background(), heimdaltest.AcmeID) {
		break
	}
	// One page of devices and one device's notifications, nothing more.
	if n := srv.CountRequests("", ""); n != 2 {
		t.Errorf("breaking out after the first alert made %d requests, want 2", n)
	}
}

func TestOpenAlertsUnknownBoard(t *testing.T) {
	_, c := newSim(t)
	for _, err := range c.OpenAlerts(context.Background(), heimdaltest.AcmeID, heimdal.Board(7)) {
		if err == nil || !strings.Contains(err.Error(), "unknown board") {
			t.Errorf("err = %v", err)
		}
		return
	}
	t.Error("no error yielded for an unknown board")
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
