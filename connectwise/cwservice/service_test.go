package cwservice_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/internal/cwtestkit"
)

const base = cwtestkit.MockBase

// ticketJSON is a ticket as the PSA sends it, with three custom fields.
const ticketJSON = `{"id":42,"summary":"Disk full","board":{"id":1,"name":"Help Desk","_info":{"board_href":"x"}},
"requiredDate":"2024-01-02T03:04:05Z","closedFlag":false,"budgetHours":null,
"_info":{"lastUpdated":"2024-01-03T00:00:00Z","updatedBy":"apiuser"},
"customFields":[
 {"id":7,"caption":"Alert ID","type":"Text","entryMethod":"EntryField","numberOfDecimals":0,"value":"A-1"},
 {"id":8,"caption":"Risk","type":"Number","entryMethod":"EntryField","numberOfDecimals":2,"value":null},
 {"id":9,"caption":"Escalated","type":"Checkbox","entryMethod":"EntryField","numberOfDecimals":0,"value":false}]}`

func TestGetKeepsWhatTheServerSent(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	mt.RegisterResponder("GET", base+"service/tickets/42", httpmock.NewStringResponder(200, ticketJSON))
	tk, _, err := svc.Tickets.Get(context.Background(), 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ClosedFlag == nil || *tk.ClosedFlag {
		t.Errorf("closedFlag false must read as a non-nil false, got %v", tk.ClosedFlag)
	}
	if tk.BudgetHours != nil || tk.Priority != nil {
		t.Errorf("null and absent fields must stay nil: budgetHours %v priority %v", tk.BudgetHours, tk.Priority)
	}
	if want := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC); tk.RequiredDate == nil || !tk.RequiredDate.Equal(want) {
		t.Errorf("requiredDate = %v, want %v", tk.RequiredDate, want)
	}
	if lu, ok := tk.Info.LastUpdated(); !ok || lu.Day() != 3 || tk.Info.UpdatedBy() != "apiuser" {
		t.Errorf("_info read as %v %v %q", lu, ok, tk.Info.UpdatedBy())
	}
	if tk.Board.Info["board_href"] != "x" {
		t.Errorf("reference _info lost: %v", tk.Board.Info)
	}
	// Writing the ticket back sends what was read, nothing more.
	out, _ := json.Marshal(tk.Board)
	if string(out) != `{"id":1,"name":"Help Desk","_info":{"board_href":"x"}}` {
		t.Errorf("board re-encoded as %s", out)
	}
}

