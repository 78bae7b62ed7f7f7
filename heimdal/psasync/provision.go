package psasync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/heimdal"
)

// Names of the statuses ProvisionBoards creates. Every board gets New (its
// default, the status new tickets start in) and Closed (a closed status);
// Heimdal Operations also gets Updated, a status on update for
// notifications that change.
const (
	StatusNew     = "New"
	StatusUpdated = "Updated"
	StatusClosed  = "Closed"
)

// SubTypeName returns the ticket subtype ProvisionBoards creates for module
// m, spelled as the setup guide lists the subtypes: the module codes, except
// "NextGen Antivirus", "REP Cloud", "Forwarding Rules" and "User
// Compliance", which the guide writes out.
func SubTypeName(m heimdal.Module) string {
	switch m {
	case heimdal.ModuleNextGenAV:
		return "NextGen Antivirus"
	case heimdal.ModuleREPCloud:
		return "REP Cloud"
	case heimdal.ModuleForwardingRules:
		return "Forwarding Rules"
	case heimdal.ModuleUserCompliance:
		return "User Compliance"
	}
	return string(m)
}

// Provisioned says what ProvisionBoards found and created.
type Provisioned struct {
	// Boards has one entry per Heimdal board, in configuration order.
	Boards []ProvisionedBoard
}

// ProvisionedBoard is one board after provisioning.
type ProvisionedBoard struct {
	Board Board
	// PSABoard is the PSA board, found or created.
	PSABoard connectwise.Ref
	// Created lists what this run created ("board", "status New",
	// "type CPU", "subtype CPU"); empty when everything existed.
	Created []string
}

// Created returns how many objects the run created in all; a second run
// creates none.
func (p *Provisioned) Created() int {
	n := 0
	for _, b := range p.Boards {
		n += len(b.Created)
	}
	return n
}

// ProvisionBoards makes sure the three Heimdal boards exist with their
// statuses (New, Closed and, on Operations, Updated), one ticket type per
// module (TypeName) and one subtype per module (SubTypeName)
// tied to that type. It only creates what is missing, matching existing
// objects by name (types and subtypes also by any spelling Heimdal uses for
// the module), so it is safe to run twice, and concurrently: a create that
// collides with an identical one is resolved by reading the winner.
func (in *Integration) ProvisionBoards(ctx context.Context) (*Provisioned, error) {
	c := in.psa
	boards, err := connectwise.Collect(c.Boards.All(ctx, nil))
	if err != nil {
		return nil, fmt.Errorf("psasync: provisioning: listing boards: %w", err)
	}
	// The PSA requires a location and department on a new board: the API
	// member's defaults, else an existing board's (placement.go).
	tmpl, err := boardPlacement(ctx, c, boards)
	if err != nil {
		return nil, err
	}
	out := &Provisioned{}
	for _, hb := range Boards() {
		pb, err := provisionBoard(ctx, c, hb, boards, tmpl)
		if err != nil {
			return out, err
		}
		out.Boards = append(out.Boards, *pb)
	}
	return out, nil
}

