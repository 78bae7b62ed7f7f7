package heimdaltest

import (
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/heimdal"
)

// Wire shapes. They are declared here, apart from the client's types, so
// that a disagreement between client and simulator shows up in tests.
type (
	wirePage struct {
		Items      any `json:"items"`
		TotalCount int `json:"totalCount"`
	}
	wireCustomer struct {
		ID         json.Number `json:"id"`
		Name       string      `json:"name"`
		Type       string      `json:"type"`
		ResellerID json.Number `json:"resellerId,omitempty"`
		Email      string      `json:"email"`
		CreatedAt  string      `json:"createdAt"`
	}
	wireDevice struct {
		ClientInfoID    int64    `json:"clientInfoId"`
		Hostname        string   `json:"hostname"`
		IPAddress       string   `json:"ipAddress"`
		AgentVersion    string   `json:"agentVersion"`
		OperatingSystem string   `json:"operatingSystem"`
		GroupPolicy     string   `json:"groupPolicy"`
		LastSeen        string   `json:"lastSeen"`
		ActiveModules   []string `json:"activeModules"`
		Status          string   `json:"status"`
	}
	wireNotification struct {
		ID           int64  `json:"id"`
		ClientInfoID int64  `json:"clientInfoId"`
		Hostname     string `json:"hostname"`
		Type         string `json:"type"`
		Severity     string `json:"severity"`
		Title        string `json:"title"`
		Message      string `json:"message"`
		FirstSeen    string `json:"firstSeen"`
		LastUpdate   string `json:"lastUpdate"`
	}
	wireEmailAlert struct {
		ID           int64  `json:"id"`
		Type         string `json:"type"`
		Severity     string `json:"severity"`
		Title        string `json:"title"`
		Description  string `json:"description"`
		ClientInfoID int64  `json:"clientInfoId"`
		Hostname     string `json:"hostname"`
		FirstSeen    string `json:"firstSeen"`
		LastUpdate   string `json:"lastUpdate"`
	}
	wireM365Alert struct {
		ID                int64  `json:"id"`
		Type              string `json:"type"`
		Severity          string `json:"severity"`
		Title             string `json:"title"`
		Description       string `json:"description"`
		UserID            string `json:"userId"`
		UserPrincipalName string `json:"userPrincipalName"`
		FirstSeen         string `json:"firstSeen"`
		LastUpdate        string `json:"lastUpdate"`
	}
)

// apiError writes Heimdal's .NET-style error body.
func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func stamp(t time.Time) string { return t.UTC().Format(heimdal.DateLayout) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.count(r.URL.Path)
	if d := s.cfg.latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if status := s.takeInjection(); status != 0 {
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		apiError(w, status, "Injected failure: "+http.StatusText(status))
		return
	}
	if s.limiter != nil {
		now := time.Now()
		res := s.limiter.ReserveN(now, 1)
		if d := res.DelayFrom(now); !res.OK() || d > 0 {
			res.CancelAt(now)
			secs := max(1, int(math.Ceil(d.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			apiError(w, http.StatusTooManyRequests, "Too many requests. Please try again later.")
			return
		}
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		apiError(w, http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.")
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		apiError(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
		return
	}
	route, ok := strings.CutPrefix(strings.ToLower(r.URL.Path), strings.ToLower(APIPrefix))
	if !ok {
		apiError(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI.")
		return
	}
	q := query(r.URL.Query())
	switch s.alertRoute(strings.TrimSuffix(route, "/")) {
	case "/customers":
		s.listCustomers(w, q)
	case "/2.0/activeclients":
		s.listDevices(w, q)
	case "/2.0/activeclients/getnotifications":
		s.listNotifications(w, q)
	case "/2.0/alerts/getemailalerts":
		s.listEmailAlerts(w, q)
	case "/2.0/m365/getalerts":
		s.listM365Alerts(w, q)
	default:
		apiError(w, http.StatusNotFound, "No HTTP resource was found that matches the request URI.")
	}
}

func (s *Server) count(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.counts[path]; !ok && len(s.counts) >= maxCountKeys {
		path = "(other)"
	}
	s.counts[path]++
}

func (s *Server) takeInjection() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.injected) == 0 {
		return 0
	}
	in := &s.injected[0]
	status := in.status
	if in.remaining--; in.remaining <= 0 {
		s.injected = s.injected[1:]
	}
	return status
}

func (s *Server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && token == s.cfg.apiKey
}

// query reads parameters case-insensitively, as ASP.NET model binding does.
type query url.Values

func (q query) get(name string) (string, bool) {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// paging reads pageNumber and pageSize, answering 400 itself when invalid.
func paging(w http.ResponseWriter, q query) (number, size int, ok bool) {
	number, size = 1, DefaultPageSize
	for _, p := range []struct {
		name string
		dst  *int
	}{{"pageNumber", &number}, {"pageSize", &size}} {
		v, present := q.get(p.name)
		if !present {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			apiError(w, http.StatusBadRequest, "The value '"+v+"' is not valid for "+p.name+".")
			return 0, 0, false
		}
		*p.dst = n
	}
	return number, min(size, MaxPageSize), true
}

// dateRange reads startDate and endDate (zero when absent).
func dateRange(w http.ResponseWriter, q query) (start, end time.Time, ok bool) {
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"startDate", &start}, {"endDate", &end}} {
		v, present := q.get(p.name)
		if !present || v == "" {
			continue
		}
		t, err := time.Parse(heimdal.DateLayout, v)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, v); err != nil {
				apiError(w, http.StatusBadRequest, "The value '"+v+"' is not valid for "+p.name+".")
				return start, end, false
			}
		}
		*p.dst = t.UTC()
	}
	return start, end, true
}

func inRange(t, start, end time.Time) bool {
	return (start.IsZero() || !t.Before(start)) && (end.IsZero() || !t.After(end))
}

// scope checks customerId and the key's access to it (the key belongs to the
// reseller, which sees itself and its customers).
func (s *Server) scope(w http.ResponseWriter, q query) (*customer, bool) {
	id, ok := q.get("customerId")
	if !ok || id == "" {
		apiError(w, http.StatusBadRequest, "The customerId parameter is required.")
		return nil, false
	}
	c := s.customerLocked(id)
	if c == nil || (c.id != ResellerID && c.reseller != ResellerID) {
		apiError(w, http.StatusForbidden, "You do not have access to customer "+id+".")
		return nil, false
	}
	return c, true
}

func writePage[T any](w http.ResponseWriter, items []T, number, size int) {
	total := len(items)
	lo := min((number-1)*size, total)
	hi := min(lo+size, total)
	page := items[lo:hi]
	if page == nil {
		page = []T{}
	}
	writeJSON(w, wirePage{Items: page, TotalCount: total})
}

func (s *Server) listCustomers(w http.ResponseWriter, q query) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.scope(w, q)
	if !ok {
		return
	}
	number, size, ok := paging(w, q)
	if !ok {
		return
	}
	var items []wireCustomer
	for _, x := range s.customers {
		if (c.typ == "RESELLER" && x.reseller == c.id) || (c.typ != "RESELLER" && x.id == c.id) {
			items = append(items, wireCustomer{
				ID: json.Number(x.id), Name: x.name, Type: x.typ, ResellerID: json.Number(x.reseller),
				Email: x.email, CreatedAt: stamp(x.created),
			})
		}
	}
	writePage(w, items, number, size)
}

