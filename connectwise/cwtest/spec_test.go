package cwtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwcompany"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/cwtime"
	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
)

func specClient(t *testing.T, opts ...cwtest.Option) (*cwtest.Server, *connectwise.Client) {
	t.Helper()
	srv := cwtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := connectwise.NewClient(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// apiError unwraps the PSA's error, failing the test when err is another.
func apiError(t *testing.T, err error, status int) *connectwise.Error {
	t.Helper()
	var e *connectwise.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a %d from the PSA", err, status)
	}
	if e.StatusCode != status {
		t.Fatalf("status %d (%s: %s), want %d", e.StatusCode, e.Code, e.Message, status)
	}
	return e
}

func acme(t *testing.T, srv *cwtest.Server) cwtest.Company {
	t.Helper()
	co, ok := srv.CompanyByIdentifier("AcmeCorp")
	if !ok {
		t.Fatal("seed company AcmeCorp missing")
	}
	return co
}

func TestSpecContactsCRUD(t *testing.T) {
	srv, c := specClient(t)
	ctx := context.Background()
	contacts := cwcompany.New(c).Contacts
	co := acme(t, srv)

	before, _, err := contacts.Count(ctx, nil)
	if err != nil || before == 0 {
		t.Fatalf("seeded contacts: %d, %v", before, err)
	}
	created, _, err := contacts.Create(ctx, &cwmodel.Contact{FirstName: new("Ada"), LastName: new("Lovelace"),
		Company: &cwmodel.CompanyReference{ID: new(int32(co.ID))}, Title: new("Analyst")})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == nil || *created.ID <= 0 {
		t.Fatalf("no id assigned: %+v", created)
	}
	if created.Company == nil || created.Company.Name == nil || *created.Company.Name != co.Name || *created.Company.Identifier != "AcmeCorp" {
		t.Errorf("company reference not resolved: %+v", created.Company)
	}
	if by := created.Info.UpdatedBy(); by != "psabridge-api" {
		t.Errorf("_info.updatedBy = %q", by)
	}
	entered, ok1 := created.Info.DateEntered()
	if _, ok2 := created.Info.LastUpdated(); !ok1 || !ok2 {
		t.Errorf("_info lacks dates: %v", created.Info)
	}
	// The PSA fills every custom field of the screen, unset.
	if v, ok, err := created.CustomFields.Text(cwmodel.Caption("Preferred Channel")); err != nil || ok {
		t.Errorf("new contact's custom field: %q %v %v", v, ok, err)
	}
	id := int(*created.ID)

	got, _, err := contacts.Get(ctx, id, nil)
	if err != nil || *got.FirstName != "Ada" {
		t.Fatalf("get: %+v %v", got, err)
	}
	patched, _, err := contacts.Patch(ctx, id, connectwise.Replace("title", "Chief Analyst"))
	if err != nil || *patched.Title != "Chief Analyst" || *patched.LastName != "Lovelace" {
		t.Fatalf("patch: %+v %v", patched, err)
	}
	if e2, _ := patched.Info.DateEntered(); !e2.Equal(entered) {
		t.Errorf("patch changed dateEntered: %v -> %v", entered, e2)
	}
	got.Title = new("Countess")
	got.CustomFields = nil
	put, _, err := contacts.Update(ctx, id, got)
	if err != nil || *put.Title != "Countess" || *put.FirstName != "Ada" {
		t.Fatalf("put: %+v %v", put, err)
	}
	after, _, _ := contacts.Count(ctx, nil)
	if after != before+1 {
		t.Errorf("count %d after one create, was %d", after, before)
	}
	if _, err := contacts.Delete(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = contacts.Get(ctx, id, nil)
	if !connectwise.IsNotFound(err) {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestSpecConfigurationsAndNestedConditions(t *testing.T) {
	srv, c := specClient(t)
	ctx := context.Background()
	cfgs := cwcompany.New(c).Configurations
	types, _, err := cfgs.ListTypes(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("name = ?", "Server")})
	if err != nil || len(types) != 1 {
		t.Fatalf("configuration types: %+v %v", types, err)
	}
	co := acme(t, srv)
	created, _, err := cfgs.Create(ctx, &cwmodel.CompanyConfiguration{Name: new("ACME-SQL01"),
		Type: &cwmodel.ConfigurationTypeReference{ID: types[0].ID}, Company: &cwmodel.CompanyReference{ID: new(int32(co.ID))},
		SerialNumber: new("SRV-0099")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if created.Type == nil || created.Type.Name == nil || *created.Type.Name != "Server" {
		t.Errorf("type reference not resolved: %+v", created.Type)
	}

	servers, _, err := cfgs.List(ctx, nil, &connectwise.ListOptions{
		Conditions: connectwise.Where("TYPE/NAME = ? and company/identifier = ?", "Server", "AcmeCorp"), OrderBy: "name desc"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range servers {
		names = append(names, *s.Name)
	}
	if want := []string{"ACME-SQL01", "ACME-DC01"}; !slices.Equal(names, want) {
		t.Errorf("Acme servers by name desc = %v, want %v", names, want)
	}
	wile, _, err := cfgs.List(ctx, nil, &connectwise.ListOptions{Conditions: connectwise.Where("contact/name like ?", "Wile%")})
	if err != nil || len(wile) != 2 {
		t.Errorf("configurations of contact Wile: %d %v", len(wile), err)
	}

	// A reference to a record that does not exist is the PSA's 400.
	_, _, err = cfgs.Create(ctx, &cwmodel.CompanyConfiguration{Name: new("X"), Type: &cwmodel.ConfigurationTypeReference{ID: new(int32(999))}}, nil)
	if e := apiError(t, err, http.StatusBadRequest); len(e.Errors) != 1 || e.Errors[0].Field != "type/id" {
		t.Errorf("missing type: %+v", e)
	}
}

func TestSpecTimeEntriesAndInfoConditions(t *testing.T) {
	srv, c := specClient(t)
	ctx := context.Background()
	entries := cwtime.New(c).Entries
	start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour) // after the seeded entries
	co := acme(t, srv)
	e, _, err := entries.Create(ctx, &cwmodel.TimeEntry{TimeStart: &start, TimeEnd: new(start.Add(time.Hour)),
		Company: &cwmodel.CompanyReference{ID: new(int32(co.ID))}, Notes: new("Replaced the router"), BillableOption: new(cwmodel.TimeEntryBillableOptionBillable)})
	if err != nil {
		t.Fatal(err)
	}
	if !e.TimeStart.Equal(start) {
		t.Errorf("timeStart = %v", e.TimeStart)
	}
	stamp, _ := e.Info.LastUpdated()
	for _, cond := range []string{"lastUpdated >= ?", "_info/lastUpdated >= ?", "_INFO/LASTUPDATED >= ?"} {
		n, _, err := entries.Count(ctx, &connectwise.ListOptions{Conditions: connectwise.Where(cond+" and notes contains ?", stamp, "router")})
		if err != nil || n != 1 {
			t.Errorf("%s: %d %v", cond, n, err)
		}
	}
	n, _, err := entries.Count(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("timeStart < ?", start)})
	if err != nil || n != 3 {
		t.Errorf("seeded entries before %v: %d %v", start, n, err)
	}
	if _, err := entries.Delete(ctx, int(*e.ID)); err != nil {
		t.Fatal(err)
	}
}

func TestSpecCustomFields(t *testing.T) {
	srv, c := specClient(t)
	ctx := context.Background()
	companies := cwcompany.New(c).Companies
	co := acme(t, srv)
	srv.SetPermission("Company Maintenance", "All", "All", "None", "All")

	got, _, err := companies.Get(ctx, co.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	tier, ok, err := got.CustomFields.Text(cwmodel.Caption("security tier"))
	if err != nil || !ok || tier != "Gold" {
		t.Fatalf("Security Tier = %q %v %v", tier, ok, err)
	}
	if err := got.CustomFields.SetNumber(cwmodel.Caption("Seats Licensed"), 40); err != nil {
		t.Fatal(err)
	}
	if _, _, err := companies.Patch(ctx, co.ID, got.CustomFields.Patch()); err != nil {
		t.Fatal(err)
	}
	seats := func(opts *connectwise.ListOptions) []string {
		t.Helper()
		list, _, err := companies.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range list {
			out = append(out, *x.Identifier)
		}
		return out
	}
	if ids := seats(&connectwise.ListOptions{CustomFieldConditions: connectwise.WhereCustomField("Seats Licensed", ">", 30)}); !slices.Equal(ids, []string{"AcmeCorp"}) {
		t.Errorf("companies with more than 30 seats: %v", ids)
	}
	if ids := seats(&connectwise.ListOptions{CustomFieldConditions: connectwise.WhereCustomField("Security Tier", "=", "Silver")}); !slices.Equal(ids, []string{"Globex"}) {
		t.Errorf("Silver companies: %v", ids)
	}

	// A ticket gets the ticket fields; set one by caption and filter on it.
	tickets := cwservice.New(c).Tickets
	tk, _, err := tickets.Create(ctx, &cwmodel.Ticket{Summary: new("EDR alert"), Company: &cwmodel.CompanyReference{ID: new(int32(co.ID))}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.CustomFields.SetText(cwmodel.Caption("Alert ID"), "A-17"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tickets.Patch(ctx, int(*tk.ID), tk.CustomFields.Patch()); err != nil {
		t.Fatal(err)
	}
	list, _, err := tickets.List(ctx, &connectwise.ListOptions{CustomFieldConditions: connectwise.WhereCustomField("Alert ID", "=", "A-17")})
	if err != nil || len(list) != 1 || *list[0].ID != *tk.ID {
		t.Errorf("tickets with Alert ID A-17: %d %v", len(list), err)
	}
	// A value of the wrong type is refused.
	bad := slices.Clone(tk.CustomFields)
	for i := range bad {
		if *bad[i].Caption == "Escalated" {
			bad[i].Value = "yes"
		}
	}
	_, _, err = tickets.Patch(ctx, int(*tk.ID), bad.Patch())
	apiError(t, err, http.StatusBadRequest)

	// Contacts: customFieldConditions on a generic collection.
	contacts := cwcompany.New(c).Contacts
	n, _, err := contacts.Count(ctx, &connectwise.ListOptions{CustomFieldConditions: connectwise.WhereCustomField("Preferred Channel", "=", "Email")})
	if err != nil || n != 2 {
		t.Errorf("contacts preferring email: %d %v", n, err)
	}
	wile, _, err := contacts.Get(ctx, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := wile.CustomFields.SetText(cwmodel.Caption("Preferred Channel"), "Teams"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := contacts.Patch(ctx, 1, wile.CustomFields.Patch()); err != nil {
		t.Fatal(err)
	}
	n, _, err = contacts.Count(ctx, &connectwise.ListOptions{CustomFieldConditions: connectwise.WhereCustomField("Preferred Channel", "=", "Teams")})
	if err != nil || n != 2 {
		t.Errorf("contacts preferring Teams after the patch: %d %v", n, err)
	}
	udfs, _, err := connectwise.ListAt[cwmodel.UserDefinedField](ctx, c, connectwise.Endpoint{Path: "system/userDefinedFields"}, nil)
	if err != nil || len(udfs) < 4 {
		t.Errorf("custom field definitions: %d %v", len(udfs), err)
	}
}

func TestSpecFieldsChildConditionsAndProjection(t *testing.T) {
	_, c := specClient(t)
	ctx := context.Background()
	contacts := cwcompany.New(c).Contacts
	list, _, err := contacts.List(ctx, &connectwise.ListOptions{Fields: "id,firstName,company/name",
		ChildConditions: connectwise.Where("communicationItems/value like ?", "%@initech.example")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("Initech contacts by email: %d", len(list))
	}
	for _, x := range list {
		if x.ID == nil || x.FirstName == nil || x.Company == nil || x.Company.Name == nil {
			t.Errorf("projection lost a requested field: %+v", x)
		}
		if x.LastName != nil || x.Company.ID != nil || x.CustomFields != nil || x.Info != nil {
			t.Errorf("projection kept an unrequested field: %+v", x)
		}
	}
}

func TestSpecValidation(t *testing.T) {
	srv, c := specClient(t)
	ctx := context.Background()
	// The generated clients check bodies before sending; NoCheck sends
	// them as given so the simulator's own checks answer.
	send := func(body any) error {
		_, _, err := connectwise.SendAt[cwmodel.CompanyConfiguration](ctx, c, http.MethodPost, connectwise.Endpoint{Path: "company/configurations"}, body)
		return err
	}
	e := apiError(t, send(map[string]any{"serialNumber": "X"}), http.StatusBadRequest)
	if e.Code != "InvalidObject" || len(e.Errors) != 1 || e.Errors[0].Code != "NullValue" || e.Errors[0].Field != "name" {
		t.Errorf("missing name: %+v", e)
	}
	// maxLength counts UTF-16 code units: 50 emoji are 100 units, 51 are 102.
	if err := send(map[string]any{"name": strings.Repeat("😀", 50)}); err != nil {
		t.Errorf("100 UTF-16 units refused: %v", err)
	}
	e = apiError(t, send(map[string]any{"name": strings.Repeat("😀", 51)}), http.StatusBadRequest)
	if len(e.Errors) != 1 || e.Errors[0].Code != "MaxLengthField" || e.Errors[0].Field != "name" {
		t.Errorf("too long: %+v", e)
	}
	e = apiError(t, send(map[string]any{"name": "Y", "activeFlag": 1}), http.StatusBadRequest)
	if len(e.Errors) != 1 || e.Errors[0].Field != "activeFlag" {
		t.Errorf("number for a boolean in a body: %+v", e)
	}
	// A number for a boolean in conditions is refused with the PSA's words.
	_, _, err := cwcompany.New(c).Contacts.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("inactiveFlag = 1")})
	e = apiError(t, err, http.StatusBadRequest)
	if !strings.HasPrefix(e.Message, "Expected a boolean value, not a numeric.") {
		t.Errorf("message %q", e.Message)
	}
	_, _, err = cwcompany.New(c).Contacts.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("nosuchfield = 1")})
	apiError(t, err, http.StatusBadRequest)
	// A PATCH that empties a required field is refused too.
	_, _, err = cwcompany.New(c).Configurations.Patch(ctx, 1, nil, connectwise.Replace("name", ""))
	apiError(t, err, http.StatusBadRequest)
	_ = srv
}

func TestSpecPaging(t *testing.T) {
	_, c := specClient(t)
	ctx := context.Background()
	contacts := cwcompany.New(c).Contacts
	for i := range 12 {
		if _, _, err := contacts.Create(ctx, &cwmodel.Contact{FirstName: new("Bulk"), LastName: new(strings.Repeat("x", i+1))}); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(opts *connectwise.ListOptions) []int32 {
		var ids []int32
		for x, err := range contacts.All(ctx, opts) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, *x.ID)
		}
		return ids
	}
	cond := connectwise.Where("firstName = ?", "Bulk")
	fwd := walk(&connectwise.ListOptions{Conditions: cond, ForwardOnly: true, PageSize: 5})
	byPage := walk(&connectwise.ListOptions{Conditions: cond, PageSize: 5})
	if len(fwd) != 12 || !slices.Equal(fwd, byPage) || !slices.IsSorted(fwd) {
		t.Errorf("forward-only %v, by page %v", fwd, byPage)
	}
	page, resp, err := contacts.List(ctx, &connectwise.ListOptions{Conditions: cond, PageSize: 5, Page: 3})
	if err != nil || len(page) != 2 || resp.NextPage != 0 {
		t.Errorf("last page: %d items, next %d, %v", len(page), resp.NextPage, err)
	}
	n, _, err := contacts.Count(ctx, &connectwise.ListOptions{Conditions: cond})
	if err != nil || n != 12 {
		t.Errorf("count %d %v", n, err)
	}
	// A forward-only list that is exactly one full page ends with an empty
	// Link header, as on the hand-written routes: without it the client
	// must take the endpoint for one that ignores forward-only paging.
	whole, _, err := contacts.List(ctx, &connectwise.ListOptions{Conditions: cond, ForwardOnly: true, PageSize: 12})
	if err != nil || len(whole) != 12 {
		t.Errorf("forward-only list of one full page: %d items, %v", len(whole), err)
	}
}

// WithoutForwardOnly applies to the generic collections too: a full page
// answered without a Link header, which the client reports.
func TestSpecWithoutForwardOnly(t *testing.T) {
	_, c := specClient(t, cwtest.WithoutForwardOnly("company/contacts"))
	_, _, err := cwcompany.New(c).Contacts.List(context.Background(), &connectwise.ListOptions{ForwardOnly: true, PageSize: 2})
	var fo *connectwise.ForwardOnlyUnsupportedError
	if !errors.As(err, &fo) {
		t.Fatalf("err = %v, want *ForwardOnlyUnsupportedError", err)
	}
}

func TestSpecWithoutSeedData(t *testing.T) {
	_, c := specClient(t, cwtest.WithoutSeedData())
	n, _, err := cwcompany.New(c).Contacts.Count(context.Background(), nil)
	if err != nil || n != 0 {
		t.Errorf("contacts without seed data: %d %v", n, err)
	}
}

// TestSpecServesEveryList issues one request for every GET list operation
// of the spec, with made-up ids, and requires an answer from the spec's
// own handlers: a page, or the PSA's 404 for a missing parent record, and
// never the router's "not found" for an unknown path.
func TestSpecServesEveryList(t *testing.T) {
	srv := cwtest.NewServer()
	t.Cleanup(srv.Close)
	// The client's own pacing (10 requests a second) would make this
	// sweep take a minute; the simulator has no limit by default.
	c, err := connectwise.NewClient(srv.Config(), connectwise.WithRateLimit(1e6, 1000))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	param := regexp.MustCompile(`\{[^}]*\}`)
	// A missing parent is answered as the PSA answers it: "Contact 1 not
	// found", never the router's "The requested resource ... was not found".
	missingParent := regexp.MustCompile(`^[A-Z][A-Za-z]* 1 not found$`)
	lists, pages, missing := 0, 0, 0
	for _, op := range psaspec.Operations() {
		if op.Method != http.MethodGet || !op.ResponseArray {
			continue
		}
		lists++
		path := strings.Trim(param.ReplaceAllString(op.Path, "1"), "/")
		_, _, err := connectwise.ListAt[json.RawMessage](ctx, c, connectwise.Endpoint{Path: path}, &connectwise.ListOptions{PageSize: 5})
		if err == nil {
			pages++
			continue
		}
		var e *connectwise.Error
		if !errors.As(err, &e) || e.StatusCode != http.StatusNotFound || e.Code != "NotFound" || !missingParent.MatchString(e.Message) {
			t.Errorf("%s %s: %v", op.Method, op.Path, err)
			continue
		}
		missing++
	}
	if lists < 600 {
		t.Fatalf("only %d GET list operations in the spec", lists)
	}
	t.Logf("%d GET list operations: %d pages, %d PSA 404s for a missing parent record", lists, pages, missing)
}

func TestSpecInfoAliasesOnHandWrittenTickets(t *testing.T) {
	srv, c := specClient(t)
	ctx := context.Background()
	tickets := cwservice.New(c).Tickets
	co := acme(t, srv)
	tk, _, err := tickets.Create(ctx, &cwmodel.Ticket{Summary: new("Alias check"), Company: &cwmodel.CompanyReference{ID: new(int32(co.ID))}})
	if err != nil {
		t.Fatal(err)
	}
	stamp, _ := tk.Info.LastUpdated()
	for _, cond := range []string{"lastUpdated >= ?", "_info/lastUpdated >= ?", "DATEENTERED >= ?"} {
		list, _, err := tickets.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where(cond, stamp), OrderBy: "lastUpdated desc"})
		if err != nil || len(list) != 1 || *list[0].ID != *tk.ID {
			t.Errorf("%s: %d tickets, %v", cond, len(list), err)
		}
	}
	list, _, err := tickets.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("lastUpdated > ?", stamp)})
	if err != nil || len(list) != 0 {
		t.Errorf("lastUpdated after the change: %d tickets, %v", len(list), err)
	}
}

// /info forms of hand-written collections read through their routes, with
// their permission checks.
func TestSpecInfoOfHandWrittenCollections(t *testing.T) {
	srv, c := specClient(t)
	ctx := context.Background()
	tickets := cwservice.New(c).Tickets
	co := acme(t, srv)
	if _, _, err := tickets.Create(ctx, &cwmodel.Ticket{Summary: new("Info check"), Company: &cwmodel.CompanyReference{ID: new(int32(co.ID))}}); err != nil {
		t.Fatal(err)
	}
	infos, _, err := connectwise.ListAt[map[string]any](ctx, c, connectwise.Endpoint{Path: "service/tickets/info"}, nil)
	if err != nil || len(infos) != 1 || infos[0]["summary"] != "Info check" {
		t.Fatalf("ticket infos: %v %v", infos, err)
	}
	n, _, err := connectwise.CountAt(ctx, c, connectwise.Endpoint{Path: "service/tickets/info/count"}, nil)
	if err != nil || n != 1 {
		t.Errorf("ticket info count: %d %v", n, err)
	}
	srv.RevokePermission("Service Tickets")
	_, _, err = connectwise.ListAt[map[string]any](ctx, c, connectwise.Endpoint{Path: "service/tickets/info"}, nil)
	if !connectwise.IsForbidden(err) {
		t.Errorf("ticket infos without the permission: %v", err)
	}
}

// A reference may name its record by identifier or name instead of id.
func TestSpecReferencesByIdentifierOrName(t *testing.T) {
	_, c := specClient(t)
	ctx := context.Background()
	cfgs := cwcompany.New(c).Configurations
	created, _, err := cfgs.Create(ctx, &cwmodel.CompanyConfiguration{Name: new("GLOBEX-WS-9"),
		Company: &cwmodel.CompanyReference{Identifier: new("globex")},
		Type:    &cwmodel.ConfigurationTypeReference{Name: new("workstation")},
		Contact: &cwmodel.ContactReference{Name: new("Hank Scorpio")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if created.Company.ID == nil || *created.Company.Name != "Globex Inc." || *created.Type.Name != "Workstation" || created.Contact.ID == nil {
		t.Errorf("references not resolved: %+v %+v %+v", created.Company, created.Type, created.Contact)
	}
	_, _, err = cfgs.Create(ctx, &cwmodel.CompanyConfiguration{Name: new("X"), Company: &cwmodel.CompanyReference{Identifier: new("NoSuchCo")}}, nil)
	if e := apiError(t, err, http.StatusBadRequest); len(e.Errors) != 1 || e.Errors[0].Field != "company/identifier" {
		t.Errorf("unknown company: %+v", e)
	}
}
