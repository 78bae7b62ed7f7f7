package heimdal_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/heimdal"
)

const (
	mockKey  = "mock-api-key-4f9d2e"
	mockBase = heimdal.DefaultBaseURL
)

// newMock returns a client whose every request goes to an httpmock
// transport, with the client-side limiter off unless opts set one.
func newMock(t *testing.T, opts ...heimdal.Option) (*heimdal.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	all := append([]heimdal.Option{
		heimdal.WithHTTPClient(&http.Client{Transport: mt}),
		heimdal.WithRateLimit(0, 1),
	}, opts...)
	c, err := heimdal.NewClient(mockKey, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func TestWireRequestShape(t *testing.T) {
	c, mt := newMock(t)
	var got *http.Request
	mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients", func(r *http.Request) (*http.Response, error) {
		got = r
		return httpmock.NewStringResponse(200, `{"items":[{"clientInfoId":300001,"hostname":"WS1","lastSeen":"2025-03-01T10:20:30"}],"totalCount":7}`), nil
	})
	cet := time.FixedZone("CET", 3600)
	opts := &heimdal.DeviceListOptions{
		ClientInfoID: "300001",
		StartDate:    time.Date(2025, 3, 1, 1, 0, 0, 0, cet),
		EndDate:      time.Date(2025, 3, 2, 0, 30, 0, 0, time.UTC),
		ListOptions:  heimdal.ListOptions{PageNumber: 2, PageSize: 3},
	}
	devs, resp, err := c.Devices.List(context.Background(), "229584", opts)
	if err != nil {
		t.Fatal(err)
	}
	if h := got.Header.Get("Authorization"); h != "Bearer "+mockKey {
		t.Errorf("Authorization = %q", h)
	}
	if a := got.Header.Get("Accept"); a != "application/json" {
		t.Errorf("Accept = %q", a)
	}
	if got.URL.Path != "/api/heimdalapi/2.0/activeclients" {
		t.Errorf("path = %q", got.URL.Path)
	}
	want := url.Values{
		"customerId": {"229584"}, "clientInfoId": {"300001"},
		"startDate": {"2025-03-01T00:00:00"}, "endDate": {"2025-03-02T00:30:00"},
		"pageNumber": {"2"}, "pageSize": {"3"},
	}
	if got.URL.Query().Encode() != want.Encode() {
		t.Errorf("query = %s\n want   %s", got.URL.Query().Encode(), want.Encode())
	}
	if !opts.StartDate.Equal(time.Date(2025, 3, 1, 1, 0, 0, 0, cet)) || opts.StartDate.Location() != cet {
		t.Error("List modified the caller's StartDate")
	}
	if len(devs) != 1 || devs[0].ClientInfoID != "300001" || !devs[0].LastSeen.Equal(time.Date(2025, 3, 1, 10, 20, 30, 0, time.UTC)) {
		t.Errorf("decoded %+v", devs)
	}
	if resp.TotalCount != 7 || resp.PageNumber != 2 || resp.NextPage != 3 {
		t.Errorf("response paging %+v", resp)
	}
}

func TestWireNotificationsQuery(t *testing.T) {
	c, mt := newMock(t)
	var q url.Values
	mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients/getNotifications", func(r *http.Request) (*http.Response, error) {
		q = r.URL.Query()
		return httpmock.NewStringResponse(200, `{"items":[],"totalCount":0}`), nil
	})
	if _, _, err := c.Devices.ListNotifications(context.Background(), "12", "34", nil); err != nil {
		t.Fatal(err)
	}
	if q.Encode() != "clientInfoId=34&customerId=12" {
		t.Errorf("query = %s", q.Encode())
	}
}

