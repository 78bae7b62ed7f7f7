package cwtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/psabridge/psabridge/internal/simkit"
)

// This file holds the behaviours of the real PSA that public sources show
// and a lenient simulator would hide (issue 14; the sources are in
// /work/notes/connectwise/WIREFACTS.md and /work/shared/reviews/psa-wire-facts.md):
// endpoints without forward-only paging, next links written loosely, the
// search body that carries filters only, the 500 of a database timeout,
// and a codebase that moves.

// DefaultNoForwardOnly are the endpoints (paths below apis/3.0/) that
// ignore "pagination-type: forward-only" in every simulator, in addition
// to those named with WithoutForwardOnly (wire_quirks.go). The PSA
// supports forward-only per endpoint and the audit trail is the one
// reported not to (connectwise/WIREFACTS.md §1, N10 "Audit trail endpoints do NOT
// support forward-only pagination"). The simulator serves no audit trail
// of its own; the entry matters for collections served through the
// fallback router.
var DefaultNoForwardOnly = []string{"system/audittrail"}

// LinkStyle says how the simulator writes the URLs of its Link headers.
// The zero value writes absolute, fully percent-encoded URLs with the
// parameter spelled pageId and a quoted rel, as cwtest always did. How the real PSA encodes
// its forward-only next link is not documented (connectwise/WIREFACTS.md §1), so a
// client must cope with each of these.
type LinkStyle struct {
	// RawCommas leaves commas in query values unencoded
	// ("fields=id,summary"), as WithRawCommasInLinks does.
	RawCommas bool
	// PageIDCase spells the forward-only parameter this way ("PageId");
	// "" keeps "pageId".
	PageIDCase string
	// Relative writes path-and-query references instead of absolute URLs
	// (RFC 8288 resolves them against the request URL).
	Relative bool
	// BareRel writes rel=next instead of rel="next" (both are RFC 8288).
	BareRel bool
}

// WithLinkStyle sets how Link URLs are written.
func WithLinkStyle(ls LinkStyle) Option {
	return func(o *options) {
		o.wire.links = ls
		if ls.RawCommas {
			o.rawCommas = true // written by writeLinks (wire_quirks.go)
		}
	}
}

// wireOptions are the settings of this file.
type wireOptions struct {
	links LinkStyle
}

// wireState is the run-time part: the codebase after MoveCodebase.
type wireState struct {
	mu    sync.Mutex
	moved string // "" until MoveCodebase
}

// formatLink writes one link-value for the request r with the query q.
func (s *Server) formatLink(r *http.Request, q url.Values, rel string) string {
	ls := s.opts.wire.links
	if ls.PageIDCase != "" {
		if v, ok := q["pageId"]; ok {
			delete(q, "pageId")
			q[ls.PageIDCase] = v
		}
	}
	u := r.URL.EscapedPath() + "?" + q.Encode()
	if !ls.Relative {
		u = scheme(r) + "://" + r.Host + u
	}
	if ls.BareRel {
		return "<" + u + ">; rel=" + rel
	}
	return "<" + u + `>; rel="` + rel + `"`
}

// readSearchBody reads the body of POST .../search. It is the PSA's
// FilterValues: conditions, orderBy, childConditions and
// customFieldConditions (the official spec spells the last two in lower
// case; names bind case-insensitively, as ASP.NET binds them). Any other
// member — fields, page, pageSize, pageId — is ignored, as ASP.NET's JSON
// binding ignores members the model lacks: projection and paging of a
// search are read from the query string only (connectwise/WIREFACTS.md §4; whether
// the PSA ignores or refuses such a member is unconfirmed, and ignoring is
// the framework's default). A client that sends fields in the body gets
// whole records, as it would from the PSA.
func readSearchBody(r *http.Request, p *listParams) *apiError {
	var body struct {
		Conditions            *string `json:"conditions"`
		ChildConditions       *string `json:"childconditions"`
		CustomFieldConditions *string `json:"customfieldconditions"`
		OrderBy               *string `json:"orderBy"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if len(strings.TrimSpace(string(raw))) > 0 {
		if e := json.Unmarshal(raw, &body); e != nil {
			return badRequest("The search body is not valid JSON: %v", e)
		}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.conditions, body.Conditions)
	set(&p.childConditions, body.ChildConditions)
	set(&p.customFields, body.CustomFieldConditions)
	set(&p.orderBy, body.OrderBy)
	return nil
}

// DatabaseTimeoutBody is the body the PSA answers with HTTP 500 when its
// database times out, exactly as pyconnectwise's maintainers recorded it
// from real servers ("occured" sic; connectwise/WIREFACTS.md §5, HealthITAU/pyconnectwise
// tests/clients/test_connectwise_client.py L35-37).
const DatabaseTimeoutBody = `{ "code": "ConnectWiseApi", "message": "A timeout has occured. Please try again."}`

// DatabaseTimeout is a fault answering the next times requests with the
// PSA's 500 for a database timeout (DatabaseTimeoutBody). Narrow it with
// Method and PathContains before injecting.
func DatabaseTimeout(times int) Fault {
	return Fault{Status: http.StatusInternalServerError, Times: times, Body: DatabaseTimeoutBody}
}

// TruncatedSuccess is a fault that processes the next times requests fully
// (a create happens), then answers their real status and headers with the
// body cut off halfway: what a client sees when a proxy or the network
// fails mid-answer.
func TruncatedSuccess(times int) Fault {
	return Fault{Times: times, TruncateBody: true}
}

// MoveCodebase makes the site move to codebase ("v2026_1/"), as a cloud
// PSA does with a release: /login/companyinfo reports it, and API paths
// under any other codebase answer 404 with a non-PSA HTML page, as a
// missing virtual directory on IIS would (that body is an assumption: no
// public capture exists, connectwise/WIREFACTS.md §6). Before any move, every
// codebase is served.
func (s *Server) MoveCodebase(codebase string) {
	if !strings.HasSuffix(codebase, "/") {
		codebase += "/"
	}
	s.wire.mu.Lock()
	s.wire.moved = codebase
	s.wire.mu.Unlock()
}

// codebase is the codebase /login/companyinfo reports.
func (s *Server) codebase() string {
	s.wire.mu.Lock()
	defer s.wire.mu.Unlock()
	if s.wire.moved != "" {
		return s.wire.moved
	}
	return s.opts.codebase
}

// goneCodebase answers a request under a codebase the site left, and
// reports whether it did.
func (s *Server) goneCodebase(w http.ResponseWriter, r *http.Request) bool {
	s.wire.mu.Lock()
	moved := s.wire.moved
	s.wire.mu.Unlock()
	if moved == "" {
		return false
	}
	lower := strings.ToLower(r.URL.Path)
	i := strings.Index(lower, "/apis/3.0/")
	if i < 0 || strings.Trim(lower[:i], "/") == strings.Trim(strings.ToLower(moved), "/") {
		return false
	}
	simkit.WriteBody(w, http.StatusNotFound, "text/html", []byte("<!DOCTYPE html><html><head><title>404 - File or directory not found.</title></head><body><h2>404 - File or directory not found.</h2></body></html>"))
	return true
}
