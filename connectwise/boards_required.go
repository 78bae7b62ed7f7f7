package connectwise

// A board's location and department are required by the PSA: the
// ConnectWise-generated model (API 2025.8) has them as non-pointer fields
// set by NewBoard(name, location, department), "properties required by
// API" (connectwise/WIREFACTS.md N6, §2). The PSA's exact 400 text when they are
// missing is not public.

// BoardError reports a board that cannot be created, naming the field,
// before anything is sent.
type BoardError struct {
	Field   string
	Problem string
}

// Error reads "connectwise: board <field>: <problem>".
func (e *BoardError) Error() string { return "connectwise: board " + e.Field + ": " + e.Problem }

func (b *Board) checkCreate() error {
	switch {
	case b == nil:
		return &BoardError{"board", "is nil"}
	case b.Name == "":
		return &BoardError{"name", "is required"}
	case Length(b.Name) > MaxBoardNameLength:
		return &BoardError{"name", "is longer than the PSA's 50 UTF-16 units"}
	case b.Location == (Ref{}):
		return &BoardError{"location", "is required by the PSA: use the API member's defaults (Member.BoardDefaults) or an existing board's location"}
	case b.Department == (Ref{}):
		return &BoardError{"department", "is required by the PSA: use the API member's defaults (Member.BoardDefaults) or an existing board's department"}
	}
	return nil
}

// MaxBoardNameLength is the PSA's limit on a board name, in UTF-16 units.
const MaxBoardNameLength = 50

// BoardDefaults returns where the member's new service boards belong: its
// service defaults (serviceDefaultLocation, serviceDefaultDepartment), each
// falling back to its general default (defaultLocation,
// defaultDepartment). A zero Ref means the member has neither.
func (m Member) BoardDefaults() (location, department Ref) {
	location, department = m.ServiceDefaultLocation, m.ServiceDefaultDepartment
	if location.ID == 0 {
		location = m.DefaultLocation
	}
	if department.ID == 0 {
		department = m.DefaultDepartment
	}
	return location, department
}
