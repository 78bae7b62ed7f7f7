package badinput_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/psabilling"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// row is one bad (or tolerated) value for one setting of one flow.
type row struct {
	flow    string // the API or flow step that takes the setting
	setting string // the setting as the user knows it
	value   string // the bad value, for the row's name
	// field is the setting the error must name, in the typed error's
	// field and in its message. Empty for a row whose value is accepted
	// (a trailing slash is normalised) or harmlessly ignored (an unmapped
	// tenant gets no ticket and the report says so): run then checks
	// that itself and returns an error if it does not hold.
	field string
	// errType is the typed error (found with errors.As) that names it.
	errType string
	// mention is what the message must contain when it names the setting
	// in words rather than by field name.
	mention string
	// secret is a credential inside value that the message must not echo.
	secret string
	run    func(e *env) error
}

// Fake credentials for the rows that mangle them: recognisable, so a
// message that echoes one is caught.
const (
	fakePSAKey    = "PRIVATEKEY7f3a9c1e"
	fakeINFIMAKey = "INFIMAKEY91d4e0a6"
	fakeHeimdal   = "HEIMDALKEY5b0c3f82"
	fakeAsio      = "ASIOSECRETe6a27d49"
	fakeSMTP      = "SMTPPASSWORD38f1d5c0"
)

// pasted are the ways a credential gets mangled on its way from a vendor
// console into a form.
func pasted(v string) []struct{ name, value string } {
	return []struct{ name, value string }{
		{"empty", ""},
		{"only spaces", "   "},
		{"leading space", " " + v},
		{"trailing space", v + " "},
		{"trailing line break", v + "\n"},
		{"trailing CRLF", v + "\r\n"},
		{"leading tab", "\t" + v},
		{"inner space", v[:6] + " " + v[6:]},
		{"inner line break", v[:6] + "\n" + v[6:]},
	}
}

// psaRows are the PSA connection settings, for each of the three flows
// that take them: the client itself, the Heimdal integration's settings
// form and Office Protect's credentials step.
func psaRows() []row {
	type bad struct {
		setting, value, problem string
		apply                   func(*connectwise.Config, string)
		secret                  bool
	}
	var cases []bad
	site := func(c *connectwise.Config, v string) { c.Site = v }
	for _, s := range []struct{ value, problem string }{
		{"http://na.myconnectwise.net", "plain http"},
		{"http://api-eu.myconnectwise.net:80", "plain http"},
		{"http://10.0.0.5", "plain http, private address"},
		{"https://na.myconnectwise.net/v4_6_release/apis/3.0", "path"},
		{"na.myconnectwise.net/login/login.aspx", "path"},
		{"https://na.myconnectwise.net/?company=acme", "query"},
		{"xx.myconnectwise.net", "unknown region"},
		{"api-us.myconnectwise.net", "unknown region"},
		{"https://api-uk.myconnectwise.net", "unknown region"},
		{"", "empty"},
		{" na.myconnectwise.net", "whitespace"},
		{"na.myconnectwise.net\n", "whitespace"},
		{"ftp://na.myconnectwise.net", "scheme"},
		{"https://acme:secret@na.myconnectwise.net", "credentials in the URL"},
	} {
		cases = append(cases, bad{"Site", s.value, s.problem, site, false})
	}
	for _, f := range []struct {
		name   string
		value  string
		apply  func(*connectwise.Config, string)
		secret bool
	}{
		{"CompanyID", "acmecorp", func(c *connectwise.Config, v string) { c.CompanyID = v }, false},
		{"PublicKey", "PUBLICKEY2c8e1b7d", func(c *connectwise.Config, v string) { c.PublicKey = v }, true},
		{"PrivateKey", fakePSAKey, func(c *connectwise.Config, v string) { c.PrivateKey = v }, true},
		{"ClientID", "c0dec0de-0000-4000-8000-00000000c7e5", func(c *connectwise.Config, v string) { c.ClientID = v }, false},
	} {
		for _, p := range pasted(f.value) {
			cases = append(cases, bad{f.name, p.value, p.name, f.apply, f.secret && p.value != ""})
		}
	}
	flows := []struct {
		name string
		run  func(e *env, c connectwise.Config) error
	}{
		{"connectwise.NewClient", func(e *env, c connectwise.Config) error { _, err := connectwise.NewClient(c, e.cwOpts...); return err }},
		{"psasync.UpdateSettings", func(e *env, c connectwise.Config) error { return e.newSetup().UpdateSettings(psaSettings(c)) }},
		{"officeprotect.New", func(e *env, c connectwise.Config) error {
			_, err := officeprotecttest.NewIntegration(c, e.src, e.cwOpts)
			return err
		}},
	}
	var rows []row
	for _, fl := range flows {
		for _, c := range cases {
			r := row{flow: fl.name, setting: c.setting, value: c.value + " (" + c.problem + ")", field: c.setting, errType: "*bridge.ConfigError",
				run: func(e *env) error {
					cfg := e.cfg
					c.apply(&cfg, c.value)
					return fl.run(e, cfg)
				}}
			if c.secret {
				r.secret = strings.TrimSpace(c.value)
			}
			rows = append(rows, r)
		}
		// A trailing slash is tolerated: the site is normalised to the
		// regional API host.
		for _, v := range []string{"https://eu.myconnectwise.net/", "api-au.myconnectwise.net/", "HTTPS://NA.MyConnectWise.net/"} {
			rows = append(rows, row{flow: fl.name, setting: "Site", value: v + " (trailing slash: accepted, normalised)", run: func(e *env) error {
				cfg := e.cfg
				cfg.Site = v
				if err := fl.run(e, cfg); err != nil {
					return err
				}
				c, err := connectwise.NewClient(cfg)
				if err != nil {
					return err
				}
				if s := c.Site(); strings.HasSuffix(s, "/") || !strings.HasPrefix(s, "https://api-") {
					return fmt.Errorf("site %q normalised to %q", v, s)
				}
				return nil
			}})
		}
	}
	return rows
}

