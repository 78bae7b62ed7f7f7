package callback_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/callback"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// psa is a simulator, a client for it, and a verifying receiver on its own
// httptest server.
type psa struct {
	srv    *cwtest.Server
	client *connectwise.Client
	svc    *callback.Service
	hook   *httptest.Server
	mu     sync.Mutex
	events []*callback.Event
}

func newPSA(t *testing.T) *psa {
	t.Helper()
	p := &psa{srv: cwtest.NewServer()}
	t.Cleanup(p.srv.Close)
	cfg := p.srv.Config()
	c, err := connectwise.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.client, p.svc = c, callback.NewService(c)
	h, err := callback.NewHandler(callback.Config{Site: cfg.Site, CompanyID: cfg.CompanyID}, func(_ context.Context, ev *callback.Event) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.events = append(p.events, ev)
		return nil
	}, callback.WithLoopbackHTTPKeys())
	if err != nil {
		t.Fatal(err)
	}
	p.hook = httptest.NewServer(h)
	t.Cleanup(p.hook.Close)
	return p
}

func (p *psa) flush(t *testing.T) []*callback.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.srv.FlushCallbacks(ctx); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.events
	p.events = nil
	return out
}

func TestEndToEndTicketChangesArriveVerified(t *testing.T) {
	p := newPSA(t)
	ctx := context.Background()
	want := callback.Entry{URL: p.hook.URL + "/psa?recordId=", Type: callback.TypeTicket, Level: callback.LevelOwner, ObjectID: 1, Description: "psabridge e2e"}
	entry, created, err := p.svc.Ensure(ctx, want)
	if err != nil || !created {
		t.Fatalf("Ensure: %v created=%v", err, created)
	}
	// Ensure again converges on the same registration.
	again, created, err := p.svc.Ensure(ctx, want)
	if err != nil || created || again.ID != entry.ID {
		t.Fatalf("second Ensure: %+v created=%v err=%v", again, created, err)
	}
	if n, _, err := p.svc.Count(ctx, connectwise.Conditions{}); err != nil || n != 1 {
		t.Fatalf("registrations: %d, %v", n, err)
	}

	company := p.srv.Companies()[0]
	tk, _, err := p.client.Tickets.Create(ctx, &connectwise.Ticket{Summary: "Ransomware alert on WS-7", Company: connectwise.Ref{ID: company.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.client.Tickets.Patch(ctx, tk.ID, connectwise.Replace("summary", "Ransomware alert on WS-7 (contained)")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.client.Tickets.Delete(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	events := p.flush(t)
	if len(events) != 3 {
		t.Fatalf("got %d events, want 3", len(events))
	}
	for i, want := range []callback.Action{callback.ActionAdded, callback.ActionUpdated, callback.ActionDeleted} {
		ev := events[i]
		if ev.Action != want || ev.Type != callback.TypeTicket || ev.ID != tk.ID || ev.CompanyID != "cwtest" || ev.CallbackID != entry.ID || ev.MemberID != "psabridge-api" {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	got, err := callback.Decode[connectwise.Ticket](events[1])
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary != "Ransomware alert on WS-7 (contained)" || got.Company.ID != company.ID || got.Info == nil || got.Info.LastUpdated.IsZero() {
		t.Fatalf("updated ticket: %+v", got)
	}
	if _, err := callback.Decode[connectwise.Ticket](events[2]); !errors.Is(err, callback.ErrNoEntity) {
		t.Fatalf("delete entity: %v", err)
	}
	for _, d := range p.srv.CallbackDeliveries() {
		if d.Status != http.StatusNoContent || d.Attempts != 1 || d.URL != p.hook.URL+"/psa?recordId="+itoa(tk.ID) {
			t.Fatalf("delivery: %+v", d)
		}
	}
}

func TestEndToEndLevelsAndInactiveRegistrations(t *testing.T) {
	p := newPSA(t)
	ctx := context.Background()
	boards := p.srv.Boards()
	onBoard := func(b cwtest.Board) callback.Entry {
		return callback.Entry{URL: p.hook.URL + "/board?recordId=", Type: callback.TypeTicket, Level: callback.LevelBoard, ObjectID: b.ID}
	}
	if _, _, err := p.svc.Ensure(ctx, onBoard(boards[0])); err != nil {
		t.Fatal(err)
	}
	off, _, err := p.svc.Ensure(ctx, callback.Entry{URL: p.hook.URL + "/company?recordId=", Type: callback.TypeCompany, Level: callback.LevelOwner, ObjectID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.svc.Patch(ctx, off.ID, connectwise.Replace("inactiveFlag", true)); err != nil {
		t.Fatal(err)
	}
	company := p.srv.Companies()[0]
	for _, b := range boards[:2] {
		if _, _, err := p.client.Tickets.Create(ctx, &connectwise.Ticket{Summary: "on " + b.Name, Board: connectwise.Ref{ID: b.ID}, Company: connectwise.Ref{ID: company.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	patchCompany := func() {
		t.Helper()
		if _, err := p.client.Raw(ctx, http.MethodPatch, "company/companies/"+itoa(company.ID), nil,
			[]connectwise.PatchOp{connectwise.Replace("name", company.Name)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	p.srv.SetPermission("Company Maintenance", "All", "All", "All", "All")
	patchCompany() // the company callback is inactive: no delivery
	events := p.flush(t)
	if len(events) != 1 {
		t.Fatalf("got %d events, want only the one on board %s", len(events), boards[0].Name)
	}
	tk, err := callback.Decode[connectwise.Ticket](events[0])
	if err != nil || tk.Board.ID != boards[0].ID {
		t.Fatalf("ticket %+v, %v", tk, err)
	}
	// Ensure reactivates a registration the PSA (here: the test) disabled.
	re, created, err := p.svc.Ensure(ctx, callback.Entry{URL: off.URL, Type: off.Type, Level: off.Level, ObjectID: off.ObjectID})
	if err != nil || created || re.InactiveFlag {
		t.Fatalf("reactivate: %+v created=%v err=%v", re, created, err)
	}
	patchCompany()
	events = p.flush(t)
	if len(events) != 1 || events[0].Type != callback.TypeCompany || events[0].ID != company.ID || events[0].Action != callback.ActionUpdated {
		t.Fatalf("company events after reactivation: %+v", events)
	}
}

func TestServiceCRUDAndPSAErrors(t *testing.T) {
	p := newPSA(t)
	ctx := context.Background()
	e, _, err := p.svc.Create(ctx, &callback.Entry{URL: "https://hooks.example.com/a?id=", Type: "Ticket", Level: "Owner", ObjectID: 1, Description: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == 0 || e.MemberID == 0 || e.ConnectWiseID == "" {
		t.Fatalf("created: %+v", e)
	}
	got, _, err := p.svc.Get(ctx, e.ID)
	if err != nil || got.URL != e.URL || got.Description != "first" {
		t.Fatalf("Get: %+v %v", got, err)
	}
	upd := *got
	upd.Description = "second"
	if u, _, err := p.svc.Update(ctx, e.ID, &upd); err != nil || u.Description != "second" {
		t.Fatalf("Update: %+v %v", u, err)
	}
	list, _, err := p.svc.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("description = ?", "second")})
	if err != nil || len(list) != 1 {
		t.Fatalf("List: %v %v", list, err)
	}
	if _, err := p.svc.Delete(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.svc.Get(ctx, e.ID); !connectwise.IsNotFound(err) {
		t.Fatalf("Get after delete: %v", err)
	}
	// The PSA's own validation, as a typed error naming the field.
	_, _, err = p.svc.Create(ctx, &callback.Entry{URL: "https://hooks.example.com/a?id=", Type: callback.TypeTicket, Level: "planet", ObjectID: 1})
	var apiErr *connectwise.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code != "InvalidObject" || len(apiErr.Errors) != 1 || apiErr.Errors[0].Field != "level" {
		t.Fatalf("bad level: %v", err)
	}
	// Client-side validation, before anything is sent.
	before := p.srv.CountRequests("POST", "/system/callbacks")
	for _, bad := range []callback.Entry{
		{Type: "ticket", Level: "owner", ObjectID: 1},
		{URL: "hooks", Type: "ticket", Level: "owner", ObjectID: 1},
		{URL: "https://u:p@hooks.example.com/", Type: "ticket", Level: "owner", ObjectID: 1},
		{URL: "https://hooks.example.com/", Level: "owner", ObjectID: 1},
		{URL: "https://hooks.example.com/", Type: "ticket", ObjectID: 1},
		{URL: "https://hooks.example.com/", Type: "ticket", Level: "owner"},
	} {
		var fe *callback.FieldError
		if _, _, err := p.svc.Create(ctx, &bad); !errors.As(err, &fe) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if p.srv.CountRequests("POST", "/system/callbacks") != before {
		t.Fatal("an invalid entry reached the PSA")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
