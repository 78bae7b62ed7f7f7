package cwtest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCreateTicket(t *testing.T) {
	srv, c := newAPI(t, WithClock(fixedClock()))
	acme, _ := srv.CompanyByIdentifier("AcmeCorp")
	r := c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{
		"summary":            "Disk almost full on SRV01",
		"company":            map[string]any{"id": acme.ID},
		"initialDescription": "C: has 2% free",
		"externalXRef":       "heimdal:disk:42",
		"estimatedStartDate": "2024-04-30T23:15:07.123+02:00",
	}), http.StatusCreated)
	var tk Ticket
	r.decode(t, &tk)
	if tk.ID == 0 || tk.RecordType != "ServiceTicket" || tk.Board.Name != "Service Desk" || tk.Status.Name != "New" ||
		tk.Priority.Name != "Priority 3 - Normal Response" || tk.Company.Identifier != "AcmeCorp" || tk.Company.Name != "Acme Corporation" ||
		tk.ClosedFlag || tk.ExternalXRef != "heimdal:disk:42" {
		t.Errorf("created %+v", tk)
	}
	if !strings.Contains(string(r.body), `"estimatedStartDate":"2024-04-30T21:15:07Z"`) {
		t.Errorf("dates must be RFC 3339 UTC seconds: %s", r.body)
	}
	if tk.Info == nil || tk.Info.DateEntered == nil || !tk.Info.LastUpdated.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) || tk.Info.EnteredBy != "psabridge-api" {
		t.Errorf("_info = %+v", tk.Info)
	}
	if stored, ok := srv.Ticket(tk.ID); !ok || stored.Summary != tk.Summary {
		t.Errorf("not stored: %+v", stored)
	}
	if ns := srv.Notes(tk.ID); len(ns) != 1 || ns[0].Text != "C: has 2% free" || !ns[0].DetailDescriptionFlag {
		t.Errorf("initialDescription note = %+v", ns)
	}

	// References may name instead of id; the board decides what is valid.
	r = c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{
		"summary": "By name", "company": map[string]any{"identifier": "globex"},
		"board": map[string]any{"name": "Help Desk"}, "status": map[string]any{"name": "Assigned"},
		"type": map[string]any{"name": "Incident"}, "subType": map[string]any{"name": "Email"}, "item": map[string]any{"name": "General"},
		"priority": map[string]any{"id": 1},
	}), http.StatusCreated)
	r.decode(t, &tk)
	if tk.Board.Name != "Help Desk" || tk.Status.Name != "Assigned" || tk.Company.Identifier != "Globex" || tk.SubType.Name != "Email" || tk.Priority.Name != "Priority 1 - Emergency Response" {
		t.Errorf("by-name ticket %+v", tk)
	}
}

func TestCreateTicketClosedStatus(t *testing.T) {
	srv, c := newAPI(t)
	closed := statusID(t, srv, 1, "Closed")
	var tk Ticket
	c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{
		"summary": "Born closed", "company": map[string]any{"id": 2}, "status": map[string]any{"id": closed},
	}), 201).decode(t, &tk)
	if !tk.ClosedFlag || tk.ClosedDate == nil {
		t.Errorf("closed status gave closedFlag=%v closedDate=%v", tk.ClosedFlag, tk.ClosedDate)
	}
}

func statusID(t *testing.T, srv *Server, board int, name string) int {
	t.Helper()
	for _, s := range srv.Statuses(board) {
		if s.Name == name {
			return s.ID
		}
	}
	t.Fatalf("no status %q on board %d", name, board)
	return 0
}

