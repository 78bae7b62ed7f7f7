package cwtest

import (
	"net/http"
	"testing"
)

// The PSA requires a board's location and department (connectwise/WIREFACTS.md §2);
// the simulator used to fill in defaults, hiding clients that omit them.
func TestBoardWithoutLocationOrDepartmentIsRefused(t *testing.T) {
	_, c := newAPI(t)
	loc := map[string]any{"id": 1}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "No place"}, "location"},
		{map[string]any{"name": "No department", "location": loc}, "department"},
		{map[string]any{"name": "No location", "department": loc}, "location"},
	} {
		r := c.do(http.MethodPost, "service/boards", tc.body)
		e := r.err(t)
		if r.status != 400 || e.Code != "InvalidObject" || len(e.Errors) == 0 || e.Errors[0].Field != tc.field || e.Errors[0].Code != "NullValue" {
			t.Errorf("%v: %d %s, want 400 NullValue on %s", tc.body, r.status, r.body, tc.field)
		}
	}
	var me Member
	c.mustStatus(c.do(http.MethodGet, "system/myMembers", nil), 200).decode(t, &me)
	if me.ServiceDefaultDepartment == nil || me.DefaultLocation == nil || me.DefaultDepartment == nil {
		t.Errorf("myMembers lacks the default location/department: %+v", me)
	}
}
