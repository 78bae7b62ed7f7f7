package cwtest

import (
	"fmt"
	"strings"
	"time"
)

// State access for tests and examples. Helpers that add records trust
// their caller: they fill in reference names and defaults but skip the
// API's validation, and panic on references that do not exist, since that
// is a bug in the test.

// Tickets returns a snapshot of every ticket, in id order.
func (s *Server) Tickets() []Ticket { return snapshotOf(s, tickets.tab) }

// Ticket returns one ticket.
func (s *Server) Ticket(id int) (Ticket, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t := s.st.tickets.get(id); t != nil {
		return *t, true
	}
	return Ticket{}, false
}

// AddTickets inserts n tickets quickly (100,000 take well under a second)
// and returns the first new id; ids are consecutive. Each ticket starts on
// the API member's default board with its default status, the default
// priority, the first active client company (AcmeCorp in the seed data)
// and summary "Ticket <id>"; fill (which may be nil) can change anything.
// References are resolved by id and closedFlag follows the status. fill
// runs without the Server's lock, so it may call the Server's methods.
func (s *Server) AddTickets(n int, fill func(i int, t *Ticket)) int {
	// Defaults are read under the lock, but fill runs without it so that it
	// may call the Server's other methods (Companies, BoardByName...).
	s.mu.Lock()
	st := s.st
	now := s.now()
	m := st.members.get(st.apiMemberID)
	var defBoard, defStatus, defPrio, defCompany *Ref
	if b := st.defaultBoard(*m); b != nil {
		defBoard = ref(b.ID, b.Name)
		if ds := st.defaultStatus(b.ID); ds != nil {
			defStatus = ref(ds.ID, ds.Name)
		}
	}
	if p := st.defaultPriority(); p != nil {
		defPrio = ref(p.ID, p.Name)
	}
	for _, c := range st.companies.rows {
		if !c.DeletedFlag && (c.Status == nil || c.Status.Name != "Inactive") && !isOwner(c) {
			defCompany = companyRef(c)
			break
		}
	}
	info := &Info{LastUpdated: &now, UpdatedBy: m.Identifier, DateEntered: &now, EnteredBy: m.Identifier}
	next := st.tickets.nextID
	s.mu.Unlock()

	tickets := make([]*Ticket, n)
	for i := range tickets {
		// The id fill sees is provisional: a concurrent insert may move it.
		t := &Ticket{ID: next + i, Summary: "Ticket " + itoa(next+i), RecordType: "ServiceTicket",
			Board: defBoard, Status: defStatus, Priority: defPrio, Company: defCompany, Info: info}
		if fill != nil {
			fill(i, t)
		}
		tickets[i] = t
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	first := st.tickets.nextID
	st.tickets.rows = append(make([]*Ticket, 0, len(st.tickets.rows)+n), st.tickets.rows...)
	for i, t := range tickets {
		if t.Summary == "Ticket "+itoa(next+i) {
			t.Summary = "Ticket " + itoa(first+i)
		}
		t.ID = first + i
		if fill != nil {
			s.resolveLoose(t, defBoard, defStatus, defPrio, defCompany)
		}
		st.closeOnStatus(t, now)
		st.tickets.rows = append(st.tickets.rows, t)
		st.tickets.nextID++
	}
	return first
}

// isOwner reports the MSP's own company, which does not get tickets.
func isOwner(c *Company) bool {
	for _, t := range c.Types {
		if t.Name == "Owner" {
			return true
		}
	}
	return false
}

// resolveLoose fills names of references a test set by id, panicking on
// ids that do not exist. Caller holds the lock.
func (s *Server) resolveLoose(t *Ticket, defBoard, defStatus, defPrio, defCompany *Ref) {
	st := s.st
	if t.Board != nil && t.Board != defBoard {
		b := st.boards.get(t.Board.ID)
		if b == nil {
			panic(fmt.Sprintf("cwtest: ticket board %d does not exist", t.Board.ID))
		}
		t.Board = ref(b.ID, b.Name)
		if t.Status == defStatus && defStatus != nil {
			// The default status belongs to the default board.
			t.Status = nil
			if ds := st.defaultStatus(b.ID); ds != nil {
				t.Status = ref(ds.ID, ds.Name)
			}
		}
	}
	resolve := func(r **Ref, what string, name func(id int) (string, bool)) {
		if *r == nil || *r == defStatus || *r == defPrio {
			return
		}
		n, ok := name((*r).ID)
		if !ok {
			panic(fmt.Sprintf("cwtest: ticket %s %d does not exist", what, (*r).ID))
		}
		*r = ref((*r).ID, n)
	}
	resolve(&t.Status, "status", labelOf(st.statuses))
	resolve(&t.Type, "type", labelOf(st.types))
	resolve(&t.SubType, "subType", labelOf(st.subtypes))
	resolve(&t.Item, "item", labelOf(st.items))
	resolve(&t.Priority, "priority", labelOf(st.priorities))
	if t.Company != nil && t.Company != defCompany {
		c := st.companies.get(t.Company.ID)
		if c == nil {
			panic(fmt.Sprintf("cwtest: ticket company %d does not exist", t.Company.ID))
		}
		t.Company = companyRef(c)
	}
	t.EstimatedStartDate = normTime(t.EstimatedStartDate)
	t.RequiredDate = normTime(t.RequiredDate)
	t.ClosedDate = normTime(t.ClosedDate)
}

// labelOf looks up the name of a record of tab by id.
func labelOf[T any, P interface {
	record[T]
	label() string
}](tab *table[T, P]) func(id int) (string, bool) {
	return func(id int) (string, bool) {
		if x := P(tab.get(id)); x != nil {
			return x.label(), true
		}
		return "", false
	}
}

// UpdateTicket changes a ticket as a technician would in the PSA's UI
// (no API validation); closedFlag follows the status. It reports whether
// the ticket exists.
func (s *Server) UpdateTicket(id int, change func(t *Ticket)) bool {
	return updateStored(s, tickets.tab, id, func(cp, old *Ticket) {
		change(cp)
		cp.ID = id
		s.resolveLoose(cp, nil, nil, nil, nil)
		now := s.now()
		cp.ClosedFlag = false
		s.st.closeOnStatus(cp, now)
		if !cp.ClosedFlag {
			cp.ClosedDate = nil
		}
		stamp(cp, old, now, "jsmith")
	})
}

// closeOnStatus closes t (dated now unless it has a date) when its status
// is a closed one; it leaves an open ticket as it is. Caller holds the lock.
func (st *state) closeOnStatus(t *Ticket, now time.Time) {
	if t.Status == nil {
		return
	}
	if ds := st.statuses.get(t.Status.ID); ds != nil && ds.ClosedStatus {
		t.ClosedFlag = true
		if t.ClosedDate == nil {
			t.ClosedDate = &now
		}
	}
}

// DeleteTicket removes a ticket and its notes.
func (s *Server) DeleteTicket(id int) bool {
	return deleteStored(s, tickets.tab, id, (*state).deleteTicket)
}

// Notes returns a ticket's notes.
func (s *Server) Notes(ticketID int) []Note {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.notes.snapshot(func(n *Note) bool { return n.TicketID == ticketID })
}

// Boards returns every service board.
func (s *Server) Boards() []Board { return snapshotOf(s, boards.tab) }

// BoardByName finds a board by name, case-insensitively.
func (s *Server) BoardByName(name string) (Board, bool) {
	return findFold(s, boards.tab, func(b *Board) string { return b.Name }, name)
}

// AddBoard stores a board (id assigned) and returns it. Add its statuses
// with AddStatus: tickets need at least one.
func (s *Server) AddBoard(b Board) Board {
	return addStored(s, boards.tab, b, func(b *Board) {
		if isZeroRef(b.Location) {
			b.Location = ref(1, "Main")
		}
		if isZeroRef(b.Department) {
			b.Department = ref(1, "Services")
		}
	})
}

// DeleteBoard removes a board with its statuses, types, subtypes and
// items, as an administrator would; tickets keep their stale reference.
func (s *Server) DeleteBoard(id int) bool {
	return deleteStored(s, boards.tab, id, (*state).deleteBoard)
}

// boardRef resolves a board for the Add* helpers. Caller holds the lock.
func (s *Server) boardRef(id int) *Ref {
	b := s.st.boards.get(id)
	if b == nil {
		panic(fmt.Sprintf("cwtest: board %d does not exist", id))
	}
	return ref(b.ID, b.Name)
}

// Statuses returns a board's statuses.
func (s *Server) Statuses(boardID int) []BoardStatus { return onBoardOf(s, statuses, boardID) }

// AddStatus adds a status to a board and returns it.
func (s *Server) AddStatus(boardID int, x BoardStatus) BoardStatus {
	return addOnBoard(s, statuses, boardID, x)
}

// Types returns a board's ticket types.
func (s *Server) Types(boardID int) []BoardType { return onBoardOf(s, types, boardID) }

// AddType adds a ticket type to a board and returns it.
func (s *Server) AddType(boardID int, x BoardType) BoardType { return addOnBoard(s, types, boardID, x) }

// SubTypes returns a board's ticket subtypes.
func (s *Server) SubTypes(boardID int) []BoardSubType { return onBoardOf(s, subtypes, boardID) }

// AddSubType adds a ticket subtype to a board and returns it.
func (s *Server) AddSubType(boardID int, x BoardSubType) BoardSubType {
	return addOnBoard(s, subtypes, boardID, x)
}

// Items returns a board's ticket items.
func (s *Server) Items(boardID int) []BoardItem { return onBoardOf(s, items, boardID) }

// AddItem adds a ticket item to a board and returns it.
func (s *Server) AddItem(boardID int, x BoardItem) BoardItem { return addOnBoard(s, items, boardID, x) }

// onBoardOf snapshots the records of kind k on a board.
func onBoardOf[T any, P boardRecord[T]](s *Server, k *kind[T, P], boardID int) []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return k.tab(s.st).snapshot(func(x *T) bool { return k.parentOf(P(x)) == boardID })
}

