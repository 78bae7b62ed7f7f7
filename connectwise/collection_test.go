package connectwise_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/connectwise"
)

type contact struct {
	ID        int     `json:"id,omitempty"`
	FirstName *string `json:"firstName,omitempty"`
}

// TestCollectionWire pins the method, path, query and body of every
// Collection call.
func TestCollectionWire(t *testing.T) {
	c, mt := setup(t)
	type call struct{ method, path, query, body string }
	var got []call
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		b := ""
		if r.Body != nil {
			bb, _ := io.ReadAll(r.Body)
			b = string(bb)
		}
		p := r.URL.Path
		q, _ := url.QueryUnescape(r.URL.RawQuery)
		got = append(got, call{r.Method, p, q, b})
		switch {
		case r.Method == "DELETE":
			return httpmock.NewStringResponse(204, ""), nil
		case len(p) > 6 && p[len(p)-6:] == "/count":
			return httpmock.NewStringResponse(200, `{"count":3}`), nil
		case r.Method == "GET" && p == "/v2025_1/apis/3.0/company/contacts/5/notes",
			r.Method == "POST" && p == "/v2025_1/apis/3.0/service/tickets/search":
			return httpmock.NewStringResponse(200, `[{"id":1}]`), nil
		}
		return httpmock.NewStringResponse(200, `{"id":9,"firstName":"Ada"}`), nil
	})
	ctx := context.Background()
	col := connectwise.NewCollection[contact](c, "/company/contacts/5/notes/")
	tickets := connectwise.NewCollection[contact](c, "service/tickets")
	name := "Ada"
	steps := []func() error{
		func() error {
			_, _, err := col.List(ctx, &connectwise.ListOptions{Fields: "id", PageSize: 5})
			return err
		},
		func() error {
			_, _, err := col.Count(ctx, &connectwise.ListOptions{CustomFieldConditions: connectwise.WhereCustomField("X", "=", 1), Page: 4})
			return err
		},
		func() error { _, _, err := col.Get(ctx, 9, &connectwise.ListOptions{Fields: "id"}); return err },
		func() error { _, _, err := col.Create(ctx, &contact{FirstName: &name}); return err },
		func() error { _, _, err := col.Update(ctx, 9, &contact{ID: 9, FirstName: &name}); return err },
		func() error { _, _, err := col.Patch(ctx, 9, connectwise.Replace("firstName", "Ada")); return err },
		func() error { _, err := col.Delete(ctx, 9); return err },
		func() error {
			_, _, err := tickets.Search(ctx, &connectwise.ListOptions{
				Conditions: connectwise.Where("id = ?", 1), ChildConditions: connectwise.Where("x = 1"), OrderBy: "id desc", Fields: "id", Page: 2, PageSize: 5,
			})
			return err
		},
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	const p = "/v2025_1/apis/3.0/company/contacts/5/notes"
	want := []call{
		{"GET", p, "fields=id&pageSize=5", ""},
		{"GET", p + "/count", `customFieldConditions=caption = "X" AND value = 1`, ""},
		{"GET", p + "/9", "fields=id", ""},
		{"POST", p, "", `{"firstName":"Ada"}`},
		{"PUT", p + "/9", "", `{"id":9,"firstName":"Ada"}`},
		{"PATCH", p + "/9", "", `[{"op":"replace","path":"firstName","value":"Ada"}]`},
		{"DELETE", p + "/9", "", ""},
		// The filters travel as the PSA's FilterValues body (two members
		// in lower case); fields and paging stay in the URL.
		{"POST", "/v2025_1/apis/3.0/service/tickets/search", "fields=id&page=2&pageSize=5", `{"childconditions":"x = 1","conditions":"id = 1","orderBy":"id desc"}`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d calls: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("call %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if _, _, err := col.Create(ctx, nil); err == nil {
		t.Error("nil create accepted")
	}
	if len(got) != len(want) {
		t.Error("a nil create was sent")
	}
}
