package cwtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// get performs an authenticated GET the way any PSA client would.
func get(srv *cwtest.Server, path string, header ...string) (*http.Response, []byte) {
	cfg := srv.Config()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2025_1/apis/3.0/"+path, nil)
	req.SetBasicAuth(cfg.CompanyID+"+"+cfg.PublicKey, cfg.PrivateKey)
	req.Header.Set("clientId", cfg.ClientID)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// Start a simulator and call it with nothing but net/http: Basic auth of
// "companyId+publicKey" and the private key, plus the clientId header.
func Example() {
	srv := cwtest.NewServer()
	defer srv.Close()

	resp, body := get(srv, "service/boards?fields=id,name&orderBy=name")
	fmt.Println(resp.StatusCode, resp.Header.Get("api-current-version"))
	fmt.Println(string(body))
	// Output:
	// 200 2025.8
	// [{"id":2,"name":"Help Desk"},{"id":1,"name":"Service Desk"}]
}

// Clients discover the codebase before their first API call.
func Example_discovery() {
	srv := cwtest.NewServer()
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/login/companyinfo/" + srv.Config().CompanyID)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var info struct{ Codebase, VersionCode string }
	_ = json.NewDecoder(resp.Body).Decode(&info)
	fmt.Println(info.Codebase, info.VersionCode)
	// Output: v2025_1/ v2025.1
}

// Seed a large board quickly, then count with conditions.
func ExampleServer_AddTickets() {
	srv := cwtest.NewServer()
	defer srv.Close()

	srv.AddTickets(1000, func(i int, t *cwtest.Ticket) {
		t.ExternalXRef = fmt.Sprintf("heimdal:%d", i)
		if i%10 == 0 {
			t.Status = &cwtest.Ref{ID: 5} // "Closed" on Service Desk
		}
	})
	_, body := get(srv, "service/tickets/count?conditions="+url.QueryEscape(`closedFlag = false and externalXRef like "heimdal:%"`))
	fmt.Println(string(body))
	// Output: {"count":900}
}

// Fail the next ticket listing with 503 and Retry-After, as the hosted PSA
// does during maintenance windows, and count what the client sent.
func ExampleServer_InjectFault() {
	srv := cwtest.NewServer()
	defer srv.Close()
	srv.InjectFault(cwtest.Fault{Method: "GET", PathContains: "/service/tickets", Status: 503, RetryAfter: "1", Times: 1})

	resp, body := get(srv, "service/tickets")
	fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), string(body))
	resp, _ = get(srv, "service/tickets")
	fmt.Println(resp.StatusCode, srv.CountRequests("GET", "/service/tickets"))
	// Output:
	// 503 1 {"code":"ConnectWiseApi","message":"Service Unavailable","errors":null}
	// 200 2
}
