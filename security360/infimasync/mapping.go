package infimasync

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/namematch"
	"github.com/psabridge/psabridge/security360"
)

// ProductID is the productId under which SiteExternalIDStore records an
// INFIMA client on an Asio site.
const ProductID = "infima"

// Mapping ties one INFIMA client to the Asio site its data lands on.
type Mapping struct {
	// ClientID is the INFIMA client's id.
	ClientID int
	// ClientName is informational; the sync fills it in from INFIMA.
	ClientName string
	// CompanyID and SiteID identify the Asio site.
	CompanyID, SiteID string
	// SiteName is informational ("Company / Site").
	SiteName string
}

// SiteKey is the site's key as the Security 360 Training screen stand-in
// (security360test.SiteKey) uses it: company and site IDs joined by a slash.
func (m Mapping) SiteKey() string { return m.CompanyID + "/" + m.SiteID }

// MappingError reports a mapping set that breaks the one-client-one-site
// rule or misses an id.
type MappingError struct {
	// Index is the position of the offending mapping.
	Index int
	// Field is "ClientID", "CompanyID" or "SiteID".
	Field string
	// Problem says what is wrong.
	Problem string
}

// Error names the mapping and the field.
func (e *MappingError) Error() string {
	return fmt.Sprintf("infimasync: mapping %d: %s %s", e.Index, e.Field, e.Problem)
}

// ValidateMappings checks that every mapping names a client and a site, and
// that no client or site appears twice: data from two clients on one site
// would overwrite each other, and one client on two sites would be counted
// twice in Security 360.
func ValidateMappings(ms []Mapping) error {
	clients := map[int]int{}
	sites := map[string]int{}
	for i, m := range ms {
		switch {
		case m.ClientID <= 0:
			return &MappingError{Index: i, Field: "ClientID", Problem: "is missing"}
		case m.CompanyID == "":
			return &MappingError{Index: i, Field: "CompanyID", Problem: "is missing"}
		case m.SiteID == "":
			return &MappingError{Index: i, Field: "SiteID", Problem: "is missing"}
		}
		if j, dup := clients[m.ClientID]; dup {
			return &MappingError{Index: i, Field: "ClientID", Problem: fmt.Sprintf("%d is already mapped by mapping %d: each INFIMA client maps to one site", m.ClientID, j)}
		}
		if j, dup := sites[m.SiteKey()]; dup {
			return &MappingError{Index: i, Field: "SiteID", Problem: fmt.Sprintf("%s is already mapped by mapping %d: each site receives one INFIMA client", m.SiteID, j)}
		}
		clients[m.ClientID], sites[m.SiteKey()] = i, i
	}
	return nil
}

// MappingStore keeps the confirmed mappings. Save replaces the whole set.
// Implementations must be safe for concurrent use.
type MappingStore interface {
	// Load returns the confirmed mappings.
	Load(ctx context.Context) ([]Mapping, error)
	// Save replaces them with ms, which it validates (ValidateMappings).
	Save(ctx context.Context, ms []Mapping) error
}

// MemoryStore is a MappingStore held in memory, for callers that persist
// mappings themselves or do not want them written to Asio.
type MemoryStore struct {
	mu sync.Mutex
	ms []Mapping
}

// NewMemoryStore returns a store holding ms (not validated until Save).
func NewMemoryStore(ms ...Mapping) *MemoryStore { return &MemoryStore{ms: slices.Clone(ms)} }

// Load returns a copy of the mappings.
func (s *MemoryStore) Load(context.Context) ([]Mapping, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ms), nil
}

// Save validates ms and replaces the stored set with a copy.
func (s *MemoryStore) Save(_ context.Context, ms []Mapping) error {
	if err := ValidateMappings(ms); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ms = slices.Clone(ms)
	return nil
}

