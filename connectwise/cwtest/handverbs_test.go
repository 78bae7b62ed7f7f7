package cwtest

import (
	"net/http"
	"testing"
)

// A note created through the hand-written POST is the record PUT, PATCH
// and DELETE then change: one store serves every verb.
func TestNoteUpdateAndDelete(t *testing.T) {
	srv, c := newAPI(t)
	tk, _ := srv.Ticket(srv.AddTickets(1, nil))
	base := "service/tickets/" + itoa(tk.ID) + "/notes"
	var n Note
	c.mustStatus(c.do(http.MethodPost, base, map[string]any{"text": "first", "internalAnalysisFlag": true}), http.StatusCreated).decode(t, &n)
	c.mustStatus(c.do(http.MethodPatch, base+"/"+itoa(n.ID), []map[string]any{{"op": "replace", "path": "text", "value": "patched"}}), http.StatusOK)
	if got := srv.Notes(tk.ID); got[len(got)-1].Text != "patched" || got[len(got)-1].CreatedBy != n.CreatedBy {
		t.Fatalf("after PATCH: %+v", got[len(got)-1])
	}
	c.mustStatus(c.do(http.MethodPut, base+"/"+itoa(n.ID), map[string]any{"text": "put", "resolutionFlag": true}), http.StatusOK)
	if r := c.do(http.MethodPut, base+"/"+itoa(n.ID), map[string]any{"text": "no flag"}); r.status != http.StatusBadRequest {
		t.Errorf("PUT without a flag: %d %s", r.status, r.body)
	}
	c.mustStatus(c.do(http.MethodDelete, base+"/"+itoa(n.ID), nil), http.StatusNoContent)
	for _, x := range srv.Notes(tk.ID) {
		if x.ID == n.ID {
			t.Fatalf("note %d survived DELETE", n.ID)
		}
	}
	if r := c.do(http.MethodDelete, base+"/"+itoa(n.ID), nil); r.status != http.StatusNotFound {
		t.Errorf("second DELETE: %d", r.status)
	}
}

// Agreements are created, changed and deleted through the routes that
// list them; deleting one takes its additions along.
func TestAgreementLifecycle(t *testing.T) {
	srv, c := newAPI(t, WithAPIMemberGrants(adminGrants()...))
	var a Agreement
	c.mustStatus(c.do(http.MethodPost, "finance/agreements", map[string]any{"name": "Managed Endpoints", "company": map[string]any{"identifier": "acmecorp"}}), http.StatusCreated).decode(t, &a)
	if a.Company == nil || a.Company.Identifier != "AcmeCorp" {
		t.Errorf("company not resolved: %+v", a.Company)
	}
	if r := c.do(http.MethodPost, "finance/agreements", map[string]any{"company": map[string]any{"id": 2}}); r.status != http.StatusBadRequest || r.err(t).Errors[0].Field != "name" {
		t.Errorf("agreement without a name: %d %s", r.status, r.body)
	}
	item := "finance/agreements/" + itoa(a.ID)
	c.mustStatus(c.do(http.MethodPatch, item, []map[string]any{{"op": "replace", "path": "name", "value": "Managed Servers"}}), http.StatusOK)
	var add Addition
	c.mustStatus(c.do(http.MethodPost, item+"/additions", map[string]any{"product": map[string]any{"id": 7}, "quantity": 3}), http.StatusCreated).decode(t, &add)
	if got := srv.Additions(a.ID); len(got) != 1 || got[0].Quantity != 3 {
		t.Fatalf("additions: %+v", got)
	}
	c.mustStatus(c.do(http.MethodDelete, item+"/additions/"+itoa(add.ID), nil), http.StatusNoContent)
	c.mustStatus(c.do(http.MethodPost, item+"/additions", map[string]any{"product": map[string]any{"id": 7}, "quantity": 1}), http.StatusCreated)
	c.mustStatus(c.do(http.MethodDelete, item, nil), http.StatusNoContent)
	if got := srv.Additions(a.ID); len(got) != 0 {
		t.Errorf("additions outlived their agreement: %+v", got)
	}
	for _, x := range srv.Agreements() {
		if x.ID == a.ID {
			t.Errorf("agreement survived DELETE: %+v", x)
		}
	}
}

