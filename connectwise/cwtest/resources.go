package cwtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf16"
)

// Module functions, as named in the PSA's security roles.
const (
	fnServiceTickets = "Service Tickets"
	fnCloseTickets   = "Close Service Tickets"
	fnCompanyMaint   = "Company Maintenance"
	fnTableSetup     = "Table Setup"
	fnMemberMaint    = "Member Maintenance"
	fnSecurityRoles  = "Security Roles"
	fnAgreements     = "Agreements"
)

func ref(id int, name string) *Ref { return &Ref{ID: id, Name: name} }

func companyRef(c *Company) *Ref {
	return &Ref{ID: c.ID, Identifier: c.Identifier, Name: c.Name}
}

func required(field string) fieldError {
	return fieldError{Code: "NullValue", Message: fmt.Sprintf("The %s field is required.", field), Field: field}
}

// maxLen counts as the PSA (ASP.NET on SQL Server nvarchar) does: in
// UTF-16 code units, so an emoji costs two (connectwise/WIREFACTS.md §7).
func maxLen(field string, v string, n int) *fieldError {
	if len(utf16.Encode([]rune(v))) > n {
		return &fieldError{Code: "MaxLengthField", Message: fmt.Sprintf("The field %s must be a string with a maximum length of %d.", field, n), Field: field}
	}
	return nil
}

func isZeroRef(r *Ref) bool { return r == nil || (r.ID == 0 && r.Name == "" && r.Identifier == "") }

// findIn resolves a reference by id, else by name (or identifier), among
// rows that keep accepts.
func findIn[T any, P record[T]](tab *table[T, P], r *Ref, name func(P) string, keep func(P) bool) P {
	if r.ID > 0 {
		p := P(tab.get(r.ID))
		if p != nil && (keep == nil || keep(p)) {
			return p
		}
		return nil
	}
	want := r.Name
	if want == "" {
		want = r.Identifier
	}
	for _, row := range tab.rows {
		p := P(row)
		if (keep == nil || keep(p)) && strings.EqualFold(name(p), want) {
			return p
		}
	}
	return nil
}

func refLabel(r *Ref) string {
	if r.ID > 0 {
		return itoa(r.ID)
	}
	if r.Name != "" {
		return fmt.Sprintf("'%s'", r.Name)
	}
	return fmt.Sprintf("'%s'", r.Identifier)
}

// defaultBoard is where a ticket without a board goes: the member's
// default service board, else the first active board.
func (st *state) defaultBoard(m Member) *Board {
	if m.ServiceDefaultBoard != nil {
		if b := st.boards.get(m.ServiceDefaultBoard.ID); b != nil && !b.InactiveFlag {
			return b
		}
	}
	for _, b := range st.boards.rows {
		if !b.InactiveFlag {
			return b
		}
	}
	return nil
}

func (st *state) defaultStatus(boardID int) *BoardStatus {
	var best *BoardStatus
	for _, s := range st.statuses.rows {
		if s.Board == nil || s.Board.ID != boardID || s.Inactive {
			continue
		}
		if s.DefaultFlag {
			return s
		}
		if best == nil || s.SortOrder < best.SortOrder {
			best = s
		}
	}
	return best
}

func (st *state) defaultPriority() *Priority {
	for _, p := range st.priorities.rows {
		if p.DefaultFlag {
			return p
		}
	}
	if len(st.priorities.rows) > 0 {
		return st.priorities.rows[0]
	}
	return nil
}

// boardRecord is a board's status, type, subtype or item.
type boardRecord[T any] interface {
	stampedRecord[T]
	boardSlot() **Ref
	label() string
}

func onBoard[P interface{ boardSlot() **Ref }](boardID int) func(P) bool {
	return func(p P) bool { b := *p.boardSlot(); return b != nil && b.ID == boardID }
}

