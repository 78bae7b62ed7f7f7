package cwtest

import "time"

// moduleFunction is one row of the PSA's security catalogue.
type moduleFunction struct {
	moduleID, moduleName, functionID, functionName string
}

// catalogue lists the module functions the simulator knows, in the order
// /system/mySecurity returns them.
var catalogue = []moduleFunction{
	{"Company", "Companies", "Company_Maintenance", fnCompanyMaint},
	{"Company", "Companies", "Company_Finance", "Company Finance"},
	{"Service", "Service Desk", "Service_Tickets", fnServiceTickets},
	{"Service", "Service Desk", "Close_Service_Tickets", fnCloseTickets},
	{"Service", "Service Desk", "Resource_Scheduling", "Resource Scheduling"},
	{"System", "System", "Member_Maintenance", fnMemberMaint},
	{"System", "System", "My_Account", "My Account"},
	{"System", "System", "My_Company", "My Company"},
	{"System", "System", "Table_Setup", fnTableSetup},
	{"System", "System", "Security_Roles", fnSecurityRoles},
	{"Finance", "Finance", "Agreements", fnAgreements},
	// The functions guarding the generic collections (spec_security.go).
	{"Company", "Companies", "Contacts", fnContacts},
	{"Company", "Companies", "Configurations", fnConfigurations},
	{"Finance", "Finance", "Invoicing", fnInvoicing},
	{"Project", "Project", "Project_Headers", fnProjectHeaders},
	{"Project", "Project", "Project_Tickets", fnProjectTickets},
	{"TimeExpense", "Time & Expense", "Time_Entry", fnTimeEntry},
	{"TimeExpense", "Time & Expense", "Expense_Entry", fnExpenseEntry},
	{"Procurement", "Procurement", "Product_Catalog", fnProductCatalog},
	{"Procurement", "Procurement", "Purchasing", fnPurchasing},
	{"Sales", "Sales", "Sales_Activities", fnSalesActivities},
	{"Sales", "Sales", "Opportunities", fnOpportunities},
	{"Marketing", "Marketing", "Campaigns", fnCampaigns},
	{"Schedule", "Schedule", "Schedule_Entries", fnScheduleEntries},
}

// Grant is one row of the API member's security role: the levels ("All",
// "Mine", "None"...) of one module function, as the PSA names it
// ("Service Tickets", "Company Maintenance", ...).
type Grant struct {
	Function                   string
	Add, Edit, Delete, Inquire string
}

// WithAPIMemberGrants gives the seeded API member a role holding exactly
// these grants; module functions not listed get "None" everywhere. A flow's
// tests pass what its setup guide asks for, so that a missing permission
// shows up as the 403 a real PSA would send.
func WithAPIMemberGrants(grants ...Grant) Option {
	return func(o *options) { o.grants = append([]Grant(nil), grants...) }
}

// DefaultGrants is the API member's role unless WithAPIMemberGrants says
// otherwise: read access to companies, members, the own account and
// company, security roles; full access to service tickets; add and edit
// on closing tickets, resource scheduling, table setup and agreements.
// That covers a security integration that sets up boards and files and
// closes tickets, and a billing integration that edits agreement
// additions. The functions that only guard generic collections
// (spec_security.go: Contacts, Configurations, Invoicing, Project
// Headers, Project Tickets, Time Entry, Expense Entry, Product Catalog,
// Purchasing, Sales Activities, Opportunities, Campaigns, Schedule
// Entries) are granted in full, so every such path works by default.
func DefaultGrants() []Grant {
	full := func(function string) Grant { return Grant{function, "All", "All", "All", "All"} }
	return []Grant{
		{fnCompanyMaint, "None", "None", "None", "All"},
		{"Company Finance", "None", "None", "None", "None"},
		{fnServiceTickets, "All", "All", "All", "All"},
		{fnCloseTickets, "All", "All", "None", "All"},
		{"Resource Scheduling", "All", "All", "None", "All"},
		{fnMemberMaint, "None", "None", "None", "All"},
		{"My Account", "None", "None", "None", "All"},
		{"My Company", "None", "None", "None", "All"},
		{fnTableSetup, "All", "All", "None", "All"},
		{fnSecurityRoles, "None", "None", "None", "All"},
		{fnAgreements, "All", "All", "None", "All"},
		full(fnContacts), full(fnConfigurations), full(fnInvoicing),
		full(fnProjectHeaders), full(fnProjectTickets), full(fnTimeEntry), full(fnExpenseEntry),
		full(fnProductCatalog), full(fnPurchasing), full(fnSalesActivities), full(fnOpportunities),
		full(fnCampaigns), full(fnScheduleEntries),
	}
}