// ticketRows are the ticket settings of a board: the status new tickets
// start in, the status on update, type, subtype, item and priority,
// checked by ticketsync.Resolve and by the two flows built on it.
func ticketRows() []row {
	var rows []row
	ref := func(id int) connectwise.Ref { return connectwise.Ref{ID: id} }
	name := func(n string) connectwise.Ref { return connectwise.Ref{Name: n} }

	// ticketsync.Resolve on Service Desk; Help Desk is "another board".
	// Each refusal names the BoardSettings field, which is the setting.
	resolve := func(setting, value string, mod func(e *env, s *ticketsync.BoardSettings)) row {
		return row{flow: "ticketsync.Resolve", setting: setting, value: value, field: setting, errType: "*bridge.ConfigError", run: func(e *env) error {
			s := ticketsync.BoardSettings{Board: ref(e.serviceDesk)}
			mod(e, &s)
			_, err := ticketsync.Resolve(e.ctx, e.cw, s)
			return err
		}}
	}
	rows = append(rows,
		resolve("Board", "id of no board", func(e *env, s *ticketsync.BoardSettings) { s.Board = ref(99999) }),
		resolve("Board", "empty", func(e *env, s *ticketsync.BoardSettings) { s.Board = connectwise.Ref{} }),
		resolve("Board", "unknown name", func(e *env, s *ticketsync.BoardSettings) { s.Board = name("No Such Board") }),
		resolve("Status", "closed status (by id)", func(e *env, s *ticketsync.BoardSettings) { s.Status = ref(e.sdClosed) }),
		resolve("Status", "closed status \">Closed\"", func(e *env, s *ticketsync.BoardSettings) { s.Status = ref(e.sdClosedAlt) }),
		resolve("Status", "closed status (by name)", func(e *env, s *ticketsync.BoardSettings) { s.Status = name("closed") }),
		resolve("Status", "status of another board", func(e *env, s *ticketsync.BoardSettings) { s.Status = ref(e.hdNew) }),
		resolve("Status", "id of no status", func(e *env, s *ticketsync.BoardSettings) { s.Status = ref(99999) }),
		resolve("UpdateStatus", "closed status", func(e *env, s *ticketsync.BoardSettings) { s.UpdateStatus = ref(e.sdClosed) }),
		resolve("UpdateStatus", "status of another board", func(e *env, s *ticketsync.BoardSettings) { s.UpdateStatus = ref(e.hdNew) }),
		resolve("Type", "type of another board", func(e *env, s *ticketsync.BoardSettings) { s.Type = ref(e.hdIncident) }),
		resolve("Type", "unknown name", func(e *env, s *ticketsync.BoardSettings) { s.Type = name("Outage") }),
		resolve("SubType", "subtype of another board", func(e *env, s *ticketsync.BoardSettings) { s.SubType = ref(e.hdEmail) }),
		resolve("SubType", "subtype not allowed with the type", func(e *env, s *ticketsync.BoardSettings) {
			s.Type, s.SubType = ref(e.sdRequest), ref(e.sdHardware)
		}),
		resolve("Item", "item of another board", func(e *env, s *ticketsync.BoardSettings) { s.Item = ref(e.hdItem) }),
		resolve("Priority", "id of no priority", func(e *env, s *ticketsync.BoardSettings) { s.Priority = ref(99999) }),
		resolve("Priority", "unknown name", func(e *env, s *ticketsync.BoardSettings) { s.Priority = name("Priority 9 - Whenever") }),
	)

	// The Heimdal integration's Configure Board step, on its provisioned
	// Heimdal Operations board; Service Desk is "another board".
	configure := func(b psasync.Board, setting, value string, mod func(e *env, s *ticketsync.BoardSettings)) row {
		return row{flow: "psasync.ConfigureBoard", setting: setting, value: value, field: setting, errType: "*bridge.ConfigError", run: func(e *env) error {
			s := psasync.DefaultBoardSettings(b)
			mod(e, &s)
			_, err := e.heimdal.ConfigureBoard(e.ctx, b, s)
			return err
		}}
	}
	ops := psasync.BoardOperations
	rows = append(rows,
		configure(ops, "Board", "unknown name", func(e *env, s *ticketsync.BoardSettings) { s.Board = name("Heimdal Operationz") }),
		configure(ops, "Board", "not a Heimdal board", func(e *env, s *ticketsync.BoardSettings) {}),
		configure(ops, "Status", "closed status", func(e *env, s *ticketsync.BoardSettings) { s.Status = name(psasync.StatusClosed) }),
		configure(ops, "Status", "status of another board", func(e *env, s *ticketsync.BoardSettings) { s.Status = ref(e.sdInProgress) }),
		configure(ops, "UpdateStatus", "closed status", func(e *env, s *ticketsync.BoardSettings) { s.UpdateStatus = name(psasync.StatusClosed) }),
		configure(ops, "Type", "type of another board", func(e *env, s *ticketsync.BoardSettings) { s.Type = ref(e.sdRequest) }),
		configure(ops, "SubType", "subtype of another board", func(e *env, s *ticketsync.BoardSettings) { s.SubType = ref(e.sdHardware) }),
		configure(ops, "SubType", "subtype not allowed with the type", func(e *env, s *ticketsync.BoardSettings) {
			s.Type, s.SubType = name(psasync.TypeName(heimdal.ModuleCPU)), name(psasync.SubTypeName(heimdal.ModuleDisk))
		}),
		configure(ops, "Item", "item of another board", func(e *env, s *ticketsync.BoardSettings) { s.Item = ref(e.hdItem) }),
		configure(ops, "Priority", "id of no priority", func(e *env, s *ticketsync.BoardSettings) { s.Priority = ref(99999) }),
		configure(psasync.BoardCyberAlerts, "UpdateStatus", "set on a board that has none", func(e *env, s *ticketsync.BoardSettings) {
			s.UpdateStatus = name(psasync.StatusNew)
		}),
	)
	// "not a Heimdal board" passes an invalid psasync.Board instead.
	for i := range rows {
		if rows[i].value == "not a Heimdal board" {
			rows[i].run = func(e *env) error {
				_, err := e.heimdal.ConfigureBoard(e.ctx, psasync.Board(99), psasync.DefaultBoardSettings(ops))
				return err
			}
		}
	}

	// Office Protect's ticket status, on the API member's default board
	// (Service Desk).
	status := func(value string, r func(e *env) connectwise.Ref) row {
		return row{flow: "officeprotect.SetTicketStatus", setting: "TicketStatus", value: value, field: "TicketStatus", errType: "*bridge.ConfigError", run: func(e *env) error {
			return e.op.SetTicketStatus(e.ctx, r(e))
		}}
	}
	rows = append(rows,
		status("closed status", func(e *env) connectwise.Ref { return ref(e.sdClosed) }),
		status("closed status \">Closed\"", func(e *env) connectwise.Ref { return ref(e.sdClosedAlt) }),
		status("closed status (by name)", func(e *env) connectwise.Ref { return name("Closed") }),
		status("status of another board", func(e *env) connectwise.Ref { return ref(e.hdNew) }),
		status("id of no status", func(e *env) connectwise.Ref { return ref(99999) }),
		status("unknown name", func(e *env) connectwise.Ref { return name("Triage") }),
	)
	return rows
}