func (s *BoardStatus) boardSlot() **Ref  { return &s.Board }
func (s *BoardType) boardSlot() **Ref    { return &s.Board }
func (s *BoardSubType) boardSlot() **Ref { return &s.Board }
func (s *BoardItem) boardSlot() **Ref    { return &s.Board }
func (s *BoardStatus) label() string     { return s.Name }
func (s *BoardType) label() string       { return s.Name }
func (s *BoardSubType) label() string    { return s.Name }
func (s *BoardItem) label() string       { return s.Name }
func (p *Priority) label() string        { return p.Name }

// boardChild builds the kind of a board's statuses, types, subtypes or
// items: kept under the board in the path, named uniquely on it (at most
// 50 characters), checked further by check when it is not nil.
func boardChild[T any, P boardRecord[T]](resource string, tab func(*state) *table[T, P], check func(st *state, r P) *apiError) *kind[T, P] {
	return &kind[T, P]{
		resource: resource, perm: fnTableSetup, tab: tab,
		parentOf:  func(r P) int { return (*r.boardSlot()).ID },
		setParent: func(st *state, r P, id int) { *r.boardSlot() = setBoardRef(st, &Ref{ID: id}) },
		parentErr: existsIn("board", boards.tab),
		prepare: func(c *call, st *state, r, old P) *apiError {
			dup := uniqueName(tab(st), r.recID(), r.label(), P.label, onBoard[P]((*r.boardSlot()).ID))
			if e := checkName(resource, r.label(), 50, dup); e != nil || check == nil {
				return e
			}
			return check(st, r)
		},
	}
}

// pickOnBoard resolves a ticket's optional reference *r among a board's
// records: it names the record (id and name) and returns it, clears an
// empty reference, or records the PSA's NotFound and returns nil.
func pickOnBoard[T any, P boardRecord[T]](tab *table[T, P], r **Ref, boardID int, what, field string, errs *[]fieldError) P {
	if isZeroRef(*r) {
		*r = nil
		return nil
	}
	p := findIn(tab, *r, P.label, onBoard[P](boardID))
	if p == nil {
		*errs = append(*errs, fieldError{Code: "NotFound", Message: fmt.Sprintf("%s %s not found for Service Board %d", what, refLabel(*r), boardID), Field: field})
		return nil
	}
	*r = ref(p.recID(), p.label())
	return p
}

