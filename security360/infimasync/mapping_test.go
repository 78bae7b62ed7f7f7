package infimasync_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
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
	store      flow.Store
	s          *infimasync.Syncer
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
	w.store = flow.NewMemoryStore()
	if w.s, err = infimasync.New(w.in, w.asio, w.store, infimasynctest.NewRecorder()); err != nil {
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
	return infimasync.Mapping{InfimaClientID: w.clientID[client], CompanyID: s.CompanyID, SiteID: s.ID}
}

func TestSuggestMappings(t *testing.T) {
	w := newMappingWorld(t)
	existing := []infimasync.Mapping{
		w.mapping("Riverbend Manufacturing", "Acme Corp HQ"),      // a person's choice, kept as is
		{InfimaClientID: 9999, CompanyID: "gone", SiteID: "gone"}, // the client left INFIMA
	}
	if err := infimasync.SaveMappingsOffline(t.Context(), w.s, existing); err != nil {
		t.Fatal(err)
	}
	p, err := w.s.SuggestMappings(t.Context())
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
	if len(p.Stale) != 1 || p.Stale[0].InfimaClientID != 9999 {
		t.Errorf("stale = %+v", p.Stale)
	}
	unmapped := namesOf(p.UnmappedClients, func(c infima.Company) string { return c.Name })
	// Summit ties between its two clinics; Holdings lost Lakeside's site
	// to the exact name and nothing else fits it.
	wantAll(t, "unmapped clients", unmapped, "Summit Family Medicine", "Lakeside Credit Union Holdings", "Harbor Point Bakery", "Acme Dental Group")
	if len(unmapped) != 13-3-1 {
		t.Errorf("%d unmapped clients, want 9: %v", len(unmapped), unmapped)
	}
	sites := namesOf(p.UnmappedSites, func(s infimasync.SiteRef) string { return s.SiteName })
	wantAll(t, "unmapped sites", sites, "Summit North Clinic", "Summit South Clinic", "Acme Corp Warehouse", "Globex Corporation")
	for _, name := range []string{"Acme Corp HQ", "Main Office", "Blue Ridge Logistics"} {
		if slices.Contains(sites, name) {
			t.Errorf("mapped site %q reported unmapped", name)
		}
	}
	if ms := p.Mappings(); len(ms) != 4 || infimasync.ValidateMappings(ms) != nil {
		t.Errorf("Mappings() = %+v", ms)
	}
}

func TestSaveMappingsRefusesBrokenMappings(t *testing.T) {
	w := newMappingWorld(t)
	one := w.mapping("Blue Ridge Logistics", "Blue Ridge Logistics")
	other := w.mapping("Cedar Creek Accounting", "Main Office")
	if got, err := w.s.Mappings(t.Context()); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Mappings before any save = %#v, %v; want empty, not nil", got, err)
	}
	if err := w.s.SaveMappings(t.Context(), []infimasync.Mapping{other}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		ms    []infimasync.Mapping
		field string
	}{
		{"client twice", []infimasync.Mapping{one, {InfimaClientID: one.InfimaClientID, CompanyID: other.CompanyID, SiteID: other.SiteID}}, "Mappings[1].InfimaClientID"},
		{"site twice", []infimasync.Mapping{one, {InfimaClientID: other.InfimaClientID, CompanyID: one.CompanyID, SiteID: one.SiteID}}, "Mappings[1].SiteID"},
		{"no client", []infimasync.Mapping{{CompanyID: "c", SiteID: "s"}}, "Mappings[0].InfimaClientID"},
		{"no site", []infimasync.Mapping{{InfimaClientID: 1, CompanyID: "c"}}, "Mappings[0].SiteID"},
		{"site not in Asio", []infimasync.Mapping{one, {InfimaClientID: 1, CompanyID: one.CompanyID, SiteID: "no-such-site"}}, "Mappings[1].SiteID"},
	} {
		var ce *bridge.ConfigError
		if err := w.s.SaveMappings(t.Context(), tc.ms); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: err = %v, want a ConfigError on %s", tc.name, err, tc.field)
		}
	}
	got, err := w.s.Mappings(t.Context())
	if err != nil || len(got) != 1 || got[0].InfimaClientID != other.InfimaClientID || got[0].SiteName != "Cedar Creek Accounting LLC / Main Office" {
		t.Errorf("after refused saves the store holds %+v, %v; want the first set", got, err)
	}
}

