package cwtest

import "time"

// The simulator's records use the PSA's JSON field names. They are the
// simulator's own types, deliberately separate from the client's, so a
// client bug cannot hide behind a shared definition.
//
// Stored records are never modified in place: every change stores a new
// copy, so snapshots handed to tests and to encoders stay consistent.

// Ref is a reference to another record, as the PSA embeds it:
// {"id":1,"name":"Service Desk","_info":{...}}. Company references also
// carry identifier.
type Ref struct {
	ID         int               `json:"id"`
	Identifier string            `json:"identifier,omitempty"`
	Name       string            `json:"name,omitempty"`
	Info       map[string]string `json:"_info,omitempty"`
}

// Info is the _info block of a record.
type Info struct {
	LastUpdated *time.Time `json:"lastUpdated,omitempty"`
	UpdatedBy   string     `json:"updatedBy,omitempty"`
	DateEntered *time.Time `json:"dateEntered,omitempty"`
	EnteredBy   string     `json:"enteredBy,omitempty"`
}

// Ticket is a service ticket (/service/tickets).
type Ticket struct {
	ID                 int        `json:"id"`
	Summary            string     `json:"summary"`
	RecordType         string     `json:"recordType,omitempty"`
	Board              *Ref       `json:"board,omitempty"`
	Status             *Ref       `json:"status,omitempty"`
	Company            *Ref       `json:"company,omitempty"`
	Type               *Ref       `json:"type,omitempty"`
	SubType            *Ref       `json:"subType,omitempty"`
	Item               *Ref       `json:"item,omitempty"`
	Priority           *Ref       `json:"priority,omitempty"`
	InitialDescription string     `json:"initialDescription,omitempty"`
	ExternalXRef       string     `json:"externalXRef,omitempty"`
	EstimatedStartDate *time.Time `json:"estimatedStartDate,omitempty"`
	RequiredDate       *time.Time `json:"requiredDate,omitempty"`
	ClosedFlag         bool       `json:"closedFlag"`
	ClosedDate         *time.Time `json:"closedDate,omitempty"`
	Info               *Info      `json:"_info,omitempty"`
}

// Note is a ticket note (/service/tickets/{id}/notes).
type Note struct {
	ID                    int        `json:"id"`
	TicketID              int        `json:"ticketId"`
	Text                  string     `json:"text"`
	DetailDescriptionFlag bool       `json:"detailDescriptionFlag"`
	InternalAnalysisFlag  bool       `json:"internalAnalysisFlag"`
	ResolutionFlag        bool       `json:"resolutionFlag"`
	DateCreated           *time.Time `json:"dateCreated,omitempty"`
	CreatedBy             string     `json:"createdBy,omitempty"`
	Info                  *Info      `json:"_info,omitempty"`
}

// Board is a service board (/service/boards).
type Board struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Location     *Ref   `json:"location,omitempty"`
	Department   *Ref   `json:"department,omitempty"`
	InactiveFlag bool   `json:"inactiveFlag"`
	Info         *Info  `json:"_info,omitempty"`
}

// BoardStatus is a board's ticket status (/service/boards/{id}/statuses).
// Note the PSA spells its flag "inactive", not "inactiveFlag".
type BoardStatus struct {
	ID               int    `json:"id"`
	Name             string `json:"name"`
	Board            *Ref   `json:"board,omitempty"`
	SortOrder        int    `json:"sortOrder"`
	Inactive         bool   `json:"inactive"`
	ClosedStatus     bool   `json:"closedStatus"`
	DefaultFlag      bool   `json:"defaultFlag"`
	EscalationStatus string `json:"escalationStatus,omitempty"`
	Info             *Info  `json:"_info,omitempty"`
}

// BoardType is a board's ticket type (/service/boards/{id}/types).
type BoardType struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Board        *Ref   `json:"board,omitempty"`
	InactiveFlag bool   `json:"inactiveFlag"`
	Info         *Info  `json:"_info,omitempty"`
}

