package apiclient_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/psabridge/psabridge/internal/apiclient"
)

// TestParseLinksRFC8288: targets are delimited by angle brackets (a comma
// inside a URL, or inside a quoted parameter, does not split), parameter
// names and relation types are case-insensitive, rel may be quoted or bare
// and name several relations, and only the first rel of a link counts.
func TestParseLinksRFC8288(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<https://x/a?fields=id,summary&pageId=7>; title="one, two; <three>"; REL=next,`+
		`</b?page=9>;rel="LAST  First" ; rel=prev`)
	h.Add("Link", `<c>; anchor="#x"; Rel = "next" , <d>`)
	got := apiclient.ParseLinks(h)
	want := []apiclient.Link{
		{Target: "https://x/a?fields=id,summary&pageId=7", Rels: []string{"next"}},
		{Target: "/b?page=9", Rels: []string{"last", "first"}},
		{Target: "c", Rels: []string{"next"}},
		{Target: "d"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].Target != want[i].Target || !slices.Equal(got[i].Rels, want[i].Rels) {
			t.Errorf("link %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// The first target named for a relation wins.
	if l := apiclient.Links(h); l["next"] != want[0].Target || l["last"] != "/b?page=9" || l["prev"] != "" {
		t.Errorf("Links = %v", l)
	}
}

func TestResolveLinkAndQueryValue(t *testing.T) {
	base, _ := url.Parse("https://api-na.myconnectwise.net/v2025_1/apis/3.0/service/tickets?pageSize=2")
	for target, want := range map[string]string{
		"?fields=id,summary&PageId=12":             "https://api-na.myconnectwise.net/v2025_1/apis/3.0/service/tickets?fields=id,summary&PageId=12",
		"/v2025_1/apis/3.0/service/tickets?page=2": "https://api-na.myconnectwise.net/v2025_1/apis/3.0/service/tickets?page=2",
		"https://other.example/x?page=3":           "https://other.example/x?page=3",
	} {
		u := apiclient.ResolveLink(base, target)
		if u == nil || u.String() != want {
			t.Errorf("ResolveLink(%q) = %v, want %s", target, u, want)
		}
	}
	// Unencoded spaces and quotes, as a loose server may write them.
	u := apiclient.ResolveLink(base, `tickets?conditions=summary like "a b"&page=4`)
	if u == nil || u.Query().Get("conditions") != `summary like "a b"` || u.Query().Get("page") != "4" {
		t.Errorf("loose link = %v", u)
	}
	u = apiclient.ResolveLink(base, "?fields=id,summary&PageId=12")
	if v := apiclient.QueryValue(u.Query(), "pageId"); v != "12" {
		t.Errorf("pageId = %q", v)
	}
}