func provisionBoard(ctx context.Context, c *connectwise.Client, hb Board, boards []connectwise.Board, tmpl connectwise.Board) (*ProvisionedBoard, error) {
	name := hb.String()
	pb := &ProvisionedBoard{Board: hb}
	fail := func(what string, err error) error {
		return fmt.Errorf("psasync: provisioning board %q: %s: %w", name, what, err)
	}
	board, created, err := ensure(boards, func() iter.Seq2[connectwise.Board, error] { return c.Boards.All(ctx, nil) },
		byName("board", name, func(b connectwise.Board) (int, string) { return b.ID, b.Name }),
		func() (*connectwise.Board, error) {
			b, _, err := c.Boards.Create(ctx, &connectwise.Board{Name: name, Location: ref(tmpl.Location), Department: ref(tmpl.Department)})
			return b, err
		})
	if err != nil {
		return nil, fail("creating the board", err)
	}
	if board.InactiveFlag {
		return nil, fail("the board", errors.New("exists but is inactive: activate it in the PSA"))
	}
	pb.PSABoard = connectwise.Ref{ID: board.ID, Name: board.Name}
	if created {
		pb.Created = append(pb.Created, "board")
	}

	statuses, err := connectwise.Collect(c.Boards.AllStatuses(ctx, board.ID, nil))
	if err != nil {
		return nil, fail("listing statuses", err)
	}
	want := []connectwise.BoardStatus{
		{Name: StatusNew, SortOrder: 0, DefaultFlag: true, EscalationStatus: "NotResponded"},
	}
	if hb == BoardOperations {
		want = append(want, connectwise.BoardStatus{Name: StatusUpdated, SortOrder: 1, EscalationStatus: "Responded"})
	}
	want = append(want, connectwise.BoardStatus{Name: StatusClosed, SortOrder: 9, ClosedStatus: true, EscalationStatus: "Resolved"})
	for _, w := range want {
		_, created, err := ensure(statuses, func() iter.Seq2[connectwise.BoardStatus, error] { return c.Boards.AllStatuses(ctx, board.ID, nil) },
			byName("status on board "+name, w.Name, func(s connectwise.BoardStatus) (int, string) { return s.ID, s.Name }),
			func() (*connectwise.BoardStatus, error) {
				s, _, err := c.Boards.CreateStatus(ctx, board.ID, &w)
				return s, err
			})
		if err != nil {
			return nil, fail("creating status "+w.Name, err)
		}
		if created {
			pb.Created = append(pb.Created, "status "+w.Name)
		}
	}

	types, err := connectwise.Collect(c.Boards.AllTypes(ctx, board.ID, nil))
	if err != nil {
		return nil, fail("listing types", err)
	}
	typeIDs := map[heimdal.Module]int{}
	for _, m := range ModulesFor(hb) {
		t, created, err := ensure(types, func() iter.Seq2[connectwise.BoardType, error] { return c.Boards.AllTypes(ctx, board.ID, nil) },
			firstWhere(func(t connectwise.BoardType) bool { return !t.InactiveFlag && moduleNamed(hb, t.Name) == m }),
			func() (*connectwise.BoardType, error) {
				t, _, err := c.Boards.CreateType(ctx, board.ID, &connectwise.BoardType{Name: TypeName(m)})
				return t, err
			})
		if err != nil {
			return nil, fail("creating type "+TypeName(m), err)
		}
		typeIDs[m] = t.ID
		if created {
			pb.Created = append(pb.Created, "type "+TypeName(m))
		}
	}

	subtypes, err := connectwise.Collect(c.Boards.AllSubTypes(ctx, board.ID, nil))
	if err != nil {
		return nil, fail("listing subtypes", err)
	}
	for _, m := range ModulesFor(hb) {
		_, created, err := ensure(subtypes, func() iter.Seq2[connectwise.BoardSubType, error] { return c.Boards.AllSubTypes(ctx, board.ID, nil) },
			firstWhere(func(s connectwise.BoardSubType) bool { return !s.InactiveFlag && moduleNamed(hb, s.Name) == m }),
			func() (*connectwise.BoardSubType, error) {
				s, _, err := c.Boards.CreateSubType(ctx, board.ID, &connectwise.BoardSubType{Name: SubTypeName(m), TypeAssociationIDs: []int{typeIDs[m]}})
				return s, err
			})
		if err != nil {
			return nil, fail("creating subtype "+SubTypeName(m), err)
		}
		if created {
			pb.Created = append(pb.Created, "subtype "+SubTypeName(m))
		}
	}
	return pb, nil
}

// ensure returns what find finds in existing, or creates it. A create that
// failed because an identical object appeared meanwhile (a concurrent run),
// or whose outcome is unknown, is settled by listing again: the object found
// then is used instead of failing or creating twice.
func ensure[T any](existing []T, list func() iter.Seq2[T, error], find finder[T], create func() (*T, error)) (T, bool, error) {
	var zero T
	if v, ok, err := find(connectwise.Items(existing)); ok || err != nil {
		return v, false, err
	}
	got, err := create()
	if err == nil {
		return *got, true, nil
	}
	unknown := connectwise.IsOutcomeUnknown(err)
	if !unknown && !isObjectExists(err) {
		return zero, false, err
	}
	v, ok, lerr := find(list())
	switch {
	case lerr != nil:
		return zero, false, errors.Join(err, lerr)
	case ok:
		return v, unknown, nil
	}
	return zero, false, err
}

// finder looks an object up in a listing: found, absent (false, nil), or an
// error (the listing's, or a name that matches several objects).
type finder[T any] func(iter.Seq2[T, error]) (T, bool, error)

// byName matches by name as the PSA's screens do, through
// connectwise.FindOne, so that two objects answering to the name are an
// error rather than a silent pick.
func byName[T any](what, name string, key func(T) (int, string)) finder[T] {
	return func(seq iter.Seq2[T, error]) (T, bool, error) {
		v, err := connectwise.FindOne(seq, what, name, key)
		var le *connectwise.LookupError
		if errors.As(err, &le) && len(le.Matches) == 0 {
			return v, false, nil
		}
		return v, err == nil, err
	}
}

// firstWhere matches the first object match accepts: types and subtypes
// are matched by module, which several spellings stand for.
func firstWhere[T any](match func(T) bool) finder[T] {
	return func(seq iter.Seq2[T, error]) (T, bool, error) {
		var zero T
		for v, err := range seq {
			if err != nil || match(v) {
				return v, err == nil, err
			}
		}
		return zero, false, nil
	}
}

// isObjectExists reports the PSA's "name already in use" validation error.
func isObjectExists(err error) bool {
	var e *connectwise.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, fe := range e.Errors {
		if strings.EqualFold(fe.Code, "ObjectExists") {
			return true
		}
	}
	return false
}

// moduleNamed returns the module of board b that a type or subtype name
// stands for, by code, display name or a spelling Heimdal uses.
func moduleNamed(b Board, name string) heimdal.Module {
	if m, ok := b.Section().LookupModule(name); ok {
		return m
	}
	for _, spelled := range []func(heimdal.Module) string{TypeName, SubTypeName} {
		m, err := connectwise.FindOne(connectwise.Items(ModulesFor(b)), "module", name, func(m heimdal.Module) (int, string) { return 0, spelled(m) })
		if err == nil {
			return m
		}
	}
	return ""
}

func ref(r connectwise.Ref) connectwise.Ref { return connectwise.Ref{ID: r.ID} }
