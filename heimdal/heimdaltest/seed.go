package heimdaltest

import "fmt"

// Seeded customer ids. Heimdal customer ids are numbers; the simulator
// serves them as JSON numbers and takes them as strings.
const (
	// ResellerID is the reseller that owns the API key; listing customers
	// under it returns the five below.
	ResellerID = "200000"
	// AcmeID, GlobexID, InitechID and UmbrellaID are customers named like
	// companies a PSA would hold.
	AcmeID     = "200101"
	GlobexID   = "200102"
	InitechID  = "200103"
	UmbrellaID = "200104"
	// ZorgonID is a customer with no counterpart in a typical PSA, to
	// exercise "no matching company" paths.
	ZorgonID = "200105"
)

type seedCustomer struct {
	id, name, email, prefix, domain string
}

var seedCustomers = []seedCustomer{
	{AcmeID, "Acme Corp", "it@acme.example", "ACME", "acme.example"},
	{GlobexID, "Globex", "helpdesk@globex.example", "GLOBEX", "globex.example"},
	{InitechID, "Initech", "support@initech.example", "INITECH", "initech.example"},
	{UmbrellaID, "Umbrella Corporation", "it@umbrella.example", "UMBRELLA", "umbrella.example"},
	{ZorgonID, "Zorgon Dynamics ApS", "admin@zorgon.example", "ZORGON", "zorgon.example"},
}

// seed fills the store; called with s.mu not yet shared. Without full,
// only the reseller exists.
func (s *Server) seed(full bool) {
	now := s.now()
	s.customers = append(s.customers, &customer{id: ResellerID, name: "Northwind Security Partners", typ: "RESELLER", email: "ops@northwind.example", created: now})
	if !full {
		return
	}
	for _, c := range seedCustomers {
		s.customers = append(s.customers, &customer{id: c.id, name: c.name, typ: "CORP", reseller: ResellerID, email: c.email, created: now})
		for _, h := range []string{"DC01", "WS01", "WS02"} {
			s.addDeviceLocked(c.id, c.prefix+"-"+h)
		}
		for _, u := range []string{"alice", "bob"} {
			s.addUserLocked(c.id, fmt.Sprintf("%s@%s", u, c.domain))
		}
	}
}