// BoardSubType is a board's ticket subtype (/service/boards/{id}/subtypes).
// TypeAssociationIds lists the types it may be combined with; empty means
// any.
type BoardSubType struct {
	ID                 int    `json:"id"`
	Name               string `json:"name"`
	Board              *Ref   `json:"board,omitempty"`
	InactiveFlag       bool   `json:"inactiveFlag"`
	TypeAssociationIds []int  `json:"typeAssociationIds,omitempty"`
	Info               *Info  `json:"_info,omitempty"`
}

// BoardItem is a board's ticket item (/service/boards/{id}/items).
type BoardItem struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Board        *Ref   `json:"board,omitempty"`
	InactiveFlag bool   `json:"inactiveFlag"`
	Info         *Info  `json:"_info,omitempty"`
}

// Priority is a ticket priority (/service/priorities).
type Priority struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color,omitempty"`
	SortOrder   int    `json:"sortOrder"`
	DefaultFlag bool   `json:"defaultFlag"`
	Level       string `json:"level,omitempty"`
	Info        *Info  `json:"_info,omitempty"`
}

// Company is a customer company (/company/companies). Status is a
// reference to "Active" or "Inactive".
type Company struct {
	ID          int    `json:"id"`
	Identifier  string `json:"identifier"`
	Name        string `json:"name"`
	Status      *Ref   `json:"status,omitempty"`
	Types       []Ref  `json:"types,omitempty"`
	DeletedFlag bool   `json:"deletedFlag"`
	Info        *Info  `json:"_info,omitempty"`
}

// Site is a company site (/company/companies/{id}/sites).
type Site struct {
	ID                  int    `json:"id"`
	Name                string `json:"name"`
	AddressLine1        string `json:"addressLine1,omitempty"`
	City                string `json:"city,omitempty"`
	Company             *Ref   `json:"company,omitempty"`
	DefaultShippingFlag bool   `json:"defaultShippingFlag"`
	PrimaryAddressFlag  bool   `json:"primaryAddressFlag"`
	InactiveFlag        bool   `json:"inactiveFlag"`
	Info                *Info  `json:"_info,omitempty"`
}

// Member is a PSA member (/system/members), human or API.
type Member struct {
	ID                  int    `json:"id"`
	Identifier          string `json:"identifier"`
	FirstName           string `json:"firstName,omitempty"`
	LastName            string `json:"lastName,omitempty"`
	InactiveFlag        bool   `json:"inactiveFlag"`
	SecurityRole        *Ref   `json:"securityRole,omitempty"`
	ServiceDefaultBoard *Ref   `json:"serviceDefaultBoard,omitempty"`
	// The member's default location and department, and the more specific
	// ones for service boards (PSA Member/MyMember).
	DefaultLocation          *Ref  `json:"defaultLocation,omitempty"`
	DefaultDepartment        *Ref  `json:"defaultDepartment,omitempty"`
	ServiceDefaultLocation   *Ref  `json:"serviceDefaultLocation,omitempty"`
	ServiceDefaultDepartment *Ref  `json:"serviceDefaultDepartment,omitempty"`
	Info                     *Info `json:"_info,omitempty"`
}

// SecurityRole is a role (/system/securityroles).
type SecurityRole struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	RoleType string `json:"roleType,omitempty"`
	Info     *Info  `json:"_info,omitempty"`
}

// Permission is one module function's levels in a security role, as
// /system/mySecurity and /system/securityroles/{id}/settings report it.
// Levels are "None", "My" or "All".
type Permission struct {
	ID                       int    `json:"id"`
	ModuleIdentifier         string `json:"moduleIdentifier"`
	ModuleName               string `json:"moduleName"`
	ModuleFunctionIdentifier string `json:"moduleFunctionIdentifier"`
	ModuleFunctionName       string `json:"moduleFunctionName"`
	AddLevel                 string `json:"addLevel"`
	EditLevel                string `json:"editLevel"`
	DeleteLevel              string `json:"deleteLevel"`
	InquireLevel             string `json:"inquireLevel"`
}

