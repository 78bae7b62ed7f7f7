package cwtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psabridge/psabridge/internal/psaquery"
)

// CustomField is one entry of a record's customFields array, as the PSA
// sends it: the definition's id, caption, type and entry method, and the
// record's value (null when unset).
type CustomField struct {
	ID               int    `json:"id"`
	Caption          string `json:"caption,omitempty"`
	Type             string `json:"type,omitempty"`
	EntryMethod      string `json:"entryMethod,omitempty"`
	NumberOfDecimals int    `json:"numberOfDecimals"`
	Value            any    `json:"value"`
}

// Custom fields are defined in /system/userDefinedFields; podId says which
// screen a definition belongs to. The PSA's pod numbers are not public,
// so the simulator uses its own: these collections carry the definitions
// of their pod, in every record, with a null value until one is set.
const (
	PodServiceTickets = 1 // service/tickets
	PodCompanies      = 2 // company/companies
	PodContacts       = 3 // company/contacts
	PodConfigurations = 4 // company/configurations
)

var customFieldPods = map[string]int{
	"service/tickets":        PodServiceTickets,
	"company/companies":      PodCompanies,
	"company/contacts":       PodContacts,
	"company/configurations": PodConfigurations,
}

const udfPath = "system/userdefinedfields"

// customFieldsFor returns the customFields array a record of pod carries:
// one entry per definition, in sequence order, with the values given
// (matched by id, else caption) checked against the field's type.
// Caller holds the lock.
func (st *state) customFieldsFor(pod int, given []CustomField) ([]CustomField, []fieldError) {
	if st.spec == nil {
		return given, nil
	}
	defs := slices.Clone(st.spec.colls[udfPath].rowsOrNil())
	slices.SortStableFunc(defs, func(a, b map[string]any) int { return intOf(a["sequenceNumber"]) - intOf(b["sequenceNumber"]) })
	var out []CustomField
	var errs []fieldError
	for _, d := range defs {
		if intOf(d["podId"]) != pod {
			continue
		}
		f := CustomField{ID: recordID(d), Caption: stringOf(d["caption"]), Type: stringOf(d["fieldTypeIdentifier"]),
			EntryMethod: stringOf(d["entryTypeIdentifier"]), NumberOfDecimals: intOf(d["numberDecimals"])}
		if f.EntryMethod == "" {
			f.EntryMethod = "EntryField"
		}
		for _, g := range given {
			if g.ID == f.ID || (g.ID == 0 && g.Caption != "" && strings.EqualFold(g.Caption, f.Caption)) {
				f.Value = g.Value
			}
		}
		if v, fe := customValue(f); fe != nil {
			errs = append(errs, *fe)
		} else {
			f.Value = v
		}
		out = append(out, f)
	}
	return out, errs
}

// customValue checks a custom field's value against its type.
func customValue(f CustomField) (any, *fieldError) {
	if f.Value == nil {
		return nil, nil
	}
	bad := func(want string) *fieldError {
		return &fieldError{Code: "InvalidField", Message: fmt.Sprintf("The custom field %s (id %d) must be a %s, not a %s.", f.Caption, f.ID, want, jsonKind(f.Value)), Field: "customFields"}
	}
	switch f.Type {
	case "Number", "Currency", "Percent":
		if n, ok := number(f.Value); ok {
			return n, nil
		}
		return nil, bad("number")
	case "Checkbox":
		if b, ok := f.Value.(bool); ok {
			return b, nil
		}
		return nil, bad("boolean")
	case "Date":
		s, ok := f.Value.(string)
		if !ok {
			return nil, bad("date")
		}
		t, ok := psaquery.ParseTime(s)
		if !ok {
			return nil, bad("date")
		}
		return t.UTC().Format(time.RFC3339), nil
	}
	if s, ok := f.Value.(string); ok {
		return s, nil
	}
	return nil, bad("string")
}

func (c *specColl) rowsOrNil() []map[string]any {
	if c == nil {
		return nil
	}
	return c.rows
}

func intOf(v any) int {
	if n, ok := number(v); ok {
		return int(n)
	}
	return 0
}

// fillCustomFields gives a generic record of a pod's collection its
// customFields array. Caller holds the write lock.
func fillCustomFields(st *state, template string, rec map[string]any) []fieldError {
	pod := customFieldPods[template]
	if pod == 0 {
		return nil
	}
	var given []CustomField
	if raw, err := json.Marshal(rec["customFields"]); err == nil {
		_ = json.Unmarshal(raw, &given)
	}
	fields, errs := st.customFieldsFor(pod, given)
	var arr []any
	raw, _ := json.Marshal(fields)
	_ = json.Unmarshal(raw, &arr)
	if arr == nil {
		arr = []any{}
	}
	rec["customFields"] = arr
	return errs
}

