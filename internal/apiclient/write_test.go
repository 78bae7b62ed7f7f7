package apiclient_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/apiclient"
)

// TestUnreadableSuccessBody: the success status of a write proves it was
// applied, so a body that cannot be decoded leaves its result unknown (a
// caller must look it up, not write again); for a read it is a plain
// DecodeError.
func TestUnreadableSuccessBody(t *testing.T) {
	b, _ := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":4`))
	})
	var v map[string]any
	for _, tc := range []struct {
		req     apiclient.Request
		unknown bool
	}{
		{apiclient.Request{Method: http.MethodPost, Path: "/things"}, true},
		{apiclient.Request{Method: http.MethodPatch, Path: "/things/4", Idempotent: true}, true},
		{apiclient.Request{Method: http.MethodPost, Path: "/things/search", Read: true}, false},
		{apiclient.Request{Method: http.MethodGet, Path: "/things"}, false},
	} {
		_, err := b.Do(context.Background(), &tc.req, &v)
		var de *bridge.DecodeError
		var ou *bridge.OutcomeUnknownError
		if !errors.As(err, &de) || errors.As(err, &ou) != tc.unknown {
			t.Errorf("%s %s: err = %v, want decode error, outcome unknown %v", tc.req.Method, tc.req.Path, err, tc.unknown)
		}
		if tc.unknown && (ou.StatusCode != http.StatusCreated || ou.Method != tc.req.Method) {
			t.Errorf("%+v", ou)
		}
	}
}