// addOnBoard stores x (id assigned) on a board, without the API's
// validation, and returns it.
func addOnBoard[T any, P boardRecord[T]](s *Server, k *kind[T, P], boardID int, x T) T {
	return addStored(s, k.tab, x, func(p P) { *p.boardSlot() = s.boardRef(boardID) })
}

// Priorities returns every priority.
func (s *Server) Priorities() []Priority { return snapshotOf(s, priorities.tab) }

// Companies returns every company, deleted ones included.
func (s *Server) Companies() []Company { return snapshotOf(s, companies.tab) }

// CompanyByIdentifier finds a company by identifier, case-insensitively.
func (s *Server) CompanyByIdentifier(identifier string) (Company, bool) {
	return findFold(s, companies.tab, func(c *Company) string { return c.Identifier }, identifier)
}

// AddCompany stores a company (id assigned; status Active unless set) and
// returns it.
func (s *Server) AddCompany(c Company) Company {
	return addStored(s, companies.tab, c, func(c *Company) {
		if isZeroRef(c.Status) {
			c.Status = ref(1, "Active")
		}
	})
}

// DeleteCompany deletes a company the way the PSA does: it stays readable
// with deletedFlag true, and new tickets cannot reference it.
func (s *Server) DeleteCompany(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.softDeleteCompany(id)
}