// pagedResponder serves total items named item-N in pages, recording the
// page numbers asked for.
func pagedResponder(total int, asked *[]string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		*asked = append(*asked, q.Get("pageNumber")+"/"+q.Get("pageSize"))
		var n, size int
		fmt.Sscan(q.Get("pageNumber"), &n)
		fmt.Sscan(q.Get("pageSize"), &size)
		var items []string
		for i := (n-1)*size + 1; i <= min(n*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"id":%d,"name":"item-%d","type":"CORP"}`, i, i))
		}
		return httpmock.NewStringResponse(200, fmt.Sprintf(`{"items":[%s],"totalCount":%d}`, strings.Join(items, ","), total)), nil
	}
}

func TestWireIteratorWalksPagesWithoutMutatingOptions(t *testing.T) {
	c, mt := newMock(t)
	var asked []string
	mt.RegisterResponder(http.MethodGet, mockBase+"/customers", pagedResponder(5, &asked))
	opts := &heimdal.ListOptions{PageSize: 2}
	var ids []string
	for cu, err := range c.Customers.All(context.Background(), "1", opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, string(cu.ID))
	}
	if strings.Join(ids, ",") != "1,2,3,4,5" {
		t.Errorf("ids = %v", ids)
	}
	if strings.Join(asked, " ") != "1/2 2/2 3/2" {
		t.Errorf("pages asked = %v", asked)
	}
	if *opts != (heimdal.ListOptions{PageSize: 2}) {
		t.Errorf("options mutated: %+v", *opts)
	}

	// Starting mid-way and with the default page size.
	asked = nil
	n := 0
	for _, err := range c.Customers.All(context.Background(), "1", &heimdal.ListOptions{PageNumber: 2, PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 || strings.Join(asked, " ") != "2/2 3/2" {
		t.Errorf("from page 2: %d items, asked %v", n, asked)
	}
	asked = nil
	for _, err := range c.Customers.All(context.Background(), "1", nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(asked, " ") != fmt.Sprintf("1/%d", heimdal.DefaultPageSize) {
		t.Errorf("default paging asked %v", asked)
	}

	// Breaking out stops the walk: no further page is fetched.
	asked = nil
	for range c.Customers.All(context.Background(), "1", opts) {
		break
	}
	if len(asked) != 1 {
		t.Errorf("break after first item fetched %v", asked)
	}
}

func TestWireBodyVariants(t *testing.T) {
	c, mt := newMock(t)
	ctx := context.Background()

	// A bare array (older endpoints) is one page, never paged further.
	mt.RegisterResponder(http.MethodGet, mockBase+"/customers", httpmock.NewStringResponder(200,
		`[{"id":"200101","name":"Acme Corp","type":"CORP","resellerId":200000,"createdAt":"2024-01-02T03:04:05.123Z"}]`))
	cs, resp, err := c.Customers.List(ctx, "200000", &heimdal.ListOptions{PageSize: 1})
	if err != nil || len(cs) != 1 || resp.NextPage != 0 || resp.TotalCount != 1 {
		t.Fatalf("bare array: %+v %+v %v", cs, resp, err)
	}
	if cs[0].ID != "200101" || cs[0].ResellerID != "200000" || cs[0].CreatedAt.Nanosecond() != 123000000 {
		t.Errorf("decoded %+v", cs[0])
	}

	// A 200 carrying only a message is an error, not an empty list.
	mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/m365/getAlerts", httpmock.NewStringResponder(200, `{"message":"Customer not licensed for M365"}`))
	_, _, err = c.M365.List(ctx, "1", nil)
	var he *heimdal.Error
	if !errors.As(err, &he) || he.StatusCode != 200 || he.Message != "Customer not licensed for M365" || he.Path != "/2.0/m365/getAlerts" {
		t.Errorf("message body: %v", err)
	}

	// Malformed JSON names the endpoint.
	mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/alerts/getEmailAlerts", httpmock.NewStringResponder(200, `{"items":[{"id":1,`))
	_, _, err = c.CyberAlerts.List(ctx, "1", nil)
	if err == nil || !strings.Contains(err.Error(), "/2.0/alerts/getEmailAlerts") || !strings.Contains(err.Error(), "malformed JSON") {
		t.Errorf("malformed JSON: %v", err)
	}

	// Items with odd ids and timestamps.
	mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients/getNotifications", httpmock.NewStringResponder(200,
		`{"items":[{"id":"n-1","clientInfoId":null,"type":"bogus","firstSeen":"","lastUpdate":null},{"id":true}],"totalCount":2}`))
	if _, _, err = c.Devices.ListNotifications(ctx, "1", "2", nil); err == nil || !strings.Contains(err.Error(), "id must be") {
		t.Errorf("boolean id accepted: %v", err)
	}
	mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients/getNotifications", httpmock.NewStringResponder(200,
		`{"items":[{"id":1,"lastUpdate":"yesterday"}],"totalCount":1}`))
	if _, _, err = c.Devices.ListNotifications(ctx, "1", "2", nil); err == nil || !strings.Contains(err.Error(), "yesterday") {
		t.Errorf("bad timestamp accepted: %v", err)
	}
}

func TestWireErrorBodies(t *testing.T) {
	c, mt := newMock(t, heimdal.WithRetry(0, time.Millisecond, time.Millisecond))
	ctx := context.Background()
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{401, `{"Message":"Authorization has been denied for this request."}`, "Heimdal API key rejected"},
		{403, `{"Message":"You do not have access to customer 5."}`, "You do not have access to customer 5."},
		{400, `{"error":"invalid_request","error_description":"bad date"}`, "bad date"},
		{404, `<html><body>Not found</body></html>`, "Not Found"},
		{500, `boom ` + mockKey, "boom [REDACTED]"},
	}
	for _, tc := range cases {
		mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients", httpmock.NewStringResponder(tc.status, tc.body))
		_, _, err := c.Devices.List(ctx, "5", nil)
		var he *heimdal.Error
		if !errors.As(err, &he) || he.StatusCode != tc.status {
			t.Errorf("%d: err = %v", tc.status, err)
			continue
		}
		if !strings.Contains(he.Message, tc.want) {
			t.Errorf("%d: message %q, want %q", tc.status, he.Message, tc.want)
		}
		if s := fmt.Sprintf("%v|%+v|%#v", err, err, he); strings.Contains(s, mockKey) {
			t.Errorf("%d: error reveals the key: %s", tc.status, s)
		}
	}
}

func TestWire429ThenSuccessHonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mt := newMock(t)
		calls := 0
		mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients", func(r *http.Request) (*http.Response, error) {
			calls++
			if calls == 1 {
				resp := httpmock.NewStringResponse(429, `{"Message":"Too many requests"}`)
				resp.Header.Set("Retry-After", "7")
				return resp, nil
			}
			return httpmock.NewStringResponse(200, `{"items":[{"clientInfoId":1}],"totalCount":1}`), nil
		})
		start := time.Now()
		devs, _, err := c.Devices.List(context.Background(), "1", nil)
		if err != nil || len(devs) != 1 {
			t.Fatalf("List after 429: %v %v", devs, err)
		}
		if waited := time.Since(start); waited < 7*time.Second || waited > 8*time.Second {
			t.Errorf("waited %v, want the 7 s Retry-After", waited)
		}
		if calls != 2 {
			t.Errorf("%d calls", calls)
		}
	})
}

func TestWireDefaultRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mt := httpmock.NewMockTransport()
		mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients", httpmock.NewStringResponder(200, `{"items":[],"totalCount":0}`))
		c, err := heimdal.NewClient(mockKey, heimdal.WithHTTPClient(&http.Client{Transport: mt}))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range 6 {
			if _, _, err := c.Devices.List(context.Background(), "1", nil); err != nil {
				t.Fatal(err)
			}
		}
		// Default 2 requests/s with a burst of 2: six calls need two seconds.
		if d := time.Since(start); d < 2*time.Second || d > 2500*time.Millisecond {
			t.Errorf("six calls took %v, want about 2s at the default limit", d)
		}
	})
}

func TestWireContextCancelled(t *testing.T) {
	c, mt := newMock(t)
	mt.RegisterResponder(http.MethodGet, mockBase+"/2.0/activeclients", httpmock.NewStringResponder(200, `{"items":[]}`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := c.Devices.List(ctx, "1", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
