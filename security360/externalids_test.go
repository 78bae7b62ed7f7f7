package security360_test

import (
	"context"
	"testing"

	"github.com/psabridge/psabridge/security360"
)

// Writing our mapping must leave another product's entry exactly as the
// platform keeps it: same id, siteId and backsynced. The simulator treats
// an entry written back without its id as new (new id, backsynced false),
// which is what rewriting the whole array used to cause.
func TestSetExternalIDKeepsOtherProductsEntries(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	co := srv.Companies()[0]
	site := srv.Sites(co.ID)[0]
	if _, _, err := c.Sites.SetExternalID(ctx, co.ID, site.ID, security360.ExternalID{ExternalID: "h-1", ProductID: "heimdal"}); err != nil {
		t.Fatal(err)
	}
	if !srv.MarkBacksynced(co.ID, site.ID, "heimdal") {
		t.Fatal("no heimdal entry")
	}
	before, _, err := c.Sites.Get(ctx, co.ID, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	theirs, _ := before.ExternalIDFor("heimdal")
	if theirs.ID == "" || theirs.SiteID != site.ID || !theirs.Backsynced {
		t.Fatalf("simulator did not stamp the entry: %+v", theirs)
	}
	for _, v := range []string{"42", "43", "43"} {
		if _, _, err := c.Sites.SetExternalID(ctx, co.ID, site.ID, security360.ExternalID{ExternalID: v, ProductID: "infima", ProductInstanceID: "p1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.Sites.RemoveExternalID(ctx, co.ID, site.ID, "infima"); err != nil {
		t.Fatal(err)
	}
	after, _, err := c.Sites.Get(ctx, co.ID, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := after.ExternalIDFor("heimdal"); got != theirs {
		t.Errorf("heimdal entry changed: %+v, was %+v", got, theirs)
	}
	if _, ok := after.ExternalIDFor("infima"); ok || len(after.ExternalIDs) != 1 {
		t.Errorf("externalIds = %+v", after.ExternalIDs)
	}
}

// sameMapping compares what a caller sets; the platform adds id, siteId
// and backsynced.
func sameMapping(a, b security360.ExternalID) bool {
	return a.ExternalID == b.ExternalID && a.ProductID == b.ProductID && a.ProductInstanceID == b.ProductInstanceID
}