// idRows are mappings and ids: empty, unknown, or naming a company that
// cannot take tickets.
func idRows() []row {
	hd := func(setting, value, field, errType, mention string, run func(e *env) error) row {
		return row{flow: "psasync", setting: setting, value: value, field: field, errType: errType, mention: mention, run: run}
	}
	mapCustomer := func(customer func(e *env) string, company func(e *env) int) func(e *env) error {
		return func(e *env) error { return e.heimdal.MapCustomer(e.ctx, customer(e), company(e)) }
	}
	acmeCustomer := func(*env) string { return heimdaltest.AcmeID }
	rows := []row{
		hd("CustomerID", "empty (New)", "CustomerID", "*bridge.ConfigError", "", func(e *env) error { _, err := psasync.New(e.hc, e.cw, flow.NewMemoryStore(), ""); return err }),
		hd("MapCustomer customer", "empty", "CustomerID", "*psasync.CustomerError", "Heimdal customer", mapCustomer(func(*env) string { return "" }, func(e *env) int { return e.acme })),
		hd("MapCustomer customer", "not visible to the key", "CustomerID", "*psasync.CustomerError", "Heimdal customer", mapCustomer(func(*env) string { return "999999" }, func(e *env) int { return e.acme })),
		hd("MapCustomer company", "0", "Company", "*psasync.CompanyError", "PSA company", mapCustomer(acmeCustomer, func(*env) int { return 0 })),
		hd("MapCustomer company", "id of no company", "Company", "*psasync.CompanyError", "PSA company", mapCustomer(acmeCustomer, func(*env) int { return 99999 })),
		hd("MapCustomer company", "inactive company", "Company", "*psasync.CompanyError", "PSA company", mapCustomer(acmeCustomer, func(e *env) int { return e.hooli })),
		hd("MapCustomer company", "deleted company", "Company", "*psasync.CompanyError", "PSA company", mapCustomer(acmeCustomer, func(e *env) int { return e.oldCo })),
	}
	opMap := func(value string, tenant string, company func(e *env) int, enabled bool) row {
		return row{flow: "officeprotect.SetMapping", setting: "Mapping", value: value, field: "Mapping", errType: "*bridge.ConfigError", run: func(e *env) error {
			return e.op.SetMapping(e.ctx, tenant, company(e), enabled)
		}}
	}
	rows = append(rows,
		opMap("empty tenant id", "", func(e *env) int { return e.acme }, true),
		opMap("blank tenant id", "  ", func(e *env) int { return e.acme }, true),
		opMap("unknown tenant", "t-nobody", func(e *env) int { return e.acme }, true),
		opMap("inactive tenant", "t-gone", func(e *env) int { return e.acme }, true),
		opMap("company 0", "t-contoso", func(*env) int { return 0 }, true),
		opMap("id of no company", "t-contoso", func(*env) int { return 99999 }, true),
		opMap("deleted company", "t-contoso", func(e *env) int { return e.oldCo }, false),
		opMap("inactive company, flow enabled", "t-contoso", func(e *env) int { return e.hooli }, true),
	)
	// INFIMA client → Asio site mappings, saved in the flow's store. The
	// last rows put a good mapping first: nothing may be saved when a later
	// one is bad.
	save := func(value, field string, ms func(e *env) []infimasync.Mapping) row {
		return row{flow: "infimasync.Syncer.SaveMappings", setting: "Mapping " + field, value: value, field: field, errType: "*bridge.ConfigError", run: func(e *env) error {
			return e.infSync.SaveMappings(e.ctx, ms(e))
		}}
	}
	good := func(e *env, i int) infimasync.Mapping {
		return infimasync.Mapping{InfimaClientID: e.infClients[i], CompanyID: e.sites[i].CompanyID, SiteID: e.sites[i].ID}
	}
	rows = append(rows,
		save("client 0", "Mappings[0].InfimaClientID", func(e *env) []infimasync.Mapping {
			m := good(e, 0)
			m.InfimaClientID = 0
			return []infimasync.Mapping{m}
		}),
		save("empty company", "Mappings[0].CompanyID", func(e *env) []infimasync.Mapping { m := good(e, 0); m.CompanyID = ""; return []infimasync.Mapping{m} }),
		save("empty site", "Mappings[0].SiteID", func(e *env) []infimasync.Mapping { m := good(e, 0); m.SiteID = ""; return []infimasync.Mapping{m} }),
		save("client mapped twice", "Mappings[1].InfimaClientID", func(e *env) []infimasync.Mapping {
			m := good(e, 1)
			m.InfimaClientID = e.infClients[0]
			return []infimasync.Mapping{good(e, 0), m}
		}),
		save("site mapped twice", "Mappings[1].SiteID", func(e *env) []infimasync.Mapping {
			m := good(e, 0)
			m.InfimaClientID = e.infClients[1]
			return []infimasync.Mapping{good(e, 0), m}
		}),
		save("site Asio does not have, after a good mapping", "Mappings[1].SiteID", func(e *env) []infimasync.Mapping {
			m := good(e, 1)
			m.SiteID = "no-such-site"
			return []infimasync.Mapping{good(e, 0), m}
		}),
	)
	// INFIMA → PSA billing mappings.
	bill := func(value, field string, mod func(e *env, ms []psabilling.Mapping) []psabilling.Mapping) row {
		return row{flow: "psabilling.Syncer.SaveMappings", setting: "Mapping " + field, value: value, field: field, errType: "*bridge.ConfigError", run: func(e *env) error {
			in, err := infima.NewClient(e.inf.APIKey(), e.inf.ClientOptions()...)
			if err != nil {
				return err
			}
			s, err := psabilling.New(e.cw, in, e.flowStore)
			if err != nil {
				return err
			}
			ms := []psabilling.Mapping{{InfimaClientID: e.infClients[0], AgreementID: e.agreement, AdditionID: e.addition}}
			return s.SaveMappings(e.ctx, mod(e, ms))
		}}
	}
	rows = append(rows,
		bill("client 0", "Mappings[0].InfimaClientID", func(e *env, ms []psabilling.Mapping) []psabilling.Mapping { ms[0].InfimaClientID = 0; return ms }),
		bill("agreement 0", "Mappings[0].AgreementID", func(e *env, ms []psabilling.Mapping) []psabilling.Mapping { ms[0].AgreementID = 0; return ms }),
		bill("addition 0", "Mappings[0].AdditionID", func(e *env, ms []psabilling.Mapping) []psabilling.Mapping { ms[0].AdditionID = 0; return ms }),
		bill("addition mapped twice", "Mappings[1].AdditionID", func(e *env, ms []psabilling.Mapping) []psabilling.Mapping {
			return append(ms, psabilling.Mapping{InfimaClientID: e.infClients[1], AgreementID: e.agreement, AdditionID: e.addition})
		}),
	)
	// A ticket the client refuses to send.
	create := func(value, field string, tk func(e *env) *connectwise.Ticket) row {
		return row{flow: "connectwise.Tickets.Create", setting: "Ticket " + field, value: value, field: field, errType: "*connectwise.TicketError", run: func(e *env) error {
			_, _, err := e.cw.Tickets.Create(e.ctx, tk(e))
			return err
		}}
	}
	rows = append(rows,
		create("empty summary", "summary", func(e *env) *connectwise.Ticket { return &connectwise.Ticket{Company: connectwise.Ref{ID: e.acme}} }),
		create("101-character summary", "summary", func(e *env) *connectwise.Ticket {
			return &connectwise.Ticket{Summary: strings.Repeat("x", 101), Company: connectwise.Ref{ID: e.acme}}
		}),
		create("no company", "company", func(e *env) *connectwise.Ticket { return &connectwise.Ticket{Summary: "s"} }),
	)
	// An alert ticketsync cannot file: reported failed, never sent.
	rows = append(rows, row{flow: "ticketsync.Sync", setting: "Alert Company", value: "no company", field: "Company", errType: "*ticketsync.AlertError", mention: "company", run: func(e *env) error {
		s, err := ticketsync.New(e.cw, ticketsync.Policy{Source: "badinput"})
		if err != nil {
			return err
		}
		rep, err := s.Sync(e.ctx, []ticketsync.Alert{{Key: "k1", Board: connectwise.Ref{ID: e.serviceDesk}, Status: connectwise.Ref{ID: e.sdNew}, Summary: "s"}})
		if err != nil {
			return err
		}
		if len(rep.Failed) != 1 {
			return nil // not refused: the row fails on the nil error
		}
		return rep.Failed[0].Err
	}})
	return rows
}

