package infimasync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/credcheck"
)

// ServerURL is the only server URL the setup guide accepts: the INFIMA
// Reporting API, over https.
const ServerURL = infima.DefaultBaseURL

// Settings are the two values Security 360's INFIMA tile asks for. Printing
// Settings with any fmt verb, or logging it with slog, shows the key as
// [REDACTED].
type Settings struct {
	// ServerURL must be exactly https://app.infimasecapis.com.
	ServerURL string
	// APIKey is the Reporting API key from the INFIMA partner dashboard.
	APIKey string
}

// String shows the settings with the key redacted.
func (s Settings) String() string {
	key := "[REDACTED]"
	if s.APIKey == "" {
		key = `""`
	}
	return fmt.Sprintf("infimasync.Settings{ServerURL:%q, APIKey:%s}", credcheck.ShowURL(s.ServerURL), key)
}

// GoString makes %#v as safe as %v.
func (s Settings) GoString() string { return s.String() }

// Format makes every verb print String; without it %+v and %#v would
// reflect over the fields and print the key.
func (s Settings) Format(f fmt.State, verb rune) {
	out := s.String()
	if verb == 'q' {
		out = fmt.Sprintf("%q", out)
	}
	_, _ = io.WriteString(f, out)
}

// LogValue keeps the key out of structured logs.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(slog.String("server_url", credcheck.ShowURL(s.ServerURL)), slog.String("api_key", "[REDACTED]"))
}

// Option adjusts the flow: how Settings are checked and the INFIMA client
// for them built (AllowServerURL, AllowLoopback, WithClientOptions), where
// its state lives in the store (WithInstance), and how a run proceeds
// (WithConcurrency, WithProgress). Each function takes the options it
// concerns and ignores the rest.
type Option func(*options)

type options struct {
	allowed    []string
	loopback   bool
	clientOpts []infima.Option
	instance   string
	workers    int
	progress   flow.ProgressFunc
	now        func() time.Time
}

func resolve(opts []Option) *options {
	o := &options{instance: DefaultInstance, workers: DefaultConcurrency, now: time.Now}
	for _, f := range opts {
		if f != nil {
			f(o)
		}
	}
	return o
}

// AllowServerURL accepts u as the server URL in addition to ServerURL, for
// an INFIMA staging server or a simulator on another host. Plain http stays
// refused unless the host is loopback.
func AllowServerURL(u string) Option {
	return func(o *options) { o.allowed = append(o.allowed, u) }
}

// AllowLoopback accepts any loopback server (127.0.0.1, ::1, localhost),
// over http or https, so tests and demos can use the infimatest simulator.
// A production configuration never needs it.
func AllowLoopback() Option { return func(o *options) { o.loopback = true } }

// WithClientOptions passes options to the infima.Client that
// TestConnection and Settings.NewClient build (timeouts, retries, an HTTP
// client). They are applied after this package's own defaults.
func WithClientOptions(opts ...infima.Option) Option {
	return func(o *options) { o.clientOpts = append(o.clientOpts, opts...) }
}

// WithInstance names the integration instance whose state the store keeps
// (DefaultInstance without it), so one store can hold several INFIMA
// partner accounts. It must not contain "/".
func WithInstance(name string) Option { return func(o *options) { o.instance = name } }

// WithConcurrency sets how many clients a run reads at once (default
// DefaultConcurrency; values below 1 mean 1).
func WithConcurrency(n int) Option { return func(o *options) { o.workers = max(n, 1) } }

// WithProgress calls fn after each client a run finishes, with Step "Sync
// customers", Key the client's name and Detail its counts. Calls never
// overlap, so fn needs no locking.
func WithProgress(fn flow.ProgressFunc) Option { return func(o *options) { o.progress = fn } }

// Cause names why a connection test failed.
type Cause string