func TestCreateTicketValidation(t *testing.T) {
	srv, c := newAPI(t)
	hooli, _ := srv.CompanyByIdentifier("Hooli")
	oldco, _ := srv.CompanyByIdentifier("OldCo")
	hdNew := statusID(t, srv, 2, "New")
	software, network := 0, 0
	for _, s := range srv.SubTypes(1) {
		switch s.Name {
		case "Software":
			software = s.ID
		case "Network":
			network = s.ID
		}
	}
	request := srv.Types(1)[1].ID
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"no summary", map[string]any{"company": map[string]any{"id": 2}}, "summary", "NullValue"},
		{"long summary", map[string]any{"summary": strings.Repeat("x", 101), "company": map[string]any{"id": 2}}, "summary", "MaxLengthField"},
		{"no company", map[string]any{"summary": "x"}, "company", "NullValue"},
		{"unknown company", map[string]any{"summary": "x", "company": map[string]any{"id": 999}}, "company/id", "NotFound"},
		{"deleted company", map[string]any{"summary": "x", "company": map[string]any{"id": oldco.ID}}, "company/id", "NotFound"},
		{"inactive company", map[string]any{"summary": "x", "company": map[string]any{"id": hooli.ID}}, "company/id", "InvalidField"},
		{"unknown board", map[string]any{"summary": "x", "company": map[string]any{"id": 2}, "board": map[string]any{"id": 77}}, "board/id", "NotFound"},
		{"status of another board", map[string]any{"summary": "x", "company": map[string]any{"id": 2}, "status": map[string]any{"id": hdNew}}, "status/id", "NotFound"},
		{"type of another board", map[string]any{"summary": "x", "company": map[string]any{"id": 2}, "board": map[string]any{"id": 2}, "type": map[string]any{"id": request}}, "type/id", "NotFound"},
		{"subtype not for type", map[string]any{"summary": "x", "company": map[string]any{"id": 2}, "type": map[string]any{"id": request}, "subType": map[string]any{"id": network}}, "subType/id", "InvalidField"},
		{"unknown priority", map[string]any{"summary": "x", "company": map[string]any{"id": 2}, "priority": map[string]any{"id": 50}}, "priority/id", "NotFound"},
		{"bad recordType", map[string]any{"summary": "x", "company": map[string]any{"id": 2}, "recordType": "Incident"}, "recordType", "InvalidField"},
		{"wrong JSON type", map[string]any{"summary": 12, "company": map[string]any{"id": 2}}, "summary", "InvalidField"},
	} {
		r := c.do(http.MethodPost, "service/tickets", tc.body)
		e := r.err(t)
		if r.status != 400 || e.Code != "InvalidObject" || len(e.Errors) == 0 || e.Errors[0].Field != tc.field || e.Errors[0].Code != tc.code || e.Errors[0].Resource != "ticket" {
			t.Errorf("%s: %d %s, want 400 field %s code %s", tc.name, r.status, r.body, tc.field, tc.code)
		}
	}
	r := c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": 2}, "status": map[string]any{"id": hdNew}})
	if m := r.err(t).Errors[0].Message; m != "Service Status "+strconv.Itoa(hdNew)+" not found for Service Board 1" {
		t.Errorf("status message %q", m)
	}
	// A subtype associated with the type is fine; so is exactly 100 chars.
	c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{"summary": strings.Repeat("é", 100), "company": map[string]any{"id": 2},
		"type": map[string]any{"id": request}, "subType": map[string]any{"id": software}}), 201)
	if n := len(srv.Tickets()); n != 1 {
		t.Errorf("%d tickets stored after validation failures, want 1", n)
	}
	if r := c.do(http.MethodPost, "service/tickets", ""); r.status != 400 {
		t.Errorf("empty body: %d", r.status)
	}
}

func TestDefaultBoard(t *testing.T) {
	srv, c := newAPI(t)
	api := srv.APIMember()
	hd, _ := srv.BoardByName("Help Desk")
	create := func() Ticket {
		var tk Ticket
		c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": 2}}), 201).decode(t, &tk)
		return tk
	}
	if tk := create(); tk.Board.Name != "Service Desk" {
		t.Errorf("default board %s", tk.Board.Name)
	}
	srv.SetMemberDefaultBoard(api.ID, hd.ID)
	if tk := create(); tk.Board.Name != "Help Desk" || tk.Status.Name != "New" || tk.Status.ID != statusID(t, srv, hd.ID, "New") {
		t.Errorf("member default board: %+v %+v", tk.Board, tk.Status)
	}
	srv.SetMemberDefaultBoard(api.ID, 0)
	if tk := create(); tk.Board.Name != "Service Desk" {
		t.Errorf("no member default: %s", tk.Board.Name)
	}
	srv.SetMemberDefaultBoard(api.ID, hd.ID)
	srv.DeleteBoard(hd.ID)
	if tk := create(); tk.Board.Name != "Service Desk" {
		t.Errorf("deleted default board: %s", tk.Board.Name)
	}
	var me Member
	c.get("system/myMembers", &me)
	if me.ServiceDefaultBoard == nil || me.ServiceDefaultBoard.ID != hd.ID {
		t.Errorf("myMembers default board %+v", me.ServiceDefaultBoard)
	}
}