// emailRows are malformed emergency contacts, and the SMTP settings the
// alert is sent with.
func emailRows() []row {
	var rows []row
	for _, v := range []string{
		"", "   ", "soc", "soc@", "@example.com", "soc@example", "soc@.example.com", "soc@example.com.",
		"soc@@example.com", "soc @example.com", "soc@exa mple.com", "SOC Team <soc@example.com>", "<soc@example.com>",
		"soc@example.com, noc@example.com", "soc@example.com; noc@example.com", "mailto:soc@example.com", "soc@example.com\nBcc: x@evil.example",
	} {
		rows = append(rows, row{flow: "officeprotect.SetEmergencyContact", setting: "EmergencyContact", value: v, field: "EmergencyContact", errType: "*bridge.ConfigError", run: func(e *env) error {
			err := e.op.SetEmergencyContact(e.ctx, v)
			if got, _ := e.op.EmergencyContact(e.ctx); got != "soc@msp.example.com" {
				return fmt.Errorf("a refused address replaced the contact: %q", got)
			}
			return err
		}})
	}
	smtp := func(setting, value string, secret string, mod func(c *officeprotect.SMTPConfig)) row {
		return row{flow: "officeprotect.NewSMTPNotifier", setting: setting, value: value, field: setting, errType: "*bridge.ConfigError", secret: secret, run: func(*env) error {
			c := officeprotect.SMTPConfig{Host: "smtp.example.com", From: "alerts@example.com", Username: "alerts", Password: fakeSMTP}
			mod(&c)
			_, err := officeprotect.NewSMTPNotifier(c)
			return err
		}}
	}
	rows = append(rows,
		smtp("SMTP.Host", "empty", "", func(c *officeprotect.SMTPConfig) { c.Host = "" }),
		smtp("SMTP.Host", "smtp://smtp.example.com", "", func(c *officeprotect.SMTPConfig) { c.Host = "smtp://smtp.example.com" }),
		smtp("SMTP.Host", "host:port", "", func(c *officeprotect.SMTPConfig) { c.Host = "smtp.example.com:587" }),
		smtp("SMTP.Port", "70000", "", func(c *officeprotect.SMTPConfig) { c.Port = 70000 }),
		smtp("SMTP.From", "display name", "", func(c *officeprotect.SMTPConfig) { c.From = "Alerts <alerts@example.com>" }),
		smtp("SMTP.From", "empty", "", func(c *officeprotect.SMTPConfig) { c.From = "" }),
		smtp("SMTP.Username", "trailing space", "", func(c *officeprotect.SMTPConfig) { c.Username = "alerts " }),
		smtp("SMTP.Password", "missing with a username", "", func(c *officeprotect.SMTPConfig) { c.Password = "" }),
		smtp("SMTP.Password", "trailing line break", fakeSMTP, func(c *officeprotect.SMTPConfig) { c.Password = fakeSMTP + "\n" }),
		smtp("SMTP.Password", "leading space", fakeSMTP, func(c *officeprotect.SMTPConfig) { c.Password = " " + fakeSMTP }),
	)
	return rows
}

