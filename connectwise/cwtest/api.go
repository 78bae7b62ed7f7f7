package cwtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/internal/simkit"
)

// apiError is the PSA's error body.
type apiError struct {
	status  int
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors"`
}

// fieldError is one entry of an error body's errors array.
type fieldError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func notFound(resource string, id int) *apiError {
	return errorf(http.StatusNotFound, "NotFound", "%s %d not found", titleCase(resource), id)
}

// invalid builds the 400 InvalidObject body the PSA sends for a record
// that fails validation.
func invalid(resource string, errs ...fieldError) *apiError {
	for i := range errs {
		if errs[i].Resource == "" {
			errs[i].Resource = resource
		}
	}
	return &apiError{status: http.StatusBadRequest, Code: "InvalidObject", Message: resource + " object is invalid", Errors: errs}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "InvalidObject", format, args...)
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, errorf(http.StatusInternalServerError, "ConnectWiseApi", "encoding failed: %v", err))
		return
	}
	writeBytes(w, status, b)
}

func writeBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("api-current-version", APIVersion)
	simkit.WriteBody(w, status, "application/json; charset=utf-8", b)
}

// writeEmpty answers with a status and no body (204 on a DELETE).
func writeEmpty(w http.ResponseWriter, status int) {
	w.Header().Set("api-current-version", APIVersion)
	w.WriteHeader(status)
}

func writeError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(e)
	writeBytes(w, e.status, b)
}

// call is one API request on its way through the router.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	ids    []int  // numeric path segments, outermost first
	member Member // the authenticated member
}

// apiPath returns the lower-cased path after /apis/3.0/ of an API request,
// or false for anything else (/login/companyinfo, unknown URLs).
func apiPath(r *http.Request) (string, bool) {
	lower := strings.ToLower(r.URL.Path)
	before, after, ok := strings.Cut(lower, "/apis/3.0/")
	if !ok || !validCodebase(before) {
		return "", false
	}
	return strings.Trim(after, "/"), true
}

// memberKey carries the authenticated member from authenticateRequest to
// serveAPI in the request's context.
type memberKey struct{}

// authenticateRequest is the kit's authentication step: it runs before
// the rate limit, so a rejected key costs no token. Requests outside the
// API (codebase discovery, unknown URLs) pass unauthenticated, as on the
// PSA.
func (s *Server) authenticateRequest(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if s.goneCodebase(w, r) { // wire.go
		return r, false
	}
	if _, ok := apiPath(r); !ok {
		return r, true
	}
	c := &call{s: s, w: w, r: r}
	if e := s.authenticate(c); e != nil {
		writeError(w, e)
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), memberKey{}, c.member)), true
}

// serveAPI handles everything past logging, latency, faults,
// authentication and rate limiting.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	lower := strings.ToLower(path)
	if i := strings.Index(lower, "/login/companyinfo/"); i >= 0 && r.Method == http.MethodGet {
		s.companyInfo(w, r, path[i+len("/login/companyinfo/"):])
		return
	}
	if strings.Contains(lower, "/system/callbackkey/") {
		s.serveCallbackKey(w, r) // callbacks.go
		return
	}
	rest, ok := apiPath(r)
	member, authenticated := r.Context().Value(memberKey{}).(Member)
	if !ok || !authenticated {
		writeError(w, errorf(http.StatusNotFound, "NotFound", "The requested URL %s was not found on this server", path))
		return
	}
	c := &call{s: s, w: w, r: r, member: member}
	rt, ids, e := s.route(r.Method, rest)
	if e != nil {
		if e.status == http.StatusNotFound && fallback != nil && fallback(c, rest) {
			return
		}
		writeError(w, e)
		return
	}
	c.ids = ids
	if rt.perm != "" {
		if e := s.authorize(c.member, rt.perm, rt.level); e != nil {
			writeError(w, e)
			return
		}
	}
	rt.fn(c)
}

// fallback, when set (from an init function of another file of this
// package, such as collections generated from the PSA's OpenAPI spec),
// serves an authenticated API request whose path no route in routes
// matches. rest is the lower-cased path after /apis/3.0/; it reports
// false when it does not know the path either, and the PSA's 404 follows.
// It checks permissions itself, with s.authorize(c.member, ...).
var fallback func(c *call, rest string) bool