// The causes, grouped by the setup guide's three checks. The URL and key
// causes are found without contacting the server.
const (
	// CauseURLNotHTTPS: the server URL uses http:// (or another scheme).
	CauseURLNotHTTPS Cause = "url-not-https"
	// CauseURLNotExact: the server URL is empty, malformed, has a path,
	// or names another host.
	CauseURLNotExact Cause = "url-not-exact"
	// CauseKeyEmpty: no API key was given.
	CauseKeyEmpty Cause = "key-empty"
	// CauseKeyWhitespace: the key has leading or trailing whitespace.
	CauseKeyWhitespace Cause = "key-whitespace"
	// CauseKeyMalformed: the key contains characters no key has.
	CauseKeyMalformed Cause = "key-malformed"
	// CauseDNS: the server's name does not resolve.
	CauseDNS Cause = "dns"
	// CauseRefused: the connection was refused.
	CauseRefused Cause = "connection-refused"
	// CauseTimeout: the server did not answer in time.
	CauseTimeout Cause = "timeout"
	// CauseTLS: the TLS handshake failed, typically an untrusted
	// certificate presented by an inspecting proxy.
	CauseTLS Cause = "tls"
	// CauseUnreachable: another network failure (reset, no route).
	CauseUnreachable Cause = "unreachable"
	// CauseUnexpectedResponse: something answered, but not as the
	// Reporting API does (an error status other than 401/403, or a body
	// that is not its JSON).
	CauseUnexpectedResponse Cause = "unexpected-response"
	// CauseKeyRejected: INFIMA refused the key (401): invalid, or replaced
	// by a newly generated key.
	CauseKeyRejected Cause = "key-rejected"
	// CauseForbidden: INFIMA (or something in front of it) answered 403.
	CauseForbidden Cause = "forbidden"
	// CauseRateLimited: INFIMA kept answering 429 after the retries.
	CauseRateLimited Cause = "rate-limited"
)

// Field returns the setting a cause is about: "ServerURL", "APIKey", or ""
// for the network between the two ends.
func (c Cause) Field() string {
	switch c {
	case CauseURLNotHTTPS, CauseURLNotExact:
		return "ServerURL"
	case CauseKeyEmpty, CauseKeyWhitespace, CauseKeyMalformed, CauseKeyRejected, CauseForbidden:
		return "APIKey"
	}
	return ""
}

// ConnectionError is a failed connection test: which check failed, and what
// to do. It never contains the API key.
type ConnectionError struct {
	// Cause is the diagnosis.
	Cause Cause
	// Field is the setting to fix ("ServerURL", "APIKey"), or "" when the
	// settings look right and the network is at fault.
	Field string
	// Advice says what is wrong and what to do, in an administrator's
	// words.
	Advice string
	// Err is the underlying error, if any (nil for the offline checks).
	Err error
}