// infimaRows are the two settings of Security 360's INFIMA tile, the
// INFIMA client's own, and a key regenerated in INFIMA.
func infimaRows() []row {
	var rows []row
	validate := func(setting, value, field string, s infimasync.Settings) row {
		r := row{flow: "infimasync.Settings.Validate", setting: setting, value: value, field: field, errType: "*infimasync.ConnectionError", run: func(*env) error {
			return s.Validate()
		}}
		if field == "APIKey" && strings.TrimSpace(s.APIKey) != "" {
			r.secret = strings.TrimSpace(s.APIKey)
		}
		return r
	}
	for _, u := range []string{
		"http://app.infimasecapis.com", "http://app.infimasecapis.com:443", "https://app.infimasecapi.com", "https://infimasecapis.com",
		"https://app.infimasecapis.com.evil.example", "https://app.infimasecapis.com/v1", "https://app.infimasecapis.com/?x=1",
		"app.infimasecapis.com", "", " https://app.infimasecapis.com", "ftp://app.infimasecapis.com", "https://key:secret@app.infimasecapis.com",
	} {
		rows = append(rows, validate("ServerURL", u, "ServerURL", infimasync.Settings{ServerURL: u, APIKey: fakeINFIMAKey}))
	}
	for _, p := range pasted(fakeINFIMAKey) {
		rows = append(rows, validate("APIKey", p.name, "APIKey", infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: p.value}))
	}
	for _, u := range []string{"https://app.infimasecapis.com/", "HTTPS://App.InfimaSecAPIs.com:443/"} {
		rows = append(rows, row{flow: "infimasync.Settings.Validate", setting: "ServerURL", value: u + " (accepted: the published server)", run: func(*env) error {
			return infimasync.Settings{ServerURL: u, APIKey: fakeINFIMAKey}.Validate()
		}})
	}
	rows = append(rows, clientRows("infima.NewClient", fakeINFIMAKey,
		[]string{"http://app.infimasecapis.com", "https://app.infimasecapis.com/v1", "not a url"},
		func(key, u string) error {
			_, err := infima.NewClient(key, infima.WithBaseURL(u))
			return err
		})...)

	// A key regenerated in INFIMA: the old one is refused by every step
	// that uses it, before anything is delivered or billed.
	rotated := func(flow, errType string, run func(e *env, old string) error) row {
		return row{flow: flow, setting: "APIKey", value: "rotated in INFIMA", field: "APIKey", errType: errType, mention: "key", run: func(e *env) error {
			old := e.inf.APIKey()
			e.inf.RotateKey()
			return run(e, old)
		}}
	}
	settings := func(e *env, key string) infimasync.Settings {
		return infimasync.Settings{ServerURL: e.inf.URL, APIKey: key}
	}
	loopback := func(e *env) []infimasync.Option {
		return []infimasync.Option{infimasync.AllowLoopback(), infimasync.WithClientOptions(e.inf.ClientOptions()...)}
	}
	rows = append(rows,
		rotated("infimasync.TestConnection", "*infimasync.ConnectionError", func(e *env, old string) error {
			_, err := infimasync.TestConnection(e.ctx, settings(e, old), loopback(e)...)
			return err
		}),
		rotated("infimasync.Syncer.Run", "*bridge.APIError", func(e *env, old string) error {
			in, err := settings(e, old).NewClient(loopback(e)...)
			if err != nil {
				return err
			}
			s, err := infimasync.New(in, e.asioClient, flow.NewMemoryStore(), e.sink())
			if err != nil {
				return err
			}
			if err := s.SaveMappings(e.ctx, []infimasync.Mapping{{InfimaClientID: e.infClients[0], CompanyID: e.sites[0].CompanyID, SiteID: e.sites[0].ID}}); err != nil {
				return err
			}
			_, err = s.Run(e.ctx)
			return err
		}),
		rotated("psabilling.Syncer.Run", "*bridge.APIError", func(e *env, old string) error {
			in, err := infima.NewClient(old, e.inf.ClientOptions()...)
			if err != nil {
				return err
			}
			s, err := psabilling.New(e.cw, in, flow.NewMemoryStore())
			if err != nil {
				return err
			}
			if err := s.SaveMappings(e.ctx, []psabilling.Mapping{{InfimaClientID: e.infClients[0], AgreementID: e.agreement, AdditionID: e.addition}}); err != nil {
				return err
			}
			_, err = s.Run(e.ctx)
			return err
		}),
	)
	return rows
}

