// Package badinput_test is the bad-input table: every setting of every
// flow given each kind of bad value users type (plain http, a path, an
// unknown region, keys pasted with spaces or line breaks, empty ids,
// closed statuses, types, subtypes and items of another board, priorities
// that do not exist, unmapped tenants and customers, malformed emergency
// addresses, rotated keys). Each row must be rejected with a typed error
// naming the setting, before anything is written.
//
// The package holds tests only.
package badinput_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/security360test"
)

// env is every simulator and every flow, set up once and shared by the
// rows. Setup writes (boards are provisioned, mappings saved); rows must
// not, which writes counts.
type env struct {
	t   *testing.T
	ctx context.Context

	psa     *cwtest.Server // the PSA every flow files into
	revoked *cwtest.Server // a PSA whose API keys were deleted
	hd      *heimdaltest.Server
	inf     *infimatest.Server
	asio    *security360test.Server

	cwOpts []connectwise.Option
	cfg    connectwise.Config // valid PSA settings
	cw     *connectwise.Client

	hc      *heimdal.Client
	heimdal *psasync.Integration // saved, boards provisioned, Operations configured, Acme mapped

	src *officeprotecttest.Source
	op  *officeprotect.Integration // set up and confirmed

	asioClient *security360.Client
	infSync    *infimasync.Syncer // mappings saved in flowStore
	flowStore  *countingStore
	sites      []security360.Site // two real Asio sites
	infClients []int
	deliveries atomic.Int64 // Security 360 deliveries: writes too

	// Seed data by name.
	serviceDesk, helpDesk                      int
	sdNew, sdClosed, sdClosedAlt, sdInProgress int
	hdNew                                      int
	sdRequest, hdIncident                      int
	sdHardware, hdEmail                        int
	hdItem                                     int
	acme, hooli, oldCo                         int
	heimdalOps                                 connectwise.Ref
	agreement, addition, addition2, agreement2 int
}

// psaSettings returns valid psasync settings for s.
func psaSettings(c connectwise.Config) psasync.Settings {
	return psasync.Settings{CompanyID: c.CompanyID, Site: c.Site, PublicKey: c.PublicKey, PrivateKey: c.PrivateKey, ClientID: c.ClientID}
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx}
	e.psa = cwtest.NewServer()
	t.Cleanup(e.psa.Close)
	e.revoked = cwtest.NewServer()
	t.Cleanup(e.revoked.Close)
	e.revoked.RevokeCredentials()
	e.hd = heimdaltest.NewServer()
	t.Cleanup(e.hd.Close)
	e.inf = infimatest.NewServer()
	t.Cleanup(e.inf.Close)
	e.asio = security360test.NewServer()
	t.Cleanup(e.asio.Close)

	e.cwOpts = []connectwise.Option{connectwise.WithRateLimit(0, 1), connectwise.WithRetry(1, time.Millisecond, 2*time.Millisecond), connectwise.WithMaxRetryAfter(time.Millisecond)}
	e.cfg = e.psa.Config()
	var err error
	if e.cw, err = connectwise.NewClient(e.cfg, e.cwOpts...); err != nil {
		t.Fatal(err)
	}
	e.seed()

	// Heimdal → PSA: saved, provisioned, Operations configured, one
	// customer mapped.
	if e.hc, err = heimdal.NewClient(e.hd.APIKey(), e.hd.ClientOptions()...); err != nil {
		t.Fatal(err)
	}
	e.heimdal = e.newHeimdal()
	_, err = e.heimdal.ProvisionBoards(ctx)
	ok(t, err)
	bc, err := e.heimdal.ConfigureBoard(ctx, psasync.BoardOperations, psasync.DefaultBoardSettings(psasync.BoardOperations))
	ok(t, err)
	e.heimdalOps = bc.Settings.Board
	ok(t, e.heimdal.MapCustomer(ctx, heimdaltest.AcmeID, e.acme))

	// Office Protect → PSA: tenants mapped (one disabled), contact set,
	// setup confirmed with nothing to backfill.
	e.src = officeprotecttest.NewSource()
	for _, tn := range []officeprotect.Tenant{
		{ID: "t-acme", Name: "Acme Corp", Active: true},
		{ID: "t-initech", Name: "Initech", Active: true},
		{ID: "t-contoso", Name: "Contoso Ltd", Active: true},
		{ID: "t-gone", Name: "Gone Ltd", Active: false},
	} {
		e.src.AddTenant(tn)
	}
	if e.op, err = officeprotecttest.NewIntegration(e.cfg, e.src, e.cwOpts, officeprotect.WithNotifier(&officeprotecttest.Recorder{})); err != nil {
		t.Fatal(err)
	}
	_, err = e.op.CheckConnection(ctx)
	ok(t, err)
	ok(t, e.op.SetMapping(ctx, "t-acme", e.acme, true))
	ok(t, e.op.SetMapping(ctx, "t-initech", e.acme, false))
	ok(t, e.op.SetEmergencyContact(ctx, "soc@msp.example.com"))
	_, err = e.op.ConfirmSetup(ctx)
	ok(t, err)

	// INFIMA → Security 360: two Asio sites to map onto.
	if e.asioClient, err = security360.NewClient(e.asio.Credentials(), e.asio.ClientOptions()...); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Badinput One", "Badinput Two"} {
		co := e.asio.AddCompany(name)
		site, added := e.asio.AddSite(co.ID, name)
		if !added {
			t.Fatalf("AddSite %s failed", name)
		}
		e.sites = append(e.sites, site)
	}
	e.infClients = e.inf.ClientIDs()
	in, err := infima.NewClient(e.inf.APIKey(), e.inf.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	e.flowStore = &countingStore{Store: flow.NewMemoryStore()}
	if e.infSync, err = infimasync.New(in, e.asioClient, e.flowStore, e.sink()); err != nil {
		t.Fatal(err)
	}
	return e
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
}

