package security360_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/security360"
)

// A token endpoint that echoes the client secret JSON-escaped (.NET writes
// '+' as \u002B, PHP '/' as \/) used to pass the scrub of the raw body;
// decoding then put the secret back in clear in the TokenError.
func TestTokenErrorScrubsJSONEscapedSecret(t *testing.T) {
	const secret = "Zk9+q/Wm3xT7pL0vN2bY8cR4"
	escaped := strings.NewReplacer("+", `\u002B`, "/", `\/`).Replace(secret)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid_client","description":"client_secret %s does not match"}`, escaped)
	}))
	defer srv.Close()
	c, err := security360.NewClient(security360.Credentials{ClientID: "client-id-0123", ClientSecret: secret},
		security360.WithBaseURL(srv.URL), security360.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Companies.List(context.Background(), nil)
	if err == nil {
		t.Fatal("no error for a 401 token answer")
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, secret) {
			t.Errorf("secret in clear: %s", s)
		}
	}
}