// clientRows are the rows of a client built from an API key and a base
// URL: every paste mistake of key (the error must not hold the key) and
// every unusable base URL, each refused by newClient with a
// *bridge.ConfigError naming the setting. An empty base URL means the
// default server.
func clientRows(flow, key string, badURLs []string, newClient func(key, baseURL string) error) []row {
	var rows []row
	for _, p := range pasted(key) {
		r := row{flow: flow, setting: "APIKey", value: p.name, field: "APIKey", errType: "*bridge.ConfigError", run: func(*env) error {
			return newClient(p.value, "")
		}}
		if v := strings.TrimSpace(p.value); v != "" {
			r.secret = v
		}
		rows = append(rows, r)
	}
	return append(rows, baseURLRows(flow, badURLs, func(u string) error { return newClient(key, u) })...)
}

// baseURLRows are unusable base URLs, each refused by newClient with a
// *bridge.ConfigError naming BaseURL.
func baseURLRows(flow string, urls []string, newClient func(baseURL string) error) []row {
	rows := make([]row, 0, len(urls))
	for _, u := range urls {
		rows = append(rows, row{flow: flow, setting: "BaseURL", value: u, field: "BaseURL", errType: "*bridge.ConfigError", run: func(*env) error {
			return newClient(u)
		}})
	}
	return rows
}

