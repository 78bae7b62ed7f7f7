package security360test

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Asio limits requests per access token and per resource family in fixed
// windows, reports the quota of the request's family in the Limit,
// Remaining and Reset (Unix seconds) headers of every answer, and answers
// 429 once it is spent, with no documented Retry-After ("the application
// must wait until the quota resets"). GET /v1/rate_limits nests quotas by
// family and resource name. (Official "Rate Limiting APIs" page and partner
// API 2.2.8; connectwise/WIREFACTS.md N11 and §8.) The simulator does the same with the
// quota set by WithQuota, applied to each family separately.

// familyWindow is one family's current fixed window.
type familyWindow struct {
	start time.Time
	count int
	// resources are the resource names seen in the family, for
	// /v1/rate_limits.
	resources map[string]bool
}

// family names the resource family and resource of a request path, as
// the documentation's example table does: companies and their sites are
// the "partner" family.
func family(path string) (fam, resource string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(segs) >= 4 && segs[0] == "api" && segs[3] == "company":
		if len(segs) >= 7 && segs[6] == "sites" {
			return "partner", "sites"
		}
		return "partner", "companies"
	case len(segs) >= 2 && segs[1] == "rate_limits":
		return "platform", "rate-limits"
	}
	return "other", strings.Join(segs, "-")
}

// gateQuota counts the request against its family's window, sets the quota
// headers, and answers 429 (reporting false) when the window is spent and
// the quota is enforced.
func (s *Server) gateQuota(w http.ResponseWriter, r *http.Request) bool {
	fam, res := family(r.URL.Path)
	s.mu.Lock()
	if s.quotas == nil {
		s.quotas = map[string]*familyWindow{}
	}
	win := s.quotas[fam]
	now := s.kit.Now()
	if win == nil || !now.Before(win.start.Add(s.opts.window)) {
		old := win
		win = &familyWindow{start: now, resources: map[string]bool{}}
		if old != nil {
			win.resources = old.resources
		}
		s.quotas[fam] = win
	}
	win.resources[res] = true
	spent := s.opts.enforce && win.count >= s.opts.quota
	if !spent {
		win.count++
	}
	remaining, reset := max(s.opts.quota-win.count, 0), win.start.Add(s.opts.window)
	s.mu.Unlock()
	h := w.Header()
	h.Set("Limit", strconv.Itoa(s.opts.quota))
	h.Set("Remaining", strconv.Itoa(remaining))
	h.Set("Reset", strconv.FormatInt(reset.Unix(), 10))
	if spent {
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "rate limit exceeded; wait until the quota resets")
		return false
	}
	return true
}

// writeRateLimits serves GET /v1/rate_limits in the documented nested shape.
func (s *Server) writeRateLimits(w http.ResponseWriter) {
	s.mu.Lock()
	now := s.kit.Now()
	resources := map[string]any{}
	fams := make([]string, 0, len(s.quotas))
	for f := range s.quotas {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	for _, f := range fams {
		win := s.quotas[f]
		count, reset := win.count, win.start.Add(s.opts.window)
		if !now.Before(reset) {
			count, reset = 0, now.Add(s.opts.window)
		}
		byName := map[string]any{}
		for name := range win.resources {
			byName[name] = map[string]any{"limit": s.opts.quota, "remaining": max(s.opts.quota-count, 0), "reset": reset.Unix()}
		}
		resources[f] = byName
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"resources": resources})
}
