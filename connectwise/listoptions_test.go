package connectwise_test

import (
	"context"
	"errors"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
)

// TestListOptionsErrorsNameTheField proves list options that cannot work
// are refused as a *connectwise.ConfigError naming the ListOptions field,
// like every other bad setting, before any request is sent, by List and by
// the All walk alike.
func TestListOptionsErrorsNameTheField(t *testing.T) {
	c, mt := setup(t)
	for _, tc := range []struct {
		field string
		opts  connectwise.ListOptions
	}{
		{"ListOptions.PageSize", connectwise.ListOptions{PageSize: -1}},
		{"ListOptions.PageSize", connectwise.ListOptions{PageSize: connectwise.MaxPageSize + 1}},
		{"ListOptions.OrderBy", connectwise.ListOptions{ForwardOnly: true, OrderBy: "id desc"}},
	} {
		check := func(how string, err error) {
			t.Helper()
			var ce *connectwise.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || ce.API != "connectwise" {
				t.Errorf("%s %+v: err = %v; want a *ConfigError for %s", how, tc.opts, err, tc.field)
			}
		}
		_, _, err := c.Tickets.List(context.Background(), &tc.opts)
		check("List", err)
		for _, err := range c.Tickets.All(context.Background(), &tc.opts) {
			check("All", err)
			break
		}
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for options refused up front", n)
	}
}