// heimdalAsioRows are the Heimdal key and the Asio credentials, and keys
// the servers no longer accept.
func heimdalAsioRows() []row {
	var rows []row
	rows = append(rows, clientRows("heimdal.NewClient", fakeHeimdal,
		[]string{"http://dashboard.heimdalsecurity.com/api/heimdalapi", "https://key:secret@dashboard.heimdalsecurity.com", "dashboard.heimdalsecurity.com"},
		func(key, u string) error {
			_, err := heimdal.NewClient(key, heimdal.WithBaseURL(u))
			return err
		})...)
	rows = append(rows, row{flow: "psasync.Run", setting: "Heimdal APIKey", value: "rejected by Heimdal", field: "APIKey", errType: "*bridge.APIError", mention: "key", run: func(e *env) error {
		hc, err := heimdal.NewClient(e.hd.APIKey()+"-old", e.hd.ClientOptions()...)
		if err != nil {
			return err
		}
		in, err := psasync.New(hc, e.cw, flow.NewMemoryStore(), heimdaltest.ResellerID)
		if err != nil {
			return err
		}
		if _, err := in.ConfigureBoard(e.ctx, psasync.BoardOperations, psasync.DefaultBoardSettings(psasync.BoardOperations)); err != nil {
			return err
		}
		if err := in.MapCustomer(e.ctx, heimdaltest.ResellerID, e.acme); err != nil {
			return err
		}
		_, err = in.Run(e.ctx)
		return err
	}})

	creds := func(setting, value string, secret string, c security360.Credentials) row {
		return row{flow: "security360.NewClient", setting: setting, value: value, field: setting, errType: "*bridge.ConfigError", secret: secret, run: func(*env) error {
			_, err := security360.NewClient(c)
			return err
		}}
	}
	for _, p := range pasted("asio-client-id") {
		rows = append(rows, creds("ClientID", p.name, "", security360.Credentials{ClientID: p.value, ClientSecret: fakeAsio}))
	}
	for _, p := range pasted(fakeAsio) {
		secret := strings.TrimSpace(p.value)
		if secret == "" {
			secret = ""
		}
		rows = append(rows, creds("ClientSecret", p.name, secret, security360.Credentials{ClientID: "asio-client-id", ClientSecret: p.value}))
	}
	rows = append(rows,
		creds("Scope", "tab between scopes", "", security360.Credentials{ClientID: "id", ClientSecret: fakeAsio, Scope: "platform.companies.read\tplatform.sites.read"}),
		creds("Scope", "line break", "", security360.Credentials{ClientID: "id", ClientSecret: fakeAsio, Scope: "platform.companies.read\n"}),
	)
	rows = append(rows, baseURLRows("security360.NewClient",
		[]string{"http://openapi.service.itsupport247.net", "https://openapi.service.itsupport247.net?x=1", "https://u:p@openapi.service.itsupport247.net"},
		func(u string) error {
			_, err := security360.NewClient(security360.Credentials{ClientID: "id", ClientSecret: fakeAsio}, security360.WithBaseURL(u))
			return err
		})...)
	for _, r := range []string{"xx", "us-east", ""} {
		rows = append(rows, row{flow: "security360.RegionBaseURL", setting: "Region", value: r, field: "Region", errType: "*bridge.ConfigError", run: func(*env) error {
			_, err := security360.RegionBaseURL(r)
			return err
		}})
	}
	rows = append(rows, row{flow: "infimasync.Syncer.SaveMappings", setting: "Asio ClientSecret", value: "regenerated in Asio", field: "ClientSecret", errType: "*security360.TokenError", mention: "client secret", run: func(e *env) error {
		c := e.asio.Credentials()
		c.ClientSecret += "-old"
		ac, err := security360.NewClient(c, e.asio.ClientOptions()...)
		if err != nil {
			return err
		}
		in, err := infima.NewClient(e.inf.APIKey(), e.inf.ClientOptions()...)
		if err != nil {
			return err
		}
		s, err := infimasync.New(in, ac, e.flowStore, e.sink())
		if err != nil {
			return err
		}
		m := infimasync.Mapping{InfimaClientID: e.infClients[0], CompanyID: e.sites[0].CompanyID, SiteID: e.sites[0].ID}
		return s.SaveMappings(e.ctx, []infimasync.Mapping{m})
	}})

	// PSA keys deleted in the PSA (the PSA's form of rotation).
	rows = append(rows,
		row{flow: "psasync.TestConnection", setting: "PublicKey/PrivateKey", value: "deleted in the PSA", field: "keys", errType: "*psasync.ConnectionError", mention: "keys", run: func(e *env) error {
			in := e.newSetup()
			if err := in.UpdateSettings(psaSettings(e.revoked.Config())); err != nil {
				return err
			}
			_, err := in.TestConnection(e.ctx)
			return err
		}},
		row{flow: "officeprotect.CheckConnection", setting: "PublicKey/PrivateKey", value: "deleted in the PSA", field: "keys", errType: "*bridge.APIError", mention: "private key", run: func(e *env) error {
			in, err := officeprotecttest.NewIntegration(e.revoked.Config(), e.src, e.cwOpts)
			if err != nil {
				return err
			}
			_, err = in.CheckConnection(e.ctx)
			return err
		}},
	)
	return rows
}

// skippedRow is an Office Protect event of a tenant whose mapping makes
// Process skip it (not an error): no ticket, and the report says why.
func skippedRow(eventID, tenant, tenantID string, reason officeprotect.SkipReason) row {
	return row{flow: "officeprotect.Process", setting: "Mapping", value: "event of " + tenant + " tenant (accepted: skipped, reported)", run: func(e *env) error {
		rep, err := e.op.Process(e.ctx, []officeprotect.Event{{ID: eventID, TenantID: tenantID, Title: "x"}})
		if err != nil {
			return err
		}
		if rep.Created != 0 || rep.SkippedFor(reason) != 1 {
			return fmt.Errorf("report %s: want the event skipped as %s", rep, reason)
		}
		return nil
	}}
}

