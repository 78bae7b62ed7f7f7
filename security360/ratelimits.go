package security360

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// RateLimits is the answer of GET /v1/rate_limits, the key's current API
// quota. The platform does not publish this body's schema, so the common
// fields are read leniently (several spellings, numbers or numeric strings)
// and the full body is kept in Raw.
type RateLimits struct {
	// Limit is the number of requests allowed per window (0 if unknown).
	Limit int
	// Remaining is how many requests are left in the current window (-1
	// if unknown).
	Remaining int
	// WindowSeconds is the length of the window in seconds (0 if unknown).
	WindowSeconds int
	// Raw is the body exactly as received.
	Raw json.RawMessage
}

// RateLimits reads the key's current quota. It costs one request itself.
func (c *Client) RateLimits(ctx context.Context) (*RateLimits, *Response, error) {
	var raw json.RawMessage
	resp, err := c.get(ctx, c.url([]string{"v1", "rate_limits"}, nil), &raw)
	if err != nil {
		return nil, resp, err
	}
	rl := &RateLimits{Remaining: -1, Raw: raw}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return rl, resp, fmt.Errorf("security360: GET /v1/rate_limits: body is not a JSON object: %w", err)
	}
	// Some servers nest the numbers one level down ({"rateLimit": {...}}).
	if len(m) == 1 {
		for _, v := range m {
			var inner map[string]json.RawMessage
			if json.Unmarshal(v, &inner) == nil && len(inner) > 0 {
				m = inner
			}
		}
	}
	if v, ok := lenientInt(m, "limit", "rateLimit", "maxRequests", "max"); ok {
		rl.Limit = v
	}
	if v, ok := lenientInt(m, "remaining", "remainingRequests", "left"); ok {
		rl.Remaining = v
	}
	if v, ok := lenientInt(m, "windowSeconds", "window", "windowInSeconds", "interval", "period"); ok {
		rl.WindowSeconds = v
	}
	return rl, resp, nil
}

// lenientInt finds the first key (case-insensitively) holding a number or a
// numeric string.
func lenientInt(m map[string]json.RawMessage, keys ...string) (int, bool) {
	for _, want := range keys {
		for k, raw := range m {
			if !strings.EqualFold(k, want) {
				continue
			}
			s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
			if n, err := strconv.Atoi(s); err == nil {
				return n, true
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return int(f), true
			}
		}
	}
	return 0, false
}
