package testbody_test

import (
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/psabridge/psabridge/internal/testbody"
)

func TestTransportNumbersCallsAndTracksBodies(t *testing.T) {
	rt := &testbody.Transport{Answer: func(n int, r *http.Request) (int, []byte) {
		return 200 + n, []byte(r.URL.Path)
	}}
	hc := &http.Client{Transport: rt}
	var resps []*http.Response
	for _, p := range []string{"/a", "/b", "/c"} {
		resp, err := hc.Get("http://example.invalid" + p)
		if err != nil {
			t.Fatal(err)
		}
		resps = append(resps, resp)
	}
	b, _ := io.ReadAll(resps[1].Body)
	if resps[1].StatusCode != 202 || string(b) != "/b" {
		t.Errorf("second answer: %d %q", resps[1].StatusCode, b)
	}
	resps[0].Body.Close()
	resps[2].Body.Close()
	if got := rt.Unclosed(); rt.Calls() != 3 || !slices.Equal(got, []int{2}) {
		t.Errorf("Calls %d, Unclosed %v; want 3 and [2]", rt.Calls(), got)
	}
}
