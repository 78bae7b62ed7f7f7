package leakcheck_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// failure is one way a server can fail.
type failure string

const (
	fail401       failure = "401"
	fail403       failure = "403"
	fail404       failure = "404"
	fail429       failure = "429 until retries run out"
	fail500       failure = "500"
	fail502Text   failure = "502 plain text"
	fail400Text   failure = "400 plain text"
	failMalformed failure = "200 with malformed JSON"
	failDrop      failure = "dropped connection"
	failTimeout   failure = "timeout"
	failTLS       failure = "untrusted TLS certificate"
)

var failures = []failure{fail401, fail403, fail404, fail429, fail500, fail502Text, fail400Text, failMalformed, failDrop, failTimeout, failTLS}

// echo is everything a request carried: its URL, every header value (and,
// for Basic auth, the bare base64 and the decoded pair) and its body. The
// hostile servers put it into their error answers, as some APIs and
// proxies do, so clients must scrub what they show.
func echo(r *http.Request, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s ", r.Method, r.URL)
	for k, vs := range r.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s; ", k, v)
		}
	}
	b.Write(body)
	return b.String()
}

// basicParts echoes the parts of a Basic credential a server that parses
// it might quote: the bare base64 and the decoded "company+public:private".
func basicParts(r *http.Request, _ []byte) string {
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	dec, _ := base64.StdEncoding.DecodeString(cred)
	return fmt.Sprintf("invalid token %s for %s", cred, dec)
}