// SetCompanyInactive sets a company's status to Inactive (or back to
// Active); an inactive company cannot receive new tickets.
func (s *Server) SetCompanyInactive(id int, inactive bool) bool {
	return updateStored(s, companies.tab, id, func(cp, old *Company) {
		cp.Status = ref(1, "Active")
		if inactive {
			cp.Status = ref(2, "Inactive")
		}
		stamp(cp, old, s.now(), "jsmith")
	})
}

// Members returns every member.
func (s *Server) Members() []Member { return snapshotOf(s, members.tab) }

// APIMember returns the member the Config credentials belong to.
func (s *Server) APIMember() Member {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return *s.st.members.get(s.st.apiMemberID)
}

// SetMemberDefaultBoard sets a member's default service board; boardID 0
// clears it, so tickets without a board go to the first board.
func (s *Server) SetMemberDefaultBoard(memberID, boardID int) bool {
	return updateStored(s, members.tab, memberID, func(cp, _ *Member) {
		cp.ServiceDefaultBoard = nil
		if boardID != 0 {
			cp.ServiceDefaultBoard = s.boardRef(boardID)
		}
	})
}

// Permissions returns the API member's security role settings.
func (s *Server) Permissions() []Permission {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.st.members.get(s.st.apiMemberID)
	if t := s.st.permissions[m.SecurityRole.ID]; t != nil {
		return t.snapshot(nil)
	}
	return nil
}