// Agreement is a billing agreement (/finance/agreements).
type Agreement struct {
	ID               int        `json:"id"`
	Name             string     `json:"name"`
	Type             *Ref       `json:"type,omitempty"`
	Company          *Ref       `json:"company,omitempty"`
	AgreementStatus  string     `json:"agreementStatus,omitempty"`
	StartDate        *time.Time `json:"startDate,omitempty"`
	NoEndingDateFlag bool       `json:"noEndingDateFlag"`
	CancelledFlag    bool       `json:"cancelledFlag"`
	Info             *Info      `json:"_info,omitempty"`
}

// Addition is a product on an agreement (/finance/agreements/{id}/additions);
// billing flows keep Quantity in step with the licences in use.
type Addition struct {
	ID            int        `json:"id"`
	AgreementID   int        `json:"agreementId"`
	Product       *Ref       `json:"product,omitempty"`
	Description   string     `json:"description,omitempty"`
	Quantity      float64    `json:"quantity"`
	UnitPrice     float64    `json:"unitPrice"`
	UnitCost      float64    `json:"unitCost"`
	BillCustomer  string     `json:"billCustomer,omitempty"`
	EffectiveDate *time.Time `json:"effectiveDate,omitempty"`
	CancelledDate *time.Time `json:"cancelledDate,omitempty"`
	Info          *Info      `json:"_info,omitempty"`
}

// The record methods let the generic store and handlers read ids and
// stamp _info without reflection.

func (t *Ticket) recID() int            { return t.ID }
func (t *Ticket) setRecID(id int)       { t.ID = id }
func (t *Ticket) info() **Info          { return &t.Info }
func (n *Note) recID() int              { return n.ID }
func (n *Note) setRecID(id int)         { n.ID = id }
func (n *Note) info() **Info            { return &n.Info }
func (b *Board) recID() int             { return b.ID }
func (b *Board) setRecID(id int)        { b.ID = id }
func (b *Board) info() **Info           { return &b.Info }
func (s *BoardStatus) recID() int       { return s.ID }
func (s *BoardStatus) setRecID(id int)  { s.ID = id }
func (s *BoardStatus) info() **Info     { return &s.Info }
func (s *BoardType) recID() int         { return s.ID }
func (s *BoardType) setRecID(id int)    { s.ID = id }
func (s *BoardType) info() **Info       { return &s.Info }
func (s *BoardSubType) recID() int      { return s.ID }
func (s *BoardSubType) setRecID(id int) { s.ID = id }
func (s *BoardSubType) info() **Info    { return &s.Info }
func (s *BoardItem) recID() int         { return s.ID }
func (s *BoardItem) setRecID(id int)    { s.ID = id }
func (s *BoardItem) info() **Info       { return &s.Info }
func (p *Priority) recID() int          { return p.ID }
func (p *Priority) setRecID(id int)     { p.ID = id }
func (p *Priority) info() **Info        { return &p.Info }
func (c *Company) recID() int           { return c.ID }
func (c *Company) setRecID(id int)      { c.ID = id }
func (c *Company) info() **Info         { return &c.Info }
func (s *Site) recID() int              { return s.ID }
func (s *Site) setRecID(id int)         { s.ID = id }
func (s *Site) info() **Info            { return &s.Info }
func (m *Member) recID() int            { return m.ID }
func (m *Member) setRecID(id int)       { m.ID = id }
func (m *Member) info() **Info          { return &m.Info }
func (r *SecurityRole) recID() int      { return r.ID }
func (r *SecurityRole) setRecID(id int) { r.ID = id }
func (r *SecurityRole) info() **Info    { return &r.Info }
func (p *Permission) recID() int        { return p.ID }
func (p *Permission) setRecID(id int)   { p.ID = id }
func (p *Permission) info() **Info      { return nil }
func (a *Agreement) recID() int         { return a.ID }
func (a *Agreement) setRecID(id int)    { a.ID = id }
func (a *Agreement) info() **Info       { return &a.Info }
func (a *Addition) recID() int          { return a.ID }
func (a *Addition) setRecID(id int)     { a.ID = id }
func (a *Addition) info() **Info        { return &a.Info }