// validCodebase accepts "/v2025_1" or "/v4_6_release" style prefixes.
func validCodebase(prefix string) bool {
	seg := strings.TrimPrefix(prefix, "/")
	return len(seg) > 1 && seg[0] == 'v' && !strings.Contains(seg, "/")
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func (s *Server) companyInfo(w http.ResponseWriter, r *http.Request, id string) {
	id = strings.Trim(id, "/")
	if !strings.EqualFold(id, companyID) {
		// The PSA answers an unknown company with 200 and a JSON null.
		writeBytes(w, http.StatusOK, []byte("null"))
		return
	}
	cb := s.codebase()
	version := strings.TrimSuffix(cb, "/")
	writeJSON(w, http.StatusOK, map[string]any{
		"CompanyName":   "CW Test MSP",
		"Codebase":      cb,
		"VersionCode":   strings.Replace(strings.Replace(version, "_", ".", 1), "_", ".", -1),
		"VersionNumber": version,
		"CompanyID":     companyID,
		"IsCloud":       false,
		"SiteUrl":       r.Host,
	})
}

func (s *Server) authenticate(c *call) *apiError {
	unauthorized := errorf(http.StatusUnauthorized, "Unauthorized", "Incorrect public/private key")
	auth := c.r.Header.Get("Authorization")
	scheme, payload, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return errorf(http.StatusUnauthorized, "Unauthorized", "Authorization header is missing or is not Basic authentication")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return unauthorized
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return unauthorized
	}
	company, pub, ok := strings.Cut(user, "+")
	if !ok || !strings.EqualFold(company, companyID) || pub != publicKey || pass != privateKey {
		return unauthorized
	}
	if c.r.Header.Get("clientId") == "" {
		return errorf(http.StatusBadRequest, "InvalidObject", "clientId header is required: register one at https://developer.connectwise.com/ClientID")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.st.credsRevoked {
		return unauthorized
	}
	m := s.st.members.get(s.st.apiMemberID)
	if m == nil || m.InactiveFlag {
		return unauthorized
	}
	c.member = *m
	return nil
}

type level int

const (
	levelNone level = iota
	levelInquire
	levelAdd
	levelEdit
	levelDelete
)

func (l level) String() string {
	return [...]string{"", "Inquire", "Add", "Edit", "Delete"}[l]
}

// authorize checks the member's role for a module function level.
func (s *Server) authorize(m Member, function string, lv level) *apiError {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.can(m, function, lv)
}

// can is authorize for callers already holding the lock. "My" counts as
// granted: the simulator does not model record ownership.
func (st *state) can(m Member, function string, lv level) *apiError {
	if lv == levelNone {
		return nil
	}
	if m.SecurityRole != nil {
		if perms := st.permissions[m.SecurityRole.ID]; perms != nil {
			for _, p := range perms.rows {
				if !strings.EqualFold(p.ModuleFunctionName, function) {
					continue
				}
				var got string
				switch lv {
				case levelInquire:
					got = p.InquireLevel
				case levelAdd:
					got = p.AddLevel
				case levelEdit:
					got = p.EditLevel
				case levelDelete:
					got = p.DeleteLevel
				}
				if got == "All" || got == "My" {
					return nil
				}
			}
		}
	}
	return errorf(http.StatusForbidden, "Security", "You do not have security permission to perform this action. (%s: %s)", function, lv)
}

// route is one endpoint: a path pattern, a method, the permission it needs.
type route struct {
	method  string
	pattern []string // literal segments, or "#" for a numeric id
	perm    string
	level   level
	fn      func(*call)
}

func (s *Server) route(method, rest string) (*route, []int, *apiError) {
	segs := strings.Split(rest, "/")
	pathMatched := false
	for i := range routes {
		rt := &routes[i]
		ids, ok := matchPattern(rt.pattern, segs)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method == method {
			return rt, ids, nil
		}
	}
	if pathMatched {
		return nil, nil, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", method)
	}
	return nil, nil, errorf(http.StatusNotFound, "NotFound", "The requested resource /%s was not found", rest)
}

func matchPattern(pattern, segs []string) ([]int, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var ids []int
	for i, p := range pattern {
		if p == "#" {
			n, err := strconv.Atoi(segs[i])
			if err != nil || n < 0 {
				return nil, false
			}
			ids = append(ids, n)
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return ids, true
}
