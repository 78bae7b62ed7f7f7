package cwtest

import (
	"strings"
)

// Real-server behaviours that break naive paging and write handling, each
// opt-in (connectwise/WIREFACTS.md §1; issue 14 items 1 and 9):
//
//   - The PSA supports forward-only paging per endpoint. Where it does
//     not, a request with "pagination-type: forward-only" is answered
//     with navigable paging of page 1 and no Link header at all (the
//     ConnectWiseManageAPI module treats a missing Link as "endpoint
//     doesn't support forward-only"; a present but empty Link is its
//     normal last page, which this simulator sends on every route that
//     supports it).
//   - Whether the PSA percent-encodes commas (fields=id,summary) and other
//     characters inside next links is not confirmed; a client must parse
//     Link per RFC 8288 and survive raw commas.
//   - A create can be processed and answered 201 with a body that is cut
//     off (Fault.TruncateBody).

// WithoutForwardOnly makes the list endpoints whose path (after the API
// root, such as "company/companies" or "system/audittrail") is given
// ignore forward-only paging as the PSA does on endpoints without it.
func WithoutForwardOnly(paths ...string) Option {
	return func(o *options) {
		if o.noForwardOnly == nil {
			o.noForwardOnly = map[string]bool{}
		}
		for _, p := range paths {
			o.noForwardOnly[strings.ToLower(strings.Trim(p, "/"))] = true
		}
	}
}

// WithRawCommasInLinks writes commas inside Link URLs unencoded
// ("fields=id,summary&pageId=7"), which a parser splitting Link on every
// comma gets wrong.
func WithRawCommasInLinks() Option { return func(o *options) { o.rawCommas = true } }

// pagingQuirks applies WithoutForwardOnly to a list request: it turns a
// forward-only request on such an endpoint into page 1 of navigable paging
// and reports that the answer must carry no Link header.
func (s *Server) pagingQuirks(c *call, p listParams) (listParams, bool) {
	if !p.forwardOnly || len(s.opts.noForwardOnly) == 0 {
		return p, false
	}
	path := strings.ToLower(c.r.URL.Path)
	for route := range s.opts.noForwardOnly {
		if strings.HasSuffix(strings.TrimSuffix(path, "/"), "/"+route) {
			p.forwardOnly, p.page = false, 1
			return p, true
		}
	}
	return p, false
}

// writeLinks sets the Link header: none at all for an endpoint that
// ignored forward-only, empty on the last forward-only page, and commas
// left raw under WithRawCommasInLinks.
func (s *Server) writeLinks(c *call, p listParams, links []string, noLinks bool) {
	switch {
	case noLinks:
		return
	case len(links) == 0 && p.forwardOnly:
		c.w.Header()["Link"] = []string{""}
		return
	case len(links) == 0:
		return
	}
	h := strings.Join(links, ", ")
	if s.opts.rawCommas {
		h = strings.NewReplacer("%2C", ",", "%2c", ",").Replace(h)
	}
	c.w.Header().Set("Link", h)
}
