package psasync_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

func TestSyncCustomersProposesByNameAndIdentifier(t *testing.T) {
	e := newSavedEnv(t)
	ctx := context.Background()
	cs, err := e.in.SyncCustomers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Customers) != 5 {
		t.Fatalf("%d customers, want the reseller's 5", len(cs.Customers))
	}
	want := map[string]string{
		heimdaltest.AcmeID:    "AcmeCorp", // "Acme Corp" ~ "Acme Corporation"
		heimdaltest.GlobexID:  "Globex",
		heimdaltest.InitechID: "Initech",
		// "Umbrella Corporation" is too far from "Umbrella Health" by name;
		// the identifier "Umbrella" decides.
		heimdaltest.UmbrellaID: "Umbrella",
	}
	got := map[string]string{}
	for _, p := range cs.Proposals() {
		got[string(p.Customer.ID)] = p.Proposed.Identifier
		if p.Score < 0.5 || p.Score > 1 || p.Mapped.ID != 0 {
			t.Errorf("%s: score %v, mapped %v", p.Customer.Name, p.Score, p.Mapped)
		}
	}
	if len(got) != len(want) {
		t.Errorf("proposals = %v, want %v", got, want)
	}
	for id, ident := range want {
		if got[id] != ident {
			t.Errorf("customer %s proposed %q, want %q", id, got[id], ident)
		}
	}
	un := cs.Unmatched()
	if len(un) != 1 || string(un[0].Customer.ID) != heimdaltest.ZorgonID {
		t.Errorf("unmatched = %+v, want Zorgon only", un)
	}
	if len(e.mappings(t)) != 0 {
		t.Fatal("SyncCustomers mapped customers without confirmation")
	}

	// Accepting maps the proposals; a second Sync Customers proposes nothing
	// new and still reports Zorgon.
	if err := e.in.Accept(context.Background(), cs.Proposals()...); err != nil {
		t.Fatal(err)
	}
	cs, err = e.in.SyncCustomers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Proposals()) != 0 || len(cs.Unmatched()) != 1 {
		t.Errorf("after Accept: %d proposals, %d unmatched", len(cs.Proposals()), len(cs.Unmatched()))
	}
	m := e.mappings(t)
	if len(m) != 4 || m[0].CustomerID != heimdaltest.AcmeID || m[0].CustomerName != "Acme Corp" || m[0].Company.Identifier != "AcmeCorp" {
		t.Errorf("mappings = %+v", m)
	}
}

func TestSyncCustomersNeverProposesDeletedOrInactiveCompanies(t *testing.T) {
	e := newSavedEnv(t)
	e.cw.SetCompanyInactive(e.company(t, "Globex").ID, true)
	e.cw.DeleteCompany(e.company(t, "Initech").ID)
	cs, err := e.in.SyncCustomers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cs.Proposals() {
		if p.Proposed.Identifier == "Globex" || p.Proposed.Identifier == "Initech" {
			t.Errorf("proposed unusable company %+v for %s", p.Proposed, p.Customer.Name)
		}
	}
	if n := len(cs.Unmatched()); n != 3 {
		t.Errorf("%d unmatched, want Globex, Initech and Zorgon", n)
	}
}

func TestSyncCustomersIsResellerLevelOnly(t *testing.T) {
	e := newEnv(t)
	in := newIntegration(t, e.hd, e.cw, e.store, heimdaltest.AcmeID)
	if _, err := in.SyncCustomers(context.Background()); !errors.Is(err, psasync.ErrNotReseller) {
		t.Fatalf("SyncCustomers with a customer-level account = %v, want ErrNotReseller", err)
	}
	// The customer maps itself by hand.
	if err := in.MapCustomer(context.Background(), heimdaltest.AcmeID, e.company(t, "AcmeCorp").ID); err != nil {
		t.Fatal(err)
	}
	if m, err := in.Mappings(context.Background()); err != nil || len(m) != 1 || m[0].CustomerName != "Acme Corp" {
		t.Errorf("mappings = %+v", m)
	}
}

func TestMapCustomerRefusesUnusableCompanies(t *testing.T) {
	e := newSavedEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		company int
		problem string
	}{
		{e.company(t, "OldCo").ID, "is deleted"},
		{e.company(t, "Hooli").ID, "is inactive"},
		{987654, "does not exist"},
	} {
		err := e.in.MapCustomer(ctx, heimdaltest.AcmeID, tc.company)
		var ce *psasync.CompanyError
		if !errors.As(err, &ce) || ce.Problem != tc.problem || ce.Company.ID != tc.company || ce.CustomerID != heimdaltest.AcmeID {
			t.Errorf("company %d: %v, want a CompanyError %q", tc.company, err, tc.problem)
			continue
		}
		if tc.company != 987654 && !strings.Contains(err.Error(), ce.Company.Name) {
			t.Errorf("error does not name the company: %v", err)
		}
	}
	var cue *psasync.CustomerError
	if err := e.in.MapCustomer(ctx, "424242", e.company(t, "AcmeCorp").ID); !errors.As(err, &cue) || cue.CustomerID != "424242" {
		t.Errorf("unknown Heimdal customer: %v", err)
	}
	if n := len(e.mappings(t)); n != 0 {
		t.Errorf("%d mappings stored from refused calls", n)
	}
	// The reseller's own devices may be mapped to the MSP's own company.
	if err := e.in.MapCustomer(ctx, heimdaltest.ResellerID, e.company(t, "CWTestMSP").ID); err != nil {
		t.Fatalf("mapping the account itself: %v", err)
	}
	if err := e.in.MapCustomer(ctx, heimdaltest.ZorgonID, e.company(t, "StarkInd").ID); err != nil {
		t.Fatal(err)
	}
	first, err1 := e.in.UnmapCustomer(ctx, heimdaltest.ZorgonID)
	second, err2 := e.in.UnmapCustomer(ctx, heimdaltest.ZorgonID)
	if !first || second || err1 != nil || err2 != nil {
		t.Error("UnmapCustomer does not report what it removed")
	}
}
