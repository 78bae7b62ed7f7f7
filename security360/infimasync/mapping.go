package infimasync

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/namematch"
	"github.com/psabridge/psabridge/security360"
)

// Mapping ties one INFIMA client to the Asio site its data lands on.
type Mapping struct {
	// InfimaClientID is the INFIMA client's id.
	InfimaClientID int
	// ClientName is informational; the sync fills it in from INFIMA.
	ClientName string
	// CompanyID and SiteID identify the Asio site.
	CompanyID, SiteID string
	// SiteName is informational ("Company / Site").
	SiteName string
}

// SiteKey is the site's key: company and site IDs joined by a slash.
func (m Mapping) SiteKey() string { return m.CompanyID + "/" + m.SiteID }

// ValidateMappings checks that every mapping names a client and a site, and
// that no client or site appears twice: data from two clients on one site
// would overwrite each other, and one client on two sites would be counted
// twice in Security 360. The error is a *bridge.ConfigError whose Field is
// the mapping's Go path ("Mappings[2].SiteID").
func ValidateMappings(ms []Mapping) error {
	clients := map[int]int{}
	sites := map[string]int{}
	bad := func(i int, field, problem string) error { return flow.MappingError("infimasync", i, field, problem) }
	for i, m := range ms {
		switch {
		case m.InfimaClientID <= 0:
			return bad(i, "InfimaClientID", "is missing")
		case m.CompanyID == "":
			return bad(i, "CompanyID", "is missing")
		case m.SiteID == "":
			return bad(i, "SiteID", "is missing")
		}
		if j, dup := clients[m.InfimaClientID]; dup {
			return bad(i, "InfimaClientID", fmt.Sprintf("%d is already mapped by Mappings[%d]: each INFIMA client maps to one site", m.InfimaClientID, j))
		}
		if j, dup := sites[m.SiteKey()]; dup {
			return bad(i, "SiteID", fmt.Sprintf("%s is already mapped by Mappings[%d]: each site receives one INFIMA client", m.SiteID, j))
		}
		clients[m.InfimaClientID], sites[m.SiteKey()] = i, i
	}
	return nil
}

// Mappings returns the confirmed mappings from the store: an empty slice,
// never nil, before the first SaveMappings, as every flow's Mappings does. A stored set that does not decode or validate gives
// an error naming what is wrong; Run refuses to deliver from it.
func (s *Syncer) Mappings(ctx context.Context) ([]Mapping, error) {
	doc, _, err := load[mappingsDoc](ctx, s.store, s.keys.mappings())
	if err != nil {
		return nil, fmt.Errorf("infimasync: reading mappings: %w", err)
	}
	if err := ValidateMappings(doc.Mappings); err != nil {
		return nil, &flow.StateError{Key: s.keys.mappings(), Problem: "stored mappings are invalid: " + err.Error(), Err: flow.ErrCorrupt}
	}
	return append([]Mapping{}, doc.Mappings...), nil
}

// SaveMappings validates ms (ValidateMappings), checks that every site
// exists in Asio, and replaces the stored set; the next run delivers by it.
// Nothing is stored when any check fails. Deliveries already made for a
// client that moves to another site are made afresh there.
func (s *Syncer) SaveMappings(ctx context.Context, ms []Mapping) error {
	if err := ValidateMappings(ms); err != nil {
		return err
	}
	if len(ms) > 0 {
		sites, err := listSites(ctx, s.asio)
		if err != nil {
			return err
		}
		known := map[string]SiteRef{}
		for _, site := range sites {
			known[site.Key()] = site
		}
		ms = slices.Clone(ms)
		for i, m := range ms {
			site, ok := known[m.SiteKey()]
			if !ok {
				return flow.MappingError("infimasync", i, "SiteID", fmt.Sprintf("Asio has no site %s in company %s", m.SiteID, m.CompanyID))
			}
			ms[i].SiteName = site.Name()
		}
	}
	return flow.PutJSON(ctx, s.store, s.keys.mappings(), mappingsDoc{Version: stateVersion, Mappings: ms})
}

// SiteRef is an Asio site with its company's name, as mapping screens show
// it.
type SiteRef struct {
	// CompanyID and CompanyName identify the Asio company (display name).
	CompanyID, CompanyName string
	// SiteID and SiteName identify the site (display name).
	SiteID, SiteName string
}

// Name is "Company / Site", or the company name alone when the site is
// named after it.
func (r SiteRef) Name() string {
	if r.SiteName == "" || r.SiteName == r.CompanyName {
		return r.CompanyName
	}
	return r.CompanyName + " / " + r.SiteName
}

// Key is the site's key (see Mapping.SiteKey).
func (r SiteRef) Key() string { return r.CompanyID + "/" + r.SiteID }

// listSites walks every company and its sites.
func listSites(ctx context.Context, asio *security360.Client) ([]SiteRef, error) {
	companies, err := connectwise.Collect(asio.Companies.All(ctx, nil))
	if err != nil {
		return nil, fmt.Errorf("infimasync: listing Asio companies: %w", err)
	}
	var out []SiteRef
	for _, c := range companies {
		for s, err := range asio.Sites.All(ctx, c.ID, nil) {
			if err != nil {
				return nil, fmt.Errorf("infimasync: listing the sites of Asio company %q: %w", c.DisplayName(), err)
			}
			out = append(out, SiteRef{CompanyID: c.ID, CompanyName: c.DisplayName(), SiteID: s.ID, SiteName: s.DisplayName()})
		}
	}
	return out, nil
}

