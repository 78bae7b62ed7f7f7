package cwtest

import (
	"net/http"
	"strings"
)

// The generic collections check the member's security role as the
// hand-written routes do. The PSA guards each screen with a module
// function of its own; the spec does not say which, so the simulator maps
// a path to one module function by its longest matching prefix in
// specPermissions, and falls back to Table Setup (System), the function
// that guards the PSA's setup tables, for every path it cannot place.
//
//	path prefix               module          module function
//	company/contacts          Companies       Contacts
//	company/configurations    Companies       Configurations
//	configurations            Companies       Configurations
//	company                   Companies       Company Maintenance
//	service/boards            System          Table Setup (as the board routes)
//	service/priorities        System          Table Setup (as the priority routes)
//	service                   Service Desk    Service Tickets
//	finance/agreements        Finance         Agreements
//	finance                   Finance         Invoicing
//	project/tickets           Project         Project Tickets
//	project                   Project         Project Headers
//	time                      Time & Expense  Time Entry
//	expense                   Time & Expense  Expense Entry
//	procurement/catalog       Procurement     Product Catalog
//	procurement/products      Procurement     Product Catalog
//	procurement               Procurement     Purchasing
//	sales/activities          Sales           Sales Activities
//	sales                     Sales           Opportunities
//	marketing                 Marketing       Campaigns
//	schedule                  Schedule        Schedule Entries
//	system/members            System          Member Maintenance
//	system/apimembers         System          Member Maintenance
//	system/securityroles      System          Security Roles
//	system/myaccount          System          My Account
//	system/mycompany          System          My Company
//	anything else             System          Table Setup
//
// The level follows the verb: GET, HEAD, POST .../search and POST
// .../count need Inquire; any other POST (a create, or an action such as
// merge or copy) needs Add; PUT and PATCH need Edit; DELETE needs Delete.
// DefaultGrants holds every function of the table, so a default server
// serves every path; a role built with WithAPIMemberGrants gets the PSA's
// 403 ("Security") on the paths its grants leave out.

// Module functions the generic collections check besides those of the
// hand-written routes (resources.go).
const (
	fnContacts        = "Contacts"
	fnConfigurations  = "Configurations"
	fnInvoicing       = "Invoicing"
	fnProjectHeaders  = "Project Headers"
	fnProjectTickets  = "Project Tickets"
	fnTimeEntry       = "Time Entry"
	fnExpenseEntry    = "Expense Entry"
	fnProductCatalog  = "Product Catalog"
	fnPurchasing      = "Purchasing"
	fnSalesActivities = "Sales Activities"
	fnOpportunities   = "Opportunities"
	fnCampaigns       = "Campaigns"
	fnScheduleEntries = "Schedule Entries"
	fnMyAccount       = "My Account"
	fnMyCompany       = "My Company"
)

// specPermissions maps lower-case path prefixes to module functions; see
// the table above.
var specPermissions = map[string]string{
	"company/contacts":       fnContacts,
	"company/configurations": fnConfigurations,
	"configurations":         fnConfigurations,
	"company":                fnCompanyMaint,
	"service/boards":         fnTableSetup,
	"service/priorities":     fnTableSetup,
	"service":                fnServiceTickets,
	"finance/agreements":     fnAgreements,
	"finance":                fnInvoicing,
	"project/tickets":        fnProjectTickets,
	"project":                fnProjectHeaders,
	"time":                   fnTimeEntry,
	"expense":                fnExpenseEntry,
	"procurement/catalog":    fnProductCatalog,
	"procurement/products":   fnProductCatalog,
	"procurement":            fnPurchasing,
	"sales/activities":       fnSalesActivities,
	"sales":                  fnOpportunities,
	"marketing":              fnCampaigns,
	"schedule":               fnScheduleEntries,
	"system/members":         fnMemberMaint,
	"system/apimembers":      fnMemberMaint,
	"system/securityroles":   fnSecurityRoles,
	"system/myaccount":       fnMyAccount,
	"system/mycompany":       fnMyCompany,
}

// specPermission returns the module function and level a generic request
// needs. segs is the lower-case path after apis/3.0/.
func specPermission(method string, segs []string) (string, level) {
	function := fnTableSetup
	for n := min(len(segs), 2); n > 0; n-- {
		if f, ok := specPermissions[strings.Join(segs[:n], "/")]; ok {
			function = f
			break
		}
	}
	switch last := segs[len(segs)-1]; {
	case method == http.MethodGet || method == http.MethodHead:
		return function, levelInquire
	case method == http.MethodPost && (last == "search" || last == "count"):
		return function, levelInquire
	case method == http.MethodPost:
		return function, levelAdd
	case method == http.MethodDelete:
		return function, levelDelete
	default:
		return function, levelEdit
	}
}