// callbackTypeOf names the callback type of a generic collection's
// records (the PSA's "Type" values); "" when callbacks do not cover it.
var callbackTypeOf = map[string]string{
	"company/contacts":           "contact",
	"company/configurations":     "configuration",
	"time/entries":               "time",
	"sales/opportunities":        "opportunity",
	"sales/activities":           "activity",
	"project/projects":           "project",
	"schedule/entries":           "schedule",
	"expense/entries":            "expense",
	"finance/invoices":           "invoice",
	"procurement/purchaseorders": "purchaseorder",
	"procurement/catalog":        "productcatalog",
}

// notifySpec delivers callbacks for a change to a generic record. Caller
// holds the write lock.
func notifySpec(c *call, st *state, template, action string, rec map[string]any) {
	if typ := callbackTypeOf[template]; typ != "" {
		notifyCallbacks(c, st, typ, action, recordID(rec), rec)
	}
}

func init() {
	// The hand-written tickets and companies carry custom fields too.
	prepTicket := tickets.prepare
	tickets.prepare = func(c *call, st *state, t, old *Ticket) *apiError {
		if e := prepTicket(c, st, t, old); e != nil {
			return e
		}
		cf, errs := st.customFieldsFor(PodServiceTickets, t.CustomFields)
		if len(errs) > 0 {
			return invalid("ticket", errs...)
		}
		t.CustomFields = cf
		return nil
	}
	prepCompany := companies.prepare
	companies.prepare = func(c *call, st *state, co, old *Company) *apiError {
		if e := prepCompany(c, st, co, old); e != nil {
			return e
		}
		cf, errs := st.customFieldsFor(PodCompanies, co.CustomFields)
		if len(errs) > 0 {
			return invalid("company", errs...)
		}
		co.CustomFields = cf
		return nil
	}
}

