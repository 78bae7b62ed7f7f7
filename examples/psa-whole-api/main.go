// Command psa-whole-api goes beyond tickets with the typed, spec-generated
// ConnectWise PSA API: a company's contacts and configurations, custom
// fields read and set by caption, and a callback (the PSA's webhook)
// registered idempotently, delivered on a change and verified.
//
// Without CW_* variables it runs on the embedded simulator, which serves
// every path of the PSA's spec, and the callback goes to a loopback
// receiver. With CW_SITE, CW_COMPANY_ID, CW_PUBLIC_KEY, CW_PRIVATE_KEY and
// CW_CLIENT_ID it talks to that PSA: it ensures one contact named
// "psabridge Example" on the company CW_EXAMPLE_COMPANY (an identifier;
// the first company by default) and sets its custom field CW_CUSTOM_FIELD
// ("Preferred Channel" by default) when the contact has one. A real PSA
// delivers callbacks only to a public URL: set CALLBACK_URL to one that
// reaches CALLBACK_LISTEN (":8080" by default) on this machine, or the
// callback step is skipped.
//
//	go run ./examples/psa-whole-api
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/callback"
	"github.com/psabridge/psabridge/connectwise/cwcompany"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/examples/internal/exampleenv"
	"github.com/psabridge/psabridge/examples/internal/psaenv"
)

func main() {
	exampleenv.Main("psa-whole-api", func(ctx context.Context) error { return run(ctx, os.Stdout, os.Getenv) })
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func text(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

func run(ctx context.Context, out io.Writer, getenv func(string) string) error {
	psa, err := psaenv.Config(getenv)
	if err != nil {
		return err
	}
	defer psa.Close()
	cfg, sim := psa.Config, psa.Sim
	if psa.Simulated() {
		fmt.Fprintf(out, "No CW_* variables set: using the embedded PSA simulator at %s\n", sim.URL)
	}
	c, err := connectwise.NewClient(cfg)
	if err != nil {
		return err
	}
	company := cwcompany.New(c)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	defer tw.Flush()
	section := func(title string) {
		tw.Flush()
		fmt.Fprintf(out, "\n== %s\n", title)
	}

	// The company: by identifier, or the first one.
	ident := getenv("CW_EXAMPLE_COMPANY")
	if ident == "" && psa.Simulated() {
		ident = "AcmeCorp"
	}
	opts := &connectwise.ListOptions{OrderBy: "id", PageSize: 1, Conditions: connectwise.Where("deletedFlag = false")}
	if ident != "" {
		opts.Conditions = connectwise.Where("identifier = ?", ident)
	}
	cos, _, err := company.Companies.List(ctx, opts)
	if err != nil {
		return fmt.Errorf("finding the company: %w", err)
	}
	if len(cos) == 0 {
		return fmt.Errorf("no company %q", ident)
	}
	co := cos[0]
	coID := int(*co.ID)

	section("Contacts of " + text(co.Name))
	ofCompany := connectwise.Where("company/id = ?", coID)
	for ct, err := range company.Contacts.All(ctx, &connectwise.ListOptions{Conditions: ofCompany, Fields: "id,firstName,lastName,title"}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "#%d\t%s %s\t%s\n", *ct.ID, text(ct.FirstName), text(ct.LastName), text(ct.Title))
	}
	contact, created, err := ensureContact(ctx, company.Contacts, coID)
	if err != nil {
		return err
	}
	verb := "found"
	if created {
		verb = "created"
	}
	fmt.Fprintf(tw, "%s the example contact #%d\n", verb, *contact.ID)

	section("Configurations of " + text(co.Name))
	n, _, err := company.Configurations.Count(ctx, nil, &connectwise.ListOptions{Conditions: ofCompany})
	if err != nil {
		return err
	}
	cfgs, _, err := company.Configurations.List(ctx, nil, &connectwise.ListOptions{Conditions: ofCompany, OrderBy: "name", PageSize: 10, Fields: "id,name,type/name,contact/name"})
	if err != nil {
		return err
	}
	for _, x := range cfgs {
		typ, who := "-", "-"
		if x.Type != nil {
			typ = text(x.Type.Name)
		}
		if x.Contact != nil {
			who = text(x.Contact.Name)
		}
		fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\n", *x.ID, text(x.Name), typ, who)
	}
	fmt.Fprintf(tw, "%d configurations\n", n)

	section("Custom fields of contact #" + fmt.Sprint(*contact.ID))
	for _, f := range contact.CustomFields {
		fmt.Fprintf(tw, "%s\t%v\t%v\n", text(f.Caption), deref(f.Type), f.Value)
	}
	caption := orDefault(getenv("CW_CUSTOM_FIELD"), "Preferred Channel")
	if err := contact.CustomFields.SetText(cwmodel.Caption(caption), "Email"); err != nil {
		fmt.Fprintf(tw, "not setting it: %v\n", err)
	} else {
		// The PSA replaces the whole array: send it back whole.
		updated, _, err := company.Contacts.Patch(ctx, int(*contact.ID), contact.CustomFields.Patch())
		if err != nil {
			return err
		}
		v, _, err := updated.CustomFields.Text(cwmodel.Caption(caption))
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "set %q = %q\n", caption, v)
	}

	section("Callback")
	return callbackStep(ctx, tw, getenv, c, cfg, sim, company.Contacts, int(*contact.ID))
}