// unmappedRows are tenants and customers without a mapping: not an error,
// but they must get no ticket, and the report must say so.
func unmappedRows() []row {
	return []row{
		skippedRow("evt-unmapped", "an unmapped", "t-contoso", officeprotect.SkipUnmapped),
		skippedRow("evt-disabled", "a disabled", "t-initech", officeprotect.SkipDisabled),
		{flow: "psasync.Run", setting: "customer mapping", value: "alert of an unmapped customer (accepted: not read, listed unmatched)", run: func(e *env) error {
			key := e.hd.Raise(heimdaltest.ZorgonID, heimdal.ModuleFirewall, "ZORGON-WS01", "Firewall disabled", "")
			defer e.hd.Clear(key)
			rep, err := e.heimdal.Run(e.ctx)
			if err != nil {
				return err
			}
			ms, err := e.heimdal.Mappings(e.ctx)
			if err != nil {
				return err
			}
			if rep.Customers != len(ms) {
				return fmt.Errorf("Run read %d customers, %d are mapped", rep.Customers, len(ms))
			}
			cs, err := e.heimdal.SyncCustomers(e.ctx)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(cs.Unmatched(), func(m psasync.CustomerMatch) bool { return string(m.Customer.ID) == heimdaltest.ZorgonID }) {
				return fmt.Errorf("the unmapped customer is not listed as unmatched")
			}
			return nil
		}},
	}
}

func allRows() []row {
	var rows []row
	for _, part := range [][]row{psaRows(), ticketRows(), idRows(), emailRows(), infimaRows(), heimdalAsioRows(), unmappedRows()} {
		rows = append(rows, part...)
	}
	return rows
}

// TestBadInputIsRejectedBeforeAnyWrite runs the table. A rejected row
// must fail with the typed error naming the setting, in its field and in
// its message, without echoing a credential, and without a single write
// to the PSA, Asio or Security 360. An accepted row must succeed, also
// without a write.
func TestBadInputIsRejectedBeforeAnyWrite(t *testing.T) {
	e := setup(t)
	rows := allRows()
	flows := map[string]bool{}
	for _, r := range rows {
		flows[r.flow] = true
		t.Run(fmt.Sprintf("%s/%s/%q", r.flow, r.setting, r.value), func(t *testing.T) {
			before := e.writes()
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				err = r.run(e)
			}()
			if n := e.writes() - before; n != 0 {
				t.Errorf("%d writes were made", n)
			}
			if r.field == "" {
				if err != nil {
					t.Errorf("want accepted, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			got := named(err)
			if f, found := got[r.errType]; !found {
				t.Errorf("no %s in %T chain %v: %v", r.errType, err, got, err)
			} else if f != r.field {
				t.Errorf("%s names %q, want %q: %v", r.errType, f, r.field, err)
			}
			mention := r.mention
			if mention == "" {
				mention = r.field
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(mention)) {
				t.Errorf("message does not name %q: %v", mention, err)
			}
			if r.secret != "" && strings.Contains(err.Error(), r.secret) {
				t.Errorf("message echoes the credential")
			}
		})
	}
	t.Logf("%d rows over %d flows", len(rows), len(flows))
}

// TestTheTableCanFail proves the table's checks are live: a real write
// moves the counter (PSA, Asio and Security 360 each), and named finds
// the field of each kind of error it is given.
func TestTheTableCanFail(t *testing.T) {
	e := setup(t)
	before := e.writes()
	if _, _, err := e.cw.Tickets.Create(e.ctx, &connectwise.Ticket{Summary: "control", Company: connectwise.Ref{ID: e.acme}}); err != nil {
		t.Fatal(err)
	}
	m := infimasync.Mapping{InfimaClientID: e.infClients[0], CompanyID: e.sites[0].CompanyID, SiteID: e.sites[0].ID}
	if err := e.infSync.SaveMappings(e.ctx, []infimasync.Mapping{m}); err != nil {
		t.Fatal(err)
	}
	if err := e.sink().Deliver(e.ctx, infimasync.Delivery{}); err != nil {
		t.Fatal(err)
	}
	if n := e.writes() - before; n != 3 {
		t.Errorf("3 writes counted as %d", n)
	}
	for _, c := range []struct {
		err        error
		typ, field string
	}{
		{&connectwise.ConfigError{Field: "Site"}, "*bridge.ConfigError", "Site"},
		{fmt.Errorf("wrapped: %w", &bridge.ConfigError{Field: "TicketStatus"}), "*bridge.ConfigError", "TicketStatus"},
		{&bridge.ConfigError{Field: "Mapping", Err: &bridge.APIError{API: "connectwise", StatusCode: 401}}, "*bridge.APIError", "keys"},
		{&infimasync.ConnectionError{Field: "APIKey", Err: &infima.Error{API: "infima", StatusCode: 401}}, "*bridge.APIError", "APIKey"},
	} {
		if got := named(c.err)[c.typ]; got != c.field {
			t.Errorf("named(%v)[%s] = %q, want %q", c.err, c.typ, got, c.field)
		}
	}
	if got := named(fmt.Errorf("untyped")); len(got) != 0 {
		t.Errorf("named found %v in an untyped error", got)
	}
}
