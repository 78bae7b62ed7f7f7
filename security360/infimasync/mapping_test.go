package infimasync_test

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/security360test"
)

// mappingWorld is an INFIMA simulator with its twelve default clients and
// an Asio simulator whose seed companies are joined by a few named like
// INFIMA clients, some cleanly, some ambiguously.
type mappingWorld struct {
	inf        *infimatest.Server
	asioSrv    *security360test.Server
	in         *infima.Client
	asio       *security360.Client
	clientID   map[string]int
	site       map[string]security360.Site // by site name
	holdingsID int
}

func newMappingWorld(t *testing.T) *mappingWorld {
	t.Helper()
	w := &mappingWorld{inf: infimatest.NewServer(), asioSrv: security360test.NewServer(), clientID: map[string]int{}, site: map[string]security360.Site{}}
	t.Cleanup(w.inf.Close)
	t.Cleanup(w.asioSrv.Close)
	w.holdingsID = w.inf.AddClient(infimatest.ClientSpec{Name: "Lakeside Credit Union Holdings", Users: 3})
	for _, c := range []struct {
		company string
		sites   []string
	}{
		{"Blue Ridge Logistics, Inc.", []string{"Blue Ridge Logistics"}},
		{"Cedar Creek Accounting LLC", []string{"Main Office"}},
		{"Summit Family Medicine", []string{"Summit North Clinic", "Summit South Clinic"}},
		{"Lakeside Credit Union", []string{"Lakeside Credit Union"}},
	} {
		co := w.asioSrv.AddCompany(c.company)
		for _, name := range c.sites {
			if _, ok := w.asioSrv.AddSite(co.ID, name); !ok {
				t.Fatalf("AddSite(%s)", name)
			}
		}
	}
	for _, co := range w.asioSrv.Companies() {
		for _, s := range w.asioSrv.Sites(co.ID) {
			w.site[s.Name] = s
		}
	}
	w.in = newInfima(t, w.inf)
	var err error
	if w.asio, err = security360.NewClient(w.asioSrv.Credentials(), w.asioSrv.ClientOptions()...); err != nil {
		t.Fatal(err)
	}
	for c, err := range w.in.Clients.All(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		w.clientID[c.Name] = c.ID
	}
	return w
}

func (w *mappingWorld) mapping(client, site string) infimasync.Mapping {
	s := w.site[site]
	return infimasync.Mapping{ClientID: w.clientID[client], CompanyID: s.CompanyID, SiteID: s.ID}
}

