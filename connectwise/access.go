package connectwise

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// Right is one of the four rights a security role grants per module function.
type Right string

// The four rights of a security role setting.
const (
	RightAdd     Right = "Add"
	RightEdit    Right = "Edit"
	RightDelete  Right = "Delete"
	RightInquire Right = "Inquire"
)

// Requirement names a module function and the rights an integration needs
// on it, as the PSA's Security Roles screen shows them ("Service Desk" /
// "Service Tickets": Add, Edit, Inquire).
type Requirement struct {
	Module   string
	Function string
	Rights   []Right
	// Optional requirements are reported as warnings, not failures.
	Optional bool
	// Impact says what stops working without it (shown with warnings).
	Impact string
	// MinLevel is the level each right must have to count as granted;
	// empty means LevelAll. The seeds ask for All: "My" would only cover
	// tickets the API member owns.
	MinLevel Level
}

// AccessStatus is the verdict for one right.
type AccessStatus string

// Verdicts of an access check. Unknown means the server did not list the
// module function at all: it is never counted as granted.
const (
	AccessGranted AccessStatus = "granted"
	AccessMissing AccessStatus = "missing"
	AccessUnknown AccessStatus = "unknown"
)

// AccessCheck is the verdict for one right of one requirement.
type AccessCheck struct {
	Module, Function string
	Right            Right
	// Level is what the role grants ("None", "My", "All"; empty if unknown).
	Level    Level
	Status   AccessStatus
	Optional bool
	Impact   string
}

// String reads like the PSA's screen: "Service Desk / Service Tickets: Add = All (granted)".
func (c AccessCheck) String() string {
	lvl := string(c.Level)
	if lvl == "" {
		lvl = "not listed"
	}
	return fmt.Sprintf("%s / %s: %s = %s (%s)", c.Module, c.Function, c.Right, lvl, c.Status)
}

// AccessReport is the outcome of CheckAccess.
type AccessReport struct {
	// Member is the API member the keys belong to.
	Member *Member
	// Checks has one entry per required right, in the order required.
	Checks []AccessCheck
}

// OK reports whether every non-optional right is granted.
func (r *AccessReport) OK() bool { return len(r.Missing()) == 0 }

// Missing returns the non-optional rights that are missing or unknown.
func (r *AccessReport) Missing() []AccessCheck { return r.filter(false) }

// Warnings returns the optional rights that are missing or unknown.
func (r *AccessReport) Warnings() []AccessCheck { return r.filter(true) }

func (r *AccessReport) filter(optional bool) []AccessCheck {
	var out []AccessCheck
	for _, c := range r.Checks {
		if c.Status != AccessGranted && c.Optional == optional {
			out = append(out, c)
		}
	}
	return out
}

// Err returns nil when OK, else an *AccessError listing what is missing.
func (r *AccessReport) Err() error {
	if m := r.Missing(); len(m) > 0 {
		return &AccessError{Missing: m}
	}
	return nil
}

// AccessError lists the rights an API member lacks.
type AccessError struct {
	Missing []AccessCheck
}

// Error lists each missing right as "lacks <function>: <right>".
func (e *AccessError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, c := range e.Missing {
		verb := "lacks"
		if c.Status == AccessUnknown {
			verb = "cannot confirm"
		}
		parts[i] = fmt.Sprintf("%s %s: %s", verb, c.Function, c.Right)
	}
	return "connectwise: API member " + strings.Join(parts, "; ") + " (grant them in System > Security Roles)"
}

// CheckAccess verifies the credentials (reading the API member) and then
// compares the member's permissions (/system/mySecurity) with required,
// right by right. Module functions are matched by name, ignoring case,
// spaces and punctuation; one the server does not list is reported
// unknown, never granted. The error is non-nil only when the checks could
// not run (bad credentials, network); missing rights are in the report.
func (c *Client) CheckAccess(ctx context.Context, required []Requirement) (*AccessReport, error) {
	me, _, err := c.System.Me(ctx)
	if err != nil {
		return nil, err
	}
	perms, err := c.System.MySecurity(ctx)
	if err != nil {
		return nil, err
	}
	byFunc := map[string][]Permission{}
	for _, p := range perms {
		for _, k := range []string{fold(p.ModuleFunctionName), fold(p.ModuleFunctionIdentifier)} {
			if k != "" {
				byFunc[k] = append(byFunc[k], p)
			}
		}
	}
	rep := &AccessReport{Member: me}
	for _, req := range required {
		minLevel := req.MinLevel
		if minLevel == "" {
			minLevel = LevelAll
		}
		p, found := pick(byFunc[fold(req.Function)], req.Module)
		for _, right := range req.Rights {
			chk := AccessCheck{Module: req.Module, Function: req.Function, Right: right, Optional: req.Optional, Impact: req.Impact, Status: AccessUnknown}
			if found {
				chk.Level = p.level(right)
				chk.Status = AccessMissing
				if chk.Level.atLeast(minLevel) {
					chk.Status = AccessGranted
				}
			}
			rep.Checks = append(rep.Checks, chk)
		}
	}
	return rep, nil
}

// pick chooses the row for module among rows sharing a function name
// (names repeat across modules in some versions).
func pick(rows []Permission, module string) (Permission, bool) {
	if len(rows) == 0 {
		return Permission{}, false
	}
	m := fold(module)
	for _, r := range rows {
		if m == "" || fold(r.ModuleName) == m || fold(r.ModuleIdentifier) == m {
			return r, true
		}
	}
	if len(rows) == 1 {
		// Module labels differ between versions ("Service Desk" vs
		// "ServiceDesk" vs "Service"); a unique function name is enough.
		return rows[0], true
	}
	return Permission{}, false
}

func (p Permission) level(r Right) Level {
	switch r {
	case RightAdd:
		return p.AddLevel
	case RightEdit:
		return p.EditLevel
	case RightDelete:
		return p.DeleteLevel
	}
	return p.InquireLevel
}

func (l Level) atLeast(min Level) bool {
	rank := map[Level]int{LevelNone: 0, LevelMy: 1, LevelAll: 2}
	got, ok := rank[Level(strings.TrimSpace(string(l)))]
	if !ok {
		// Case differs across versions ("all").
		for k, v := range rank {
			if strings.EqualFold(string(k), string(l)) {
				got, ok = v, true
			}
		}
	}
	return ok && got >= rank[min]
}

func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