// Suggestion is a proposed mapping: an INFIMA client, the site whose name
// matches it best, and how alike their names are.
type Suggestion struct {
	// Client is the INFIMA client.
	Client infima.Company
	// Site is the best-matching free site.
	Site SiteRef
	// Score is how alike the names are, from 0.5 (the least score
	// suggested) to 1 (the same name once case, punctuation and legal
	// suffixes such as "Inc" are set aside); between, it grows with the
	// share of words the names have in common.
	Score float64
}

// Mapping is the suggestion as a Mapping, ready to save once confirmed.
func (s Suggestion) Mapping() Mapping {
	return Mapping{InfimaClientID: s.Client.ID, ClientName: s.Client.Name, CompanyID: s.Site.CompanyID, SiteID: s.Site.SiteID, SiteName: s.Site.Name()}
}

// MappingProposal is what a mapping screen shows: the mappings already
// confirmed, new suggestions, and what is left on either side.
type MappingProposal struct {
	// Existing are confirmed mappings whose client and site both still
	// exist.
	Existing []Mapping
	// Stale are confirmed mappings whose client left INFIMA or whose site
	// left Asio.
	Stale []Mapping
	// Matches are new suggestions, best score first.
	Matches []Suggestion
	// UnmappedClients are INFIMA clients with neither a mapping nor a
	// suggestion: ties and weak matches are left to a person.
	UnmappedClients []infima.Company
	// UnmappedSites are Asio sites no client is mapped or suggested to.
	UnmappedSites []SiteRef
}

// Mappings returns Existing followed by every suggestion: the set to save
// when a person accepts the proposal as it stands (empty, never nil).
func (p *MappingProposal) Mappings() []Mapping {
	out := append(make([]Mapping, 0, len(p.Existing)+len(p.Matches)), p.Existing...)
	for _, s := range p.Matches {
		out = append(out, s.Mapping())
	}
	return out
}

// SuggestMappings lists the INFIMA clients and the Asio sites and proposes a
// site for every client not yet mapped in the store, by normalised name
// (legal suffixes such as "LLC" ignored; a site is also known by its
// company's name). Each site is proposed to one client at most: when two
// clients want the same site the better score wins and the other looks
// again among the remaining sites. Ties are not resolved: a person decides.
// Nothing is saved: a person confirms, then SaveMappings stores the result.
func (s *Syncer) SuggestMappings(ctx context.Context) (*MappingProposal, error) {
	existing, err := s.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	clients, err := connectwise.Collect(s.infima.Clients.All(ctx, &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}))
	if err != nil {
		return nil, fmt.Errorf("infimasync: listing INFIMA clients: %w", err)
	}
	sites, err := listSites(ctx, s.asio)
	if err != nil {
		return nil, err
	}
	p := &MappingProposal{}
	clientByID := map[int]infima.Company{}
	for _, c := range clients {
		clientByID[c.ID] = c
	}
	siteByKey := map[string]SiteRef{}
	for _, site := range sites {
		siteByKey[site.Key()] = site
	}
	mappedClient := map[int]bool{}
	taken := map[string]bool{}
	for _, m := range existing {
		c, okC := clientByID[m.InfimaClientID]
		s, okS := siteByKey[m.SiteKey()]
		if !okC || !okS {
			p.Stale = append(p.Stale, m)
			continue
		}
		m.ClientName, m.SiteName = c.Name, s.Name()
		p.Existing = append(p.Existing, m)
		mappedClient[m.InfimaClientID], taken[m.SiteKey()] = true, true
	}
	names := func(r SiteRef) []string { return []string{r.SiteName, r.CompanyName, r.CompanyName + " " + r.SiteName} }
	var pending []infima.Company
	for _, c := range clients {
		if !mappedClient[c.ID] {
			pending = append(pending, c)
		}
	}
	claims := map[string]Suggestion{}
	// Each round, every pending client picks its best free site; contested
	// sites go to the higher score and the losers try again. A client
	// drops out when nothing free reaches the threshold, so this ends.
	for len(pending) > 0 {
		var free []SiteRef
		for _, site := range sites {
			if _, claimed := claims[site.Key()]; !taken[site.Key()] && !claimed {
				free = append(free, site)
			}
		}
		round := map[string][]Suggestion{}
		for _, c := range pending {
			best, score, ok := namematch.Best(c.Name, free, names)
			if !ok {
				p.UnmappedClients = append(p.UnmappedClients, c)
				continue
			}
			round[best.Key()] = append(round[best.Key()], Suggestion{Client: c, Site: best, Score: score})
		}
		pending = nil
		for key, contenders := range round {
			slices.SortFunc(contenders, func(a, b Suggestion) int {
				return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Client.ID, b.Client.ID))
			})
			if len(contenders) > 1 && contenders[0].Score == contenders[1].Score {
				// Equal claims are a tie for a person to settle: neither
				// client gets the site, and it is offered to nobody else.
				for _, c := range contenders {
					p.UnmappedClients = append(p.UnmappedClients, c.Client)
				}
				taken[key] = true
				continue
			}
			claims[key] = contenders[0]
			for _, c := range contenders[1:] {
				pending = append(pending, c.Client)
			}
		}
	}
	for _, c := range claims {
		p.Matches = append(p.Matches, c)
	}
	slices.SortFunc(p.Matches, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Client.Name, b.Client.Name))
	})
	slices.SortFunc(p.UnmappedClients, func(a, b infima.Company) int { return cmp.Compare(a.Name, b.Name) })
	for _, site := range sites {
		if _, claimed := claims[site.Key()]; !claimed && !mappedExisting(p.Existing, site) {
			p.UnmappedSites = append(p.UnmappedSites, site)
		}
	}
	return p, nil
}

func mappedExisting(ms []Mapping, s SiteRef) bool {
	for _, m := range ms {
		if m.SiteKey() == s.Key() {
			return true
		}
	}
	return false
}