// SiteExternalIDStore keeps mappings on the Asio sites themselves: the
// INFIMA client id is written into the site's externalIds under ProductID,
// where Asio and other tools can see it. Save writes only the sites whose
// entry changes.
//
// Load walks every company and site: one request per company plus one.
// At the Asio client's default 1.5 requests/s a partner with 200 companies
// spends over two minutes on it, and a Syncer loads mappings on every run;
// for frequent syncs, load once into a MemoryStore and reload when the
// mappings are edited.
type SiteExternalIDStore struct {
	asio     *security360.Client
	instance string
	// mu serialises Save, so two saves cannot interleave their reads and
	// writes into a mixed set.
	mu sync.Mutex
}

// NewSiteExternalIDStore returns a store writing through asio. instance
// becomes the entries' productInstanceId and tells apart two INFIMA partner
// accounts; with "" every INFIMA entry is this store's.
func NewSiteExternalIDStore(asio *security360.Client, instance string) *SiteExternalIDStore {
	return &SiteExternalIDStore{asio: asio, instance: instance}
}

// Load reads the mappings recorded on the sites.
func (s *SiteExternalIDStore) Load(ctx context.Context) ([]Mapping, error) {
	sites, err := listSites(ctx, s.asio)
	if err != nil {
		return nil, err
	}
	var out []Mapping
	for _, site := range sites {
		if m, ok := s.mappingOf(site); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *SiteExternalIDStore) mappingOf(site SiteRef) (Mapping, bool) {
	id, ok := site.site.ExternalIDFor(ProductID)
	if !ok || (s.instance != "" && id.ProductInstanceID != s.instance) {
		return Mapping{}, false
	}
	n, err := strconv.Atoi(id.ExternalID)
	if err != nil || n <= 0 {
		// Someone else's entry under our product name; not ours to read.
		return Mapping{}, false
	}
	return Mapping{ClientID: n, CompanyID: site.CompanyID, SiteID: site.SiteID, SiteName: site.Name()}, true
}

// Save records ms on the sites and removes this store's entries from sites
// no longer mapped. It stops at the first failed write; since each write is
// idempotent, saving the same set again completes it.
func (s *SiteExternalIDStore) Save(ctx context.Context, ms []Mapping) error {
	if err := ValidateMappings(ms); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sites, err := listSites(ctx, s.asio)
	if err != nil {
		return err
	}
	want := map[string]Mapping{}
	for _, m := range ms {
		want[m.SiteKey()] = m
	}
	known := map[string]bool{}
	for _, site := range sites {
		known[site.Key()] = true
	}
	// Every site is checked before the first write: a set with one bad
	// site must not be half saved.
	for i, m := range ms {
		if !known[m.SiteKey()] {
			return &MappingError{Index: i, Field: "SiteID", Problem: fmt.Sprintf("Asio has no site %s in company %s", m.SiteID, m.CompanyID)}
		}
	}
	for _, m := range ms {
		id := security360.ExternalID{ExternalID: strconv.Itoa(m.ClientID), ProductID: ProductID, ProductInstanceID: s.instance}
		if _, _, err := s.asio.Sites.SetExternalID(ctx, m.CompanyID, m.SiteID, id); err != nil {
			return fmt.Errorf("infimasync: saving mapping of client %d on site %s: %w", m.ClientID, m.SiteID, err)
		}
	}
	for _, site := range sites {
		if _, ok := s.mappingOf(site); !ok {
			continue
		}
		if _, keep := want[site.Key()]; keep {
			continue
		}
		if _, _, err := s.asio.Sites.RemoveExternalID(ctx, site.CompanyID, site.SiteID, ProductID); err != nil {
			return fmt.Errorf("infimasync: removing the INFIMA mapping from site %s: %w", site.SiteID, err)
		}
	}
	return nil
}

// SiteRef is an Asio site with its company's name, as mapping screens show
// it.
type SiteRef struct {
	// CompanyID and CompanyName identify the Asio company (display name).
	CompanyID, CompanyName string
	// SiteID and SiteName identify the site (display name).
	SiteID, SiteName string

	site security360.Site
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
	var companies []security360.Company
	for c, err := range asio.Companies.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("infimasync: listing Asio companies: %w", err)
		}
		companies = append(companies, c)
	}
	var out []SiteRef
	for _, c := range companies {
		for s, err := range asio.Sites.All(ctx, c.ID, nil) {
			if err != nil {
				return nil, fmt.Errorf("infimasync: listing the sites of Asio company %q: %w", c.DisplayName(), err)
			}
			out = append(out, SiteRef{CompanyID: c.ID, CompanyName: c.DisplayName(), SiteID: s.ID, SiteName: s.DisplayName(), site: s})
		}
	}
	return out, nil
}