func deref[T any](p *T) any {
	if p == nil {
		return "-"
	}
	return *p
}

// ensureContact finds the example contact on the company, creating it
// only when it is missing, so running the example twice changes nothing.
func ensureContact(ctx context.Context, svc *cwcompany.ContactsService, companyID int) (*cwmodel.Contact, bool, error) {
	found, _, err := svc.List(ctx, &connectwise.ListOptions{PageSize: 1, OrderBy: "id",
		Conditions: connectwise.Where("firstName = ? and lastName = ? and company/id = ?", "psabridge", "Example", companyID)})
	if err != nil {
		return nil, false, err
	}
	if len(found) > 0 {
		return &found[0], false, nil
	}
	ct, _, err := svc.Create(ctx, &cwmodel.Contact{FirstName: new("psabridge"), LastName: new("Example"),
		Company: &cwmodel.CompanyReference{ID: new(int32(companyID))}, Title: new("Integration test contact")})
	return ct, err == nil, err
}

// callbackStep registers a contact callback, changes the contact and
// prints the verified event.
func callbackStep(ctx context.Context, tw *tabwriter.Writer, getenv func(string) string, c *connectwise.Client, cfg connectwise.Config,
	sim *cwtest.Server, contacts *cwcompany.ContactsService, contactID int) error {
	publicURL := getenv("CALLBACK_URL")
	if sim == nil && publicURL == "" {
		fmt.Fprintln(tw, "skipped: a real PSA delivers callbacks only to a URL it can reach.")
		fmt.Fprintln(tw, "Set CALLBACK_URL to a public https URL that forwards to CALLBACK_LISTEN (\":8080\" by default) here.")
		return nil
	}
	events := make(chan *callback.Event, 16)
	var opts []callback.Option
	if sim != nil {
		opts = append(opts, callback.WithLoopbackHTTPKeys()) // the simulator serves keys over http
	}
	h, err := callback.NewHandler(callback.Config{Site: cfg.Site, CompanyID: cfg.CompanyID, ClientID: cfg.ClientID}, func(_ context.Context, ev *callback.Event) error {
		select {
		case events <- ev:
		default:
		}
		return nil
	}, opts...)
	if err != nil {
		return err
	}
	var url string
	if sim != nil {
		hook := httptest.NewServer(h)
		defer hook.Close()
		url = hook.URL + "/psa?recordId="
	} else {
		ln, err := net.Listen("tcp", orDefault(getenv("CALLBACK_LISTEN"), ":8080"))
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		defer hs.Close()
		url = publicURL
	}
	entry, created, err := callback.NewService(c).Ensure(ctx, callback.Entry{URL: url, Type: callback.TypeContact, Level: callback.LevelOwner,
		ObjectID: 1, Description: "psabridge whole-API example", IsSelfSuppressedFlag: false})
	if err != nil {
		return fmt.Errorf("registering the callback: %w", err)
	}
	fmt.Fprintf(tw, "callback #%d for every contact (created: %v)\n", entry.ID, created)

	title := "Integration test contact, " + time.Now().UTC().Format(time.RFC3339)
	if _, _, err := contacts.Patch(ctx, contactID, connectwise.Replace("title", title)); err != nil {
		return err
	}
	if sim != nil {
		// The simulator delivers on its own goroutine; wait for it.
		if err := sim.FlushCallbacks(ctx); err != nil {
			return err
		}
	}
	wait := time.NewTimer(time.Minute)
	defer wait.Stop()
	for {
		select {
		case ev := <-events:
			if ev.Type != callback.TypeContact || ev.ID != contactID {
				continue
			}
			ct, err := callback.Decode[cwmodel.Contact](ev)
			if err != nil && !errors.Is(err, callback.ErrNoEntity) {
				return err
			}
			fmt.Fprintf(tw, "verified delivery: %s %s #%d by %s, title %q\n", ev.Type, ev.Action, ev.ID, ev.MemberID, strings.TrimSpace(text(ct.Title)))
			return nil
		case <-wait.C:
			return errors.New("no callback delivery arrived within a minute")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
