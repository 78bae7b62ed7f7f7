package flowtest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
)

// Access is what a flow's access check returns: a
// *connectwise.AccessReport, or a flow's own check wrapping its rights.
type Access interface {
	OK() bool
	Missing() []connectwise.AccessCheck
	Err() error
}

// WantMissingRights fails the test unless rep is not OK and lacks exactly
// the rights want, in order, each written "Function: Right" as the setup
// guides list them, each saying what is lost, and unless rep.Err is a
// *connectwise.AccessError naming each: a role short of a right must stop
// the flow with a reason an operator can act on.
func WantMissingRights(t testing.TB, rep Access, want ...string) {
	t.Helper()
	if rep.OK() {
		t.Errorf("access check is OK, want it to lack %v", want)
	}
	var got []string
	for _, c := range rep.Missing() {
		if c.Status == connectwise.AccessGranted || c.Impact == "" {
			t.Errorf("missing right %s: status %s, impact %q", c, c.Status, c.Impact)
		}
		got = append(got, c.Function+": "+string(c.Right))
	}
	if !slices.Equal(got, want) {
		t.Errorf("missing rights = %q, want %q", got, want)
	}
	var ae *connectwise.AccessError
	if err := rep.Err(); !errors.As(err, &ae) || len(ae.Missing) != len(want) {
		t.Errorf("Err = %v, want an *connectwise.AccessError of the %d missing rights", err, len(want))
	} else {
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Err %q does not name %s", err, w)
			}
		}
	}
}
