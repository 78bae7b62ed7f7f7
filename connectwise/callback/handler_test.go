package callback_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/callback"
	"github.com/psabridge/psabridge/internal/testbody"
)

const (
	testKey = "test-signing-key"
	// knownSignature is base64(HMAC-SHA256(SHA-256(testKey), ticket-updated.json)),
	// computed with openssl, independently of this package:
	//   openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf %s test-signing-key | sha256sum | cut -d' ' -f1) -binary < testdata/ticket-updated.json | base64
	knownSignature = "SP5rpdweY19dj7+pKyR4mbv02Ra7mF3DGYk5syBh27c="
	keyPath        = "/v2025_1//system/callbackkey/index.rails"
)

// keyServer plays the PSA's key endpoint on https://example.com (the name
// httptest's certificate carries); every connection, whatever host it was
// meant for, lands here, so fetches counts every fetch attempted anywhere.
type keyServer struct {
	srv     *httptest.Server
	client  *http.Client
	fetches atomic.Int64
	mu      sync.Mutex
	handler http.HandlerFunc
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	ks := &keyServer{}
	ks.handler = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != keyPath || r.URL.Query().Get("id") == "" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"signing_key":"`+testKey+`"}`)
	}
	ks.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("key fetch sent an Authorization header")
		}
		ks.mu.Lock()
		h := ks.handler
		ks.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(ks.srv.Close)
	tr := ks.srv.Client().Transport.(*http.Transport).Clone()
	addr := ks.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	ks.client = &http.Client{Transport: tr}
	return ks
}

func (ks *keyServer) serve(h http.HandlerFunc) {
	ks.mu.Lock()
	ks.handler = h
	ks.mu.Unlock()
}

func sign(key string, body []byte) string {
	k := sha256.Sum256([]byte(key))
	m := hmac.New(sha256.New, k[:])
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func fixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/ticket-updated.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withMember returns the fixture with one top-level member replaced.
func withMember(t *testing.T, name string, value any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t), &m); err != nil {
		t.Fatal(err)
	}
	if value == nil {
		delete(m, name)
	} else {
		m[name] = value
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type recorder struct {
	mu     sync.Mutex
	events []*callback.Event
	err    error
}

func (r *recorder) fn(_ context.Context, ev *callback.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return r.err
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func newHandler(t *testing.T, ks *keyServer, rec *recorder, opts ...callback.Option) *callback.Handler {
	t.Helper()
	opts = append([]callback.Option{callback.WithHTTPClient(ks.client)}, opts...)
	h, err := callback.NewHandler(callback.Config{Site: "example.com", CompanyID: "acme"}, rec.fn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func post(h http.Handler, sig string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/psa?recordId=4711", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("x-content-signature", sig)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestKnownSignatureIsAccepted(t *testing.T) {
	ks := newKeyServer(t)
	rec := &recorder{}
	h := newHandler(t, ks, rec)
	w := post(h, knownSignature, fixture(t))
	if w.Code != http.StatusNoContent {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if rec.count() != 1 {
		t.Fatalf("fn called %d times", rec.count())
	}
	ev := rec.events[0]
	if ev.MessageID != "6dd82302-5e46-47c0-8c84-702868125b76" || ev.Action != callback.ActionUpdated || ev.Type != callback.TypeTicket ||
		ev.ID != 4711 || ev.CompanyID != "Acme" || ev.MemberID != "psabridge-api" || ev.CallbackID != 26604 || ev.FromURL != "example.com" {
		t.Fatalf("event fields: %+v", ev)
	}
	tk, err := callback.Decode[connectwise.Ticket](ev)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID != 4711 || tk.Summary != "Malware on WS-042" || tk.Status.Name != "In Progress" || tk.Company.Identifier != "Contoso" ||
		tk.Info == nil || !tk.Info.LastUpdated.Equal(time.Date(2026, 6, 9, 21, 59, 49, 0, time.UTC)) {
		t.Fatalf("decoded ticket: %+v", tk)
	}
	if !bytes.Equal(ev.Body, fixture(t)) {
		t.Fatal("Body is not the raw delivery")
	}
}

// rejected asserts a status, that fn never ran, and that the answer does
// not leak the key.
func rejected(t *testing.T, w *httptest.ResponseRecorder, rec *recorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if rec.count() != 0 {
		t.Fatalf("fn was called for a rejected delivery")
	}
	if strings.Contains(w.Body.String(), testKey) {
		t.Fatalf("answer leaks the key: %s", w.Body)
	}
}

func TestRejectsForgedAndMalformedDeliveries(t *testing.T) {
	body := fixture(t)
	foreignKey := func(u string) []byte {
		return withMember(t, "Metadata", map[string]any{"key_url": u})
	}
	cases := []struct {
		name      string
		sig       string
		body      []byte
		status    int
		wantFetch bool
	}{
		{"forged signature", sign("attacker-key", body), body, http.StatusUnauthorized, true},
		{"tampered body", knownSignature, bytes.Replace(body, []byte(`"ID":4711`), []byte(`"ID":4712`), 1), http.StatusUnauthorized, true},
		{"missing signature", "", body, http.StatusUnauthorized, false},
		{"signature not base64", "not base64!", body, http.StatusUnauthorized, false},
		{"signature of the wrong length", base64.StdEncoding.EncodeToString([]byte("short")), body, http.StatusUnauthorized, false},
		{"key_url on a foreign host", sign(testKey, foreignKey("https://evil.example.net"+keyPath+"?id=x")), foreignKey("https://evil.example.net" + keyPath + "?id=x"), http.StatusUnauthorized, false},
		{"key_url on a look-alike host", sign(testKey, foreignKey("https://example.com.evil.net"+keyPath+"?id=x")), foreignKey("https://example.com.evil.net" + keyPath + "?id=x"), http.StatusUnauthorized, false},
		{"key_url on another port", sign(testKey, foreignKey("https://example.com:8443"+keyPath+"?id=x")), foreignKey("https://example.com:8443" + keyPath + "?id=x"), http.StatusUnauthorized, false},
		{"key_url over http", sign(testKey, foreignKey("http://example.com"+keyPath+"?id=x")), foreignKey("http://example.com" + keyPath + "?id=x"), http.StatusUnauthorized, false},
		{"key_url with credentials", sign(testKey, foreignKey("https://u:p@example.com"+keyPath+"?id=x")), foreignKey("https://u:p@example.com" + keyPath + "?id=x"), http.StatusUnauthorized, false},
		{"key_url relative", sign(testKey, foreignKey(keyPath+"?id=x")), foreignKey(keyPath + "?id=x"), http.StatusUnauthorized, false},
		{"another company", sign(testKey, withMember(t, "CompanyId", "Other")), withMember(t, "CompanyId", "Other"), http.StatusUnauthorized, false},
		{"malformed JSON", sign(testKey, body[:len(body)-1]), body[:len(body)-1], http.StatusBadRequest, false},
		{"trailing data", sign(testKey, append(append([]byte{}, body...), []byte(` {}`)...)), append(append([]byte{}, body...), []byte(` {}`)...), http.StatusBadRequest, false},
		{"no key_url", sign(testKey, withMember(t, "Metadata", nil)), withMember(t, "Metadata", nil), http.StatusBadRequest, false},
		{"no MessageId", sign(testKey, withMember(t, "MessageId", nil)), withMember(t, "MessageId", nil), http.StatusBadRequest, false},
		{"ID not a number", sign(testKey, withMember(t, "ID", "x")), withMember(t, "ID", "x"), http.StatusBadRequest, false},
		{"Entity not JSON", sign(testKey, withMember(t, "Entity", "{nope")), withMember(t, "Entity", "{nope"), http.StatusBadRequest, false},
		{"empty body", sign(testKey, nil), nil, http.StatusBadRequest, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks := newKeyServer(t)
			rec := &recorder{}
			w := post(newHandler(t, ks, rec), tc.sig, tc.body)
			rejected(t, w, rec, tc.status)
			if got := ks.fetches.Load(); (got > 0) != tc.wantFetch {
				t.Fatalf("key fetches = %d, want fetch: %v", got, tc.wantFetch)
			}
		})
	}
}

func TestOversizedBodies(t *testing.T) {
	ks := newKeyServer(t)
	rec := &recorder{}
	h := newHandler(t, ks, rec, callback.WithMaxBodySize(512))
	body := fixture(t) // 715 bytes
	// Declared too large.
	rejected(t, post(h, knownSignature, body), rec, http.StatusRequestEntityTooLarge)
	// Too large without a Content-Length (chunked).
	req := httptest.NewRequest(http.MethodPost, "/psa", io.MultiReader(bytes.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("x-content-signature", knownSignature)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	rejected(t, w, rec, http.StatusRequestEntityTooLarge)
	if ks.fetches.Load() != 0 {
		t.Fatal("an oversized delivery made the handler fetch a key")
	}
	// Verify refuses the same for callers with their own framework.
	_, err := h.Verify(context.Background(), knownSignature, body)
	var re *callback.RejectError
	if !errors.As(err, &re) || re.Status != http.StatusRequestEntityTooLarge || !errors.Is(err, callback.ErrTooLarge) {
		t.Fatalf("Verify: %v", err)
	}
}

func TestRejectsOtherMethods(t *testing.T) {
	ks := newKeyServer(t)
	rec := &recorder{}
	req := httptest.NewRequest(http.MethodGet, "/psa", nil)
	w := httptest.NewRecorder()
	newHandler(t, ks, rec).ServeHTTP(w, req)
	rejected(t, w, rec, http.StatusMethodNotAllowed)
	if w.Header().Get("Allow") != http.MethodPost {
		t.Fatalf("Allow = %q", w.Header().Get("Allow"))
	}
}

func TestReplayIsAnsweredAlreadyReported(t *testing.T) {
	ks := newKeyServer(t)
	rec := &recorder{}
	clock := newManualClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	h := newHandler(t, ks, rec, callback.WithReplayWindow(100, time.Hour), callback.WithClock(clock.Now))
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusNoContent {
		t.Fatalf("first delivery: %d %s", w.Code, w.Body)
	}
	w := post(h, knownSignature, fixture(t))
	if w.Code != http.StatusAlreadyReported || rec.count() != 1 {
		t.Fatalf("replay: status %d, fn calls %d", w.Code, rec.count())
	}
	if ks.fetches.Load() != 1 {
		t.Fatalf("key fetched %d times, want 1 (cached)", ks.fetches.Load())
	}
	// Past the window the message is passed on again (documented).
	clock.Advance(2 * time.Hour)
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusNoContent || rec.count() != 2 {
		t.Fatalf("after the window: %d, calls %d", w.Code, rec.count())
	}
}

func TestRetryLaterAndFailuresAreNotRememberedAsDone(t *testing.T) {
	ks := newKeyServer(t)
	rec := &recorder{err: callback.ErrRetryLater}
	h := newHandler(t, ks, rec)
	w := post(h, knownSignature, fixture(t))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("ErrRetryLater: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	rec.mu.Lock()
	rec.err = errors.New("database down")
	rec.mu.Unlock()
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusInternalServerError {
		t.Fatalf("failing fn: %d", w.Code)
	}
	rec.mu.Lock()
	rec.err = nil
	rec.mu.Unlock()
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusNoContent || rec.count() != 3 {
		t.Fatalf("redelivery after failures: %d, calls %d", w.Code, rec.count())
	}
}

func TestKeyEndpointFailures(t *testing.T) {
	cases := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }},
		{"no signing_key", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"key":"x"}`) }},
		{"empty signing_key", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"signing_key":""}`) }},
		{"huge answer", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"signing_key":"`+strings.Repeat("k", 1<<20)+`"}`)
		}},
		{"redirect off the host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example.net/key", http.StatusFound)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks := newKeyServer(t)
			ks.serve(tc.h)
			rec := &recorder{}
			rejected(t, post(newHandler(t, ks, rec), knownSignature, fixture(t)), rec, http.StatusBadGateway)
			if n := ks.fetches.Load(); n != 1 {
				t.Fatalf("%d requests reached the key host, want 1 (redirects are not followed)", n)
			}
		})
	}
}

