package main

// This table is the reviewed input of views.go: which spec operations
// the core package connectwise exposes as methods of its services, and
// the narrow "view" models those methods use. The core package cannot
// import the generated area packages (they import it, and a ticket-only
// program must not pay for the whole API), so it carries these few
// operations and models itself. views.go checks every entry against the
// spec and refuses to generate when one is not supported by it.
//
// Names, field lists, tags and documentation are the core API as it was
// written by hand; changing one changes a public signature or the wire.

// coreService is one service of connectwise.Client.
type coreService struct {
	Name    string // Go type, "TicketsService"
	Doc     string // godoc of the type, without the leading name
	Methods []coreMethod
}

// coreMethod is one generated method: the spec operation it sends
// (Verb on Path, matched to the spec ignoring case, because the PSA routes
// paths case-insensitively while the core package keeps its own spelling
// on the wire) and the generic helper it calls.
type coreMethod struct {
	Name string // "ListNotes"
	// Kind selects the helper: list, all, get, count, create, patch,
	// delete.
	Kind   string
	Verb   string // "get"
	Path   string // "/service/tickets/{parentId}/notes"
	Model  string // the view the method reads or writes
	Parent string // Go name of the {parentId} argument, "ticketID"
	Doc    string // godoc, without the leading method name
	// Check names a method of the body (func (*Model) Check() error) that
	// must pass before a create is sent: the hand-written rules the PSA
	// enforces but the spec does not state.
	Check string
}

// view is one narrow model of the core package: a subset of a spec
// schema's properties with value types.
type view struct {
	Name   string // Go type, "Ticket"
	Schema string // the spec schema it is a view of
	Doc    string // godoc, without the leading name
	Fields []viewField
}

// viewField is one kept property.
type viewField struct {
	Go   string // Go field name
	JSON string // exact property name in the spec
	Type string // Go type: int, float64, bool, string, Level, time.Time, Ref, []Ref, []int, *Info
	// Tag is the json option: omitempty, omitzero, or empty to always send
	// the field (as the hand-written models did for quantity and the
	// read-only system rows).
	Tag string
	Doc string // comment above the field, if any
	// Loose says why the Go type may differ from the spec's within the
	// same JSON kind (a time.Time for a date the spec types as a plain
	// string). Without it, the types must match exactly.
	Loose string
	// Beyond says why a property this spec does not list is kept, citing
	// where the PSA is known to send it. The property must then be absent
	// from the schema, so the exception goes stale loudly when the spec
	// catches up.
	Beyond string
}