func (s *Server) listDevices(w http.ResponseWriter, q query) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.scope(w, q)
	if !ok {
		return
	}
	number, size, ok := paging(w, q)
	if !ok {
		return
	}
	start, end, ok := dateRange(w, q)
	if !ok {
		return
	}
	only, _ := q.get("clientInfoId")
	var items []wireDevice
	for _, d := range s.devices[c.id] {
		id := strconv.FormatInt(d.clientInfoID, 10)
		if (only != "" && only != id) || !inRange(d.lastSeen, start, end) {
			continue
		}
		items = append(items, wireDevice{
			ClientInfoID: d.clientInfoID, Hostname: d.hostname, IPAddress: d.ip, AgentVersion: "4.2.1",
			OperatingSystem: d.os, GroupPolicy: "Default", LastSeen: stamp(d.lastSeen),
			ActiveModules: []string{"DNS Security", "Next-Gen Antivirus", "Patch & Asset Management"}, Status: "Online",
		})
	}
	writePage(w, items, number, size)
}

// alertsLocked returns the customer's alerts on board b in id order, so pages
// are stable while nothing changes.
func (s *Server) alertsLocked(customerID string, b heimdal.Board) []*alert {
	var out []*alert
	for _, a := range s.alerts {
		if a.customerID == customerID && a.module.Board() == b {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y *alert) int { return cmp.Compare(x.id, y.id) })
	return out
}

func (s *Server) listNotifications(w http.ResponseWriter, q query) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.scope(w, q)
	if !ok {
		return
	}
	dev, _ := q.get("clientInfoId")
	if dev == "" {
		apiError(w, http.StatusBadRequest, "The clientInfoId parameter is required.")
		return
	}
	number, size, ok := paging(w, q)
	if !ok {
		return
	}
	items := []wireNotification{}
	for _, a := range s.alertsLocked(c.id, heimdal.BoardOperations) {
		if a.targetID != dev {
			continue
		}
		cid, _ := strconv.ParseInt(a.targetID, 10, 64)
		items = append(items, wireNotification{
			ID: a.id, ClientInfoID: cid, Hostname: a.target, Type: string(a.module), Severity: a.severity,
			Title: a.title, Message: a.desc, FirstSeen: stamp(a.firstSeen), LastUpdate: stamp(a.lastUpdate),
		})
	}
	writePage(w, items, number, size)
}

func (s *Server) listEmailAlerts(w http.ResponseWriter, q query) {
	listBoardAlerts(s, w, q, heimdal.BoardCyberAlerts, func(a *alert) wireEmailAlert {
		cid, _ := strconv.ParseInt(a.targetID, 10, 64)
		return wireEmailAlert{
			ID: a.id, Type: string(a.module), Severity: a.severity, Title: a.title, Description: a.desc,
			ClientInfoID: cid, Hostname: a.target, FirstSeen: stamp(a.firstSeen), LastUpdate: stamp(a.lastUpdate),
		}
	})
}

func (s *Server) listM365Alerts(w http.ResponseWriter, q query) {
	listBoardAlerts(s, w, q, heimdal.BoardM365, func(a *alert) wireM365Alert {
		return wireM365Alert{
			ID: a.id, Type: string(a.module), Severity: a.severity, Title: a.title, Description: a.desc,
			UserID: a.targetID, UserPrincipalName: a.target, FirstSeen: stamp(a.firstSeen), LastUpdate: stamp(a.lastUpdate),
		}
	})
}

// listBoardAlerts serves one page of a customer's alerts on board, within
// the requested date range, in the wire shape wire gives them.
func listBoardAlerts[T any](s *Server, w http.ResponseWriter, q query, board heimdal.Board, wire func(*alert) T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.scope(w, q)
	if !ok {
		return
	}
	number, size, ok := paging(w, q)
	if !ok {
		return
	}
	start, end, ok := dateRange(w, q)
	if !ok {
		return
	}
	items := []T{}
	for _, a := range s.alertsLocked(c.id, board) {
		if inRange(a.lastUpdate, start, end) {
			items = append(items, wire(a))
		}
	}
	writePage(w, items, number, size)
}