func TestPatchPutDeleteTicket(t *testing.T) {
	srv, c := newAPI(t)
	id := srv.AddTickets(1, nil)
	path := "service/tickets/" + strconv.Itoa(id)
	closed := statusID(t, srv, 1, ">Closed")

	var tk Ticket
	c.mustStatus(c.do(http.MethodPatch, path, []map[string]any{
		{"op": "replace", "path": "status", "value": map[string]any{"id": closed}},
		{"op": "replace", "path": "/summary", "value": "Resolved by agent"},
		{"op": "add", "path": "externalXRef", "value": "k1"},
	}), 200).decode(t, &tk)
	if tk.Status.Name != ">Closed" || !tk.ClosedFlag || tk.ClosedDate == nil || tk.Summary != "Resolved by agent" || tk.ExternalXRef != "k1" {
		t.Errorf("patched %+v", tk)
	}
	if !tk.Info.LastUpdated.After(*tk.Info.DateEntered) && !tk.Info.LastUpdated.Equal(*tk.Info.DateEntered) {
		t.Errorf("_info %+v", tk.Info)
	}

	// Paths are case-sensitive: an unknown one names the field.
	r := c.do(http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "Summary", "value": "x"}})
	if e := r.err(t); r.status != 400 || e.Code != "InvalidObject" || len(e.Errors) != 1 || e.Errors[0].Field != "Summary" {
		t.Errorf("bad path: %d %s", r.status, r.body)
	}
	// A nested change to a reference's identifier is accepted but has no
	// effect: the PSA's false 200.
	c.mustStatus(c.do(http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "company/identifier", "value": "Globex"}}), 200).decode(t, &tk)
	if tk.Company.Identifier != "AcmeCorp" {
		t.Errorf("company/identifier patch changed the company to %+v", tk.Company)
	}
	// Nested id changes do take effect, names follow.
	c.mustStatus(c.do(http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "company/id", "value": 3}}), 200).decode(t, &tk)
	if tk.Company.Identifier != "Globex" {
		t.Errorf("company/id patch gave %+v", tk.Company)
	}
	for name, body := range map[string]any{
		"remove required":  []map[string]any{{"op": "remove", "path": "company"}},
		"unsupported op":   []map[string]any{{"op": "move", "path": "summary", "value": "x"}},
		"not an array":     map[string]any{"op": "replace"},
		"status off board": []map[string]any{{"op": "replace", "path": "status", "value": map[string]any{"id": statusID(t, srv, 2, "New")}}},
		"too long":         []map[string]any{{"op": "replace", "path": "summary", "value": strings.Repeat("y", 101)}},
	} {
		if r := c.do(http.MethodPatch, path, body); r.status != 400 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if got, _ := srv.Ticket(id); got.Summary != "Resolved by agent" {
		t.Errorf("failed patches changed the ticket: %+v", got)
	}

	// Reopening clears the closed date.
	tk = Ticket{}
	c.mustStatus(c.do(http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "status", "value": map[string]any{"name": "In Progress"}}}), 200).decode(t, &tk)
	if tk.ClosedFlag || tk.ClosedDate != nil {
		t.Errorf("reopened ticket %+v", tk)
	}

	put := map[string]any{"summary": "Replaced", "company": map[string]any{"id": 2}, "board": map[string]any{"id": 1}}
	tk = Ticket{}
	c.mustStatus(c.do(http.MethodPut, path, put), 200).decode(t, &tk)
	if tk.ID != id || tk.Summary != "Replaced" || tk.ExternalXRef != "" || tk.Status.Name != "New" {
		t.Errorf("put %+v", tk)
	}
	if r := c.do(http.MethodPatch, "service/tickets/99999", []map[string]any{{"op": "replace", "path": "summary", "value": "x"}}); r.status != 404 {
		t.Errorf("patch missing: %d", r.status)
	}

	r = c.do(http.MethodDelete, path, nil)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("delete: %d %q", r.status, r.body)
	}
	if r := c.do(http.MethodGet, path, nil); r.status != 404 {
		t.Errorf("get after delete: %d", r.status)
	}
	if r := c.do(http.MethodDelete, path, nil); r.status != 404 {
		t.Errorf("second delete: %d", r.status)
	}
}