// SetPermission sets the API member's levels ("None", "My" or "All") for a
// module function such as "Service Tickets" or "Table Setup". Unknown
// function names are added under a "Custom" module.
func (s *Server) SetPermission(moduleFunctionName, add, edit, del, inquire string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	roleID := st.members.get(st.apiMemberID).SecurityRole.ID
	lv := [4]string{add, edit, del, inquire}
	for i := range lv {
		if lv[i] == "" {
			lv[i] = "None"
		}
	}
	if t := st.permissions[roleID]; t != nil {
		for _, p := range t.rows {
			if strings.EqualFold(p.ModuleFunctionName, moduleFunctionName) {
				cp := *p
				cp.AddLevel, cp.EditLevel, cp.DeleteLevel, cp.InquireLevel = lv[0], lv[1], lv[2], lv[3]
				t.replace(&cp)
				return
			}
		}
	}
	fn := moduleFunction{"Custom", "Custom", strings.ReplaceAll(moduleFunctionName, " ", "_"), moduleFunctionName}
	for _, c := range catalogue {
		if strings.EqualFold(c.functionName, moduleFunctionName) {
			fn = c
		}
	}
	st.grant(roleID, fn, lv)
}

// RevokePermission sets every level of a module function to None for the
// API member.
func (s *Server) RevokePermission(moduleFunctionName string) {
	s.SetPermission(moduleFunctionName, "None", "None", "None", "None")
}

// RevokeCredentials makes every later API call answer 401, as when the
// API key is deleted in the PSA.
func (s *Server) RevokeCredentials() { s.setRevoked(true) }

// RestoreCredentials undoes RevokeCredentials.
func (s *Server) RestoreCredentials() { s.setRevoked(false) }

func (s *Server) setRevoked(v bool) {
	s.mu.Lock()
	s.st.credsRevoked = v
	s.mu.Unlock()
}

// Agreements returns every agreement.
func (s *Server) Agreements() []Agreement { return snapshotOf(s, agreements.tab) }

// Additions returns an agreement's additions.
func (s *Server) Additions(agreementID int) []Addition {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.additions.snapshot(func(a *Addition) bool { return a.AgreementID == agreementID })
}

// snapshotOf copies every record of a table out for a test.
func snapshotOf[T any, P record[T]](s *Server, tab func(*state) *table[T, P]) []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return tab(s.st).snapshot(nil)
}

// findFold returns a copy of the first record whose key equals want,
// case-insensitively.
func findFold[T any, P record[T]](s *Server, tab func(*state) *table[T, P], key func(*T) string, want string) (T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, r := range tab(s.st).rows {
		if strings.EqualFold(key(r), want) {
			return *r, true
		}
	}
	var zero T
	return zero, false
}

// The writers below hold the write lock for the whole change, so a test
// never sees a half-made record.

// addStored stores x with a fresh id, after fill (which runs under the
// lock and may read the state) has set its defaults, and returns it.
func addStored[T any, P stampedRecord[T]](s *Server, tab func(*state) *table[T, P], x T, fill func(P)) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := P(&x)
	p.setRecID(0)
	fill(p)
	stamp(p, nil, s.now(), "jsmith")
	tab(s.st).insert(&x)
	return x
}

// updateStored stores a copy of record id that change edited (old is the
// stored version, for stamp) and reports whether the record exists.
func updateStored[T any, P record[T]](s *Server, tab func(*state) *table[T, P], id int, change func(cp, old P)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := tab(s.st).get(id)
	if old == nil {
		return false
	}
	cp := *old
	change(&cp, old)
	tab(s.st).replace(&cp)
	return true
}

// deleteStored runs del (a cascade) on record id and reports whether the
// record existed.
func deleteStored[T any, P record[T]](s *Server, tab func(*state) *table[T, P], id int, del func(*state, int)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tab(s.st).get(id) == nil {
		return false
	}
	del(s.st, id)
	return true
}
