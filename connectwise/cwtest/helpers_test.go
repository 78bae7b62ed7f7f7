package cwtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// apiClient is a deliberately plain PSA client: net/http and
// encoding/json only, as a third-party client would be.
type apiClient struct {
	t      *testing.T
	srv    *Server
	hc     *http.Client
	base   string
	header http.Header
}

func newAPI(t *testing.T, opts ...Option) (*Server, *apiClient) {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, clientFor(t, srv)
}

func clientFor(t *testing.T, srv *Server) *apiClient {
	cfg := srv.Config()
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cfg.CompanyID+"+"+cfg.PublicKey+":"+cfg.PrivateKey)))
	h.Set("clientId", cfg.ClientID)
	h.Set("Accept", "application/vnd.connectwise.com+json; version=2025.8")
	return &apiClient{t: t, srv: srv, hc: &http.Client{Timeout: 30 * time.Second}, base: srv.URL + "/v2025_1/apis/3.0/", header: h}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// apiErr is the PSA error body as a third-party client would read it.
type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Code, Message, Resource, Field string
	} `json:"errors"`
}

func (r reply) err(t *testing.T) apiErr {
	t.Helper()
	var e apiErr
	r.decode(t, &e)
	return e
}

// do sends a request; path is relative to the API base unless it starts
// with "http" or "/".
func (c *apiClient) do(method, path string, body any, extra ...string) reply {
	c.t.Helper()
	url := path
	switch {
	case strings.HasPrefix(path, "http"):
	case strings.HasPrefix(path, "/"):
		url = c.srv.URL + path
	default:
		url = c.base + path
	}
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header = c.header.Clone()
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			req.Header.Del(extra[i])
		} else {
			req.Header.Set(extra[i], extra[i+1])
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// doRaw is do for answers that may be cut off: it returns the read
// error instead of failing the test on it.
func (c *apiClient) doRaw(method, path string, body any) (int, []byte, error) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header = c.header.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func (c *apiClient) mustStatus(r reply, want int) reply {
	c.t.Helper()
	if r.status != want {
		c.t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
	return r
}

func (c *apiClient) get(path string, v any) reply {
	c.t.Helper()
	r := c.mustStatus(c.do(http.MethodGet, path, nil), http.StatusOK)
	if v != nil {
		r.decode(c.t, v)
	}
	return r
}

// links parses an RFC 5988 Link header into rel -> URL.
func links(h http.Header) map[string]string {
	out := map[string]string{}
	for part := range strings.SplitSeq(h.Get("Link"), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		u, params, _ := strings.Cut(part, ";")
		rel := strings.TrimSpace(params)
		rel = strings.TrimPrefix(rel, "rel=")
		out[strings.Trim(rel, `"`)] = strings.Trim(strings.TrimSpace(u), "<>")
	}
	return out
}

func fixedClock() func() time.Time {
	t := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	return func() time.Time { return t }
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func urlq(s string) string { return url.QueryEscape(s) }