// seed finds the simulator's seed objects by name, so rows read as what
// they are ("a closed status") rather than as numbers.
func (e *env) seed() {
	board := func(name string) int {
		b, found := e.psa.BoardByName(name)
		if !found {
			e.t.Fatalf("seed has no board %q", name)
		}
		return b.ID
	}
	e.serviceDesk, e.helpDesk = board("Service Desk"), board("Help Desk")
	find := func(what string, names map[string]int, name string) int {
		id, found := names[name]
		if !found {
			e.t.Fatalf("seed has no %s %q", what, name)
		}
		return id
	}
	sd, hd := byName(e.psa.Statuses(e.serviceDesk)), byName(e.psa.Statuses(e.helpDesk))
	e.sdNew, e.sdClosed, e.sdClosedAlt, e.sdInProgress = find("status", sd, "New"), find("status", sd, "Closed"), find("status", sd, ">Closed"), find("status", sd, "In Progress")
	e.hdNew = find("status", hd, "New")
	e.sdRequest, e.hdIncident = find("type", byName(e.psa.Types(e.serviceDesk)), "Request"), find("type", byName(e.psa.Types(e.helpDesk)), "Incident")
	e.sdHardware, e.hdEmail = find("subtype", byName(e.psa.SubTypes(e.serviceDesk)), "Hardware"), find("subtype", byName(e.psa.SubTypes(e.helpDesk)), "Email")
	e.hdItem = find("item", byName(e.psa.Items(e.helpDesk)), "General")
	companies := map[string]int{}
	for _, c := range e.psa.Companies() {
		companies[c.Identifier] = c.ID
	}
	e.acme, e.hooli, e.oldCo = find("company", companies, "AcmeCorp"), find("company", companies, "Hooli"), find("company", companies, "OldCo")
	for _, a := range e.psa.Agreements() {
		if adds := e.psa.Additions(a.ID); len(adds) > 0 {
			switch {
			case e.agreement == 0:
				e.agreement, e.addition = a.ID, adds[0].ID
			case e.agreement2 == 0:
				e.agreement2, e.addition2 = a.ID, adds[0].ID
			}
		}
	}
	if e.agreement2 == 0 {
		e.t.Fatal("seed has fewer than two agreements with additions")
	}
}