// Error reads "infimasync: <Field>: <Advice>" followed by the underlying
// error.
func (e *ConnectionError) Error() string {
	var b strings.Builder
	b.WriteString("infimasync: ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Advice)
	if e.Err != nil {
		b.WriteString(" (" + e.Err.Error() + ")")
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err,
// infima.ErrKeyRejected) works on a diagnosis.
func (e *ConnectionError) Unwrap() error { return e.Err }

// As lets errors.As reach a *bridge.ConfigError, the configuration-error
// shape every client and flow shares, from a diagnosis made without the
// network (a bad server URL or key): those are settings to fix, whereas a
// refused key or an unreachable server is not a malformed setting.
func (e *ConnectionError) As(target any) bool {
	t, ok := target.(**bridge.ConfigError)
	if !ok || e.Err != nil || e.Field == "" {
		return false
	}
	*t = &bridge.ConfigError{API: "infimasync", Field: e.Field, Problem: e.Advice}
	return true
}

func newConnErr(c Cause, advice string, err error) *ConnectionError {
	return &ConnectionError{Cause: c, Field: c.Field(), Advice: advice, Err: err}
}

// allowlistAdvice is the setup guide's advice for managed networks.
const allowlistAdvice = "if you are behind a managed network, your IT may need to allowlist " + ServerURL

// Validate runs the checks that need no network, in the setup guide's
// order: the server URL, then the key. It returns a *ConnectionError or nil.
func (s Settings) Validate(opts ...Option) error {
	return s.validate(resolve(opts))
}

func (s Settings) validate(o *options) error {
	if err := checkURL(s.ServerURL, o); err != nil {
		return err
	}
	return checkKey(s.APIKey)
}

// checkURL insists on the exact published URL. infima.ParseBaseURL accepts
// any https server; the setup guide is stricter because a typo in the host
// otherwise surfaces as a confusing DNS or TLS failure.
func checkURL(raw string, o *options) error {
	notExact := func(problem string) error {
		return newConnErr(CauseURLNotExact, problem+": use exactly "+ServerURL, nil)
	}
	switch {
	case raw == "":
		return notExact("is empty")
	case strings.TrimSpace(raw) != raw:
		return notExact("has leading or trailing whitespace")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return notExact("is not a URL starting with https://") // not echoed: it may be a pasted key
	}
	// Never the userinfo, path, query or fragment: a pasted key may sit there.
	display := credcheck.ShowURL(raw)
	host := strings.ToLower(u.Hostname())
	loopback := o.loopback && credcheck.IsLoopback(host)
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !loopback && !allowedHTTPLoopback(u, o) {
			return newConnErr(CauseURLNotHTTPS, fmt.Sprintf("%q uses http://, which INFIMA refuses: use %s (with https://, not http://)", display, ServerURL), nil)
		}
	default:
		return newConnErr(CauseURLNotHTTPS, fmt.Sprintf("%q must start with https://: use %s", display, ServerURL), nil)
	}
	if u.User != nil {
		return notExact("must not contain a user name or password (the key goes in the API Key field)")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return notExact(fmt.Sprintf("%q has a path or query; the server URL is the host only", display))
	}
	if !loopback && !sameServer(u, ServerURL) && !allowed(u, o) {
		return notExact(fmt.Sprintf("%q is not the INFIMA Reporting API server", display))
	}
	if _, err := infima.ParseBaseURL(u.Scheme + "://" + u.Host); err != nil {
		return newConnErr(CauseURLNotExact, err.Error(), nil)
	}
	return nil
}

// allowedHTTPLoopback lets an explicitly allowed http URL through only on
// loopback: the key must never cross a network in clear text.
func allowedHTTPLoopback(u *url.URL, o *options) bool {
	return credcheck.IsLoopback(strings.ToLower(u.Hostname())) && allowed(u, o)
}

func allowed(u *url.URL, o *options) bool {
	for _, a := range o.allowed {
		if sameServer(u, a) {
			return true
		}
	}
	return false
}

// sameServer compares scheme, host and port, ignoring case and a default
// port, so "HTTPS://App.InfimaSecAPIs.com:443/" is the published URL.
func sameServer(u *url.URL, raw string) bool {
	v, err := url.Parse(raw)
	if err != nil {
		return false
	}
	norm := func(x *url.URL) string {
		scheme := strings.ToLower(x.Scheme)
		port := x.Port()
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			port = ""
		}
		return scheme + "://" + strings.ToLower(x.Hostname()) + ":" + port
	}
	return norm(u) == norm(v)
}

// checkKey catches paste mistakes and says where the whitespace is, never
// what the key is.
func checkKey(key string) error {
	problem := credcheck.Secret(key)
	switch {
	case problem == "":
		return nil
	case key == "":
		return newConnErr(CauseKeyEmpty, "is empty: copy the key from the Reporting API section of your INFIMA partner dashboard", nil)
	case strings.TrimSpace(key) != key || strings.TrimSpace(key) == "":
		return newConnErr(CauseKeyWhitespace, problem+", or regenerate the key in INFIMA if unsure", nil)
	}
	return newConnErr(CauseKeyMalformed, "contains spaces, control or non-ASCII characters no Reporting API key has: copy it again, or regenerate it in INFIMA", nil)
}

// NewClient validates the settings (see Validate) and returns an INFIMA
// client for them.
func (s Settings) NewClient(opts ...Option) (*infima.Client, error) {
	o := resolve(opts)
	if err := s.validate(o); err != nil {
		return nil, err
	}
	return s.client(o, nil)
}

func (s Settings) client(o *options, defaults []infima.Option) (*infima.Client, error) {
	copts := append(append([]infima.Option{infima.WithBaseURL(strings.TrimSuffix(s.ServerURL, "/"))}, defaults...), o.clientOpts...)
	c, err := infima.NewClient(s.APIKey, copts...)
	if err != nil {
		var ce *infima.ConfigError
		if errors.As(err, &ce) && ce.Field == "APIKey" {
			return nil, newConnErr(CauseKeyMalformed, ce.Problem, nil)
		}
		return nil, newConnErr(CauseURLNotExact, err.Error(), nil)
	}
	return c, nil
}

// Connection-test defaults: a person is waiting for the answer, so one retry
// at most and a bounded wait, unlike a background sync.
const (
	testTimeout    = 15 * time.Second
	testRetries    = 1
	testRetryWait  = 250 * time.Millisecond
	testRetryLimit = time.Second
)

// TestConnection does what Security 360's Test Connection button does: it
// checks the settings offline, then makes one authenticated call (GET
// /v1/partner). On success it returns the partner the key belongs to;
// otherwise a *ConnectionError naming the cause, in the setup guide's order
// (see the package documentation). If ctx ends first, the context's error
// is returned instead of a diagnosis.
func TestConnection(ctx context.Context, s Settings, opts ...Option) (*infima.Partner, error) {
	o := resolve(opts)
	if err := s.validate(o); err != nil {
		return nil, err
	}
	c, err := s.client(o, []infima.Option{
		infima.WithTimeout(testTimeout),
		infima.WithRetry(testRetries, testRetryWait, testRetryLimit),
	})
	if err != nil {
		return nil, err
	}
	p, _, err := c.Partner.Get(ctx)
	if err == nil {
		return p, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("infimasync: test connection: %w", context.Cause(ctx))
	}
	if d := Diagnose(err); d != nil {
		return nil, d
	}
	return nil, fmt.Errorf("infimasync: test connection: %w", err)
}

// Diagnose classifies an error from an INFIMA call the way TestConnection
// does, so a failed sync can tell an administrator the same thing as the
// Test Connection button. It returns nil when err is not a connection
// problem (for example a cancelled context).
func Diagnose(err error) *ConnectionError {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	var (
		dnsErr   *net.DNSError
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		apiErr   *infima.Error
		decode   *infima.DecodeError
		netErr   net.Error
		opErr    *net.OpError
		timeoutE interface{ Timeout() bool }
	)
	switch {
	case errors.As(err, &dnsErr):
		return newConnErr(CauseDNS, fmt.Sprintf("cannot resolve %q: check the server URL for typos and that this network's DNS resolves it; %s", dnsErr.Name, allowlistAdvice), err)
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &invalid):
		return newConnErr(CauseTLS, "the server's TLS certificate is not trusted: a TLS-inspecting proxy or firewall is probably intercepting the connection; "+allowlistAdvice+" and exempt it from inspection", err)
	case errors.As(err, &record), errors.As(err, &alert):
		return newConnErr(CauseTLS, "the TLS handshake failed: something other than the INFIMA server answered on that port, or a proxy interfered; "+allowlistAdvice, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return newConnErr(CauseRefused, "the connection was refused: nothing accepts connections at that address from here, or a firewall rejects them; "+allowlistAdvice, err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout(),
		errors.As(err, &timeoutE) && timeoutE.Timeout():
		return newConnErr(CauseTimeout, "the server did not answer in time: a firewall may be silently dropping traffic to it; "+allowlistAdvice, err)
	case errors.Is(err, infima.ErrKeyRejected):
		return newConnErr(CauseKeyRejected, "INFIMA rejected the key: it is invalid or was regenerated in INFIMA (a new key invalidates the old one); copy the current key from the Reporting API section and paste it again", err)
	case errors.Is(err, infima.ErrForbidden):
		return newConnErr(CauseForbidden, "the server refused access (403): check the key's access in INFIMA; a firewall or web filter answering for the server gives the same status, so "+allowlistAdvice, err)
	case errors.Is(err, infima.ErrRateLimited):
		return newConnErr(CauseRateLimited, "INFIMA is limiting requests with this key: the settings are right; wait a minute and test again, and check that no other script uses the same key heavily", err)
	case errors.As(err, &apiErr):
		return newConnErr(CauseUnexpectedResponse, fmt.Sprintf("the server answered HTTP %d, which the Reporting API does not for this call: check the server URL, or try again if INFIMA is having an outage", apiErr.StatusCode), err)
	case errors.As(err, &decode):
		return newConnErr(CauseUnexpectedResponse, "the server's answer is not the Reporting API's: check the server URL; a proxy's login or block page looks like this, so "+allowlistAdvice, err)
	case errors.As(err, &opErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return newConnErr(CauseUnreachable, "the server cannot be reached from this network, or the connection was cut: "+allowlistAdvice, err)
	}
	return nil
}
