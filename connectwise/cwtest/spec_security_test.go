package cwtest

import (
	"net/http"
	"strings"
	"testing"
)

// A role without the module function a generic path maps to gets the
// PSA's 403, with the function and level in the message; the grant
// opens the path, level by level.
func TestSpecPermissions(t *testing.T) {
	srv, c := newAPI(t, WithAPIMemberGrants(Grant{fnContacts, "None", "None", "None", "All"}))
	c.get("company/contacts", nil)
	r := c.do(http.MethodPost, "company/contacts", map[string]any{"firstName": "Ada"})
	if e := r.err(t); r.status != http.StatusForbidden || e.Code != "Security" || e.Message != "You do not have security permission to perform this action. (Contacts: Add)" {
		t.Errorf("create without Add: %d %s", r.status, r.body)
	}
	for _, path := range []string{"time/entries", "company/configurations", "system/departments", "sales/opportunities/count"} {
		if r := c.do(http.MethodGet, path, nil); r.status != http.StatusForbidden || r.err(t).Code != "Security" {
			t.Errorf("GET %s without a grant: %d %s", path, r.status, r.body)
		}
	}

	srv.SetPermission(fnContacts, "All", "None", "None", "All")
	var made map[string]any
	c.mustStatus(c.do(http.MethodPost, "company/contacts", map[string]any{"firstName": "Ada"}), http.StatusCreated).decode(t, &made)
	item := "company/contacts/" + itoa(recordID(made))
	if r := c.do(http.MethodPatch, item, []map[string]any{{"op": "replace", "path": "title", "value": "x"}}); r.status != http.StatusForbidden {
		t.Errorf("PATCH without Edit: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodDelete, item, nil); r.status != http.StatusForbidden {
		t.Errorf("DELETE without Delete: %d %s", r.status, r.body)
	}
}

func TestSpecPermissionMapping(t *testing.T) {
	for _, tc := range []struct {
		method, path, function string
		lv                     level
	}{
		{http.MethodGet, "company/contacts/1/notes", fnContacts, levelInquire},
		{http.MethodPost, "company/companies/1/notes", fnCompanyMaint, levelAdd},
		{http.MethodPost, "company/companies/search", fnCompanyMaint, levelInquire},
		{http.MethodPut, "service/boards/1/teams/2", fnTableSetup, levelEdit},
		{http.MethodPatch, "service/tickets/1/tasks/2", fnServiceTickets, levelEdit},
		{http.MethodDelete, "finance/agreements/1/sites/2", fnAgreements, levelDelete},
		{http.MethodGet, "finance/invoices", fnInvoicing, levelInquire},
		{http.MethodGet, "configurations/types", fnConfigurations, levelInquire},
		{http.MethodHead, "schedule/entries", fnScheduleEntries, levelInquire},
		{http.MethodGet, "system/workflows", fnTableSetup, levelInquire},
		{http.MethodGet, "unknownarea", fnTableSetup, levelInquire},
	} {
		fn, lv := specPermission(tc.method, strings.Split(tc.path, "/"))
		if fn != tc.function || lv != tc.lv {
			t.Errorf("%s %s: %s %s, want %s %s", tc.method, tc.path, fn, lv, tc.function, tc.lv)
		}
	}
	// Every function the mapping names is in the catalogue, so a role
	// can grant it and /system/mySecurity lists it.
	known := map[string]bool{}
	for _, fn := range catalogue {
		known[fn.functionName] = true
	}
	for prefix, fn := range specPermissions {
		if !known[fn] {
			t.Errorf("%s maps to %q, which the catalogue lacks", prefix, fn)
		}
	}
}