// Suggestion is a proposed mapping: an INFIMA client, the site whose name
// matches it best, and the score (0.5 to 1, see namematch.Score).
type Suggestion struct {
	// Client is the INFIMA client.
	Client infima.Company
	// Site is the best-matching free site.
	Site SiteRef
	// Score is how alike the names are (namematch.Score).
	Score float64
}

// Mapping is the suggestion as a Mapping, ready to save once confirmed.
func (s Suggestion) Mapping() Mapping {
	return Mapping{ClientID: s.Client.ID, ClientName: s.Client.Name, CompanyID: s.Site.CompanyID, SiteID: s.Site.SiteID, SiteName: s.Site.Name()}
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
// when a person accepts the proposal as it stands.
func (p *MappingProposal) Mappings() []Mapping {
	out := slices.Clone(p.Existing)
	for _, s := range p.Matches {
		out = append(out, s.Mapping())
	}
	return out
}

// SuggestMappings lists the INFIMA clients and the Asio sites and proposes a
// site for every client not yet mapped in existing, by normalised name
// (legal suffixes such as "LLC" ignored; a site is also known by its
// company's name). Each site is proposed to one client at most: when two
// clients want the same site the better score wins and the other looks
// again among the remaining sites. Ties are not resolved: a person decides.
func SuggestMappings(ctx context.Context, in *infima.Client, asio *security360.Client, existing []Mapping) (*MappingProposal, error) {
	var clients []infima.Company
	for c, err := range in.Clients.All(ctx, &infima.ClientListOptions{ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}) {
		if err != nil {
			return nil, fmt.Errorf("infimasync: listing INFIMA clients: %w", err)
		}
		clients = append(clients, c)
	}
	sites, err := listSites(ctx, asio)
	if err != nil {
		return nil, err
	}
	p := &MappingProposal{}
	clientByID := map[int]infima.Company{}
	for _, c := range clients {
		clientByID[c.ID] = c
	}
	siteByKey := map[string]SiteRef{}
	for _, s := range sites {
		siteByKey[s.Key()] = s
	}
	mappedClient := map[int]bool{}
	taken := map[string]bool{}
	for _, m := range existing {
		c, okC := clientByID[m.ClientID]
		s, okS := siteByKey[m.SiteKey()]
		if !okC || !okS {
			p.Stale = append(p.Stale, m)
			continue
		}
		m.ClientName, m.SiteName = c.Name, s.Name()
		p.Existing = append(p.Existing, m)
		mappedClient[m.ClientID], taken[m.SiteKey()] = true, true
	}
	names := func(s SiteRef) []string { return []string{s.SiteName, s.CompanyName, s.CompanyName + " " + s.SiteName} }
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
		for _, s := range sites {
			if _, claimed := claims[s.Key()]; !taken[s.Key()] && !claimed {
				free = append(free, s)
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
	for _, s := range claims {
		p.Matches = append(p.Matches, s)
	}
	slices.SortFunc(p.Matches, func(a, b Suggestion) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Client.Name, b.Client.Name))
	})
	slices.SortFunc(p.UnmappedClients, func(a, b infima.Company) int { return cmp.Compare(a.Name, b.Name) })
	for _, s := range sites {
		if _, claimed := claims[s.Key()]; !claimed && !mappedExisting(p.Existing, s) {
			p.UnmappedSites = append(p.UnmappedSites, s)
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