func TestNotes(t *testing.T) {
	srv, c := newAPI(t)
	id := srv.AddTickets(1, nil)
	base := "service/tickets/" + strconv.Itoa(id) + "/notes"
	var n Note
	c.mustStatus(c.do(http.MethodPost, base, map[string]any{"text": "Agent isolated the host", "internalAnalysisFlag": true}), 201).decode(t, &n)
	if n.ID == 0 || n.TicketID != id || n.CreatedBy != "psabridge-api" || n.DateCreated == nil {
		t.Errorf("note %+v", n)
	}
	if r := c.do(http.MethodPost, base, map[string]any{"text": "no flags"}); r.status != 400 {
		t.Errorf("note without flags: %d", r.status)
	}
	if r := c.do(http.MethodPost, base, map[string]any{"detailDescriptionFlag": true}); r.status != 400 {
		t.Errorf("note without text: %d", r.status)
	}
	var list []Note
	c.get(base, &list)
	var one Note
	c.get(base+"/"+strconv.Itoa(n.ID), &one)
	var cnt struct{ Count int }
	c.get(base+"/count", &cnt)
	if len(list) != 1 || one.Text != n.Text || cnt.Count != 1 {
		t.Errorf("list %v one %v count %d", list, one, cnt.Count)
	}
	if r := c.do(http.MethodGet, "service/tickets/999/notes", nil); r.status != 404 {
		t.Errorf("notes of a missing ticket: %d", r.status)
	}
	other := srv.AddTickets(1, nil)
	if r := c.do(http.MethodGet, "service/tickets/"+strconv.Itoa(other)+"/notes/"+strconv.Itoa(n.ID), nil); r.status != 404 {
		t.Errorf("note through another ticket: %d", r.status)
	}
}

func TestBoardsAndSetupTables(t *testing.T) {
	srv, c := newAPI(t)
	var b Board
	loc := map[string]any{"id": 1}
	c.mustStatus(c.do(http.MethodPost, "service/boards", map[string]any{"name": "Heimdal Operations", "location": loc, "department": loc}), 201).decode(t, &b)
	if b.ID == 0 || b.Location == nil || b.Department == nil {
		t.Errorf("board %+v", b)
	}
	r := c.do(http.MethodPost, "service/boards", map[string]any{"name": "heimdal operations", "location": loc, "department": loc})
	if e := r.err(t); r.status != 400 || e.Errors[0].Code != "ObjectExists" || e.Errors[0].Field != "name" {
		t.Errorf("duplicate board: %d %s", r.status, r.body)
	}
	base := "service/boards/" + strconv.Itoa(b.ID)
	var s1, s2 BoardStatus
	c.mustStatus(c.do(http.MethodPost, base+"/statuses", map[string]any{"name": "New", "defaultFlag": true}), 201).decode(t, &s1)
	c.mustStatus(c.do(http.MethodPost, base+"/statuses", map[string]any{"name": "Closed", "closedStatus": true, "sortOrder": 9}), 201).decode(t, &s2)
	if s1.Board == nil || s1.Board.ID != b.ID || s1.Board.Name != "Heimdal Operations" {
		t.Errorf("status board ref %+v", s1.Board)
	}
	for _, sub := range []string{"types", "subtypes", "items"} {
		var got map[string]any
		c.mustStatus(c.do(http.MethodPost, base+"/"+sub, map[string]any{"name": "CPU"}), 201).decode(t, &got)
		if r := c.do(http.MethodPost, base+"/"+sub, map[string]any{"name": "cpu"}); r.status != 400 {
			t.Errorf("duplicate %s: %d", sub, r.status)
		}
		var list []map[string]any
		c.get(base+"/"+sub, &list)
		if len(list) != 1 || list[0]["name"] != "CPU" {
			t.Errorf("%s list %v", sub, list)
		}
	}
	var sts []BoardStatus
	c.get(base+"/statuses?conditions=closedStatus%3Dtrue", &sts)
	if len(sts) != 1 || sts[0].Name != "Closed" {
		t.Errorf("closed statuses %+v", sts)
	}
	// A status is only reachable through its own board.
	if r := c.do(http.MethodGet, "service/boards/1/statuses/"+strconv.Itoa(s1.ID), nil); r.status != 404 {
		t.Errorf("status through another board: %d", r.status)
	}
	if r := c.do(http.MethodGet, "service/boards/999/statuses", nil); r.status != 404 {
		t.Errorf("statuses of a missing board: %d", r.status)
	}
	// A new default status takes the flag from the old one.
	var s3 BoardStatus
	c.mustStatus(c.do(http.MethodPost, base+"/statuses", map[string]any{"name": "Triage", "defaultFlag": true}), 201).decode(t, &s3)
	for _, s := range srv.Statuses(b.ID) {
		if s.DefaultFlag != (s.ID == s3.ID) {
			t.Errorf("status %s defaultFlag %v", s.Name, s.DefaultFlag)
		}
	}
	// Tickets on the new board get its default status.
	var tk Ticket
	c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "CPU 99%", "company": map[string]any{"id": 2}, "board": map[string]any{"id": b.ID}}), 201).decode(t, &tk)
	if tk.Status.ID != s3.ID {
		t.Errorf("ticket status %+v, want %d", tk.Status, s3.ID)
	}
	// Renaming a board renames it on tickets too.
	c.mustStatus(c.do(http.MethodPatch, base, []map[string]any{{"op": "replace", "path": "name", "value": "Heimdal Ops"}}), 200)
	if got, _ := srv.Ticket(tk.ID); got.Board.Name != "Heimdal Ops" {
		t.Errorf("ticket board after rename: %+v", got.Board)
	}
	var cnt struct{ Count int }
	c.get("service/boards/count", &cnt)
	if cnt.Count != 3 {
		t.Errorf("boards count %d", cnt.Count)
	}
	var prios []Priority
	c.get("service/priorities?conditions=defaultFlag%3Dtrue", &prios)
	if len(prios) != 1 || prios[0].Name != "Priority 3 - Normal Response" || prios[0].Level == "" || prios[0].Color == "" {
		t.Errorf("default priority %+v", prios)
	}
	// Table Setup grants no delete in the guides' role.
	if r := c.do(http.MethodDelete, base, nil); r.status != 403 || r.err(t).Code != "Security" {
		t.Errorf("delete board without permission: %d %s", r.status, r.body)
	}
	srv.SetPermission("Table Setup", "All", "All", "All", "All")
	c.mustStatus(c.do(http.MethodDelete, base, nil), 204)
	if len(srv.Statuses(b.ID)) != 0 {
		t.Error("board statuses survived the board")
	}
}