func TestKeyRotationRefetchesOnlyAfterMinAge(t *testing.T) {
	ks := newKeyServer(t)
	rec := &recorder{}
	clock := newManualClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	h := newHandler(t, ks, rec, callback.WithClock(clock.Now))
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusNoContent {
		t.Fatal(w.Code)
	}
	// The PSA rotates its key.
	ks.serve(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"signing_key":"rotated"}`) })
	body := withMember(t, "MessageId", "second")
	// Forged-looking signatures within a minute of the fetch do not
	// trigger fetches.
	for range 5 {
		if w := post(h, sign("rotated", body), body); w.Code != http.StatusUnauthorized {
			t.Fatalf("signed with an unknown key within the minimum age: %d", w.Code)
		}
	}
	if rec.count() != 1 {
		t.Fatalf("fn called %d times", rec.count())
	}
	if ks.fetches.Load() != 1 {
		t.Fatalf("fetches %d within the minimum age, want 1", ks.fetches.Load())
	}
	clock.Advance(2 * time.Minute)
	if w := post(h, sign("rotated", body), body); w.Code != http.StatusNoContent {
		t.Fatalf("after rotation: %d %s", w.Code, w.Body)
	}
	if ks.fetches.Load() != 2 {
		t.Fatalf("fetches %d, want 2", ks.fetches.Load())
	}
}

func TestCancelledRequestStopsWaitingForTheKey(t *testing.T) {
	ks := newKeyServer(t)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	ks.serve(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	rec := &recorder{}
	h := newHandler(t, ks, rec)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodPost, "/psa", bytes.NewReader(fixture(t))).WithContext(ctx)
	req.Header.Set("x-content-signature", knownSignature)
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(w, req); close(done) }()
	<-started
	cancel()
	<-done
	rejected(t, w, rec, http.StatusServiceUnavailable)
}

func TestLogsNeverCarryTheKeyOrSignature(t *testing.T) {
	ks := newKeyServer(t)
	rec := &recorder{}
	var buf testbody.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHandler(t, ks, rec, callback.WithLogger(logger))
	post(h, knownSignature, fixture(t))
	post(h, sign("attacker-key", fixture(t)), fixture(t))
	post(h, knownSignature, fixture(t)) // replay
	out := buf.String()
	for _, secret := range []string{testKey, knownSignature, sign("attacker-key", fixture(t)), "e17e6674-42f6-4105-9cff-4cd6cb4e62e8"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "psa callback rejected") || !strings.Contains(out, "psa callback accepted") {
		t.Fatalf("expected accept and reject records:\n%s", out)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	fn := func(context.Context, *callback.Event) error { return nil }
	cases := []struct {
		cfg   callback.Config
		field string
	}{
		{callback.Config{CompanyID: "acme"}, "Site"},
		{callback.Config{Site: "http://psa.example.com", CompanyID: "acme"}, "Site"},
		{callback.Config{Site: "example.com"}, "CompanyID"},
		{callback.Config{Site: "example.com", CompanyID: "acme "}, "CompanyID"},
		{callback.Config{Site: "example.com", CompanyID: "acme", KeyHosts: []string{"https://x"}}, "KeyHosts[0]"},
	}
	for _, tc := range cases {
		_, err := callback.NewHandler(tc.cfg, fn)
		var ce *callback.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: got %v, want field %s", tc.cfg, err, tc.field)
			continue
		}
		// The handler's error is the SDK's one ConfigError, and still
		// reads as the handler's own.
		var be *bridge.ConfigError
		if !errors.As(err, &be) || be.API != "callback" || !strings.HasPrefix(err.Error(), "callback: "+tc.field+": ") {
			t.Errorf("%+v: got %v, want a *bridge.ConfigError reading \"callback: %s: ...\"", tc.cfg, err, tc.field)
		}
	}
	if _, err := callback.NewHandler(callback.Config{Site: "example.com", CompanyID: "acme"}, nil); err == nil {
		t.Error("nil fn accepted")
	}
}

func TestCloudSiteTrustsItsUIHost(t *testing.T) {
	// The cloud UI host serves key URLs too; the api- host is configured.
	for _, site := range []string{"api-na.myconnectwise.net", "na.myconnectwise.net"} {
		kh := &keyHosts{}
		hc := &http.Client{Transport: kh}
		rec := &recorder{}
		h, err := callback.NewHandler(callback.Config{Site: site, CompanyID: "acme"}, rec.fn, callback.WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		for _, host := range []string{"na.myconnectwise.net", "api-na.myconnectwise.net", "eu.myconnectwise.net", "sandbox-na.myconnectwise.net"} {
			body := withMember(t, "Metadata", map[string]any{"key_url": "https://" + host + keyPath + "?companyName=acme&id=1"})
			body = bytes.Replace(body, []byte(`"MessageId":"6dd82302-5e46-47c0-8c84-702868125b76"`), []byte(`"MessageId":"`+host+`"`), 1)
			w := post(h, sign(testKey, body), body)
			want := http.StatusNoContent
			if host == "eu.myconnectwise.net" || host == "sandbox-na.myconnectwise.net" {
				want = http.StatusUnauthorized
			}
			if w.Code != want {
				t.Errorf("site %s, key host %s: %d, want %d (%s)", site, host, w.Code, want, w.Body)
			}
		}
		if fetched := kh.hosts; len(fetched) != 2 {
			t.Errorf("site %s: fetched from %v", site, fetched)
		}
	}
}

// keyHosts stands for every PSA host a key URL may name: it answers each
// key request with testKey and records the host asked in hosts, so a test
// sees which hosts the handler trusted (read it once the deliveries have
// been answered). Like the PSA, it refuses a request
// without clientID in the clientId header, when clientID is set.
type keyHosts struct {
	clientID string
	mu       sync.Mutex
	hosts    []string
}

func (k *keyHosts) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := http.StatusOK, `{"signing_key":"`+testKey+`"}`
	if k.clientID != "" && r.Header.Get("clientId") != k.clientID {
		status, body = http.StatusUnauthorized, ""
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hosts = append(k.hosts, r.URL.Host)
	return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}}, nil
}

// manualClock is a clock the test moves; the handler reads it from its own
// goroutines, hence the atomic.
type manualClock struct{ ns atomic.Int64 }

func newManualClock(t time.Time) *manualClock {
	c := &manualClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *manualClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *manualClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestConcurrentDuplicateWaitsForTheFirst(t *testing.T) {
	ks := newKeyServer(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int64
	h, err := callback.NewHandler(callback.Config{Site: "example.com", CompanyID: "acme"}, func(ctx context.Context, ev *callback.Event) error {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	}, callback.WithHTTPClient(ks.client))
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan int)
	go func() { first <- post(h, knownSignature, fixture(t)).Code }()
	<-entered
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("duplicate while the first is handled: %d", w.Code)
	}
	close(release)
	if code := <-first; code != http.StatusNoContent {
		t.Fatalf("first: %d", code)
	}
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusAlreadyReported {
		t.Fatalf("after the first: %d", w.Code)
	}
	if calls.Load() != 1 {
		t.Fatalf("fn called %d times", calls.Load())
	}
}

func TestKeyHostsExtendTrust(t *testing.T) {
	kh := &keyHosts{clientID: "c0dec0de"}
	hc := &http.Client{Transport: kh}
	rec := &recorder{}
	h, err := callback.NewHandler(callback.Config{Site: "api-na.myconnectwise.net", CompanyID: "acme", ClientID: "c0dec0de", KeyHosts: []string{"sandbox-na.myconnectwise.net"}}, rec.fn, callback.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	body := withMember(t, "Metadata", map[string]any{"key_url": "https://sandbox-na.myconnectwise.net/v2025_1//system/callbackkey/index.rails?companyName=acme&id=1"})
	if w := post(h, sign(testKey, body), body); w.Code != http.StatusNoContent {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if hosts := kh.hosts; len(hosts) != 1 || hosts[0] != "sandbox-na.myconnectwise.net" {
		t.Fatalf("fetched from %v", hosts)
	}
}

func TestPanickingFuncDoesNotMarkTheMessageDone(t *testing.T) {
	ks := newKeyServer(t)
	var calls atomic.Int64
	h, err := callback.NewHandler(callback.Config{Site: "example.com", CompanyID: "acme"}, func(context.Context, *callback.Event) error {
		if calls.Add(1) == 1 {
			panic("bug in the caller")
		}
		return nil
	}, callback.WithHTTPClient(ks.client))
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		post(h, knownSignature, fixture(t))
	}()
	if w := post(h, knownSignature, fixture(t)); w.Code != http.StatusNoContent || calls.Load() != 2 {
		t.Fatalf("redelivery after a panic: %d, calls %d", w.Code, calls.Load())
	}
}
