package simkit

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBodyOr: a fault's own body goes out verbatim with the vendor's
// content type; without one, the vendor's error for the status does.
func TestBodyOr(t *testing.T) {
	write := BodyOr("application/x-vendor", func(w http.ResponseWriter, status int) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte("vendor error"))
	})
	for _, tc := range []struct {
		fault      Fault
		body, kind string
	}{
		{Fault{Status: 500, Body: `{"raw":1}`}, `{"raw":1}`, "application/x-vendor"},
		{Fault{Status: 503}, "vendor error", ""},
	} {
		rec := httptest.NewRecorder()
		write(rec, tc.fault)
		if rec.Code != tc.fault.Status || rec.Body.String() != tc.body || rec.Header().Get("Content-Type") != tc.kind {
			t.Errorf("%+v: %d %q %q", tc.fault, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
}