// levelsFor returns the levels of function's grant in the order grant stores them; a
// function without a grant gets "None".
func levelsFor(grants []Grant, function string) [4]string {
	for _, g := range grants {
		if g.Function == function {
			return [4]string{g.Add, g.Edit, g.Delete, g.Inquire}
		}
	}
	return [4]string{"None", "None", "None", "None"}
}

func (st *state) grant(roleID int, fn moduleFunction, lv [4]string) {
	t := st.permissions[roleID]
	if t == nil {
		t = newTable[Permission](1)
		st.permissions[roleID] = t
	}
	p := &Permission{ID: st.nextPermID, ModuleIdentifier: fn.moduleID, ModuleName: fn.moduleName,
		ModuleFunctionIdentifier: fn.functionID, ModuleFunctionName: fn.functionName,
		AddLevel: lv[0], EditLevel: lv[1], DeleteLevel: lv[2], InquireLevel: lv[3]}
	st.nextPermID++
	t.insert(p)
}

func seedInfo(now time.Time) *Info {
	return &Info{LastUpdated: &now, UpdatedBy: "jsmith", DateEntered: &now, EnteredBy: "jsmith"}
}

// seed fills a new state. full adds the realistic data; without it only
// the API member, its role, the Service Desk board and a priority exist.
func seed(st *state, now time.Time, grants []Grant, full bool) {
	info := seedInfo(now)

	st.roles.insert(&SecurityRole{Name: "API Integration", RoleType: "Member", Info: info})
	for _, fn := range catalogue {
		st.grant(1, fn, levelsFor(grants, fn.functionName))
	}

	sd := &Board{Name: "Service Desk", Location: ref(1, "Main"), Department: ref(1, "Services"), Info: info}
	st.boards.insert(sd)
	sdRef := ref(sd.ID, sd.Name)
	st.members.insert(&Member{Identifier: "psabridge-api", FirstName: "psabridge", LastName: "API",
		SecurityRole: ref(1, "API Integration"), ServiceDefaultBoard: sdRef,
		DefaultLocation: ref(1, "Main"), DefaultDepartment: ref(1, "Services"),
		ServiceDefaultDepartment: ref(2, "Security Operations"), Info: info})
	st.apiMemberID = 1

	status := func(b *Ref, name string, sort int, closed, def bool, esc string) {
		st.statuses.insert(&BoardStatus{Name: name, Board: b, SortOrder: sort, ClosedStatus: closed, DefaultFlag: def, EscalationStatus: esc, Info: info})
	}
	status(sdRef, "New", 0, false, true, "NotResponded")
	status(sdRef, "In Progress", 1, false, false, "Responded")
	status(sdRef, "Waiting", 2, false, false, "Responded")
	status(sdRef, ">Closed", 3, true, false, "Resolved")
	status(sdRef, "Closed", 4, true, false, "Resolved")

	prio := func(name, color string, sort int, def bool, level string) {
		st.priorities.insert(&Priority{Name: name, Color: color, SortOrder: sort, DefaultFlag: def, Level: level, Info: info})
	}
	if !full {
		prio("Priority 3 - Normal Response", "Yellow", 3, true, "Medium")
		return
	}
	prio("Priority 1 - Emergency Response", "Red", 1, false, "High")
	prio("Priority 2 - Quick Response", "Orange", 2, false, "High")
	prio("Priority 3 - Normal Response", "Yellow", 3, true, "Medium")
	prio("Priority 4 - Scheduled Maintenance", "Green", 4, false, "Low")

	typ := func(b *Ref, name string) int {
		t := &BoardType{Name: name, Board: b, Info: info}
		st.types.insert(t)
		return t.ID
	}
	incident, request := typ(sdRef, "Incident"), typ(sdRef, "Request")
	for _, s := range []struct {
		name  string
		types []int
	}{{"Hardware", []int{incident}}, {"Software", []int{incident, request}}, {"Network", []int{incident}}, {"Access", []int{request}}} {
		st.subtypes.insert(&BoardSubType{Name: s.name, Board: sdRef, TypeAssociationIds: s.types, Info: info})
	}
	for _, name := range []string{"Workstation", "Server", "Email"} {
		st.items.insert(&BoardItem{Name: name, Board: sdRef, Info: info})
	}

	hd := &Board{Name: "Help Desk", Location: ref(1, "Main"), Department: ref(1, "Services"), Info: info}
	st.boards.insert(hd)
	hdRef := ref(hd.ID, hd.Name)
	status(hdRef, "New", 0, false, true, "NotResponded")
	status(hdRef, "Assigned", 1, false, false, "Responded")
	status(hdRef, "Completed", 2, true, false, "Resolved")
	status(hdRef, "Closed", 3, true, false, "Resolved")
	hdIncident := typ(hdRef, "Incident")
	typ(hdRef, "Problem")
	st.subtypes.insert(&BoardSubType{Name: "Email", Board: hdRef, TypeAssociationIds: []int{hdIncident}, Info: info})
	st.items.insert(&BoardItem{Name: "General", Board: hdRef, Info: info})

	st.roles.insert(&SecurityRole{Name: "Admin", RoleType: "Member", Info: info})
	for _, fn := range catalogue {
		st.grant(2, fn, [4]string{"All", "All", "All", "All"})
	}
	st.members.insert(&Member{Identifier: "jsmith", FirstName: "Jane", LastName: "Smith",
		SecurityRole: ref(2, "Admin"), ServiceDefaultBoard: hdRef,
		DefaultLocation: ref(1, "Main"), DefaultDepartment: ref(1, "Services"), Info: info})
	st.members.insert(&Member{Identifier: "olduser", FirstName: "Old", LastName: "User", InactiveFlag: true,
		SecurityRole: ref(2, "Admin"), Info: info})

	client := []Ref{{ID: 1, Name: "Client"}}
	for _, c := range []struct {
		ident, name string
		status      int
		deleted     bool
		types       []Ref
	}{
		{"CWTestMSP", "CW Test MSP", 1, false, []Ref{{ID: 5, Name: "Owner"}}},
		{"AcmeCorp", "Acme Corporation", 1, false, client},
		{"Globex", "Globex Inc.", 1, false, client},
		{"Initech", "Initech LLC", 1, false, client},
		{"Umbrella", "Umbrella Health", 1, false, client},
		{"StarkInd", "Stark Industries", 1, false, client},
		{"Hooli", "Hooli (former customer)", 2, false, client},
		{"OldCo", "Old Company Ltd", 1, true, client},
	} {
		co := &Company{Identifier: c.ident, Name: c.name, Status: ref(c.status, companyStatuses[c.status]), Types: c.types, DeletedFlag: c.deleted, Info: info}
		st.companies.insert(co)
		st.sites.insert(&Site{Name: "Main", AddressLine1: "1 Main Street", City: "Tampa", Company: companyRef(co), PrimaryAddressFlag: true, DefaultShippingFlag: true, Info: info})
		if c.ident == "CWTestMSP" || c.deleted {
			continue
		}
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		ag := &Agreement{Name: "Managed Security - " + c.name, Type: ref(1, "Managed Services"), Company: companyRef(co),
			AgreementStatus: "Active", StartDate: &start, NoEndingDateFlag: true, Info: info}
		st.agreements.insert(ag)
		st.additions.insert(&Addition{AgreementID: ag.ID, Product: &Ref{ID: 1, Identifier: "SEC-SEAT", Name: "Security awareness seat"},
			Description: "Security awareness training, per user", Quantity: 10, UnitPrice: 3.5, UnitCost: 1.25,
			BillCustomer: "Billable", EffectiveDate: &start, Info: info})
	}
}
