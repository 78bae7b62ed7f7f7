// Package leakcheck_test proves that psabridge never shows a credential:
// every example flow and every error path runs with recognisable fake
// secrets, and everything they produce (log records, error strings, every
// fmt verb and slog form of every config, settings and client value, and
// panic values) is scanned for them. It also proves that credentials only
// go to the configured host: redirects elsewhere lose them, and plain http
// is refused except to loopback.
//
// The package holds tests only; it sits apart from the client packages so
// that it sees them exactly as a caller does.
package leakcheck_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/testbody"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/security360test"
)

// The fake secrets. Each ends in a random-looking tail so that a secret
// cut short or partly masked is still recognised, and none resembles
// anything a library would print on its own.
const (
	psaCompany   = "cwtest" // the simulator's company id: an identifier, printed on purpose
	psaClientID  = "leakcheck-psa-client-id"
	psaPublic    = "LEAK-PUBLIC-KEY-2c8e1b7d"
	psaPrivate   = "LEAK-PRIVATE-KEY-7f3a9c1e"
	infimaKey    = "LEAK-INFIMA-KEY-91d4e0a6"
	heimdalKey   = "LEAK-HEIMDAL-KEY-5b0c3f82"
	asioClientID = "leakcheck-asio-client-id"
	asioSecret   = "LEAK-ASIO-SECRET-e6a27d49"
	asioToken    = "LEAK-ASIO-TOKEN-4d2f9b1a" // issued by the hostile test servers
	smtpPassword = "LEAK-SMTP-PASSWORD-38f1d5c0"
)

// psaBasic is the PSA's Basic credential for the fake keys: base64 of
// "company+public:private". It is as secret as the private key.
func psaBasic() string {
	return base64.StdEncoding.EncodeToString([]byte(psaCompany + "+" + psaPublic + ":" + psaPrivate))
}

// staticSecrets are the secrets known before any server runs.
func staticSecrets() []string {
	return []string{psaPublic, psaPrivate, psaBasic(), infimaKey, heimdalKey, asioSecret, asioToken, smtpPassword}
}

// needlesFor is what a scan looks for: the secret, and for the fake ones
// their name part and their tail, so that a truncated or half-masked
// secret counts as a leak too.
func needlesFor(secret string) []string {
	out := []string{secret}
	if strings.HasPrefix(secret, "LEAK-") {
		i := strings.LastIndexByte(secret, '-')
		out = append(out, secret[:i], secret[i+1:])
	}
	return out
}

// scanner collects everything a test makes the library produce and fails
// the test on the first sight of a secret. Comparisons ignore case:
// hosts, for one, are lower-cased before they are printed.
type scanner struct {
	t  testing.TB
	mu sync.Mutex
	// needles are lower-cased.
	needles []string
	// scanned counts the texts looked at, so a test can prove it scanned
	// something at all.
	scanned int
	// logs receives what the clients log through log; finish scans it.
	logs *testbody.Buffer
	log  *slog.Logger
}

func newScanner(t testing.TB) *scanner {
	s := &scanner{t: t, logs: &testbody.Buffer{}}
	for _, sec := range staticSecrets() {
		s.addSecret(sec)
	}
	// Every record goes through both handlers: text formats values with
	// %+v, JSON marshals them, and either can be the one that leaks.
	s.log = slog.New(fanout{
		slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
	})
	t.Cleanup(s.finish)
	return s
}

