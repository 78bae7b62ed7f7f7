package security360

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RateLimits is the answer of GET /v1/rate_limits, the access token's
// current quotas. The official partner API (2.2.8) nests them by resource
// family and resource name:
//
//	{"resources": {"alerts": {"create-alert": {"limit": 35, "remaining": 34, "reset": 1603785300}}, ...}}
//
// (connectwise/WIREFACTS.md N11: currentPartnerAPI_228.yaml /v1/rate_limits). Windows
// are 10 minutes long and a quota applies to the whole family; the client
// also paces itself from the Limit/Remaining/Reset headers of every answer.
type RateLimits struct {
	// Resources maps a family ("alerts", "topology") to its resources'
	// quotas by name ("create-alert").
	Resources map[string]map[string]RateLimit
	// Raw is the body exactly as received.
	Raw json.RawMessage
}

// RateLimit is one resource's quota in the current window.
type RateLimit struct {
	// Limit is the number of requests allowed per window.
	Limit int `json:"limit"`
	// Remaining is how many are left in the current window.
	Remaining int `json:"remaining"`
	// Reset is when the quota is full again (Unix seconds on the wire).
	Reset time.Time `json:"-"`
}

// UnmarshalJSON reads reset as Unix seconds, names in any case, and numbers
// written as strings.
func (r *RateLimit) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for k, raw := range m {
		s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, _ := strconv.ParseFloat(s, 64)
			n = int64(f)
		}
		switch strings.ToLower(k) {
		case "limit":
			r.Limit = int(n)
		case "remaining":
			r.Remaining = int(n)
		case "reset":
			if n > 0 {
				r.Reset = time.Unix(n, 0)
			}
		}
	}
	return nil
}

// Family returns the tightest quota of a family: the resource with the
// fewest requests remaining (ties broken by name), and whether the family
// was reported at all.
func (rl *RateLimits) Family(family string) (name string, q RateLimit, ok bool) {
	res := rl.Resources[family]
	names := make([]string, 0, len(res))
	for n := range res {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !ok || res[n].Remaining < q.Remaining {
			name, q, ok = n, res[n], true
		}
	}
	return name, q, ok
}

// RateLimits reads the token's current quotas. It costs one request itself.
func (c *Client) RateLimits(ctx context.Context) (*RateLimits, *Response, error) {
	var raw json.RawMessage
	resp, err := c.get(ctx, c.url([]string{"v1", "rate_limits"}, nil), &raw)
	if err != nil {
		return nil, resp, err
	}
	rl := &RateLimits{Raw: raw}
	var body struct {
		Resources map[string]map[string]RateLimit `json:"resources"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return rl, resp, fmt.Errorf("security360: GET /v1/rate_limits: body is not {\"resources\": {family: {name: {limit, remaining, reset}}}}: %w", err)
	}
	rl.Resources = body.Resources
	return rl, resp, nil
}
