package infima_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/infima"
)

func TestUsersStatusFilterOnTheWire(t *testing.T) {
	c, mt := mockClient(t)
	rec := &recorder{}
	mt.RegisterResponder("GET", base+"/v1/clients/7/users", pagedResponder(t, rec, 73, func(i int) any {
		return map[string]any{"id": i, "email": "u@example.com", "status": "active"}
	}))
	opts := &infima.UserListOptions{Status: infima.StatusAll}
	n := 0
	for u, err := range c.Users.All(context.Background(), 7, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if n == 3 && u.ID != "3" {
			t.Fatalf("numeric id decoded as %q", u.ID)
		}
		n++
	}
	if n != 73 {
		t.Fatalf("%d users", n)
	}
	if opts.Status != infima.StatusAll || opts.Limit != 0 || opts.Offset != 0 {
		t.Fatalf("options mutated: %+v", opts)
	}
	var qs []string
	for _, r := range rec.all() {
		qs = append(qs, r.URL.RawQuery)
	}
	if strings.Join(qs, " ") != "limit=50&status=all limit=50&offset=50&status=all" {
		t.Fatalf("queries %q", qs)
	}

	if _, _, err := c.Users.List(context.Background(), 0, nil); err == nil {
		t.Fatal("client id 0 accepted")
	}
}

func TestUsersAgainstSimulator(t *testing.T) {
	c, srv := simClient(t, nil)
	ctx := context.Background()
	var withInactive int
	for _, id := range srv.ClientIDs() {
		emails := srv.UserEmails(id)
		var all, active, inactive int
		for u, err := range c.Users.All(ctx, id, &infima.UserListOptions{Status: infima.StatusAll}) {
			if err != nil {
				t.Fatal(err)
			}
			if u.ID == "" || u.Email == "" || u.FirstName == "" || u.LastName == "" || u.Department == "" ||
				u.PreferredLanguage == "" || u.Role == "" || u.CreatedDate.IsZero() {
				t.Fatalf("incomplete user %+v", u)
			}
			all++
		}
		for u, err := range c.Users.All(ctx, id, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if !u.Status.IsActive() {
				t.Fatalf("default filter returned %q", u.Status)
			}
			active++
		}
		for u, err := range c.Users.All(ctx, id, &infima.UserListOptions{Status: infima.StatusInactive}) {
			if err != nil {
				t.Fatal(err)
			}
			if u.Status != infima.StatusInactive {
				t.Fatalf("inactive filter returned %q", u.Status)
			}
			inactive++
		}
		if all != len(emails) || active+inactive != all {
			t.Fatalf("client %d: all %d active %d inactive %d emails %d", id, all, active, inactive, len(emails))
		}
		if inactive > 0 {
			withInactive++
		}
	}
	if withInactive == 0 {
		t.Fatal("no client has inactive users")
	}

	// An established user carries every documented field.
	users, _, err := c.Users.List(ctx, srv.ClientIDs()[0], &infima.UserListOptions{ListOptions: infima.ListOptions{Limit: 5}})
	if err != nil {
		t.Fatal(err)
	}
	u := users[0]
	if u.TrainingOnTrack == nil || u.NextCourse == nil || u.NextCourse.Name == "" || u.NextCourse.DueDate.IsZero() ||
		u.RiskScore == nil || u.PhishingClickRateTotal == nil || len(u.PhishingTests) == 0 {
		t.Fatalf("established user lacks data: %+v", u)
	}
	if u.Name() != u.FirstName+" "+u.LastName {
		t.Fatalf("Name() = %q", u.Name())
	}
}

func TestUsersUnknownClient(t *testing.T) {
	c, mt := mockClient(t)
	mt.RegisterResponder("GET", base+"/v1/clients/5/users", httpmock.NewStringResponder(http.StatusNotFound, `{"message":"Client not found"}`))
	_, _, err := c.Users.List(context.Background(), 5, nil)
	var apiErr *infima.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Path != "/v1/clients/5/users" || apiErr.Method != "GET" {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(err.Error(), "GET /v1/clients/5/users") || !strings.Contains(err.Error(), "Client not found") {
		t.Fatalf("message %q", err)
	}
}
