package infimatest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/simkit"
)

// The wire structs are written independently of the infima package's types
// so that a mistake in one set of JSON tags is caught by tests instead of
// being mirrored (the wire-model rule all simulators of this module follow).

type wirePage struct {
	Items  any `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

type wirePartner struct {
	PartnerName string      `json:"partner_name"`
	CreatedDate string      `json:"created_date"`
	Admins      []wireAdmin `json:"admins"`
}

type wireAdmin struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Role        string `json:"role"`
	CreatedDate string `json:"created_date"`
}

type wireClient struct {
	ID                        int      `json:"id"`
	ClientName                string   `json:"client_name"`
	PhishingClickRateTotal    *float64 `json:"phishing_click_rate_total"`
	PhishingClickRateLastYear *float64 `json:"phishing_click_rate_last_year"`
	TrainingOnTrackRate       *float64 `json:"training_on_track_rate"`
	UserCount                 int      `json:"user_count"`
	InactiveUserCount         int      `json:"inactive_user_count"`
	CreatedDate               string   `json:"created_date"`
}

type wireUser struct {
	ID                        string      `json:"id"`
	Email                     string      `json:"email"`
	FirstName                 string      `json:"first_name"`
	LastName                  string      `json:"last_name"`
	Department                string      `json:"department"`
	Status                    string      `json:"status"`
	PreferredLanguage         string      `json:"preferred_language"`
	Role                      string      `json:"role"`
	CreatedDate               string      `json:"created_date"`
	TrainingOnTrack           *bool       `json:"training_on_track"`
	NextCourse                *wireCourse `json:"next_course"`
	CoursesBehind             int         `json:"courses_behind"`
	RiskScore                 *float64    `json:"risk_score"`
	PhishingClickRateTotal    *float64    `json:"phishing_click_rate_total"`
	PhishingClickRateLastYear *float64    `json:"phishing_click_rate_last_year"`
	PhishingTests             []wireTest  `json:"phishing_tests"`
}

type wireCourse struct {
	Name    string `json:"name"`
	DueDate string `json:"due_date"`
}

type wireTest struct {
	ID           string `json:"id"`
	Subject      string `json:"subject"`
	From         string `json:"from"`
	CampaignType string `json:"campaign_type"`
	Status       string `json:"status"`
	SentDate     string `json:"sent_date"`
	StatusDate   string `json:"status_date"`
}

type wireError struct {
	Message string `json:"message"`
}

func date(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// authorize runs after logging, latency and injected faults, and before
// the rate limit: faults fire whatever the key, and a rejected key costs no
// rate-limit token.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, wireError{"Method Not Allowed"})
		return r, false
	}
	if !s.keyOK(r.Header.Get("X-API-Key")) {
		writeJSON(w, http.StatusUnauthorized, wireError{"Unauthorized"})
		return r, false
	}
	return r, true
}

// route serves an authorised request.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "v1" && parts[1] == "partner":
		s.servePartner(w)
	case len(parts) == 2 && parts[0] == "v1" && parts[1] == "clients":
		s.serveClients(w, r)
	case len(parts) == 4 && parts[0] == "v1" && parts[1] == "clients" && parts[3] == "users":
		id, err := strconv.Atoi(parts[2])
		if err != nil || id <= 0 {
			writeJSON(w, http.StatusBadRequest, wireError{"client_id must be a positive integer"})
			return
		}
		s.serveUsers(w, r, id)
	default:
		writeJSON(w, http.StatusNotFound, wireError{"Not Found"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	simkit.WriteJSON(w, status, "application/json", v)
}

// paging reads limit and offset as the published reference defines them:
// limit 1–50 (default 20), offset ≥ 0 (default 0). Out-of-range values are
// refused with 400 rather than clamped, so a client that sends them is
// caught in tests.
func (s *Server) paging(w http.ResponseWriter, r *http.Request) (limit, offset int, ok bool) {
	q := r.URL.Query()
	limit, offset = infima.DefaultLimit, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > infima.MaxLimit {
			writeJSON(w, http.StatusBadRequest, wireError{"limit must be an integer between 1 and 50"})
			return 0, 0, false
		}
		limit = n
	}
	s.noteLimit(limit)
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, wireError{"offset must be a non-negative integer"})
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

func window(n, limit, offset int) (lo, hi int) {
	lo = min(offset, n)
	hi = min(lo+limit, n)
	return lo, hi
}

func (s *Server) servePartner(w http.ResponseWriter) {
	s.mu.RLock()
	p := s.st.partner
	out := wirePartner{PartnerName: p.name, CreatedDate: date(p.created)}
	for _, a := range p.admins {
		out.Admins = append(out.Admins, wireAdmin{ID: a.id, Email: a.email, Role: a.role, CreatedDate: date(a.created)})
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) serveClients(w http.ResponseWriter, r *http.Request) {
	limit, offset, ok := s.paging(w, r)
	if !ok {
		return
	}
	s.mu.RLock()
	lo, hi := window(len(s.st.clients), limit, offset)
	items := make([]wireClient, 0, hi-lo)
	for _, c := range s.st.clients[lo:hi] {
		items = append(items, s.st.wireClient(c))
	}
	total := len(s.st.clients)
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, wirePage{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) serveUsers(w http.ResponseWriter, r *http.Request, id int) {
	var match func(infima.UserStatus) bool
	switch st := r.URL.Query().Get("status"); st {
	case "", "active":
		// The default leaves inactive users out (see infima.UserListOptions).
		match = func(v infima.UserStatus) bool { return v == infima.StatusActive }
	case "inactive":
		match = func(v infima.UserStatus) bool { return v == infima.StatusInactive }
	case "all":
		match = func(infima.UserStatus) bool { return true }
	default:
		writeJSON(w, http.StatusBadRequest, wireError{"status must be one of all, active, inactive"})
		return
	}
	limit, offset, ok := s.paging(w, r)
	if !ok {
		return
	}
	s.mu.RLock()
	c := s.st.byID[id]
	if c == nil {
		s.mu.RUnlock()
		writeJSON(w, http.StatusNotFound, wireError{"Client not found"})
		return
	}
	// Count first, then render only the window: pages stay cheap for
	// large clients.
	total := 0
	items := make([]wireUser, 0, limit)
	for _, u := range c.users {
		if !match(u.status) {
			continue
		}
		if total >= offset && total < offset+limit {
			items = append(items, s.st.wireUser(u))
		}
		total++
	}
	s.mu.RUnlock()
	writeJSON(w, http.StatusOK, wirePage{Items: items, Total: total, Limit: limit, Offset: offset})
}

// wireClient computes the rollups the way INFIMA describes them: over the
// client's active users.
func (st *store) wireClient(c *clientRec) wireClient {
	out := wireClient{ID: c.id, ClientName: c.name, CreatedDate: date(c.created)}
	var tests []testRec
	var onTrack, judged int
	for _, u := range c.users {
		if u.status != infima.StatusActive {
			out.InactiveUserCount++
			continue
		}
		out.UserCount++
		tests = append(tests, u.tests...)
		if u.onTrack != nil {
			judged++
			if *u.onTrack {
				onTrack++
			}
		}
	}
	out.TrainingOnTrackRate = pct(onTrack, judged)
	out.PhishingClickRateTotal, out.PhishingClickRateLastYear = st.clickRates(tests)
	return out
}

func (st *store) wireUser(u *userRec) wireUser {
	out := wireUser{
		ID: u.id, Email: u.email, FirstName: u.first, LastName: u.last, Department: u.dept,
		Status: string(u.status), PreferredLanguage: u.lang, Role: u.role, CreatedDate: date(u.created),
		CoursesBehind: u.coursesBehind, RiskScore: st.riskScore(u),
		PhishingTests: make([]wireTest, 0, len(u.tests)),
	}
	if u.onTrack != nil {
		v := *u.onTrack
		out.TrainingOnTrack = &v
	}
	if u.next != nil {
		out.NextCourse = &wireCourse{Name: u.next.name, DueDate: date(u.next.due)}
	}
	out.PhishingClickRateTotal, out.PhishingClickRateLastYear = st.clickRates(u.tests)
	for _, t := range u.tests {
		out.PhishingTests = append(out.PhishingTests, wireTest{
			ID: t.id, Subject: t.subject, From: t.from, CampaignType: string(t.kind),
			Status: string(t.outcome), SentDate: date(t.sent), StatusDate: date(t.reached),
		})
	}
	return out
}
