package apitest_test

import (
	"fmt"
	"net/http"

	"github.com/psabridge/psabridge/infima/infimatest"
)

// The same controls work on every test server of the module; here on the
// INFIMA simulator, in memory (no socket), with one injected 503.
func Example() {
	srv := infimatest.NewUnstartedServer(infimatest.WithAPIKey("example-key"))
	srv.InjectStatus(http.StatusServiceUnavailable, 1)
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://infima.invalid/v1/partner", nil)
		req.Header.Set("X-API-Key", "example-key")
		resp, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	fmt.Println(srv.CountRequests("GET", "/v1/partner"), "requests")
	// Output:
	// GET /v1/partner 503
	// GET /v1/partner 200
	// 2 requests
}
