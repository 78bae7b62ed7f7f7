package publicapi

import (
	"testing"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/security360"
)

// TestEmptyBaseURLKeepsDefault pins one meaning of WithBaseURL("") for
// every client that has the option: the default server, as if the option
// were absent. A configuration screen that leaves the field blank must
// not get a configuration error from one client and the default from
// another.
func TestEmptyBaseURLKeepsDefault(t *testing.T) {
	creds := security360.Credentials{ClientID: "id", ClientSecret: "secret-value-0123456789"}
	for _, tc := range []struct {
		name, want string
		build      func() (interface{ BaseURL() string }, error)
	}{
		{"heimdal", heimdal.DefaultBaseURL, func() (interface{ BaseURL() string }, error) {
			return heimdal.NewClient("key", heimdal.WithBaseURL(""))
		}},
		{"infima", infima.DefaultBaseURL, func() (interface{ BaseURL() string }, error) {
			return infima.NewClient("key", infima.WithBaseURL(""))
		}},
		{"security360", security360.DefaultBaseURL, func() (interface{ BaseURL() string }, error) {
			return security360.NewClient(creds, security360.WithBaseURL(""))
		}},
	} {
		c, err := tc.build()
		if err != nil {
			t.Errorf("%s: WithBaseURL(\"\"): %v", tc.name, err)
			continue
		}
		if got := c.BaseURL(); got != tc.want {
			t.Errorf("%s: WithBaseURL(\"\") calls %s, want %s", tc.name, got, tc.want)
		}
	}
}