func TestCompaniesAndAgreements(t *testing.T) {
	srv, c := newAPI(t)
	var cos []Company
	c.get("company/companies?conditions="+urlq(`deletedFlag = false and status/name = "Active"`)+"&pageSize=100", &cos)
	if len(cos) != 6 {
		t.Errorf("active companies %d", len(cos))
	}
	// The guides' role may only read companies.
	if r := c.do(http.MethodPost, "company/companies", map[string]any{"identifier": "NewCo", "name": "New Co"}); r.status != 403 {
		t.Errorf("create company with inquire-only role: %d", r.status)
	}
	srv.SetPermission("Company Maintenance", "All", "All", "All", "All")
	var co Company
	c.mustStatus(c.do(http.MethodPost, "company/companies", map[string]any{"identifier": "NewCo", "name": "New Co"}), 201).decode(t, &co)
	if co.Status == nil || co.Status.Name != "Active" {
		t.Errorf("new company %+v", co)
	}
	if r := c.do(http.MethodPost, "company/companies", map[string]any{"identifier": "newco", "name": "Dup"}); r.status != 400 || r.err(t).Errors[0].Code != "ObjectExists" {
		t.Errorf("duplicate identifier: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodPost, "company/companies", map[string]any{"identifier": "has space", "name": "x"}); r.status != 400 {
		t.Errorf("identifier with space: %d", r.status)
	}
	var sites []Site
	c.get("company/companies/2/sites", &sites)
	if len(sites) != 1 || sites[0].Company.ID != 2 {
		t.Errorf("sites %+v", sites)
	}
	// Deleting is soft: the company stays readable, flagged.
	c.mustStatus(c.do(http.MethodDelete, "company/companies/"+strconv.Itoa(co.ID), nil), 204)
	c.get("company/companies/"+strconv.Itoa(co.ID), &co)
	if !co.DeletedFlag {
		t.Errorf("deleted company %+v", co)
	}
	acme, _ := srv.CompanyByIdentifier("AcmeCorp")
	srv.SetCompanyInactive(acme.ID, true)
	if r := c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": acme.ID}}); r.status != 400 {
		t.Errorf("ticket for inactive company: %d", r.status)
	}
	srv.SetCompanyInactive(acme.ID, false)
	c.mustStatus(c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": acme.ID}}), 201)

	var ags []Agreement
	c.get("finance/agreements?conditions="+urlq(`company/identifier = "AcmeCorp"`), &ags)
	if len(ags) != 1 {
		t.Fatalf("agreements %+v", ags)
	}
	var adds []Addition
	base := "finance/agreements/" + strconv.Itoa(ags[0].ID) + "/additions"
	c.get(base, &adds)
	if len(adds) != 1 || adds[0].Product.Identifier != "SEC-SEAT" {
		t.Fatalf("additions %+v", adds)
	}
	var add Addition
	c.mustStatus(c.do(http.MethodPatch, base+"/"+strconv.Itoa(adds[0].ID), []map[string]any{{"op": "replace", "path": "quantity", "value": 42}}), 200).decode(t, &add)
	if add.Quantity != 42 || srv.Additions(ags[0].ID)[0].Quantity != 42 {
		t.Errorf("addition after patch %+v", add)
	}
	if r := c.do(http.MethodPatch, base+"/"+strconv.Itoa(adds[0].ID), []map[string]any{{"op": "replace", "path": "quantity", "value": -1}}); r.status != 400 || r.err(t).Errors[0].Code != "OutOfRange" {
		t.Errorf("negative quantity: %d %s", r.status, r.body)
	}
}

func TestPermissions(t *testing.T) {
	srv, c := newAPI(t)
	id := srv.AddTickets(1, nil)
	path := "service/tickets/" + strconv.Itoa(id)
	srv.RevokePermission("Service Tickets")
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		r := c.do(m, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": 2}})
		if e := r.err(t); r.status != 403 || e.Code != "Security" || !strings.Contains(e.Message, "Service Tickets") {
			t.Errorf("%s without Service Tickets: %d %s", m, r.status, r.body)
		}
	}
	// Always allowed, and reports the change.
	var perms []Permission
	c.get("system/mySecurity?conditions="+urlq(`moduleFunctionName = "Service Tickets"`), &perms)
	if len(perms) != 1 || perms[0].InquireLevel != "None" || perms[0].AddLevel != "None" {
		t.Errorf("mySecurity after revoke %+v", perms)
	}
	srv.SetPermission("Service Tickets", "None", "All", "None", "All")
	c.get(path, nil)
	if r := c.do(http.MethodPost, "service/tickets", map[string]any{"summary": "x", "company": map[string]any{"id": 2}}); r.status != 403 {
		t.Errorf("add without Add level: %d", r.status)
	}
	if r := c.do(http.MethodDelete, path, nil); r.status != 403 {
		t.Errorf("delete without Delete level: %d", r.status)
	}
	// Closing needs Close Service Tickets; other edits do not.
	srv.RevokePermission("Close Service Tickets")
	c.mustStatus(c.do(http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "summary", "value": "edited"}}), 200)
	r := c.do(http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "status", "value": map[string]any{"name": "Closed"}}})
	if r.status != 403 || !strings.Contains(r.err(t).Message, "Close Service Tickets") {
		t.Errorf("close without permission: %d %s", r.status, r.body)
	}
	srv.SetPermission("Close Service Tickets", "My", "My", "None", "My")
	c.mustStatus(c.do(http.MethodPatch, path, []map[string]any{{"op": "replace", "path": "status", "value": map[string]any{"name": "Closed"}}}), 200)

	srv.RevokePermission("Company Maintenance")
	if r := c.do(http.MethodGet, "company/companies", nil); r.status != 403 {
		t.Errorf("companies without permission: %d", r.status)
	}
	srv.RevokePermission("Member Maintenance")
	if r := c.do(http.MethodGet, "system/members", nil); r.status != 403 {
		t.Errorf("members without permission: %d", r.status)
	}
	c.get("system/myMembers", nil)
	srv.RevokePermission("Table Setup")
	for _, p := range []string{"service/boards", "service/boards/1/statuses", "service/boards/1/types", "service/priorities"} {
		if r := c.do(http.MethodGet, p, nil); r.status != 403 {
			t.Errorf("%s without Table Setup: %d", p, r.status)
		}
	}
	srv.SetPermission("Brand New Function", "All", "", "", "All")
	found := false
	for _, p := range srv.Permissions() {
		if p.ModuleFunctionName == "Brand New Function" && p.EditLevel == "None" && p.ModuleName == "Custom" {
			found = true
		}
	}
	if !found {
		t.Error("SetPermission did not add an unknown function")
	}
}
