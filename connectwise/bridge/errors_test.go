package bridge_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// A setting refused because a look-up failed keeps the look-up's error
// reachable, while its message stays the one a settings screen shows.
func TestConfigErrorReachesItsCause(t *testing.T) {
	cause := &bridge.APIError{API: "connectwise", Method: "GET", Path: "/company/companies/5", StatusCode: 404, Message: "company 5 not found"}
	err := fmt.Errorf("saving: %w", &bridge.ConfigError{API: "officeprotect", Field: "Mapping",
		Problem: `tenant "t-acme": PSA company 5 does not exist`, Err: cause})

	var ce *bridge.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Mapping" {
		t.Fatalf("errors.As(ConfigError) missed in %v", err)
	}
	var api *bridge.APIError
	if !errors.As(err, &api) || api != cause {
		t.Fatalf("errors.As(APIError) did not reach the cause through the ConfigError: %v", err)
	}
	if !bridge.IsNotFound(err) {
		t.Errorf("IsNotFound(%v) = false", err)
	}
	if got, want := ce.Error(), `officeprotect: Mapping: tenant "t-acme": PSA company 5 does not exist`; got != want {
		t.Errorf("Error() = %q, want %q (the cause is not printed)", got, want)
	}
}

func TestConfigErrorWithoutCauseOrAPI(t *testing.T) {
	ce := &bridge.ConfigError{Field: "Site", Problem: "is empty"}
	if ce.Unwrap() != nil {
		t.Errorf("Unwrap() = %v, want nil", ce.Unwrap())
	}
	if got := ce.Error(); got != "Site: is empty" {
		t.Errorf("Error() = %q", got)
	}
	if ce.Setting() != "Site" {
		t.Errorf("Setting() = %q", ce.Setting())
	}
}