func (e *env) newHeimdal() *psasync.Integration {
	in, err := psasync.New(e.hc, e.cw, flow.NewMemoryStore(), heimdaltest.ResellerID)
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

// newSetup is the Heimdal integration's settings screen on a fresh store.
func (e *env) newSetup() *psasync.Setup {
	su, err := psasync.NewSetup(flow.NewMemoryStore(), heimdaltest.ResellerID, e.cwOpts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return su
}

// writes counts every write any flow could make: PSA creates, updates and
// deletes (a POST to .../search only reads), Asio site patches, and
// deliveries to the Security 360 Training screen.
func (e *env) writes() int {
	n := int(e.deliveries.Load()) + int(e.flowStore.writes.Load())
	for _, s := range []*cwtest.Server{e.psa, e.revoked} {
		n += s.CountRequests("POST", "") - s.CountRequests("POST", "/search") +
			s.CountRequests("PATCH", "") + s.CountRequests("PUT", "") + s.CountRequests("DELETE", "")
	}
	for _, r := range e.asio.Requests() {
		if r.Method != "GET" && r.Path != "/v1/token" {
			n++
		}
	}
	return n
}

// countingStore counts the writes to a flow's store: saved settings and
// mappings are writes too.
type countingStore struct {
	flow.Store
	writes atomic.Int64
}

func (c *countingStore) Put(ctx context.Context, key string, v []byte) error {
	c.writes.Add(1)
	return c.Store.Put(ctx, key, v)
}

func (c *countingStore) Update(ctx context.Context, key string, fn func([]byte) ([]byte, error)) error {
	c.writes.Add(1)
	return c.Store.Update(ctx, key, fn)
}

func (c *countingStore) Delete(ctx context.Context, key string) error {
	c.writes.Add(1)
	return c.Store.Delete(ctx, key)
}

// sink is a Security 360 Training screen that counts deliveries.
func (e *env) sink() infimasync.Sink {
	return infimasync.SinkFunc(func(context.Context, infimasync.Delivery) error {
		e.deliveries.Add(1)
		return nil
	})
}

// named returns every typed error in err's chain with the setting it
// names, keyed by type ("*bridge.ConfigError"). HTTP errors name the
// credential they implicate.
func named(err error) map[string]string {
	out := map[string]string{}
	// Every client's ConfigError and Error are the bridge types: one entry
	// each serves all four.
	get[*bridge.ConfigError](err, out, func(e *bridge.ConfigError) string { return e.Field })
	get[*bridge.APIError](err, out, func(e *bridge.APIError) string {
		switch {
		case e.StatusCode == 401 && e.API == "connectwise":
			return "keys"
		case e.StatusCode == 401:
			return "APIKey"
		}
		return fmt.Sprint(e.StatusCode)
	})
	get[*connectwise.TicketError](err, out, func(e *connectwise.TicketError) string { return e.Field })
	get[*ticketsync.AlertError](err, out, func(e *ticketsync.AlertError) string { return e.Field })
	get[*psasync.CustomerError](err, out, func(*psasync.CustomerError) string { return "CustomerID" })
	get[*psasync.CompanyError](err, out, func(*psasync.CompanyError) string { return "Company" })
	get[*psasync.ConnectionError](err, out, func(*psasync.ConnectionError) string { return "keys" })
	get[*psasync.FetchError](err, out, func(*psasync.FetchError) string { return "APIKey" })
	get[*infimasync.ConnectionError](err, out, func(e *infimasync.ConnectionError) string { return e.Field })
	get[*security360.TokenError](err, out, func(e *security360.TokenError) string {
		if errors.Is(e, security360.ErrCredentialsRejected) {
			return "ClientSecret"
		}
		return e.Code
	})
	return out
}

func get[T error](err error, out map[string]string, field func(T) string) {
	var target T
	if errors.As(err, &target) {
		out[fmt.Sprintf("%T", target)] = field(target)
	}
}

// byName indexes seeded board records (statuses, types, subtypes, items)
// by name. They are different types that share the wire fields id and
// name, which is what the tests look them up by.
func byName[T any](list []T) map[string]int {
	var recs []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	b, err := json.Marshal(list)
	if err == nil {
		err = json.Unmarshal(b, &recs)
	}
	if err != nil {
		panic(err) // the simulator's own types always encode
	}
	m := make(map[string]int, len(recs))
	for _, r := range recs {
		m[r.Name] = r.ID
	}
	return m
}