// prepareTicket applies the PSA's ticket rules: required fields, defaults,
// references resolved by id (names filled in) and checked against the
// ticket's board, closedFlag following the status.
func prepareTicket(c *call, st *state, t, old *Ticket) *apiError {
	var errs []fieldError
	add := func(fe *fieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	now := c.s.now()
	if strings.TrimSpace(t.Summary) == "" {
		errs = append(errs, required("summary"))
	} else {
		add(maxLen("summary", t.Summary, 100))
	}
	switch strings.ToLower(t.RecordType) {
	case "", "serviceticket":
		t.RecordType = "ServiceTicket"
	case "projectticket":
		t.RecordType = "ProjectTicket"
	case "projectissue":
		t.RecordType = "ProjectIssue"
	default:
		errs = append(errs, fieldError{Code: "InvalidField", Message: fmt.Sprintf("recordType '%s' is not one of ServiceTicket, ProjectTicket, ProjectIssue.", t.RecordType), Field: "recordType"})
	}
	add(maxLen("externalXRef", t.ExternalXRef, 100))

	if isZeroRef(t.Company) {
		errs = append(errs, required("company"))
	} else if co := findIn(st.companies, t.Company, func(c *Company) string { return c.Identifier }, nil); co == nil || co.DeletedFlag {
		errs = append(errs, fieldError{Code: "NotFound", Message: fmt.Sprintf("Company %s not found", refLabel(t.Company)), Field: "company/id"})
	} else {
		changed := old == nil || old.Company == nil || old.Company.ID != co.ID
		if changed && co.Status != nil && strings.EqualFold(co.Status.Name, "Inactive") {
			errs = append(errs, fieldError{Code: "InvalidField", Message: fmt.Sprintf("Company %s has status Inactive, which does not allow saving tickets", co.Identifier), Field: "company/id"})
		}
		t.Company = companyRef(co)
	}

	var board *Board
	if isZeroRef(t.Board) {
		if board = st.defaultBoard(c.member); board == nil {
			errs = append(errs, required("board"))
		}
	} else if board = findIn(st.boards, t.Board, func(b *Board) string { return b.Name }, nil); board == nil {
		errs = append(errs, fieldError{Code: "NotFound", Message: fmt.Sprintf("Service Board %s not found", refLabel(t.Board)), Field: "board/id"})
	} else if board.InactiveFlag && (old == nil || old.Board == nil || old.Board.ID != board.ID) {
		errs = append(errs, fieldError{Code: "InvalidField", Message: fmt.Sprintf("Service Board '%s' is inactive", board.Name), Field: "board/id"})
		board = nil
	}
	if board != nil {
		t.Board = ref(board.ID, board.Name)
		if isZeroRef(t.Status) {
			if s := st.defaultStatus(board.ID); s != nil {
				t.Status = ref(s.ID, s.Name)
			} else {
				errs = append(errs, fieldError{Code: "NullValue", Message: fmt.Sprintf("Service Board '%s' has no statuses", board.Name), Field: "status"})
			}
		} else if s := findIn(st.statuses, t.Status, (*BoardStatus).label, onBoard[*BoardStatus](board.ID)); s == nil {
			errs = append(errs, fieldError{Code: "NotFound", Message: fmt.Sprintf("Service Status %s not found for Service Board %d", refLabel(t.Status), board.ID), Field: "status/id"})
		} else if s.Inactive && (old == nil || old.Status == nil || old.Status.ID != s.ID) {
			errs = append(errs, fieldError{Code: "InvalidField", Message: fmt.Sprintf("Service Status '%s' is inactive", s.Name), Field: "status/id"})
		} else {
			t.Status = ref(s.ID, s.Name)
		}
		typ := pickOnBoard(st.types, &t.Type, board.ID, "Service Type", "type/id", &errs)
		if sub := pickOnBoard(st.subtypes, &t.SubType, board.ID, "Service SubType", "subType/id", &errs); sub != nil && typ != nil &&
			len(sub.TypeAssociationIds) > 0 && !slices.Contains(sub.TypeAssociationIds, typ.ID) {
			errs = append(errs, fieldError{Code: "InvalidField", Message: fmt.Sprintf("Service SubType '%s' is not associated with Service Type '%s'", sub.Name, typ.Name), Field: "subType/id"})
		}
		pickOnBoard(st.items, &t.Item, board.ID, "Service Item", "item/id", &errs)
	}
	if isZeroRef(t.Priority) {
		if p := st.defaultPriority(); p != nil {
			t.Priority = ref(p.ID, p.Name)
		}
	} else if p := findIn(st.priorities, t.Priority, (*Priority).label, nil); p == nil {
		errs = append(errs, fieldError{Code: "NotFound", Message: fmt.Sprintf("Priority %s not found", refLabel(t.Priority)), Field: "priority/id"})
	} else {
		t.Priority = ref(p.ID, p.Name)
	}
	if len(errs) > 0 {
		return invalid("ticket", errs...)
	}

	t.EstimatedStartDate = normTime(t.EstimatedStartDate)
	t.RequiredDate = normTime(t.RequiredDate)
	status := st.statuses.get(t.Status.ID)
	t.ClosedFlag = status.ClosedStatus
	switch {
	case !t.ClosedFlag:
		t.ClosedDate = nil
	case old != nil && old.ClosedFlag:
		t.ClosedDate = old.ClosedDate
	default:
		t.ClosedDate = &now
		lv := levelAdd
		if old != nil {
			lv = levelEdit
		}
		if e := st.can(c.member, fnCloseTickets, lv); e != nil {
			return e
		}
	}
	if old != nil {
		// initialDescription only seeds the first note.
		t.InitialDescription = old.InitialDescription
	}
	return nil
}

func afterTicket(c *call, st *state, t, old *Ticket) {
	if old != nil || t.InitialDescription == "" {
		return
	}
	now := c.s.now()
	st.notes.insert(&Note{TicketID: t.ID, Text: t.InitialDescription, DetailDescriptionFlag: true,
		DateCreated: &now, CreatedBy: c.member.Identifier,
		Info: &Info{DateEntered: &now, EnteredBy: c.member.Identifier, LastUpdated: &now, UpdatedBy: c.member.Identifier}})
}

func (st *state) deleteTicket(id int) {
	st.tickets.remove(id)
	st.notes.rows = slices.DeleteFunc(st.notes.rows, func(n *Note) bool { return n.TicketID == id })
}

var tickets = &kind[Ticket, *Ticket]{
	resource: "ticket", perm: fnServiceTickets,
	tab:     func(st *state) *table[Ticket, *Ticket] { return st.tickets },
	prepare: prepareTicket,
	after:   afterTicket,
	remove: func(c *call, st *state, t *Ticket) *apiError {
		st.deleteTicket(t.ID)
		return nil
	},
}

var notes = &kind[Note, *Note]{
	resource: "note", perm: fnServiceTickets,
	tab:       func(st *state) *table[Note, *Note] { return st.notes },
	parentOf:  func(n *Note) int { return n.TicketID },
	setParent: func(_ *state, n *Note, id int) { n.TicketID = id },
	parentErr: existsIn("ticket", tickets.tab),
	prepare: func(c *call, st *state, n, old *Note) *apiError {
		if strings.TrimSpace(n.Text) == "" {
			return invalid("note", required("text"))
		}
		if !n.DetailDescriptionFlag && !n.InternalAnalysisFlag && !n.ResolutionFlag {
			return invalid("note", fieldError{Code: "InvalidField", Message: "One of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true.", Field: "detailDescriptionFlag"})
		}
		if old != nil {
			n.DateCreated, n.CreatedBy = old.DateCreated, old.CreatedBy
		} else {
			now := c.s.now()
			n.DateCreated, n.CreatedBy = &now, c.member.Identifier
		}
		return nil
	},
}

// existsIn is the parentErr of a kind nested under records of tab: a
// missing parent is the PSA's 404 naming it.
func existsIn[T any, P record[T]](resource string, tab func(*state) *table[T, P]) func(*state, int) *apiError {
	return func(st *state, id int) *apiError {
		if tab(st).get(id) == nil {
			return notFound(resource, id)
		}
		return nil
	}
}

// uniqueName reports ObjectExists when another record among rows has name.
func uniqueName[T any, P record[T]](tab *table[T, P], self int, name string, nameOf func(P) string, keep func(P) bool) *fieldError {
	for _, row := range tab.rows {
		p := P(row)
		if p.recID() != self && (keep == nil || keep(p)) && strings.EqualFold(strings.TrimSpace(nameOf(p)), strings.TrimSpace(name)) {
			return &fieldError{Code: "ObjectExists", Message: "The name is already in use.", Field: "name"}
		}
	}
	return nil
}

func checkName(resource, name string, n int, dup *fieldError) *apiError {
	if strings.TrimSpace(name) == "" {
		return invalid(resource, required("name"))
	}
	if fe := maxLen("name", name, n); fe != nil {
		return invalid(resource, *fe)
	}
	if dup != nil {
		return invalid(resource, *dup)
	}
	return nil
}

var boards = &kind[Board, *Board]{
	resource: "board", perm: fnTableSetup,
	tab: func(st *state) *table[Board, *Board] { return st.boards },
	prepare: func(c *call, st *state, b, old *Board) *apiError {
		if e := checkName("board", b.Name, 50, uniqueName(st.boards, b.ID, b.Name, func(x *Board) string { return x.Name }, nil)); e != nil {
			return e
		}
		// The PSA requires both (its generated model, connectwise/WIREFACTS.md §2);
		// the sub-code of its 400 is not public, NullValue is a guess.
		if isZeroRef(b.Location) {
			return invalid("board", required("location"))
		}
		if isZeroRef(b.Department) {
			return invalid("board", required("department"))
		}
		return nil
	},
	after: func(c *call, st *state, b, old *Board) {
		if old != nil && old.Name != b.Name {
			st.renameBoard(b)
		}
	},
	remove: func(c *call, st *state, b *Board) *apiError {
		st.deleteBoard(b.ID)
		return nil
	},
}

// renameBoard keeps references to a renamed board current, as the PSA's
// joins would.
func (st *state) renameBoard(b *Board) {
	for i, t := range st.tickets.rows {
		if t.Board != nil && t.Board.ID == b.ID {
			cp := *t
			cp.Board = ref(b.ID, b.Name)
			st.tickets.rows[i] = &cp
		}
	}
}

func (st *state) deleteBoard(id int) {
	st.boards.remove(id)
	drop := func(r *Ref) bool { return r != nil && r.ID == id }
	st.statuses.rows = slices.DeleteFunc(st.statuses.rows, func(s *BoardStatus) bool { return drop(s.Board) })
	st.types.rows = slices.DeleteFunc(st.types.rows, func(s *BoardType) bool { return drop(s.Board) })
	st.subtypes.rows = slices.DeleteFunc(st.subtypes.rows, func(s *BoardSubType) bool { return drop(s.Board) })
	st.items.rows = slices.DeleteFunc(st.items.rows, func(s *BoardItem) bool { return drop(s.Board) })
}

func setBoardRef(st *state, r *Ref) *Ref {
	if b := st.boards.get(r.ID); b != nil {
		return ref(b.ID, b.Name)
	}
	return r
}

var statuses = boardChild("status", func(st *state) *table[BoardStatus, *BoardStatus] { return st.statuses }, nil).
	withAfter(func(c *call, st *state, s, old *BoardStatus) {
		// One default status a board: a new default demotes the old one.
		if !s.DefaultFlag {
			return
		}
		for i, o := range st.statuses.rows {
			if o.ID != s.ID && o.DefaultFlag && o.Board.ID == s.Board.ID {
				cp := *o
				cp.DefaultFlag = false
				st.statuses.rows[i] = &cp
			}
		}
	})

var types = boardChild("type", func(st *state) *table[BoardType, *BoardType] { return st.types }, nil)

var subtypes = boardChild("subType", func(st *state) *table[BoardSubType, *BoardSubType] { return st.subtypes },
	func(st *state, s *BoardSubType) *apiError {
		for _, id := range s.TypeAssociationIds {
			if t := st.types.get(id); t == nil || t.Board.ID != s.Board.ID {
				return invalid("subType", fieldError{Code: "NotFound", Message: fmt.Sprintf("Service Type %d not found for Service Board %d", id, s.Board.ID), Field: "typeAssociationIds"})
			}
		}
		return nil
	})

var items = boardChild("item", func(st *state) *table[BoardItem, *BoardItem] { return st.items }, nil)

var priorities = &kind[Priority, *Priority]{
	resource: "priority", perm: fnTableSetup,
	tab: func(st *state) *table[Priority, *Priority] { return st.priorities },
	prepare: func(c *call, st *state, p, old *Priority) *apiError {
		return checkName("priority", p.Name, 50, uniqueName(st.priorities, p.ID, p.Name, func(x *Priority) string { return x.Name }, nil))
	},
}

var companyStatuses = map[int]string{1: "Active", 2: "Inactive"}

var companies = &kind[Company, *Company]{
	resource: "company", perm: fnCompanyMaint,
	tab: func(st *state) *table[Company, *Company] { return st.companies },
	prepare: func(c *call, st *state, co, old *Company) *apiError {
		switch {
		case strings.TrimSpace(co.Identifier) == "":
			return invalid("company", required("identifier"))
		case strings.ContainsAny(co.Identifier, " \t"):
			return invalid("company", fieldError{Code: "InvalidField", Message: "The identifier may not contain spaces.", Field: "identifier"})
		}
		if fe := maxLen("identifier", co.Identifier, 25); fe != nil {
			return invalid("company", *fe)
		}
		if fe := uniqueIdentifier(st.companies, co.ID, co.Identifier, func(x *Company) string { return x.Identifier }); fe != nil {
			return invalid("company", *fe)
		}
		if e := checkName("company", co.Name, 50, nil); e != nil {
			return e
		}
		if isZeroRef(co.Status) {
			co.Status = ref(1, "Active")
		} else if name, ok := companyStatuses[co.Status.ID]; ok {
			co.Status = ref(co.Status.ID, name)
		} else {
			return invalid("company", fieldError{Code: "NotFound", Message: fmt.Sprintf("Company Status %s not found", refLabel(co.Status)), Field: "status/id"})
		}
		return nil
	},
	remove: func(c *call, st *state, co *Company) *apiError {
		st.softDeleteCompany(co.ID)
		return nil
	},
}

func (st *state) softDeleteCompany(id int) bool {
	co := st.companies.get(id)
	if co == nil {
		return false
	}
	cp := *co
	cp.DeletedFlag = true
	st.companies.replace(&cp)
	return true
}

var sites = &kind[Site, *Site]{
	resource: "site", perm: fnCompanyMaint,
	tab:      func(st *state) *table[Site, *Site] { return st.sites },
	parentOf: func(s *Site) int { return s.Company.ID },
	setParent: func(st *state, s *Site, id int) {
		if co := st.companies.get(id); co != nil {
			s.Company = companyRef(co)
		}
	},
	parentErr: existsIn("company", companies.tab),
	prepare:   func(c *call, st *state, s, old *Site) *apiError { return checkName("site", s.Name, 50, nil) },
}

// checkText collects the PSA's required-field and maximum-length errors
// for the text fields of a hand-written record. required lists the
// fields that may not be blank; every field is bounded by its limit.
func checkText(resource string, fields []textField) *apiError {
	var errs []fieldError
	for _, f := range fields {
		switch {
		case f.required && strings.TrimSpace(f.value) == "":
			errs = append(errs, required(f.name))
		case f.limit > 0:
			if fe := maxLen(f.name, f.value, f.limit); fe != nil {
				errs = append(errs, *fe)
			}
		}
	}
	if len(errs) > 0 {
		return invalid(resource, errs...)
	}
	return nil
}

// textField is one text field checkText checks, with the spec's limit.
type textField struct {
	name, value string
	required    bool
	limit       int
}

var members = &kind[Member, *Member]{
	resource: "member", perm: fnMemberMaint,
	tab: func(st *state) *table[Member, *Member] { return st.members },
	// The spec requires more (licenseClass, hireDate, email and phone
	// defaults) than Member models; the identifier and the names are
	// what the other routes rely on.
	prepare: func(c *call, st *state, m, old *Member) *apiError {
		if e := checkText("member", []textField{{"identifier", m.Identifier, true, 15}, {"firstName", m.FirstName, true, 30}, {"lastName", m.LastName, true, 30}}); e != nil {
			return e
		}
		if strings.ContainsAny(m.Identifier, " \t") {
			return invalid("member", fieldError{Code: "InvalidField", Message: "The identifier may not contain spaces.", Field: "identifier"})
		}
		if fe := uniqueIdentifier(st.members, m.ID, m.Identifier, func(x *Member) string { return x.Identifier }); fe != nil {
			return invalid("member", *fe)
		}
		if !isZeroRef(m.SecurityRole) {
			r := findIn(st.roles, m.SecurityRole, func(r *SecurityRole) string { return r.Name }, nil)
			if r == nil {
				return invalid("member", fieldError{Code: "NotFound", Message: fmt.Sprintf("Security Role %s not found", refLabel(m.SecurityRole)), Field: "securityRole/id"})
			}
			m.SecurityRole = ref(r.ID, r.Name)
		}
		if !isZeroRef(m.ServiceDefaultBoard) {
			b := findIn(st.boards, m.ServiceDefaultBoard, func(b *Board) string { return b.Name }, nil)
			if b == nil {
				return invalid("member", fieldError{Code: "NotFound", Message: fmt.Sprintf("Service Board %s not found", refLabel(m.ServiceDefaultBoard)), Field: "serviceDefaultBoard/id"})
			}
			m.ServiceDefaultBoard = ref(b.ID, b.Name)
		}
		return nil
	},
}

// uniqueIdentifier reports ObjectExists when another record of tab has
// identifier (case-insensitive, as the PSA's collation compares).
func uniqueIdentifier[T any, P record[T]](tab *table[T, P], self int, identifier string, of func(P) string) *fieldError {
	for _, row := range tab.rows {
		if p := P(row); p.recID() != self && strings.EqualFold(of(p), identifier) {
			return &fieldError{Code: "ObjectExists", Message: "The identifier is already in use.", Field: "identifier"}
		}
	}
	return nil
}

var roles = &kind[SecurityRole, *SecurityRole]{
	resource: "securityRole", perm: fnSecurityRoles,
	tab: func(st *state) *table[SecurityRole, *SecurityRole] { return st.roles },
	prepare: func(c *call, st *state, r, old *SecurityRole) *apiError {
		if r.RoleType == "" {
			r.RoleType = "Member"
		}
		return checkName("securityRole", r.Name, 30, uniqueName(st.roles, r.ID, r.Name, func(x *SecurityRole) string { return x.Name }, nil))
	},
	// A role that members hold stays: deleting it would leave them
	// without permissions, which the PSA refuses.
	remove: func(c *call, st *state, r *SecurityRole) *apiError {
		for _, m := range st.members.rows {
			if m.SecurityRole != nil && m.SecurityRole.ID == r.ID {
				return invalid("securityRole", fieldError{Code: "InUse", Message: fmt.Sprintf("Security Role '%s' is assigned to member %s.", r.Name, m.Identifier), Field: "id"})
			}
		}
		st.roles.remove(r.ID)
		delete(st.permissions, r.ID)
		return nil
	},
}

var agreements = &kind[Agreement, *Agreement]{
	resource: "agreement", perm: fnAgreements,
	tab: func(st *state) *table[Agreement, *Agreement] { return st.agreements },
	prepare: func(c *call, st *state, a, old *Agreement) *apiError {
		if e := checkText("agreement", []textField{{"name", a.Name, true, 100}}); e != nil {
			return e
		}
		if !isZeroRef(a.Company) {
			co := findIn(st.companies, a.Company, func(c *Company) string { return c.Identifier }, nil)
			if co == nil || co.DeletedFlag {
				return invalid("agreement", fieldError{Code: "NotFound", Message: fmt.Sprintf("Company %s not found", refLabel(a.Company)), Field: "company/id"})
			}
			a.Company = companyRef(co)
		}
		a.StartDate = normTime(a.StartDate)
		return nil
	},
	// Additions belong to their agreement and go with it.
	remove: func(c *call, st *state, a *Agreement) *apiError {
		st.agreements.remove(a.ID)
		st.additions.rows = slices.DeleteFunc(st.additions.rows, func(x *Addition) bool { return x.AgreementID == a.ID })
		return nil
	},
}

var additions = &kind[Addition, *Addition]{
	resource: "addition", perm: fnAgreements,
	tab:       func(st *state) *table[Addition, *Addition] { return st.additions },
	parentOf:  func(a *Addition) int { return a.AgreementID },
	setParent: func(_ *state, a *Addition, id int) { a.AgreementID = id },
	parentErr: existsIn("agreement", agreements.tab),
	prepare: func(c *call, st *state, a, old *Addition) *apiError {
		if a.Quantity < 0 {
			return invalid("addition", fieldError{Code: "OutOfRange", Message: "The quantity must not be negative.", Field: "quantity"})
		}
		if isZeroRef(a.Product) {
			return invalid("addition", required("product"))
		}
		a.EffectiveDate, a.CancelledDate = normTime(a.EffectiveDate), normTime(a.CancelledDate)
		return nil
	},
}

// routes is the API surface, matched against lower-cased paths.
var routes = buildRoutes()

func buildRoutes() []route {
	var rs []route
	add := func(r ...route) { rs = append(rs, r...) }
	add(
		route{http.MethodGet, []string{"system", "info"}, "", levelNone, systemInfo},
		route{http.MethodGet, []string{"system", "mymembers"}, "", levelNone, myMember},
		route{http.MethodGet, []string{"system", "mysecurity"}, "", levelNone, mySecurity(false)},
		route{http.MethodGet, []string{"system", "mysecurity", "count"}, "", levelNone, mySecurity(true)},
		route{http.MethodGet, []string{"system", "securityroles", "#", "settings"}, fnSecurityRoles, levelInquire, roleSettingsList(false)},
		route{http.MethodGet, []string{"system", "securityroles", "#", "settings", "count"}, fnSecurityRoles, levelInquire, roleSettingsList(true)},
	)
	add(routesFor(members, "system/members", ops{create: true, update: true})...)
	add(routesFor(roles, "system/securityroles", ops{create: true, delete: true})...)
	add(routesFor(boards, "service/boards", ops{create: true, update: true, delete: true})...)
	add(routesFor(statuses, "service/boards/#/statuses", ops{create: true, update: true, delete: true})...)
	add(routesFor(types, "service/boards/#/types", ops{create: true, update: true, delete: true})...)
	add(routesFor(subtypes, "service/boards/#/subtypes", ops{create: true, update: true, delete: true})...)
	add(routesFor(items, "service/boards/#/items", ops{create: true, update: true, delete: true})...)
	add(routesFor(priorities, "service/priorities", ops{create: true, update: true, delete: true})...)
	add(routesFor(tickets, "service/tickets", ops{create: true, search: true, update: true, delete: true})...)
	add(routesFor(notes, "service/tickets/#/notes", ops{create: true, update: true, delete: true})...)
	add(routesFor(companies, "company/companies", ops{create: true, search: true, update: true, delete: true})...)
	add(routesFor(sites, "company/companies/#/sites", ops{create: true, update: true, delete: true})...)
	add(routesFor(agreements, "finance/agreements", ops{create: true, update: true, delete: true})...)
	add(routesFor(additions, "finance/agreements/#/additions", ops{create: true, update: true, delete: true})...)
	add(routesFor(callbackEntries, "system/callbacks", ops{create: true, update: true, delete: true})...)
	return rs
}

func systemInfo(c *call) {
	writeJSON(c.w, http.StatusOK, map[string]any{
		"version":        "v2025.1.12345",
		"isCloud":        false,
		"serverTimeZone": "Eastern Standard Time",
		"cloudRegion":    "NA",
		"licenseBits":    []any{},
	})
}

func myMember(c *call) {
	c.s.mu.RLock()
	m := c.s.st.members.get(c.member.ID)
	c.s.mu.RUnlock()
	writeRecord(c, http.StatusOK, m)
}

func mySecurity(count bool) func(*call) {
	return func(c *call) {
		roleID := 0
		if c.member.SecurityRole != nil {
			roleID = c.member.SecurityRole.ID
		}
		permissionList(c, roleID, count)
	}
}

func roleSettingsList(count bool) func(*call) {
	return func(c *call) {
		c.s.mu.RLock()
		exists := c.s.st.roles.get(c.ids[0]) != nil
		c.s.mu.RUnlock()
		if !exists {
			writeError(c.w, notFound("securityRole", c.ids[0]))
			return
		}
		permissionList(c, c.ids[0], count)
	}
}

func permissionList(c *call, roleID int, count bool) {
	p, e := parseListParams(c.r, false)
	if e != nil {
		writeError(c.w, e)
		return
	}
	rows := func() []*Permission {
		if t := c.s.st.permissions[roleID]; t != nil {
			return t.rows
		}
		return nil
	}
	if count {
		runCount[Permission](c, "securityRoleSetting", p, rows, nil)
		return
	}
	runList[Permission, *Permission](c, "securityRoleSetting", p, rows, nil)
}
