package security360

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

// refreshEarly is how long before its expiry a token is replaced, so a call
// never starts with a token that dies in flight. Short-lived tokens are
// refreshed at half their lifetime instead.
const refreshEarly = 60 * time.Second

// defaultTokenLifetime applies when the server omits expires_in; Asio tokens
// last about an hour.
const defaultTokenLifetime = time.Hour

// token is one access token and when to stop using it.
type token struct {
	value     string
	refreshAt time.Time
}

// tokenCall is one token fetch in flight; waiters block on done.
type tokenCall struct {
	done chan struct{}
	tok  token
	err  error
}

// tokenSource caches the access token and lets exactly one fetch run at a
// time: every other caller waits for it (or for its own context). A key
// that asks for many tokens at once can be locked by Asio, so this matters
// beyond efficiency.
type tokenSource struct {
	fetch func(context.Context) (string, time.Duration, error)
	now   func() time.Time

	mu       sync.Mutex
	cur      token
	inflight *tokenCall
}

func newTokenSource(fetch func(context.Context) (string, time.Duration, error), now func() time.Time) *tokenSource {
	return &tokenSource{fetch: fetch, now: now}
}

// Token returns a token valid for at least a little while, fetching one if
// needed.
func (ts *tokenSource) Token(ctx context.Context) (string, error) {
	for {
		ts.mu.Lock()
		if ts.cur.value != "" && ts.now().Before(ts.cur.refreshAt) {
			v := ts.cur.value
			ts.mu.Unlock()
			return v, nil
		}
		if call := ts.inflight; call != nil {
			ts.mu.Unlock()
			select {
			case <-call.done:
			case <-ctx.Done():
				return "", fmt.Errorf("security360: waiting for a token: %w", ctx.Err())
			}
			if call.err == nil {
				return call.tok.value, nil
			}
			// The fetch died with its caller's context, not ours: try again,
			// most likely as the one doing the fetch.
			if isContextErr(call.err) && ctx.Err() == nil {
				continue
			}
			return "", call.err
		}
		call := &tokenCall{done: make(chan struct{})}
		ts.inflight = call
		ts.mu.Unlock()

		start := ts.now()
		value, lifetime, err := ts.fetch(ctx)
		if err == nil {
			if lifetime <= 0 {
				lifetime = defaultTokenLifetime
			}
			early := min(refreshEarly, lifetime/2)
			call.tok = token{value: value, refreshAt: start.Add(lifetime - early)}
		}
		call.err = err

		ts.mu.Lock()
		if err == nil {
			ts.cur = call.tok
		}
		ts.inflight = nil
		ts.mu.Unlock()
		close(call.done)

		if err != nil {
			return "", err
		}
		return value, nil
	}
}

// Invalidate drops the cached token if it is still stale. Comparing the
// value means fifty callers that all saw a 401 cause one refresh, not fifty.
func (ts *tokenSource) Invalidate(stale string) {
	ts.mu.Lock()
	if ts.cur.value == stale {
		ts.cur = token{}
	}
	ts.mu.Unlock()
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// tokenRequest is the body of POST /v1/token. Working Asio integrations
// send it as JSON (not as an OAuth form), so this client does too.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Scope        string `json:"scope"`
}

// tokenResponse is the OAuth2 answer. expires_in is accepted as a number or
// a numeric string.
type tokenResponse struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// fetchToken performs the client-credentials exchange. The POST is safe to
// repeat (it creates nothing), so an unknown outcome is retried once.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	body, err := json.Marshal(tokenRequest{
		GrantType:    "client_credentials",
		ClientID:     c.creds.ClientID,
		ClientSecret: c.creds.ClientSecret,
		Scope:        c.creds.scope(),
	})
	if err != nil {
		return "", 0, fmt.Errorf("security360: encoding token request: %w", err)
	}
	var resp *http.Response
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/token", bytes.NewReader(body))
		if err != nil {
			return "", 0, fmt.Errorf("security360: token request: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err = c.hc.Do(req)
		if err == nil {
			break
		}
		if attempt == 0 && httpx.IsOutcomeUnknown(err) && ctx.Err() == nil {
			continue
		}
		return "", 0, c.scrubErr(fmt.Errorf("security360: token request: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		code, msg := parseErrorBody([]byte(httpx.Scrub(string(httpx.ReadErrorBody(resp)), c.creds.ClientSecret)))
		te := &TokenError{StatusCode: resp.StatusCode, Code: code, Message: msg}
		if resp.StatusCode == http.StatusLocked {
			te.Code = "locked"
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			wait, _ := httpx.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			return "", 0, &RateLimitError{Wait: wait, Err: te}
		}
		return "", 0, te
	}
	defer httpx.DrainClose(resp.Body)
	var tr tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, httpx.MaxErrorBody)).Decode(&tr); err != nil {
		return "", 0, &TokenError{StatusCode: resp.StatusCode, Code: "invalid_response", Message: "body is not JSON"}
	}
	if tr.AccessToken == "" {
		return "", 0, &TokenError{StatusCode: resp.StatusCode, Code: "invalid_response", Message: "no access_token"}
	}
	if tt := tr.TokenType; tt != "" && !strings.EqualFold(tt, "bearer") {
		return "", 0, &TokenError{StatusCode: resp.StatusCode, Code: "invalid_response", Message: fmt.Sprintf("token_type %q is not Bearer", tt)}
	}
	return tr.AccessToken, parseExpiresIn(tr.ExpiresIn), nil
}

// parseExpiresIn returns 0 (meaning "use the default") when the field is
// missing or malformed.
func parseExpiresIn(raw json.RawMessage) time.Duration {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0
	}
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil || secs <= 0 || secs > 10*365*24*3600 {
		return 0
	}
	return time.Duration(secs * float64(time.Second))
}