// seedSpec adds the seed data of the generic collections: custom field
// definitions with values on some companies, contacts of the seeded
// companies, configuration types and statuses, configurations and time
// entries. Without full it adds nothing.
func seedSpec(st *state, now time.Time, full bool) {
	sp := st.specStoreOf()
	if !full {
		return
	}
	stamp := func(r map[string]any) map[string]any {
		r["_info"] = infoBlock(nil, now, "jsmith")
		return r
	}
	add := func(path string, r map[string]any) map[string]any {
		sp.insert(path, path, stamp(r))
		return r
	}

	for i, d := range []struct {
		pod            int
		caption, typ   string
		entry          string
		decimals       int
		help           string
		requiredOnEdit bool
	}{
		{PodServiceTickets, "Alert ID", "Text", "EntryField", 0, "Id of the security alert that raised the ticket", false},
		{PodServiceTickets, "Escalated", "Checkbox", "EntryField", 0, "Escalated to the security team", false},
		{PodCompanies, "Security Tier", "Text", "EntryField", 0, "Gold, Silver or Bronze", false},
		{PodCompanies, "Seats Licensed", "Number", "EntryField", 0, "Licensed security seats", false},
		{PodContacts, "Preferred Channel", "Text", "EntryField", 0, "Email, Phone or Teams", false},
		{PodConfigurations, "EDR Agent Version", "Text", "EntryField", 0, "Version of the endpoint agent", false},
		{PodConfigurations, "Last Scan", "Date", "Date", 0, "When the endpoint was last scanned", false},
	} {
		add(udfPath, map[string]any{"podId": d.pod, "caption": d.caption, "sequenceNumber": i + 1, "helpText": d.help,
			"fieldTypeIdentifier": d.typ, "numberDecimals": d.decimals, "entryTypeIdentifier": d.entry,
			"requiredFlag": false, "displayOnScreenFlag": true, "readOnlyFlag": false, "listViewFlag": false,
			"dateCreated": now.UTC().Format(time.RFC3339)})
	}

	companyRefOf := func(ident string) (map[string]any, *Company) {
		for _, co := range st.companies.rows {
			if co.Identifier == ident {
				return map[string]any{"id": co.ID, "identifier": co.Identifier, "name": co.Name}, co
			}
		}
		panic("cwtest: seed company " + ident + " missing")
	}
	// Company custom field values.
	for _, row := range st.companies.rows {
		given := []CustomField(nil)
		switch row.Identifier {
		case "AcmeCorp":
			given = []CustomField{{Caption: "Security Tier", Value: "Gold"}, {Caption: "Seats Licensed", Value: 25.0}}
		case "Globex":
			given = []CustomField{{Caption: "Security Tier", Value: "Silver"}, {Caption: "Seats Licensed", Value: 10.0}}
		}
		cf, _ := st.customFieldsFor(PodCompanies, given)
		cp := *row
		cp.CustomFields = cf
		st.companies.replace(&cp)
	}

	// withField is the customFields of a seeded record of pod, with caption
	// set to value unless value is empty.
	withField := func(pod int, caption, value string) []any {
		var given []CustomField
		if value != "" {
			given = []CustomField{{Caption: caption, Value: value}}
		}
		cf, _ := st.customFieldsFor(pod, given)
		return toJSONArray(cf)
	}

	contacts := map[string]map[string]any{}
	for _, c := range []struct {
		company, first, last, title, email, channel string
	}{
		{"AcmeCorp", "Wile", "Coyote", "IT Manager", "wile@acme.example", "Email"},
		{"AcmeCorp", "Road", "Runner", "Office Manager", "road@acme.example", ""},
		{"Globex", "Hank", "Scorpio", "CEO", "hank@globex.example", "Phone"},
		{"Initech", "Bill", "Lumbergh", "Division VP", "bill@initech.example", ""},
		{"Initech", "Peter", "Gibbons", "Programmer", "peter@initech.example", "Teams"},
		{"Umbrella", "Alice", "Abernathy", "Security Officer", "alice@umbrella.example", "Email"},
		{"StarkInd", "Pepper", "Potts", "CEO", "pepper@stark.example", ""},
	} {
		ref, _ := companyRefOf(c.company)
		rec := map[string]any{"firstName": c.first, "lastName": c.last, "company": ref, "title": c.title,
			"inactiveFlag": false, "defaultFlag": len(contacts) == 0 || contacts[c.company] == nil,
			"communicationItems": []any{map[string]any{"type": map[string]any{"id": 1, "name": "Email"}, "value": c.email, "defaultFlag": true, "communicationType": "Email"}},
			"customFields":       withField(PodContacts, "Preferred Channel", c.channel)}
		add("company/contacts", rec)
		if contacts[c.company] == nil {
			contacts[c.company] = rec
		}
		contacts[c.first] = rec
	}
	contactRef := func(first string) map[string]any {
		r := contacts[first]
		return map[string]any{"id": recordID(r), "name": stringOf(r["firstName"]) + " " + stringOf(r["lastName"])}
	}

	types := map[string]map[string]any{}
	for _, name := range []string{"Workstation", "Server", "Firewall", "Managed Network Device"} {
		types[name] = add("company/configurations/types", map[string]any{"name": name, "inactiveFlag": false, "systemFlag": false})
	}
	statuses := map[string]map[string]any{}
	for i, name := range []string{"Active", "Inactive"} {
		statuses[name] = add("company/configurations/statuses", map[string]any{"description": name, "closedFlag": i == 1, "defaultFlag": i == 0})
	}
	for _, c := range []struct {
		company, name, typ, contact, serial, edr string
	}{
		{"AcmeCorp", "ACME-DC01", "Server", "Wile", "SRV-0001", "7.2.1"},
		{"AcmeCorp", "ACME-WS-014", "Workstation", "Road", "WS-0014", "7.2.1"},
		{"AcmeCorp", "ACME-FW01", "Firewall", "Wile", "FW-0001", ""},
		{"Globex", "GLOBEX-SRV01", "Server", "Hank", "SRV-1001", "7.1.0"},
		{"Initech", "INITECH-WS-PETER", "Workstation", "Peter", "WS-2001", ""},
	} {
		ref, _ := companyRefOf(c.company)
		add("company/configurations", map[string]any{"name": c.name, "company": ref, "contact": contactRef(c.contact),
			"type":         map[string]any{"id": recordID(types[c.typ]), "name": c.typ},
			"status":       map[string]any{"id": recordID(statuses["Active"]), "name": "Active"},
			"serialNumber": c.serial, "activeFlag": true, "billFlag": true, "customFields": withField(PodConfigurations, "EDR Agent Version", c.edr)})
	}

	member := st.members.get(st.apiMemberID)
	jsmith := map[string]any{"id": 2, "identifier": "jsmith", "name": "Jane Smith"}
	if m := st.members.get(2); m == nil || m.Identifier != "jsmith" {
		jsmith = map[string]any{"id": member.ID, "identifier": member.Identifier, "name": member.FirstName + " " + member.LastName}
	}
	day := now.UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	for i, t := range []struct {
		company string
		start   int // hour of day
		hours   float64
		notes   string
	}{
		{"AcmeCorp", 9, 1.5, "Reviewed EDR alerts on ACME-DC01"},
		{"AcmeCorp", 13, 0.5, "Called Wile about the firewall firmware"},
		{"Globex", 10, 2, "Quarterly security review"},
	} {
		ref, _ := companyRefOf(t.company)
		start := day.Add(time.Duration(t.start) * time.Hour)
		end := start.Add(time.Duration(t.hours * float64(time.Hour)))
		add("time/entries", map[string]any{"company": ref, "member": jsmith, "timeStart": start.Format(time.RFC3339),
			"timeEnd": end.Format(time.RFC3339), "actualHours": t.hours, "billableOption": "Billable", "notes": t.notes,
			"status": "Open", "chargeToType": "ChargeCode", "chargeToId": i + 1})
	}
}

func toJSONArray(v any) []any {
	raw, _ := json.Marshal(v)
	var out []any
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = []any{}
	}
	return out
}