// Members and roles are created through the API; a role in use cannot
// be deleted, an unused one can.
func TestMembersAndRoles(t *testing.T) {
	srv, c := newAPI(t, WithAPIMemberGrants(adminGrants()...))
	var role SecurityRole
	c.mustStatus(c.do(http.MethodPost, "system/securityroles", map[string]any{"name": "Dispatch"}), http.StatusCreated).decode(t, &role)
	if r := c.do(http.MethodPost, "system/securityroles", map[string]any{"name": "dispatch"}); r.status != http.StatusBadRequest || r.err(t).Errors[0].Code != "ObjectExists" {
		t.Errorf("duplicate role: %d %s", r.status, r.body)
	}
	var m Member
	c.mustStatus(c.do(http.MethodPost, "system/members", map[string]any{"identifier": "dpatel", "firstName": "Dev", "lastName": "Patel", "securityRole": map[string]any{"name": "Dispatch"}}), http.StatusCreated).decode(t, &m)
	if m.SecurityRole == nil || m.SecurityRole.ID != role.ID {
		t.Errorf("role not resolved: %+v", m.SecurityRole)
	}
	if r := c.do(http.MethodPost, "system/members", map[string]any{"identifier": "DPATEL", "firstName": "D", "lastName": "P"}); r.status != http.StatusBadRequest {
		t.Errorf("duplicate identifier: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodDelete, "system/securityroles/"+itoa(role.ID), nil); r.status != http.StatusBadRequest {
		t.Errorf("deleting a role in use: %d %s", r.status, r.body)
	}
	c.mustStatus(c.do(http.MethodPatch, "system/members/"+itoa(m.ID), []map[string]any{{"op": "replace", "path": "securityRole", "value": map[string]any{"id": srv.APIMember().SecurityRole.ID}}}), http.StatusOK)
	c.mustStatus(c.do(http.MethodDelete, "system/securityroles/"+itoa(role.ID), nil), http.StatusNoContent)
	c.mustStatus(c.do(http.MethodPut, "system/members/"+itoa(m.ID), map[string]any{"identifier": "dpatel", "firstName": "Devi", "lastName": "Patel"}), http.StatusOK)
}

func TestSiteDelete(t *testing.T) {
	srv, c := newAPI(t, WithAPIMemberGrants(adminGrants()...))
	acme, _ := srv.CompanyByIdentifier("AcmeCorp")
	base := "company/companies/" + itoa(acme.ID) + "/sites"
	var s Site
	c.mustStatus(c.do(http.MethodPost, base, map[string]any{"name": "Warehouse"}), http.StatusCreated).decode(t, &s)
	c.mustStatus(c.do(http.MethodDelete, base+"/"+itoa(s.ID), nil), http.StatusNoContent)
	if r := c.do(http.MethodGet, base+"/"+itoa(s.ID), nil); r.status != http.StatusNotFound {
		t.Errorf("site after DELETE: %d", r.status)
	}
}

// Hand-written lists apply childConditions and customFieldConditions
// with the evaluator the generic collections use: one element of the
// array must satisfy the whole expression.
func TestHandWrittenChildAndCustomFieldConditions(t *testing.T) {
	srv, c := newAPI(t, WithAPIMemberGrants(adminGrants()...))
	var owners []Company
	c.get("company/companies?childConditions="+urlq("types/name = 'Owner'"), &owners)
	if len(owners) != 1 || owners[0].Identifier != "CWTestMSP" {
		t.Errorf("childConditions types/name = 'Owner': %+v", owners)
	}
	var n struct{ Count int }
	c.get("company/companies/count?childConditions="+urlq("types/id = 1 and types/name = 'Client'"), &n)
	if n.Count != 7 {
		t.Errorf("count of client companies: %d, want 7", n.Count)
	}
	for _, bad := range []string{"types/nosuch = 1", "types = 1", "status/name = 'x'", "types/name = 'x' and customFields/id = 1"} {
		r := c.do(http.MethodGet, "company/companies?childConditions="+urlq(bad), nil)
		if r.status != http.StatusBadRequest || r.err(t).Errors[0].Field == "" {
			t.Errorf("childConditions %q: %d %s", bad, r.status, r.body)
		}
	}

	var tagged []Company
	c.get("company/companies?customFieldConditions="+urlq("caption = 'Security Tier' and value != null"), &tagged)
	var want int
	for _, co := range srv.Companies() {
		for _, f := range co.CustomFields {
			if f.Caption == "Security Tier" && f.Value != nil {
				want++
			}
		}
	}
	if len(tagged) != want || want == 0 {
		t.Errorf("customFieldConditions: %d companies, want %d", len(tagged), want)
	}
	var none []Board
	c.get("service/boards?customFieldConditions="+urlq("caption = 'x'"), &none)
	if len(none) != 0 {
		t.Errorf("boards have no custom fields, yet %d matched", len(none))
	}
}