func TestSuggestMappings(t *testing.T) {
	w := newMappingWorld(t)
	existing := []infimasync.Mapping{
		w.mapping("Riverbend Manufacturing", "Acme Corp HQ"), // a person's choice, kept as is
		{ClientID: 9999, CompanyID: "gone", SiteID: "gone"},  // the client left INFIMA
	}
	p, err := infimasync.SuggestMappings(t.Context(), w.in, w.asio, existing)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range p.Matches {
		got[m.Client.Name] = m.Site.SiteName
		if m.Score != 1 {
			t.Errorf("%s → %s scored %v", m.Client.Name, m.Site.Name(), m.Score)
		}
	}
	want := map[string]string{
		"Blue Ridge Logistics":   "Blue Ridge Logistics",
		"Cedar Creek Accounting": "Main Office", // by its company's name
		"Lakeside Credit Union":  "Lakeside Credit Union",
	}
	if len(got) != len(want) {
		t.Errorf("matches = %v, want %v", got, want)
	}
	for c, s := range want {
		if got[c] != s {
			t.Errorf("%s → %q, want %q", c, got[c], s)
		}
	}
	if len(p.Existing) != 1 || p.Existing[0].ClientName != "Riverbend Manufacturing" || p.Existing[0].SiteName != "Acme Corp / Acme Corp HQ" {
		t.Errorf("existing = %+v", p.Existing)
	}
	if len(p.Stale) != 1 || p.Stale[0].ClientID != 9999 {
		t.Errorf("stale = %+v", p.Stale)
	}
	var unmapped []string
	for _, c := range p.UnmappedClients {
		unmapped = append(unmapped, c.Name)
	}
	// Summit ties between its two clinics; Holdings lost Lakeside's site
	// to the exact name and nothing else fits it.
	for _, name := range []string{"Summit Family Medicine", "Lakeside Credit Union Holdings", "Harbor Point Bakery", "Acme Dental Group"} {
		if !slices.Contains(unmapped, name) {
			t.Errorf("unmapped clients %v lack %q", unmapped, name)
		}
	}
	if len(unmapped) != 13-3-1 {
		t.Errorf("%d unmapped clients, want 9: %v", len(unmapped), unmapped)
	}
	var sites []string
	for _, s := range p.UnmappedSites {
		sites = append(sites, s.SiteName)
	}
	for _, name := range []string{"Summit North Clinic", "Summit South Clinic", "Acme Corp Warehouse", "Globex Corporation"} {
		if !slices.Contains(sites, name) {
			t.Errorf("unmapped sites %v lack %q", sites, name)
		}
	}
	for _, name := range []string{"Acme Corp HQ", "Main Office", "Blue Ridge Logistics"} {
		if slices.Contains(sites, name) {
			t.Errorf("mapped site %q reported unmapped", name)
		}
	}
	if ms := p.Mappings(); len(ms) != 4 || infimasync.ValidateMappings(ms) != nil {
		t.Errorf("Mappings() = %+v", ms)
	}
}

func patches(srv *security360test.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "PATCH" {
			n++
		}
	}
	return n
}

func TestSiteExternalIDStore(t *testing.T) {
	w := newMappingWorld(t)
	ctx := t.Context()
	blue := w.site["Blue Ridge Logistics"]
	// Another product's mapping on the same site must survive.
	if _, _, err := w.asio.Sites.SetExternalID(ctx, blue.CompanyID, blue.ID, security360.ExternalID{ExternalID: "hd-7", ProductID: "heimdal"}); err != nil {
		t.Fatal(err)
	}
	store := infimasync.NewSiteExternalIDStore(w.asio, "")
	if ms, err := store.Load(ctx); err != nil || len(ms) != 0 {
		t.Fatalf("Load before any save = %v, %v", ms, err)
	}
	p, err := infimasync.SuggestMappings(ctx, w.in, w.asio, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Save(ctx, p.Mappings()); err != nil {
		t.Fatal(err)
	}
	site, _ := w.asioSrv.Site(blue.CompanyID, blue.ID)
	if id, ok := site.ExternalIDFor(infimasync.ProductID); !ok || id.ExternalID != strconv.Itoa(w.clientID["Blue Ridge Logistics"]) {
		t.Errorf("externalIds = %+v", site.ExternalIDs)
	}
	if _, ok := site.ExternalIDFor("heimdal"); !ok {
		t.Errorf("heimdal mapping lost: %+v", site.ExternalIDs)
	}
	loaded, err := store.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := func(m infimasync.Mapping) string { return strconv.Itoa(m.ClientID) + "@" + m.SiteKey() }
	var a, b []string
	for _, m := range p.Mappings() {
		a = append(a, key(m))
	}
	for _, m := range loaded {
		b = append(b, key(m))
	}
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) || len(a) != 3 {
		t.Errorf("loaded %v, saved %v", b, a)
	}

	before := patches(w.asioSrv)
	if err := store.Save(ctx, loaded); err != nil {
		t.Fatal(err)
	}
	if n := patches(w.asioSrv) - before; n != 0 {
		t.Errorf("saving the same mappings again made %d writes", n)
	}

	// Dropping a mapping removes only that site's INFIMA entry.
	var kept []infimasync.Mapping
	for _, m := range loaded {
		if m.SiteID != blue.ID {
			kept = append(kept, m)
		}
	}
	if err := store.Save(ctx, kept); err != nil {
		t.Fatal(err)
	}
	site, _ = w.asioSrv.Site(blue.CompanyID, blue.ID)
	if _, ok := site.ExternalIDFor(infimasync.ProductID); ok {
		t.Errorf("dropped mapping still on the site: %+v", site.ExternalIDs)
	}
	if _, ok := site.ExternalIDFor("heimdal"); !ok {
		t.Errorf("heimdal mapping lost on removal: %+v", site.ExternalIDs)
	}
	if ms, _ := store.Load(ctx); len(ms) != 2 {
		t.Errorf("after dropping one: %d mappings", len(ms))
	}

	// Another INFIMA account's store sees none of these.
	if ms, err := infimasync.NewSiteExternalIDStore(w.asio, "other-partner").Load(ctx); err != nil || len(ms) != 0 {
		t.Errorf("other instance loaded %v, %v", ms, err)
	}
}