// addSecret adds a secret learnt while the test runs: a rotated key, an
// issued token.
func (s *scanner) addSecret(sec string) {
	if len(sec) < 8 {
		s.t.Fatalf("secret %q is too short to scan for without false alarms", sec)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range needlesFor(sec) {
		s.needles = append(s.needles, strings.ToLower(n))
	}
}

// text fails the test if text holds a secret. The failure names where the
// text came from and the secret's tail, never the text itself.
func (s *scanner) text(where, text string) {
	s.t.Helper()
	s.mu.Lock()
	s.scanned++
	needles := s.needles
	s.mu.Unlock()
	low := strings.ToLower(text)
	for _, n := range needles {
		if strings.Contains(low, n) {
			s.t.Errorf("LEAK in %s: contains secret material %q", where, tail(n))
			if debugLeaks {
				s.t.Logf("DEBUG %s: %s", where, s.redact(text))
			}
		}
	}
}

const debugLeaks = false

func tail(n string) string {
	if len(n) > 6 {
		return "…" + n[len(n)-6:]
	}
	return n
}

// verbs are the fmt forms every value is printed with.
var verbs = []string{"%v", "%+v", "%#v", "%s", "%q"}

// value scans v under every fmt verb and under both slog handlers.
func (s *scanner) value(where string, v any) {
	s.t.Helper()
	for _, verb := range verbs {
		s.text(where+" "+verb, fmt.Sprintf(verb, v))
	}
	s.text(where+" fmt.Sprint", fmt.Sprint(v))
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("value", slog.Any("v", v))
	slog.New(slog.NewJSONHandler(&js, nil)).Info("value", slog.Any("v", v))
	s.text(where+" slog text", text.String())
	s.text(where+" slog JSON", js.String())
}

// err scans an error's message and every printed form of it.
func (s *scanner) err(where string, err error) {
	s.t.Helper()
	if err == nil {
		return
	}
	s.text(where+" Error()", err.Error())
	s.value(where, err)
}

// guard runs f, turning a panic into a scanned value and a test failure:
// a panic's value ends up in a crash log.
func (s *scanner) guard(where string, f func()) {
	s.t.Helper()
	defer func() {
		if p := recover(); p != nil {
			s.value(where+" panic value", p)
			s.text(where+" panic stack", string(debug.Stack()))
			s.t.Errorf("%s panicked (%T)", where, p)
		}
	}()
	f()
}

// finish scans everything the clients logged.
func (s *scanner) finish() {
	s.text("client logs", s.logs.String())
}

// wantLogs fails the test when the clients logged nothing: the log scan
// would then prove nothing.
func (s *scanner) wantLogs() {
	s.t.Helper()
	if s.logs.String() == "" {
		s.t.Error("the clients logged nothing: was the logger passed to them?")
	}
}

// redact hides secrets in text a test is about to print itself.
func (s *scanner) redact(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.needles {
		for {
			i := strings.Index(strings.ToLower(text), n)
			if i < 0 {
				break
			}
			text = text[:i] + "[LEAK]" + text[i+len(n):]
		}
	}
	return text
}

// step runs one step of a flow under guard and scans its result and error.
func step[T any](s *scanner, where string, f func() (T, error)) (T, error) {
	s.t.Helper()
	var (
		v   T
		err error
	)
	s.guard(where, func() { v, err = f() })
	s.value(where+" result", v)
	s.err(where+" error", err)
	return v, err
}

// must is step for a step that has to succeed for the flow to go on.
func must[T any](s *scanner, where string, f func() (T, error)) T {
	s.t.Helper()
	return need(s, where, func() (T, error) { return step(s, where, f) })
}

// need runs a call that has to succeed and fails the test with its error
// redacted. Unlike must it scans nothing: it builds what a test then scans
// its own way, where scanning early would fail a known-gap case that is
// meant to be checked to still leak.
func need[T any](s *scanner, where string, f func() (T, error)) T {
	s.t.Helper()
	v, err := f()
	if err != nil {
		s.t.Fatalf("%s: %s", where, s.redact(err.Error()))
	}
	return v
}

// fanout sends every record to several handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}

func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

// fast are client options that keep failure paths quick: no client-side
// rate limit, millisecond backoff, Retry-After capped. The list is built
// as connectwise options; optsFor converts it for the other clients.
func fast(log *slog.Logger) []connectwise.Option {
	return []connectwise.Option{
		connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(1, time.Millisecond, 2*time.Millisecond),
		connectwise.WithMaxRetryAfter(time.Millisecond),
		connectwise.WithTimeout(2 * time.Second),
		connectwise.WithLogger(log),
	}
}

// optsFor converts fast's list to another client's option type. Each client
// has its own Option type (so one client's option cannot be passed to
// another by mistake), but all four carry the same transport settings,
// which httpx.Adapt moves across.
func optsFor[O ~func(P), P httpx.Carrier](opts []connectwise.Option) []O {
	return httpx.AdaptAll[O](opts)
}

// psaSim serves the cwtest simulator behind the fake PSA keys. The
// simulator's own keys are fixed, so a request carrying the fake
// credential is rewritten to them on the way in; anything else passes
// unchanged and is refused with 401, as a wrong key would be.
type psaSim struct {
	*cwtest.Server
	front *httptest.Server
}

func newPSASim(t testing.TB, opts ...cwtest.Option) *psaSim {
	sim := cwtest.NewServer(opts...)
	t.Cleanup(sim.Close)
	real := sim.Config()
	realAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(real.CompanyID+"+"+real.PublicKey+":"+real.PrivateKey))
	h := sim.Handler()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Basic "+psaBasic() {
			r.Header.Set("Authorization", realAuth)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return &psaSim{Server: sim, front: front}
}

// config is the PSA configuration with the fake keys.
func (p *psaSim) config() connectwise.Config {
	return connectwise.Config{Site: p.front.URL, CompanyID: psaCompany, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID}
}

// settings is the PSA credential with the fake keys as the Heimdal→PSA
// flow stores it.
func (p *psaSim) settings() psasync.Settings { return psaSettings(p.front.URL) }

// psaSettings is the fake PSA credential at site, as psasync.Settings: the
// flow under test stores and prints it, so every field the scanner looks
// for is in it.
func psaSettings(site string) psasync.Settings {
	return psasync.Settings{CompanyID: psaCompany, Site: site, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID}
}

// asioSim serves the Asio simulator with the fake client secret and adds
// every access token it issues to the scanner's secrets: tokens are
// credentials too.
func newAsioSim(t testing.TB, sc *scanner, opts ...security360test.Option) (*security360test.Server, []security360.Option) {
	sim := security360test.NewServer(append([]security360test.Option{security360test.WithCredentials(asioClientID, asioSecret)}, opts...)...)
	t.Cleanup(sim.Close)
	h := sim.Handler()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/v1/token") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &tok) == nil && tok.AccessToken != "" {
			sc.addSecret(tok.AccessToken)
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, rec.Body)
	}))
	t.Cleanup(front.Close)
	return sim, append([]security360.Option{security360.WithBaseURL(front.URL)}, optsFor[security360.Option](fast(sc.log))...)
}
