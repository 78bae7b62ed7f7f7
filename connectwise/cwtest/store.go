package cwtest

import (
	"slices"
	"time"
)

// record is implemented by every stored type.
type record[T any] interface {
	*T
	recID() int
	setRecID(int)
}

// stampedRecord is a record that carries the PSA's _info block (every type
// but Permission, which the PSA returns without one).
type stampedRecord[T any] interface {
	record[T]
	info() **Info
}

// table keeps records sorted by id, which is all the PSA's paging needs:
// forward-only pages are a binary search plus a scan, page-based listing is
// a scan. Assigned ids only grow, so inserts are appends.
type table[T any, P record[T]] struct {
	rows   []*T
	nextID int
}

func newTable[T any, P record[T]](firstID int) *table[T, P] {
	return &table[T, P]{nextID: firstID}
}

func (t *table[T, P]) search(id int) (int, bool) {
	return slices.BinarySearchFunc(t.rows, id, func(r *T, id int) int { return P(r).recID() - id })
}

// get returns the record with id, or nil.
func (t *table[T, P]) get(id int) *T {
	if i, ok := t.search(id); ok {
		return t.rows[i]
	}
	return nil
}

// insert stores r, assigning the next id when r has none.
func (t *table[T, P]) insert(r *T) {
	p := P(r)
	if p.recID() <= 0 {
		p.setRecID(t.nextID)
	}
	if p.recID() >= t.nextID {
		t.nextID = p.recID() + 1
	}
	if n := len(t.rows); n == 0 || P(t.rows[n-1]).recID() < p.recID() {
		t.rows = append(t.rows, r)
		return
	}
	i, found := t.search(p.recID())
	if found {
		t.rows[i] = r
		return
	}
	t.rows = slices.Insert(t.rows, i, r)
}

// replace swaps in a new version of an existing record.
func (t *table[T, P]) replace(r *T) bool {
	i, ok := t.search(P(r).recID())
	if ok {
		t.rows[i] = r
	}
	return ok
}

func (t *table[T, P]) remove(id int) bool {
	i, ok := t.search(id)
	if ok {
		t.rows = slices.Delete(t.rows, i, i+1)
	}
	return ok
}

// snapshot copies the records out for tests.
func (t *table[T, P]) snapshot(keep func(*T) bool) []T {
	out := make([]T, 0, len(t.rows))
	for _, r := range t.rows {
		if keep == nil || keep(r) {
			out = append(out, *r)
		}
	}
	return out
}

// state is everything the simulated PSA stores. Server.mu guards it.
type state struct {
	tickets     *table[Ticket, *Ticket]
	notes       *table[Note, *Note]
	boards      *table[Board, *Board]
	statuses    *table[BoardStatus, *BoardStatus]
	types       *table[BoardType, *BoardType]
	subtypes    *table[BoardSubType, *BoardSubType]
	items       *table[BoardItem, *BoardItem]
	priorities  *table[Priority, *Priority]
	companies   *table[Company, *Company]
	sites       *table[Site, *Site]
	members     *table[Member, *Member]
	roles       *table[SecurityRole, *SecurityRole]
	permissions map[int]*table[Permission, *Permission] // by role id
	nextPermID  int
	agreements  *table[Agreement, *Agreement]
	additions   *table[Addition, *Addition]
	callbacks   *table[CallbackEntry, *CallbackEntry]
	spec        *specStore // every other collection of the spec (spec*.go)

	apiMemberID  int
	credsRevoked bool
}

func newState() *state {
	return &state{
		tickets:     newTable[Ticket](1),
		notes:       newTable[Note](1),
		boards:      newTable[Board](1),
		statuses:    newTable[BoardStatus](1),
		types:       newTable[BoardType](1),
		subtypes:    newTable[BoardSubType](1),
		items:       newTable[BoardItem](1),
		priorities:  newTable[Priority](1),
		companies:   newTable[Company](1),
		sites:       newTable[Site](1),
		members:     newTable[Member](1),
		roles:       newTable[SecurityRole](1),
		permissions: map[int]*table[Permission, *Permission]{},
		nextPermID:  1,
		agreements:  newTable[Agreement](1),
		additions:   newTable[Addition](1),
		callbacks:   newTable[CallbackEntry](1),
	}
}

// stamp sets _info on a new version of a record, keeping when and by whom
// it was entered.
func stamp[T any, P stampedRecord[T]](r, old P, now time.Time, who string) {
	slot := r.info()
	in := &Info{LastUpdated: &now, UpdatedBy: who, DateEntered: &now, EnteredBy: who}
	if old != nil {
		if oi := *old.info(); oi != nil {
			if oi.DateEntered != nil {
				in.DateEntered = oi.DateEntered
			}
			if oi.EnteredBy != "" {
				in.EnteredBy = oi.EnteredBy
			}
		}
	}
	*slot = in
}

// normTime truncates to whole seconds in UTC, the precision and zone the
// PSA stores and returns.
func normTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}