// Check names each item; a mapping to a site Asio no longer has is a
// warning naming it, and damaged stored state is refused by Run before any
// delivery.
func TestCheck(t *testing.T) {
	w := newMappingWorld(t)
	ctx := t.Context()
	rep := flowtest.CheckOK(t, w.s, false)
	flowtest.WantItems(t, rep, map[string]flow.Status{
		"Settings": flow.Warning, "Test Connection": flow.Granted, "Asio sites": flow.Granted,
		"Mappings": flow.Missing, "Delivery state": flow.Granted,
	})
	set := infimasync.Settings{ServerURL: w.inf.URL, APIKey: w.inf.APIKey()}
	if err := infimasync.SaveSettings(ctx, w.store, set); err == nil {
		t.Error("SaveSettings accepted a loopback http URL without AllowLoopback")
	}
	if err := infimasync.SaveSettings(ctx, w.store, set, infimasync.AllowLoopback()); err != nil {
		t.Fatal(err)
	}
	ok := w.mapping("Blue Ridge Logistics", "Blue Ridge Logistics")
	stale := infimasync.Mapping{InfimaClientID: w.clientID["Cedar Creek Accounting"], CompanyID: ok.CompanyID, SiteID: "deleted-site"}
	if err := infimasync.SaveMappingsOffline(ctx, w.s, []infimasync.Mapping{ok, stale}); err != nil {
		t.Fatal(err)
	}
	// Settings naming the loopback simulator validate only for a flow
	// built with AllowLoopback.
	var err error
	w.s, err = infimasync.New(w.in, w.asio, w.store, infimasynctest.NewRecorder(), infimasync.AllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	rep = flowtest.CheckOK(t, w.s, true)
	flowtest.WantItems(t, rep, map[string]flow.Status{"Settings": flow.Granted, "Mappings": flow.Granted, "Mappings[1]": flow.Warning})
	for _, it := range rep.Items {
		if strings.Contains(it.Detail, w.inf.APIKey()) {
			t.Errorf("item %s quotes the API key", it.Name)
		}
	}

	// A damaged delivery record: Check says Missing, Run stops before
	// reading INFIMA or delivering anything.
	if err := w.store.Put(ctx, "infima-security360/default/delivered/1/c/s/training-stats", []byte(`{"Version":1,"Fingerpr`)); err != nil {
		t.Fatal(err)
	}
	flowtest.WantStatus(t, flowtest.Check(t, w.s), "Delivery state", flow.Missing)

	// A rejected key is missing, explained as Test Connection explains it
	// and without the key.
	const wrongKey = "wrong-key-0123456789"
	rejected, err := infima.NewClient(wrongKey, w.inf.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	_, _, refusal := rejected.Partner.Get(ctx)
	if infimasync.Diagnose(refusal) == nil {
		t.Fatalf("a rejected key has no diagnosis: %v", refusal)
	}
	s, err := infimasync.New(rejected, w.asio, w.store, infimasynctest.NewRecorder(), infimasync.AllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	it := flowtest.WantStatus(t, flowtest.Check(t, s), "Test Connection", flow.Missing)
	if it.Detail != infimasync.Diagnose(refusal).Error() || it.Lost == "" || strings.Contains(it.Detail, wrongKey) {
		t.Errorf("rejected key: %+v, want the diagnosis %q", it, infimasync.Diagnose(refusal))
	}
	w.inf.ResetRequests()
	run, err := w.s.Run(ctx)
	var se *flow.StateError
	if !errors.Is(err, flow.ErrCorrupt) || !errors.As(err, &se) || !strings.Contains(se.Key, "delivered/1/") || !run.Stopped || len(w.inf.Requests()) != 0 {
		t.Errorf("Run over damaged state: %v (stopped %v, %d INFIMA requests)", err, run.Stopped, len(w.inf.Requests()))
	}
}

func namesOf[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

func wantAll(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	for _, name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("%s %v lack %q", what, got, name)
		}
	}
}
