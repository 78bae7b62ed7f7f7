package security360

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Asio platform limits requests per access token and per resource
// family in fixed windows ("divided into 10-minute intervals"; the example
// table puts GET /company/companies and GET /company/companies/{id}/sites
// in one family), and tells the client where it stands with three headers
// on every answer: Limit, Remaining, and Reset, the Unix time at which the
// quota is full again. A 429 means "wait until the quota resets"; no
// Retry-After is documented. (Official "Rate Limiting APIs" page, updated
// 2025-09-16, connectwise/WIREFACTS.md N11 and §8; the header names' exact spelling on
// the wire, bare or X-RateLimit-/RateLimit- prefixed, is unconfirmed, so all
// three spellings are read.)
//
// pacer keeps the last known quota of each family and holds a request back
// until its family's window resets when the quota is spent, instead of
// sending it into a 429. It counts its own requests down between answers,
// so concurrent callers do not all spend the last unit.
type pacer struct {
	now func() time.Time

	mu       sync.Mutex
	families map[string]*quota
}

// quota is what the headers last said about one family.
type quota struct {
	limit, remaining int
	reset            time.Time
}

func newPacer(now func() time.Time) *pacer {
	return &pacer{now: now, families: map[string]*quota{}}
}

// familyOf names the resource family of an API path: its first segment
// after the "api", "platform" and version prefixes
// ("/api/platform/v1/company/companies/7/sites" is "company"). The platform
// reports quotas per family; grouping by the first resource segment puts
// companies and their sites together, as the documentation's example does.
func familyOf(path string) string {
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" || seg == "api" || seg == "platform" || (len(seg) > 1 && seg[0] == 'v' && strings.Trim(seg[1:], "0123456789") == "") {
			continue
		}
		return strings.ToLower(seg)
	}
	return ""
}

// wait takes one request's worth of the family's quota, first waiting for
// the window to reset when it is spent. An unknown family is not held back.
func (p *pacer) wait(ctx context.Context, family string) error {
	for {
		p.mu.Lock()
		q := p.families[family]
		now := p.now()
		if q == nil {
			p.mu.Unlock()
			return nil
		}
		if !q.reset.IsZero() && !now.Before(q.reset) {
			// A new window: full again, until an answer says otherwise.
			q.remaining, q.reset = q.limit, time.Time{}
		}
		if q.remaining > 0 || q.reset.IsZero() {
			q.remaining--
			p.mu.Unlock()
			return nil
		}
		d := q.reset.Sub(now)
		p.mu.Unlock()
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("security360: waiting %s for the %q rate-limit window to reset: %w", d.Round(time.Second), family, ctx.Err())
		}
	}
}

// observe records the quota headers of an answer. A 429 without them still
// says the family is spent; its Reset (if any) says until when.
func (p *pacer) observe(family string, h http.Header, status int) {
	limit, okL := rateHeader(h, "Limit")
	remaining, okR := rateHeader(h, "Remaining")
	reset, okT := rateHeader(h, "Reset")
	if !okL && !okR && !okT && status != http.StatusTooManyRequests {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.families[family]
	if q == nil {
		q = &quota{remaining: -1}
		p.families[family] = q
	}
	now := p.now()
	if okL {
		q.limit = int(limit)
	}
	if okR {
		q.remaining = int(remaining)
	}
	if status == http.StatusTooManyRequests {
		q.remaining = 0
	}
	if okT {
		q.reset = resetTime(reset, now)
	} else if q.remaining <= 0 && q.reset.IsZero() {
		// Spent, with no word on when it refills: one window at most.
		q.reset = now.Add(10 * time.Minute)
	}
	if q.remaining < 0 {
		q.remaining = q.limit
	}
}

// resetTime reads Reset as Unix seconds (as documented); a number below
// 10^8 (1973 as a date, three years as a delay) is taken as seconds from
// now, as the IETF RateLimit header fields write it, and a huge one as Unix
// milliseconds.
func resetTime(v int64, now time.Time) time.Time {
	switch {
	case v < 100_000_000:
		return now.Add(time.Duration(max(v, 0)) * time.Second)
	case v >= 1_000_000_000_000:
		return time.UnixMilli(v)
	}
	return time.Unix(v, 0)
}

// rateHeader reads name bare, X-RateLimit- and RateLimit- prefixed (header
// names are case-insensitive already).
func rateHeader(h http.Header, name string) (int64, bool) {
	for _, k := range []string{name, "X-RateLimit-" + name, "RateLimit-" + name} {
		v := strings.TrimSpace(h.Get(k))
		if v == "" {
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return int64(f), true
		}
	}
	return 0, false
}

// client returns hc (or a default client) whose transport records the
// quota headers of every attempt, retries included, and gives a 429 that
// carries Reset but no Retry-After a Retry-After, so the shared retry
// policy waits for the reset rather than backing off blindly.
func (p *pacer) client(hc *http.Client) *http.Client {
	out := &http.Client{}
	if hc != nil {
		*out = *hc
	}
	base := out.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64 // writes run concurrently
		base = t
	}
	out.Transport = &pacedTransport{base: base, p: p}
	return out
}

type pacedTransport struct {
	base http.RoundTripper
	p    *pacer
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	family := familyOf(req.URL.Path)
	t.p.observe(family, resp.Header, resp.StatusCode)
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		if v, ok := rateHeader(resp.Header, "Reset"); ok {
			d := resetTime(v, t.p.now()).Sub(t.p.now())
			secs := max(int64((d+time.Second-1)/time.Second), 0)
			resp.Header = resp.Header.Clone()
			resp.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
		}
	}
	return resp, nil
}
