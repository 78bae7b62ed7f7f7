package heimdaltest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/internal/simkit"
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

const jsonType = "application/json; charset=utf-8"

// apiError writes Heimdal's .NET-style error body.
func apiError(w http.ResponseWriter, status int, msg string) {
	simkit.WriteJSON(w, status, jsonType, map[string]string{"Message": msg})
}

func writeJSON(w http.ResponseWriter, v any) { simkit.WriteJSON(w, http.StatusOK, jsonType, v) }

// dateLayout is how Heimdal writes dates: UTC without a zone designator.
// It is stated here rather than taken from the client (see the package
// doc's wire-model rule).
const dateLayout = "2006-01-02T15:04:05"

func stamp(t time.Time) string { return t.UTC().Format(dateLayout) }

// authorize runs before the rate limit, so a rejected key costs no token:
// Heimdal's API serves GET only, with a bearer API key.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		apiError(w, http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.")
		return r, false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token != s.opts.apiKey {
		w.Header().Set("WWW-Authenticate", "Bearer")
		apiError(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
		return r, false
	}
	return r, true
}

// route serves an authorised request.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
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
		t, err := time.Parse(dateLayout, v)
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

// serveList answers one list request under s.mu: read checks the request
// (answering a bad one itself) and rows gives everything it selects, of
// which one page is written.
func serveList[T any](s *Server, w http.ResponseWriter, q query, read func(http.ResponseWriter, query) (datedList, bool), rows func(datedList) []T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := read(w, q)
	if !ok {
		return
	}
	writePage(w, rows(l), l.number, l.size)
}

func (s *Server) listCustomers(w http.ResponseWriter, q query) {
	serveList(s, w, q, s.pagedListing, func(l datedList) []wireCustomer {
		var items []wireCustomer
		for _, x := range s.customers {
			if (l.c.typ == "RESELLER" && x.reseller == l.c.id) || (l.c.typ != "RESELLER" && x.id == l.c.id) {
				items = append(items, wireCustomer{
					ID: json.Number(x.id), Name: x.name, Type: x.typ, ResellerID: json.Number(x.reseller),
					Email: x.email, CreatedAt: stamp(x.created),
				})
			}
		}
		return items
	})
}

// pagedListing reads the customer scope and then the page, in Heimdal's
// order of checks. It answers a bad request itself. The caller holds s.mu.
func (s *Server) pagedListing(w http.ResponseWriter, q query) (l datedList, ok bool) {
	if l.c, ok = s.scope(w, q); !ok {
		return l, false
	}
	l.number, l.size, ok = paging(w, q)
	return l, ok
}

// datedListing reads what every dated list takes, in Heimdal's order of
// checks: the customer scope, the page, the date range. It answers a bad
// request itself. The caller holds s.mu.
func (s *Server) datedListing(w http.ResponseWriter, q query) (l datedList, ok bool) {
	if l, ok = s.pagedListing(w, q); !ok {
		return l, false
	}
	l.start, l.end, ok = dateRange(w, q)
	return l, ok
}

// datedList is what a list request asked for; start and end stay zero for
// the lists that take no date range.
type datedList struct {
	c            *customer
	number, size int
	start, end   time.Time
}

func (s *Server) listDevices(w http.ResponseWriter, q query) {
	only, _ := q.get("clientInfoId")
	serveList(s, w, q, s.datedListing, func(l datedList) []wireDevice {
		var items []wireDevice
		for _, d := range s.devices[l.c.id] {
			id := strconv.FormatInt(d.clientInfoID, 10)
			if (only != "" && only != id) || !inRange(d.lastSeen, l.start, l.end) {
				continue
			}
			items = append(items, wireDevice{
				ClientInfoID: d.clientInfoID, Hostname: d.hostname, IPAddress: d.ip, AgentVersion: "4.2.1",
				OperatingSystem: d.os, GroupPolicy: "Default", LastSeen: stamp(d.lastSeen),
				ActiveModules: []string{"DNS Security", "Next-Gen Antivirus", "Patch & Asset Management"}, Status: "Online",
			})
		}
		return items
	})
}

// alertsLocked returns the customer's alerts on board b in id order, so pages
// are stable while nothing changes.
func (s *Server) alertsLocked(customerID string, b heimdal.Section) []*alert {
	var out []*alert
	for _, a := range s.alerts {
		if a.customerID == customerID && a.module.Section() == b {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y *alert) int { return cmp.Compare(x.id, y.id) })
	return out
}

// listNotifications serves one device's alerts. Heimdal wants the device
// between the scope and the page, so it reads the request itself.
func (s *Server) listNotifications(w http.ResponseWriter, q query) {
	dev, _ := q.get("clientInfoId")
	read := func(w http.ResponseWriter, q query) (l datedList, ok bool) {
		if l.c, ok = s.scope(w, q); !ok {
			return l, false
		}
		if dev == "" {
			apiError(w, http.StatusBadRequest, "The clientInfoId parameter is required.")
			return l, false
		}
		l.number, l.size, ok = paging(w, q)
		return l, ok
	}
	serveList(s, w, q, read, func(l datedList) []wireNotification {
		var items []wireNotification
		for _, a := range s.alertsLocked(l.c.id, heimdal.SectionDevices) {
			if a.targetID != dev {
				continue
			}
			cid, _ := strconv.ParseInt(a.targetID, 10, 64)
			items = append(items, wireNotification{
				ID: a.id, ClientInfoID: cid, Hostname: a.target, Type: string(a.module), Severity: a.severity,
				Title: a.title, Message: a.desc, FirstSeen: stamp(a.firstSeen), LastUpdate: stamp(a.lastUpdate),
			})
		}
		return items
	})
}

func (s *Server) listEmailAlerts(w http.ResponseWriter, q query) {
	listBoardAlerts(s, w, q, heimdal.SectionCyberAlerts, func(a *alert) wireEmailAlert {
		cid, _ := strconv.ParseInt(a.targetID, 10, 64)
		return wireEmailAlert{
			ID: a.id, Type: string(a.module), Severity: a.severity, Title: a.title, Description: a.desc,
			ClientInfoID: cid, Hostname: a.target, FirstSeen: stamp(a.firstSeen), LastUpdate: stamp(a.lastUpdate),
		}
	})
}

func (s *Server) listM365Alerts(w http.ResponseWriter, q query) {
	listBoardAlerts(s, w, q, heimdal.SectionM365, func(a *alert) wireM365Alert {
		return wireM365Alert{
			ID: a.id, Type: string(a.module), Severity: a.severity, Title: a.title, Description: a.desc,
			UserID: a.targetID, UserPrincipalName: a.target, FirstSeen: stamp(a.firstSeen), LastUpdate: stamp(a.lastUpdate),
		}
	})
}

// listBoardAlerts serves one page of a customer's alerts on board, within
// the requested date range, in the wire shape wire gives them.
func listBoardAlerts[T any](s *Server, w http.ResponseWriter, q query, board heimdal.Section, wire func(*alert) T) {
	serveList(s, w, q, s.datedListing, func(l datedList) []T {
		var items []T
		for _, a := range s.alertsLocked(l.c.id, board) {
			if inRange(a.lastUpdate, l.start, l.end) {
				items = append(items, wire(a))
			}
		}
		return items
	})
}