// hostile starts a server that fails every request in the way f says,
// echoing what it was sent (through echoFn, echo when nil). An Asio token
// request is answered with the fake token unless failToken is set, so
// that the API call itself meets the failure.
func hostile(t *testing.T, f failure, failToken bool, echoFn func(*http.Request, []byte) string) *httptest.Server {
	if echoFn == nil {
		echoFn = echo
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.HasSuffix(r.URL.Path, "/v1/token") && !failToken {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, asioToken)
			return
		}
		e := echoFn(r, body)
		js, _ := json.Marshal(map[string]any{
			"code": e, "error": e, "message": e, "detail": e, "error_description": e,
			"errors": []map[string]string{{"code": e, "message": e, "field": e, "resource": e}},
		})
		switch f {
		case fail401, fail403, fail404, fail500:
			code := map[failure]int{fail401: 401, fail403: 403, fail404: 404, fail500: 500}[f]
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			w.Write(js)
		case fail429:
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			w.Write(js)
		case fail502Text, fail400Text:
			code := map[failure]int{fail502Text: 502, fail400Text: 400}[f]
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			fmt.Fprintf(w, "<html><body><h1>Error</h1><pre>%s</pre></body></html>", e)
		case failMalformed:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"items": [ %s`, e)
		case failDrop:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case failTimeout:
			// Hold the request until the client gives up on it.
			<-r.Context().Done()
		default:
			w.WriteHeader(200)
		}
	})
	var srv *httptest.Server
	if f == failTLS {
		srv = httptest.NewUnstartedServer(h)
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
		srv.StartTLS()
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

// callerOpts are the client options for a failure test: fast retries, a
// short attempt timeout for the timeout case, and the scanner's logger.
func callerOpts(sc *scanner, f failure) []connectwise.Option {
	opts := fast(sc.log)
	if f == failTimeout {
		opts = append(opts, connectwise.WithTimeout(100*time.Millisecond), connectwise.WithRetry(0, time.Millisecond, time.Millisecond))
	}
	return opts
}

// errorCase drives one client or flow call against a hostile server.
type errorCase struct {
	name      string
	failToken bool
	// echo replaces the hostile server's echo (nil: echo).
	echo func(*http.Request, []byte) string
	call func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error
}

func errorCases() []errorCase {
	psaCfg := func(url string) connectwise.Config {
		return connectwise.Config{Site: url, CompanyID: psaCompany, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID, Codebase: "v2025_1/"}
	}
	// Rows that differ only in how the server answers share one call.
	psaInfo := func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
		c := must(sc, "NewClient", func() (*connectwise.Client, error) { return connectwise.NewClient(psaCfg(url), opts...) })
		_, err := step(sc, "System.Info", func() (*connectwise.Response, error) { _, r, err := c.System.Info(ctx); return r, err })
		return err
	}
	creds := security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret}
	asio := func(sc *scanner, url string, opts []connectwise.Option) *security360.Client {
		return must(sc, "NewClient", func() (*security360.Client, error) {
			return security360.NewClient(creds, append(optsFor[security360.Option](opts), security360.WithBaseURL(url))...)
		})
	}
	asioList := func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
		c := asio(sc, url, opts)
		_, err := step(sc, "Companies.List", func() ([]security360.Company, error) { v, _, err := c.Companies.List(ctx, nil); return v, err })
		return err
	}
	return []errorCase{
		{name: "connectwise GET", call: psaInfo},
		{name: "connectwise GET, parsed credential quoted", echo: basicParts, call: psaInfo},
		{name: "connectwise codebase discovery", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			cfg := psaCfg(url)
			cfg.Codebase = ""
			c := must(sc, "NewClient", func() (*connectwise.Client, error) { return connectwise.NewClient(cfg, opts...) })
			_, err := step(sc, "Boards.List", func() ([]connectwise.Board, error) { v, _, err := c.Boards.List(ctx, nil); return v, err })
			return err
		}},
		{name: "connectwise POST", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			c := must(sc, "NewClient", func() (*connectwise.Client, error) { return connectwise.NewClient(psaCfg(url), opts...) })
			_, err := step(sc, "Tickets.Create", func() (*connectwise.Ticket, error) {
				v, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: "s", Company: connectwise.Ref{ID: 1}})
				return v, err
			})
			return err
		}},
		{name: "infima", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			c := must(sc, "NewClient", func() (*infima.Client, error) {
				return infima.NewClient(infimaKey, append(optsFor[infima.Option](opts), infima.WithBaseURL(url))...)
			})
			_, err := step(sc, "TestConnection", func() (*infima.Partner, error) { return c.TestConnection(ctx) })
			return err
		}},
		{name: "heimdal", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			c := must(sc, "NewClient", func() (*heimdal.Client, error) {
				return heimdal.NewClient(heimdalKey, append(optsFor[heimdal.Option](opts), heimdal.WithBaseURL(url))...)
			})
			_, err := step(sc, "Customers.List", func() ([]heimdal.Customer, error) { v, _, err := c.Customers.List(ctx, "200000", nil); return v, err })
			return err
		}},
		{name: "security360 token", failToken: true, call: asioList},
		{name: "security360 GET", call: asioList},
		{name: "security360 PATCH", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			c := asio(sc, url, opts)
			_, err := step(sc, "Sites.Patch", func() (*security360.Site, error) {
				v, _, err := c.Sites.Patch(ctx, "c1", "s1", security360.PatchOp{Op: "replace", Path: "/name", Value: "x"})
				return v, err
			})
			return err
		}},
		{name: "psasync TestConnection", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			in := must(sc, "psasync.NewSetup", func() (*psasync.Setup, error) {
				return psasync.NewSetup(flow.NewMemoryStore(), "200000", opts...)
			})
			do(sc, "UpdateSettings", func() error {
				return in.UpdateSettings(psaSettings(url))
			})
			_, err := step(sc, "TestConnection", func() (*connectwise.SystemInfo, error) { return in.TestConnection(ctx) })
			return err
		}},
		{name: "officeprotect CheckConnection", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			in := must(sc, "officeprotect.New", func() (*officeprotect.Integration, error) {
				return newOfficeProtect(psaCfg(url), officeprotecttest.NewSource(), opts)
			})
			_, err := step(sc, "CheckConnection", func() (*officeprotect.ConnectionCheck, error) { return in.CheckConnection(ctx) })
			return err
		}},
		{name: "infimasync TestConnection", call: func(ctx context.Context, t *testing.T, sc *scanner, url string, opts []connectwise.Option) error {
			s := infimasync.Settings{ServerURL: url, APIKey: infimaKey}
			_, err := step(sc, "TestConnection", func() (*infima.Partner, error) {
				return infimasync.TestConnection(ctx, s, infimasync.AllowLoopback(), infimasync.WithClientOptions(optsFor[infima.Option](opts)...))
			})
			return err
		}},
	}
}

// TestErrorPathsLeakNothing drives every client, and the flows' connection
// tests, into every failure: the server's status errors (echoing the
// credentials it received), 429 until the retries are spent, malformed
// JSON, a dropped connection, a timeout and an untrusted certificate. The
// error, each of its printed forms and the logs must hold no secret.
func TestErrorPathsLeakNothing(t *testing.T) {
	for _, c := range errorCases() {
		for _, f := range failures {
			t.Run(c.name+"/"+string(f), func(t *testing.T) {
				srv := hostile(t, f, c.failToken, c.echo)
				sc := newScanner(t)
				if err := c.call(context.Background(), t, sc, srv.URL, callerOpts(sc, f)); err == nil {
					t.Errorf("no error from a server failing with %s", f)
				}
			})
		}
	}
}

// TestMalformedSecretsAreNotEchoed gives every client and flow a secret
// that fails validation (whitespace at either end, inside, a line break)
// and scans the validation error. The secret must not be quoted back,
// even in part.
func TestMalformedSecretsAreNotEchoed(t *testing.T) {
	sc := newScanner(t)
	ctx := context.Background()
	mangle := []struct {
		name string
		f    func(string) string
	}{
		{"trailing space", func(s string) string { return s + " " }},
		{"trailing line break", func(s string) string { return s + "\n" }},
		{"trailing CRLF", func(s string) string { return s + "\r\n" }},
		{"leading space", func(s string) string { return " " + s }},
		{"leading tab", func(s string) string { return "\t" + s }},
		{"inner space", func(s string) string { return strings.Replace(s, "-", " ", 1) }},
		{"inner line break", func(s string) string { return strings.Replace(s, "-", "\n", 1) }},
		{"non-ASCII", func(s string) string { return s + "é" }},
		{"zero-width space", func(s string) string { return s + "\u200b" }},
	}
	src := officeprotecttest.NewSource()
	n := 0
	for _, m := range mangle {
		psa := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: psaCompany, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID}
		pub, priv := psa, psa
		pub.PublicKey = m.f(psaPublic)
		priv.PrivateKey = m.f(psaPrivate)
		checks := map[string]func() error{
			"connectwise PublicKey":  func() error { _, err := connectwise.NewClient(pub); return err },
			"connectwise PrivateKey": func() error { _, err := connectwise.NewClient(priv); return err },
			"officeprotect PrivateKey": func() error {
				_, err := newOfficeProtect(priv, src, nil)
				return err
			},
			"psasync PrivateKey": func() error {
				in, err := psasync.NewSetup(flow.NewMemoryStore(), "200000")
				if err != nil {
					return nil
				}
				return in.UpdateSettings(psasync.Settings{CompanyID: psaCompany, Site: psa.Site, PublicKey: psaPublic, PrivateKey: m.f(psaPrivate), ClientID: psaClientID})
			},
			"infima": func() error { _, err := infima.NewClient(m.f(infimaKey)); return err },
			"infima.ValidateAPIKey": func() error {
				return infima.ValidateAPIKey(m.f(infimaKey))
			},
			"infimasync Validate": func() error {
				return infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: m.f(infimaKey)}.Validate()
			},
			"infimasync TestConnection": func() error {
				_, err := infimasync.TestConnection(ctx, infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: m.f(infimaKey)})
				return err
			},
			"heimdal": func() error { _, err := heimdal.NewClient(m.f(heimdalKey)); return err },
			"security360 ClientSecret": func() error {
				_, err := security360.NewClient(security360.Credentials{ClientID: asioClientID, ClientSecret: m.f(asioSecret)})
				return err
			},
			"officeprotect SMTP Password": func() error {
				_, err := officeprotect.NewSMTPNotifier(officeprotect.SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Username: "u", Password: m.f(smtpPassword)})
				return err
			},
		}
		for _, name := range slices.Sorted(maps.Keys(checks)) {
			where := name + " (" + m.name + ")"
			var err error
			sc.guard(where, func() { err = checks[name]() })
			sc.err(where, err)
			// Inner whitespace is legal in an SMTP password (PLAIN
			// base64-encodes it) and non-ASCII in a private key only
			// fails at the PSA; every other mangled secret is refused.
			if err == nil && !(name == "officeprotect SMTP Password" && !strings.HasPrefix(m.name, "leading") && !strings.HasPrefix(m.name, "trailing")) {
				t.Errorf("%s: accepted", where)
			}
			n++
		}
	}
	if n < 90 {
		t.Fatalf("only %d checks ran", n)
	}
}