func TestFieldsProjectionTellsNotRequestedFromEmpty(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	mt.RegisterResponder("GET", base+"service/tickets/42", func(r *http.Request) (*http.Response, error) {
		if got := r.URL.Query().Get("fields"); got != "id,summary,customFields" {
			t.Errorf("fields = %q", got)
		}
		return httpmock.NewStringResponse(200, `{"id":42,"summary":"","customFields":[]}`), nil
	})
	tk, _, err := svc.Tickets.Get(context.Background(), 42, &connectwise.ListOptions{Fields: "id,summary,customFields"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Summary == nil || *tk.Summary != "" {
		t.Errorf("requested empty summary must be a non-nil \"\", got %v", tk.Summary)
	}
	if tk.Board != nil || tk.Status != nil {
		t.Error("fields not requested must be nil")
	}
	if tk.CustomFields == nil || len(tk.CustomFields) != 0 {
		t.Errorf("an empty customFields array must be non-nil and empty, got %#v", tk.CustomFields)
	}
}

func TestCreateSendsOnlyTheFieldsSet(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	var body string
	mt.RegisterResponder("POST", base+"service/tickets", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return httpmock.NewStringResponse(201, `{"id":43,"summary":"New","closedFlag":false}`), nil
	})
	_, _, err := svc.Tickets.Create(context.Background(), &cwmodel.Ticket{
		Summary:    new("New"),
		Company:    &cwmodel.CompanyReference{ID: new(int32(250))},
		ClosedFlag: new(false), // set explicitly: sent although false
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"summary":"New","company":{"id":250},"closedFlag":false}`; body != want {
		t.Errorf("create body\n got %s\nwant %s", body, want)
	}
}

func TestNilBodyIsRefusedBeforeSending(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	if _, _, err := svc.Tickets.Create(context.Background(), nil); err == nil {
		t.Fatal("nil ticket accepted")
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for a nil body", n)
	}
}

func TestPatchCustomFieldsSendsTheWholeArray(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	mt.RegisterResponder("GET", base+"service/tickets/42", httpmock.NewStringResponder(200, ticketJSON))
	var body string
	mt.RegisterResponder("PATCH", base+"service/tickets/42", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return httpmock.NewStringResponse(200, ticketJSON), nil
	})
	ctx := context.Background()
	tk, _, err := svc.Tickets.Get(ctx, 42, &connectwise.ListOptions{Fields: "id,customFields"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.CustomFields.SetNumber(cwmodel.Caption("risk"), 7.5); err != nil {
		t.Fatal(err)
	}
	if err := tk.CustomFields.Clear(cwmodel.FieldID(7)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Tickets.Patch(ctx, 42, tk.CustomFields.Patch()); err != nil {
		t.Fatal(err)
	}
	want := `[{"op":"replace","path":"customFields","value":[` +
		`{"id":7,"caption":"Alert ID","type":"Text","entryMethod":"EntryField","numberOfDecimals":0,"value":null},` +
		`{"id":8,"caption":"Risk","type":"Number","entryMethod":"EntryField","numberOfDecimals":2,"value":7.5},` +
		`{"id":9,"caption":"Escalated","type":"Checkbox","entryMethod":"EntryField","numberOfDecimals":0,"value":false}]}]`
	if body != want {
		t.Errorf("patch body\n got %s\nwant %s", body, want)
	}
}

func TestCustomFieldConditionsOnListAndCount(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	const want = `caption = "Alert ID" AND value = "A-1"`
	check := func(r *http.Request) {
		if got := r.URL.Query().Get("customFieldConditions"); got != want {
			t.Errorf("%s customFieldConditions = %q, want %q", r.URL.Path, got, want)
		}
		if got := r.URL.Query().Get("conditions"); got != "closedFlag = false" {
			t.Errorf("%s conditions = %q", r.URL.Path, got)
		}
	}
	mt.RegisterResponder("GET", base+"service/tickets", func(r *http.Request) (*http.Response, error) {
		check(r)
		return httpmock.NewStringResponse(200, `[`+ticketJSON+`]`), nil
	})
	mt.RegisterResponder("GET", base+"service/tickets/count", func(r *http.Request) (*http.Response, error) {
		check(r)
		if r.URL.Query().Has("page") || r.URL.Query().Has("pageSize") {
			t.Errorf("count sent paging: %s", r.URL.RawQuery)
		}
		return httpmock.NewStringResponse(200, `{"count":1}`), nil
	})
	opts := &connectwise.ListOptions{
		Conditions:            connectwise.Where("closedFlag = ?", false),
		CustomFieldConditions: connectwise.WhereCustomField("Alert ID", "=", "A-1"),
		PageSize:              50,
	}
	ctx := context.Background()
	list, _, err := svc.Tickets.List(ctx, opts)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v, %d tickets", err, len(list))
	}
	n, _, err := svc.Tickets.Count(ctx, opts)
	if err != nil || n != 1 {
		t.Fatalf("count: %v, %d", err, n)
	}
	if opts.PageSize != 50 {
		t.Error("caller's options changed")
	}
}

func TestBadCustomFieldConditionFailsBeforeSending(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	_, _, err := svc.Tickets.List(context.Background(), &connectwise.ListOptions{CustomFieldConditions: connectwise.WhereCustomField("Alert ID", "=~", "x")})
	if err == nil {
		t.Fatal("bad operator accepted")
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestAllWalksEveryPage(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	mt.RegisterResponder("GET", base+"service/tickets/42/notes", func(r *http.Request) (*http.Response, error) {
		switch r.URL.Query().Get("page") {
		case "1":
			resp := httpmock.NewStringResponse(200, `[{"id":1},{"id":2}]`)
			resp.Header.Set("Link", `<`+base+`service/tickets/42/notes?page=2&pageSize=2>; rel="next"`)
			return resp, nil
		case "2":
			return httpmock.NewStringResponse(200, `[{"id":3}]`), nil
		}
		t.Errorf("unexpected page %q", r.URL.Query().Get("page"))
		return httpmock.NewStringResponse(400, `{}`), nil
	})
	var ids []int32
	for n, err := range svc.Tickets.AllNotes(context.Background(), 42, &connectwise.ListOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *n.ID)
	}
	if len(ids) != 3 || ids[2] != 3 {
		t.Errorf("walked %v", ids)
	}
}

func TestServerErrorIsTyped(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	mt.RegisterResponder("GET", base+"service/tickets/9", httpmock.NewStringResponder(404, `{"code":"NotFound","message":"Ticket not found"}`))
	_, _, err := svc.Tickets.Get(context.Background(), 9, nil)
	var e *connectwise.Error
	if !errors.As(err, &e) || e.StatusCode != 404 || !connectwise.IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestSearchPostsFilterValues(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	mt.RegisterResponder("POST", base+"service/tickets/search", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		if want := `{"conditions":"board/id = 5","customfieldconditions":"caption = \"Alert ID\" AND value = \"A-1\"","orderBy":"id desc"}`; string(b) != want {
			t.Errorf("body\n got %s\nwant %s", b, want)
		}
		if q := r.URL.Query(); q.Get("fields") != "id" || q.Get("pageSize") != "10" || q.Has("conditions") {
			t.Errorf("query = %s", r.URL.RawQuery)
		}
		return httpmock.NewStringResponse(200, `[{"id":1}]`), nil
	})
	got, _, err := svc.Tickets.Search(context.Background(), &connectwise.ListOptions{
		Conditions:            connectwise.Where("board/id = ?", 5),
		CustomFieldConditions: connectwise.WhereCustomField("Alert ID", "=", "A-1"),
		OrderBy:               "id desc", Fields: "id", PageSize: 10,
	})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", err, got)
	}
}

func TestSpecRulesAreCheckedBeforeSending(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwservice.New)
	ctx := context.Background()
	long := ""
	for range 99 {
		long += "a"
	}
	cases := map[string]struct {
		err                   error
		field, problemContain string
	}{
		"missing summary": {func() error {
			_, _, err := svc.Tickets.Create(ctx, &cwmodel.Ticket{Board: &cwmodel.BoardReference{ID: new(int32(1))}})
			return err
		}(), "summary", "is required"},
		"blank summary": {func() error { _, _, err := svc.Tickets.Create(ctx, &cwmodel.Ticket{Summary: new("  ")}); return err }(), "summary", "is required"},
		// 99 letters and one emoji: 100 characters, 101 UTF-16 units.
		"summary too long": {func() error {
			_, _, err := svc.Tickets.Create(ctx, &cwmodel.Ticket{Summary: new(long + "🔥")})
			return err
		}(), "summary", "101 characters"},
		"put without severity": {func() error {
			_, _, err := svc.Tickets.Update(ctx, 5, &cwmodel.Ticket{Summary: new("ok"), Impact: new(cwmodel.TicketImpactLow)})
			return err
		}(), "severity", "required on updates"},
	}
	for name, c := range cases {
		var be *connectwise.BodyError
		if !errors.As(c.err, &be) || be.Object != "Ticket" || be.Field != c.field || !strings.Contains(be.Problem, c.problemContain) {
			t.Errorf("%s: err = %v", name, c.err)
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for refused bodies", n)
	}
	// Exactly at the limit passes.
	mt.RegisterResponder("POST", base+"service/tickets", httpmock.NewStringResponder(201, `{"id":1}`))
	if _, _, err := svc.Tickets.Create(ctx, &cwmodel.Ticket{Summary: new(long + "é")}); err != nil {
		t.Errorf("100 characters refused: %v", err)
	}
}