func TestStoresRefuseBrokenMappings(t *testing.T) {
	w := newMappingWorld(t)
	one := w.mapping("Blue Ridge Logistics", "Blue Ridge Logistics")
	other := w.mapping("Cedar Creek Accounting", "Main Office")
	for _, tc := range []struct {
		name  string
		ms    []infimasync.Mapping
		field string
	}{
		{"client twice", []infimasync.Mapping{one, {ClientID: one.ClientID, CompanyID: other.CompanyID, SiteID: other.SiteID}}, "ClientID"},
		{"site twice", []infimasync.Mapping{one, {ClientID: other.ClientID, CompanyID: one.CompanyID, SiteID: one.SiteID}}, "SiteID"},
		{"no client", []infimasync.Mapping{{CompanyID: "c", SiteID: "s"}}, "ClientID"},
		{"no site", []infimasync.Mapping{{ClientID: 1, CompanyID: "c"}}, "SiteID"},
	} {
		for name, store := range map[string]infimasync.MappingStore{
			"memory": infimasync.NewMemoryStore(),
			"asio":   infimasync.NewSiteExternalIDStore(w.asio, ""),
		} {
			var me *infimasync.MappingError
			if err := store.Save(t.Context(), tc.ms); !errors.As(err, &me) || me.Field != tc.field {
				t.Errorf("%s/%s: err = %v, want a MappingError on %s", tc.name, name, err, tc.field)
			}
		}
	}
	before := patches(w.asioSrv)
	err := infimasync.NewSiteExternalIDStore(w.asio, "").Save(t.Context(), []infimasync.Mapping{{ClientID: 1, CompanyID: one.CompanyID, SiteID: "no-such-site"}})
	if err == nil || patches(w.asioSrv) != before {
		t.Errorf("unknown site: err = %v, %d writes", err, patches(w.asioSrv)-before)
	}
}

func TestMemoryStoreCopies(t *testing.T) {
	ms := []infimasync.Mapping{{ClientID: 1, CompanyID: "c", SiteID: "s"}}
	store := infimasync.NewMemoryStore(ms...)
	ms[0].SiteID = "changed"
	got, _ := store.Load(t.Context())
	got[0].CompanyID = "changed too"
	again, _ := store.Load(t.Context())
	if again[0].SiteID != "s" || again[0].CompanyID != "c" {
		t.Errorf("store shares memory with callers: %+v", again)
	}
}

// Many goroutines reading the Asio mappings while the token has expired:
// every call succeeds, and the expired token is replaced once, not once per
// caller (Asio can lock a key that asks for many tokens at once).
func TestSiteStoreTokenRefreshUnderConcurrency(t *testing.T) {
	w := newMappingWorld(t)
	store := infimasync.NewSiteExternalIDStore(w.asio, "")
	if _, err := store.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := w.asioSrv.TokenRequests()
	w.asioSrv.ExpireTokens()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := store.Load(t.Context())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := w.asioSrv.TokenRequests() - before; n != 1 {
		t.Errorf("%d token requests after expiry, want 1", n)
	}
}