var coreServices = []coreService{
	{Name: "TicketsService", Doc: "manages service tickets and their notes.", Methods: []coreMethod{
		{Name: "List", Kind: "list", Verb: "get", Path: "/service/tickets", Model: "Ticket", Doc: "returns one page of tickets."},
		{Name: "All", Kind: "all", Verb: "get", Path: "/service/tickets", Model: "Ticket", Doc: "walks every matching ticket lazily, one page in memory at a time.\nUse ForwardOnly for full scans."},
		{Name: "Get", Kind: "get", Verb: "get", Path: "/service/tickets/{id}", Model: "Ticket", Doc: "returns one ticket."},
		{Name: "Count", Kind: "count", Verb: "get", Path: "/service/tickets/count", Doc: "returns how many tickets match cond."},
		{Name: "Create", Kind: "create", Verb: "post", Path: "/service/tickets", Model: "Ticket", Check: "checkCreate", Doc: "creates a ticket. Summary (at most 100 UTF-16 units, see Length) and Company are\nchecked before anything is sent. If the error satisfies IsOutcomeUnknown,\nthe ticket may exist: look it up (by ExternalXRef) before creating again."},
		{Name: "Patch", Kind: "patch", Verb: "patch", Path: "/service/tickets/{id}", Model: "Ticket", Doc: "updates a ticket with JSON Patch operations, for example\nReplace(\"status\", Ref{ID: 12})."},
		{Name: "Delete", Kind: "delete", Verb: "delete", Path: "/service/tickets/{id}", Doc: "deletes a ticket."},
		{Name: "ListNotes", Kind: "list", Verb: "get", Path: "/service/tickets/{parentId}/notes", Model: "Note", Parent: "ticketID", Doc: "returns one page of a ticket's notes."},
		{Name: "AllNotes", Kind: "all", Verb: "get", Path: "/service/tickets/{parentId}/notes", Model: "Note", Parent: "ticketID", Doc: "walks every note of a ticket lazily."},
	}},
	{Name: "BoardsService", Doc: "manages service boards and what belongs to each board:\nstatuses, types, subtypes and items. Integrations that provision their\nown boards (Heimdal creates three) use the create methods.", Methods: []coreMethod{
		{Name: "List", Kind: "list", Verb: "get", Path: "/service/boards", Model: "Board", Doc: "returns one page of boards."},
		{Name: "All", Kind: "all", Verb: "get", Path: "/service/boards", Model: "Board", Doc: "walks every board lazily."},
		{Name: "Get", Kind: "get", Verb: "get", Path: "/service/boards/{id}", Model: "Board", Doc: "returns one board."},
		{Name: "Create", Kind: "create", Verb: "post", Path: "/service/boards", Model: "Board", Check: "checkCreate", Doc: "creates a board. Name, location and department are checked\nbefore anything is sent (see BoardError)."},
		{Name: "Patch", Kind: "patch", Verb: "patch", Path: "/service/boards/{id}", Model: "Board", Doc: "updates a board with JSON Patch operations."},
		{Name: "Delete", Kind: "delete", Verb: "delete", Path: "/service/boards/{id}", Doc: "deletes a board."},
		{Name: "ListStatuses", Kind: "list", Verb: "get", Path: "/service/boards/{parentId}/statuses", Model: "BoardStatus", Parent: "boardID", Doc: "returns one page of a board's statuses."},
		{Name: "AllStatuses", Kind: "all", Verb: "get", Path: "/service/boards/{parentId}/statuses", Model: "BoardStatus", Parent: "boardID", Doc: "walks every status of a board lazily."},
		{Name: "CreateStatus", Kind: "create", Verb: "post", Path: "/service/boards/{parentId}/statuses", Model: "BoardStatus", Parent: "boardID", Doc: "adds a status to a board."},
		{Name: "PatchStatus", Kind: "patch", Verb: "patch", Path: "/service/boards/{parentId}/statuses/{id}", Model: "BoardStatus", Parent: "boardID", Doc: "updates a board status."},
		{Name: "ListTypes", Kind: "list", Verb: "get", Path: "/service/boards/{parentId}/types", Model: "BoardType", Parent: "boardID", Doc: "returns one page of a board's ticket types."},
		{Name: "AllTypes", Kind: "all", Verb: "get", Path: "/service/boards/{parentId}/types", Model: "BoardType", Parent: "boardID", Doc: "walks every type of a board lazily."},
		{Name: "CreateType", Kind: "create", Verb: "post", Path: "/service/boards/{parentId}/types", Model: "BoardType", Parent: "boardID", Doc: "adds a ticket type to a board."},
		{Name: "ListSubTypes", Kind: "list", Verb: "get", Path: "/service/boards/{parentId}/subtypes", Model: "BoardSubType", Parent: "boardID", Doc: "returns one page of a board's subtypes."},
		{Name: "AllSubTypes", Kind: "all", Verb: "get", Path: "/service/boards/{parentId}/subtypes", Model: "BoardSubType", Parent: "boardID", Doc: "walks every subtype of a board lazily."},
		{Name: "CreateSubType", Kind: "create", Verb: "post", Path: "/service/boards/{parentId}/subtypes", Model: "BoardSubType", Parent: "boardID", Doc: "adds a subtype to a board."},
		{Name: "ListItems", Kind: "list", Verb: "get", Path: "/service/boards/{parentId}/items", Model: "BoardItem", Parent: "boardID", Doc: "returns one page of a board's items."},
		{Name: "AllItems", Kind: "all", Verb: "get", Path: "/service/boards/{parentId}/items", Model: "BoardItem", Parent: "boardID", Doc: "walks every item of a board lazily."},
		{Name: "CreateItem", Kind: "create", Verb: "post", Path: "/service/boards/{parentId}/items", Model: "BoardItem", Parent: "boardID", Doc: "adds an item to a board."},
	}},
	{Name: "PrioritiesService", Doc: "reads ticket priorities. Priorities are global, not\nper board.", Methods: []coreMethod{
		{Name: "List", Kind: "list", Verb: "get", Path: "/service/priorities", Model: "Priority", Doc: "returns one page of priorities."},
		{Name: "All", Kind: "all", Verb: "get", Path: "/service/priorities", Model: "Priority", Doc: "walks every priority lazily."},
		{Name: "Get", Kind: "get", Verb: "get", Path: "/service/priorities/{id}", Model: "Priority", Doc: "returns one priority."},
	}},
	{Name: "AgreementsService", Doc: "reads agreements and updates their additions, which is\nhow per-seat billing (for example a security awareness product's user\ncount) reaches invoices.", Methods: []coreMethod{
		{Name: "List", Kind: "list", Verb: "get", Path: "/finance/agreements", Model: "Agreement", Doc: "returns one page of agreements."},
		{Name: "All", Kind: "all", Verb: "get", Path: "/finance/agreements", Model: "Agreement", Doc: "walks every agreement lazily."},
		{Name: "Get", Kind: "get", Verb: "get", Path: "/finance/agreements/{id}", Model: "Agreement", Doc: "returns one agreement."},
		{Name: "ListAdditions", Kind: "list", Verb: "get", Path: "/finance/agreements/{parentId}/additions", Model: "Addition", Parent: "agreementID", Doc: "returns one page of an agreement's additions."},
		{Name: "AllAdditions", Kind: "all", Verb: "get", Path: "/finance/agreements/{parentId}/additions", Model: "Addition", Parent: "agreementID", Doc: "walks every addition of an agreement lazily."},
		{Name: "PatchAddition", Kind: "patch", Verb: "patch", Path: "/finance/agreements/{parentId}/additions/{id}", Model: "Addition", Parent: "agreementID", Doc: "updates an addition, typically its quantity:\nReplace(\"quantity\", 42)."},
	}},
	{Name: "CompaniesService", Doc: "reads companies (the PSA's customers) and their sites.", Methods: []coreMethod{
		{Name: "List", Kind: "list", Verb: "get", Path: "/company/companies", Model: "Company", Doc: "returns one page of companies."},
		{Name: "All", Kind: "all", Verb: "get", Path: "/company/companies", Model: "Company", Doc: "walks every company lazily."},
		{Name: "Get", Kind: "get", Verb: "get", Path: "/company/companies/{id}", Model: "Company", Doc: "returns one company."},
		{Name: "Count", Kind: "count", Verb: "get", Path: "/company/companies/count", Doc: "returns how many companies match cond."},
		{Name: "ListSites", Kind: "list", Verb: "get", Path: "/company/companies/{parentId}/sites", Model: "CompanySite", Parent: "companyID", Doc: "returns one page of a company's sites."},
		{Name: "AllSites", Kind: "all", Verb: "get", Path: "/company/companies/{parentId}/sites", Model: "CompanySite", Parent: "companyID", Doc: "walks every site of a company lazily."},
	}},
	{Name: "MembersService", Doc: "reads PSA members (people and API members).", Methods: []coreMethod{
		{Name: "List", Kind: "list", Verb: "get", Path: "/system/members", Model: "Member", Doc: "returns one page of members."},
		{Name: "All", Kind: "all", Verb: "get", Path: "/system/members", Model: "Member", Doc: "walks every member lazily."},
		{Name: "Get", Kind: "get", Verb: "get", Path: "/system/members/{id}", Model: "Member", Doc: "returns one member."},
	}},
	{Name: "SecurityRolesService", Doc: "reads security roles and their per-function settings.", Methods: []coreMethod{
		{Name: "List", Kind: "list", Verb: "get", Path: "/system/securityroles", Model: "SecurityRole", Doc: "returns one page of security roles."},
		{Name: "All", Kind: "all", Verb: "get", Path: "/system/securityroles", Model: "SecurityRole", Doc: "walks every security role lazily."},
		{Name: "Get", Kind: "get", Verb: "get", Path: "/system/securityroles/{id}", Model: "SecurityRole", Doc: "returns one security role."},
		{Name: "ListSettings", Kind: "list", Verb: "get", Path: "/system/securityroles/{parentId}/settings", Model: "SecurityRoleSetting", Parent: "roleID", Doc: "returns one page of a role's settings."},
		{Name: "AllSettings", Kind: "all", Verb: "get", Path: "/system/securityroles/{parentId}/settings", Model: "SecurityRoleSetting", Parent: "roleID", Doc: "walks every setting of a role lazily."},
	}},
	{Name: "SystemService", Doc: "reads system information and what the API member itself\nmay do.", Methods: []coreMethod{
		{Name: "Info", Kind: "get", Verb: "get", Path: "/system/info", Model: "SystemInfo", Doc: "returns /system/info. It is the cheapest authenticated call, which\nmakes it the connection test."},
	}},
}

