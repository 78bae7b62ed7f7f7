package callback

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/internal/credcheck"
)

// maxKeyBody bounds the key endpoint's answer: {"signing_key":"..."} is a
// few dozen bytes.
const maxKeyBody = 16 << 10

// trust decides which key URLs may be fetched.
type trust struct {
	hosts        map[string]bool // "host:port", lower case
	loopbackHTTP bool
}

// newTrust derives the trusted key hosts from the configured site.
func newTrust(site string, extra []string, loopbackHTTP bool) (*trust, error) {
	origin, err := connectwise.NormalizeSite(site)
	if err != nil {
		var ce *connectwise.ConfigError
		if errors.As(err, &ce) {
			return nil, configError("Site", ce.Problem)
		}
		return nil, configError("Site", err.Error())
	}
	u, _ := url.Parse(origin)
	t := &trust{hosts: map[string]bool{}, loopbackHTTP: loopbackHTTP}
	t.add(u.Scheme, u.Host)
	// Cloud: the PSA's own links (and so, likely, key URLs) use the UI
	// host of the region ("na.myconnectwise.net") beside the api- host.
	if base, ok := strings.CutSuffix(u.Hostname(), ".myconnectwise.net"); ok {
		t.add(u.Scheme, strings.TrimPrefix(base, "api-")+".myconnectwise.net")
	}
	for i, h := range extra {
		if h == "" || strings.ContainsAny(h, "/?#@ ") {
			return nil, configError(fmt.Sprintf("KeyHosts[%d]", i), "must be a bare host name such as sandbox-na.myconnectwise.net")
		}
		t.add("https", h)
	}
	return t, nil
}

func (t *trust) add(scheme, host string) {
	t.hosts[canonicalHost(scheme, host)] = true
}

// canonicalHost writes host:port with the scheme's default port filled in,
// so that "h" and "h:443" compare equal and "h:444" does not.
func canonicalHost(scheme, hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), ""
	}
	if port == "" {
		port = "443"
		if scheme == "http" {
			port = "80"
		}
	}
	return strings.ToLower(net.JoinHostPort(host, port))
}

// check returns the parsed key URL, or why it may not be fetched. The
// reason names the rule, never the URL's query (it holds the key id).
func (t *trust) check(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, errors.New("key_url is not an absolute URL")
	}
	if u.User != nil {
		return nil, errors.New("key_url carries credentials")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !t.loopbackHTTP || !credcheck.IsLoopback(u.Hostname()) {
			return nil, errors.New("key_url is not https")
		}
	default:
		return nil, fmt.Errorf("key_url has scheme %q, not https", clip(u.Scheme))
	}
	if !t.hosts[canonicalHost("https", u.Host)] && !(u.Scheme == "http" && t.hosts[canonicalHost("http", u.Host)]) {
		return nil, fmt.Errorf("key_url host %q is not the configured PSA host", clip(u.Hostname()))
	}
	u.Fragment = ""
	return u, nil
}

// keyCache holds derived HMAC keys (SHA-256 of the signing key, never the
// signing key itself) by key URL, bounded in size and age, and makes
// concurrent requests for one URL share a single fetch.
type keyCache struct {
	mu       sync.Mutex
	entries  map[string]*cachedKey
	inflight map[string]*fetchCall
	max      int
	ttl      time.Duration
	now      func() time.Time
}

type cachedKey struct {
	mac     [sha256.Size]byte
	fetched time.Time
}

type fetchCall struct {
	done chan struct{}
	key  *cachedKey
	err  error
}

func newKeyCache(max int, ttl time.Duration, now func() time.Time) *keyCache {
	return &keyCache{entries: map[string]*cachedKey{}, inflight: map[string]*fetchCall{}, max: max, ttl: ttl, now: now}
}

// get returns the cached key for u, fetching it when missing or expired,
// or when refresh is set (a signature mismatch) and the cached key is
// older than minAge (so forged deliveries cannot make the handler fetch
// on every request).
func (c *keyCache) get(ctx context.Context, u string, refresh bool, minAge time.Duration, fetch func(context.Context) ([]byte, error)) (*cachedKey, bool, error) {
	c.mu.Lock()
	now := c.now()
	if k, ok := c.entries[u]; ok && now.Sub(k.fetched) < c.ttl && !(refresh && now.Sub(k.fetched) >= minAge) {
		c.mu.Unlock()
		return k, false, nil
	}
	call, ok := c.inflight[u]
	if !ok {
		call = &fetchCall{done: make(chan struct{})}
		c.inflight[u] = call
		c.mu.Unlock()
		signing, err := fetch(ctx)
		c.mu.Lock()
		if err == nil {
			call.key = &cachedKey{mac: sha256.Sum256(signing), fetched: c.now()}
			clear(signing)
			c.store(u, call.key)
		}
		call.err = err
		delete(c.inflight, u)
		close(call.done)
		c.mu.Unlock()
		return call.key, true, call.err
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.key, true, call.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// store adds k, evicting expired entries and then the oldest. Caller holds mu.
func (c *keyCache) store(u string, k *cachedKey) {
	if _, ok := c.entries[u]; !ok && len(c.entries) >= c.max {
		now := c.now()
		var oldest string
		for url, e := range c.entries {
			if now.Sub(e.fetched) >= c.ttl {
				delete(c.entries, url)
				continue
			}
			if oldest == "" || e.fetched.Before(c.entries[oldest].fetched) {
				oldest = url
			}
		}
		if len(c.entries) >= c.max && oldest != "" {
			delete(c.entries, oldest)
		}
	}
	c.entries[u] = k
}

// fetchKey GETs the signing key from u: no redirects (a redirect could lead
// off the trusted host), a bounded body, a time limit, and never the API
// member's credentials.
func (h *Handler) fetchKey(ctx context.Context, u *url.URL) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.keyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if h.cfg.ClientID != "" {
		req.Header.Set("clientId", h.cfg.ClientID)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		// The URL's query holds the key id: report the host only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetching the signing key from %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxKeyBody))
		return nil, fmt.Errorf("fetching the signing key from %s: HTTP %d", u.Host, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeyBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the signing key from %s: %w", u.Host, err)
	}
	if len(body) > maxKeyBody {
		return nil, fmt.Errorf("the signing key answer from %s is larger than %d bytes", u.Host, maxKeyBody)
	}
	var kr struct {
		SigningKey *string `json:"signing_key"`
	}
	err = json.Unmarshal(body, &kr)
	clear(body)
	if err != nil || kr.SigningKey == nil || *kr.SigningKey == "" {
		return nil, fmt.Errorf("the answer from %s holds no signing_key", u.Host)
	}
	return []byte(*kr.SigningKey), nil
}
