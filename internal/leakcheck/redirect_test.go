package leakcheck_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// witness is a server on another host that records everything it is sent
// and answers 404, standing for wherever a redirect points.
type witness struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newWitness(t *testing.T) *witness {
	w := &witness{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.seen = append(w.seen, echo(r, body))
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusNotFound)
		io.WriteString(rw, `{"message":"not here"}`)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *witness) requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen...)
}

// redirector answers every request with status and a Location on target,
// except Asio token requests when serveToken is set: those get the fake
// token, so the API call after them is the one redirected.
func redirector(t *testing.T, status int, target string, serveToken bool, tls bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if serveToken && strings.HasSuffix(r.URL.Path, "/v1/token") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, asioToken)
			return
		}
		http.Redirect(w, r, target+r.URL.RequestURI(), status)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

// bodyCarrying are the calls whose request has a body. A 307 or 308
// would send the body again, and a body can be a credential (the Asio
// token request holds the client secret), so such a redirect to another
// host is refused outright; a 302 turns them into a GET without a body.
var bodyCarrying = map[string]bool{"connectwise POST": true, "security360 token": true, "security360 PATCH": true}

// TestCredentialsStayOnTheConfiguredHost redirects every client and flow
// connection test to a witness on another host (the same host name on
// another port, and another host name) with 302 and 307. The witness must
// receive no credential in any header, URL or body. Authorization,
// X-API-Key and cookies are dropped; the PSA's clientId header is not: it
// names the integration, is the same for every customer and authenticates
// nothing, so it is not treated as a credential.
func TestCredentialsStayOnTheConfiguredHost(t *testing.T) {
	for _, c := range errorCases() {
		if c.echo != nil {
			continue // the same call as another case, with another echo
		}
		for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
			for _, host := range []string{"127.0.0.1", "localhost"} {
				t.Run(fmt.Sprintf("%s/%d to %s", c.name, status, host), func(t *testing.T) {
					sc := newScanner(t)
					w := newWitness(t)
					u, _ := url.Parse(w.URL)
					target := "http://" + host + ":" + u.Port()
					from := redirector(t, status, target, !c.failToken, false)
					err := c.call(context.Background(), t, sc, from.URL, fast(sc.log))
					seen := w.requests()
					for i, s := range seen {
						sc.text(fmt.Sprintf("request %d at the redirect target", i), s)
					}
					switch {
					case bodyCarrying[c.name] && status == http.StatusTemporaryRedirect:
						if len(seen) > 0 {
							t.Errorf("a request body was re-sent to another host (%d requests)", len(seen))
						}
						if err == nil {
							t.Error("a refused redirect must fail the call")
						}
					case len(seen) == 0:
						// Stripping is what is under test; a client that
						// never followed the redirect proves nothing.
						t.Errorf("the redirect was not followed: %v", err)
					}
				})
			}
		}
	}
}

// TestNoDowngradeFromHTTPS redirects each client from an https server to
// plain http: the redirect is refused, so nothing at all reaches the http
// server.
func TestNoDowngradeFromHTTPS(t *testing.T) {
	for _, c := range errorCases() {
		if c.echo != nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			sc := newScanner(t)
			w := newWitness(t)
			from := redirector(t, http.StatusFound, w.URL, !c.failToken, true)
			opts := append(fast(sc.log), connectwise.WithHTTPClient(from.Client()))
			err := c.call(context.Background(), t, sc, from.URL, opts)
			if n := len(w.requests()); n > 0 {
				t.Errorf("%d requests followed a redirect from https to http", n)
			}
			if err == nil {
				t.Error("a refused redirect must fail the call")
			}
		})
	}
}

// TestPlainHTTPOnlyToLoopback gives every client's base URL and every
// flow's URL setting plain http URLs: refused for anything but a loopback
// address, accepted for loopback (the simulators). Nothing is sent either
// way; the check happens when the setting is given.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	refusedURLs := []string{
		"http://app.infimasecapis.com",
		"http://api-na.myconnectwise.net",
		"http://10.0.0.5",
		"http://192.168.1.10:8080",
		"http://0.0.0.0:8080",
		"http://[fe80::1]:8080",
		"http://127.0.0.1.nip.io:8080", // resolves to loopback, but the name is what is checked
		"http://localhost.example.com:8080",
		"HTTP://psa.example.com",
	}
	acceptedURLs := []string{"http://127.0.0.1:8080", "http://127.0.0.2:8080", "http://localhost:8080", "http://[::1]:8080"}
	creds := security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret}
	psaCfg := func(u string) connectwise.Config {
		return connectwise.Config{Site: u, CompanyID: psaCompany, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID}
	}
	settings := []struct {
		name  string
		check func(u string) error
	}{
		{"connectwise Config.Site", func(u string) error { _, err := connectwise.NewClient(psaCfg(u)); return err }},
		{"infima WithBaseURL", func(u string) error { _, err := infima.NewClient(infimaKey, infima.WithBaseURL(u)); return err }},
		{"heimdal WithBaseURL", func(u string) error { _, err := heimdal.NewClient(heimdalKey, heimdal.WithBaseURL(u)); return err }},
		{"security360 WithBaseURL", func(u string) error { _, err := security360.NewClient(creds, security360.WithBaseURL(u)); return err }},
		{"psasync Settings.Site", func(u string) error {
			in, err := psasync.NewSetup(flow.NewMemoryStore(), heimdaltest.ResellerID)
			if err != nil {
				return nil
			}
			return in.UpdateSettings(psaSettings(u))
		}},
		{"officeprotect New", func(u string) error {
			_, err := newOfficeProtect(psaCfg(u), officeprotecttest.NewSource(), nil)
			return err
		}},
		// Even an explicitly allowed server stays https-only off loopback.
		{"infimasync ServerURL (allowed, loopback allowed)", func(u string) error {
			return infimasync.Settings{ServerURL: u, APIKey: infimaKey}.Validate(infimasync.AllowServerURL(u), infimasync.AllowLoopback())
		}},
		{"infimasync client option", func(u string) error {
			_, err := infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: infimaKey}.NewClient(infimasync.WithClientOptions(infima.WithBaseURL(u)))
			return err
		}},
	}
	rows := 0
	for _, s := range settings {
		for _, u := range refusedURLs {
			if err := s.check(u); err == nil {
				t.Errorf("%s accepted %s", s.name, u)
			}
			rows++
		}
		for _, u := range acceptedURLs {
			if err := s.check(u); err != nil {
				t.Errorf("%s refused loopback %s: %v", s.name, u, err)
			}
			rows++
		}
	}
	t.Logf("%d settings × %d URLs: %d checks", len(settings), len(refusedURLs)+len(acceptedURLs), rows)
}