// Types the views may use and the spec shape each one stands for.
var views = []view{
	{Name: "Ticket", Schema: "Ticket", Doc: "is a service ticket. Board, Status, Company and the others are\nreferences: set their ID to point at an object.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Summary", JSON: "summary", Type: "string", Tag: "omitempty"},
		{Go: "RecordType", JSON: "recordType", Type: "string", Tag: "omitempty"},
		{Go: "Board", JSON: "board", Type: "Ref", Tag: "omitzero"},
		{Go: "Status", JSON: "status", Type: "Ref", Tag: "omitzero"},
		{Go: "Company", JSON: "company", Type: "Ref", Tag: "omitzero"},
		{Go: "Type", JSON: "type", Type: "Ref", Tag: "omitzero"},
		{Go: "SubType", JSON: "subType", Type: "Ref", Tag: "omitzero"},
		{Go: "Item", JSON: "item", Type: "Ref", Tag: "omitzero"},
		{Go: "Priority", JSON: "priority", Type: "Ref", Tag: "omitzero"},
		{Go: "InitialDescription", JSON: "initialDescription", Type: "string", Tag: "omitempty"},
		{Go: "ExternalXRef", JSON: "externalXRef", Type: "string", Tag: "omitempty"},
		{Go: "EstimatedStartDate", JSON: "estimatedStartDate", Type: "time.Time", Tag: "omitzero"},
		{Go: "RequiredDate", JSON: "requiredDate", Type: "time.Time", Tag: "omitzero"},
		{Go: "ClosedFlag", JSON: "closedFlag", Type: "bool", Tag: "omitempty"},
		{Go: "ClosedDate", JSON: "closedDate", Type: "time.Time", Tag: "omitzero", Loose: "the PSA sends closedDate in its date-time format; the spec types it as a plain string"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "Note", Schema: "ServiceNote", Doc: "is a ticket note.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "TicketID", JSON: "ticketId", Type: "int", Tag: "omitempty"},
		{Go: "Text", JSON: "text", Type: "string", Tag: "omitempty"},
		{Go: "DetailDescriptionFlag", JSON: "detailDescriptionFlag", Type: "bool", Tag: "omitempty"},
		{Go: "InternalAnalysisFlag", JSON: "internalAnalysisFlag", Type: "bool", Tag: "omitempty"},
		{Go: "ResolutionFlag", JSON: "resolutionFlag", Type: "bool", Tag: "omitempty"},
		{Go: "DateCreated", JSON: "dateCreated", Type: "time.Time", Tag: "omitzero", Loose: "the PSA sends dateCreated in its date-time format; the spec types it as a plain string"},
		{Go: "CreatedBy", JSON: "createdBy", Type: "string", Tag: "omitempty"},
	}},
	{Name: "Board", Schema: "Board", Doc: "is a service board.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "Location", JSON: "location", Type: "Ref", Tag: "omitzero"},
		{Go: "Department", JSON: "department", Type: "Ref", Tag: "omitzero"},
		{Go: "InactiveFlag", JSON: "inactiveFlag", Type: "bool", Tag: "omitempty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "BoardStatus", Schema: "BoardStatus", Doc: "is a status on a board. ClosedStatus statuses close the\nticket; the PSA spells the inactive field \"inactive\" here, unlike the\n\"inactiveFlag\" of types and items.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "Board", JSON: "board", Type: "Ref", Tag: "omitzero"},
		{Go: "SortOrder", JSON: "sortOrder", Type: "int", Tag: "omitempty"},
		{Go: "Inactive", JSON: "inactive", Type: "bool", Tag: "omitempty"},
		{Go: "ClosedStatus", JSON: "closedStatus", Type: "bool", Tag: "omitempty"},
		{Go: "DefaultFlag", JSON: "defaultFlag", Type: "bool", Tag: "omitempty"},
		{Go: "EscalationStatus", JSON: "escalationStatus", Type: "string", Tag: "omitempty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "BoardType", Schema: "BoardType", Doc: "is a ticket type on a board.", Fields: boardChild()},
	{Name: "BoardSubType", Schema: "BoardSubType", Doc: "is a ticket subtype on a board; TypeAssociationIDs lists\nthe types it may be combined with.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "Board", JSON: "board", Type: "Ref", Tag: "omitzero"},
		{Go: "InactiveFlag", JSON: "inactiveFlag", Type: "bool", Tag: "omitempty"},
		{Go: "TypeAssociationIDs", JSON: "typeAssociationIds", Type: "[]int", Tag: "omitempty", Loose: "the ids are record ids (integers); the spec types the array's items as number"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "BoardItem", Schema: "BoardItem", Doc: "is a ticket item on a board.", Fields: boardChild()},
	{Name: "Priority", Schema: "Priority", Doc: "is a ticket priority.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "Color", JSON: "color", Type: "string", Tag: "omitempty"},
		{Go: "SortOrder", JSON: "sortOrder", Type: "int", Tag: "omitempty"},
		{Go: "DefaultFlag", JSON: "defaultFlag", Type: "bool", Tag: "omitempty"},
		{Go: "Level", JSON: "level", Type: "string", Tag: "omitempty", Beyond: "the 2025.1 model has level (psa-wire-facts.md, Priority row: S1 model_priority.go); older servers leave it empty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "Agreement", Schema: "Agreement", Doc: "is a billing agreement with a company.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "Type", JSON: "type", Type: "Ref", Tag: "omitzero"},
		{Go: "Company", JSON: "company", Type: "Ref", Tag: "omitzero"},
		{Go: "NoEnding", JSON: "noEndingDateFlag", Type: "bool", Tag: "omitempty", Doc: "The PSA's name is noEndingDateFlag (psa-wire-facts #3, connectwise/WIREFACTS.md §3)."},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "Addition", Schema: "Addition", Doc: "is a product line on an agreement; Quantity is what gets billed.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Product", JSON: "product", Type: "Ref", Tag: "omitzero"},
		{Go: "Quantity", JSON: "quantity", Type: "float64", Doc: "Always sent: a quantity of 0 is a real value."},
		{Go: "Description", JSON: "description", Type: "string", Tag: "omitempty"},
		{Go: "AgreementID", JSON: "agreementId", Type: "int", Tag: "omitempty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "Company", Schema: "Company", Doc: "is a PSA company.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Identifier", JSON: "identifier", Type: "string", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "Status", JSON: "status", Type: "Ref", Tag: "omitzero"},
		{Go: "Types", JSON: "types", Type: "[]Ref", Tag: "omitempty"},
		{Go: "DeletedFlag", JSON: "deletedFlag", Type: "bool", Tag: "omitempty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "CompanySite", Schema: "CompanySite", Doc: "is one of a company's sites (locations).", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "InactiveFlag", JSON: "inactiveFlag", Type: "bool", Tag: "omitempty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "Member", Schema: "Member", Doc: "is a PSA member.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Identifier", JSON: "identifier", Type: "string", Tag: "omitempty"},
		{Go: "FirstName", JSON: "firstName", Type: "string", Tag: "omitempty"},
		{Go: "LastName", JSON: "lastName", Type: "string", Tag: "omitempty"},
		{Go: "InactiveFlag", JSON: "inactiveFlag", Type: "bool", Tag: "omitempty"},
		{Go: "SecurityRole", JSON: "securityRole", Type: "Ref", Tag: "omitzero"},
		{Go: "ServiceDefaultBoard", JSON: "serviceDefaultBoard", Type: "Ref", Tag: "omitzero"},
		{Go: "DefaultLocation", JSON: "defaultLocation", Type: "Ref", Tag: "omitzero", Doc: "Where the member's records go by default; see BoardDefaults."},
		{Go: "DefaultDepartment", JSON: "defaultDepartment", Type: "Ref", Tag: "omitzero"},
		{Go: "ServiceDefaultLocation", JSON: "serviceDefaultLocation", Type: "Ref", Tag: "omitzero"},
		{Go: "ServiceDefaultDepartment", JSON: "serviceDefaultDepartment", Type: "Ref", Tag: "omitzero"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "SecurityRole", Schema: "SecurityRole", Doc: "is a PSA security role.", Fields: []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "RoleType", JSON: "roleType", Type: "string", Tag: "omitempty", Beyond: "the 2025.1 model has roleType (psa-wire-facts.md, SecurityRole row: S1); older servers leave it empty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}},
	{Name: "SecurityRoleSetting", Schema: "SecurityRoleSetting", Doc: "is one module function's levels in a role.", Fields: append([]viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
	}, permissionFields("omitempty")...)},
	{Name: "SystemInfo", Schema: "Info", Doc: "is the answer of /system/info.", Fields: []viewField{
		{Go: "Version", JSON: "version", Type: "string"},
		{Go: "IsCloud", JSON: "isCloud", Type: "bool"},
		{Go: "ServerTimeZone", JSON: "serverTimeZone", Type: "string"},
		{Go: "CloudRegion", JSON: "cloudRegion", Type: "string", Tag: "omitempty"},
	}},
	{Name: "Permission", Schema: "MySecurity", Doc: "is one row of /system/mySecurity: the caller's levels for one\nmodule function.", Fields: permissionFields("")},
}

// boardChild is the shape of a board's types and items.
func boardChild() []viewField {
	return []viewField{
		{Go: "ID", JSON: "id", Type: "int", Tag: "omitempty"},
		{Go: "Name", JSON: "name", Type: "string", Tag: "omitempty"},
		{Go: "Board", JSON: "board", Type: "Ref", Tag: "omitzero"},
		{Go: "InactiveFlag", JSON: "inactiveFlag", Type: "bool", Tag: "omitempty"},
		{Go: "Info", JSON: "_info", Type: "*Info", Tag: "omitempty"},
	}
}

// permissionFields is a module function's levels, shared by a role's
// settings and the caller's own permissions.
func permissionFields(tag string) []viewField {
	return []viewField{
		{Go: "ModuleIdentifier", JSON: "moduleIdentifier", Type: "string", Tag: tag},
		{Go: "ModuleName", JSON: "moduleName", Type: "string", Tag: tag},
		{Go: "ModuleFunctionIdentifier", JSON: "moduleFunctionIdentifier", Type: "string", Tag: tag},
		{Go: "ModuleFunctionName", JSON: "moduleFunctionName", Type: "string", Tag: tag},
		{Go: "AddLevel", JSON: "addLevel", Type: "Level", Tag: tag},
		{Go: "EditLevel", JSON: "editLevel", Type: "Level", Tag: tag},
		{Go: "DeleteLevel", JSON: "deleteLevel", Type: "Level", Tag: tag},
		{Go: "InquireLevel", JSON: "inquireLevel", Type: "Level", Tag: tag},
	}
}
