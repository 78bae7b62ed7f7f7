package heimdal_test

import (
	"context"
	"errors"
	"testing"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
)

// The alert endpoints are not confirmed by Heimdal, so they are a setting:
// a server serving them elsewhere works once the setting says where, and a
// server without them gives an error naming the setting.
func TestAlertPathsAreASetting(t *testing.T) {
	ctx := context.Background()
	srv := heimdaltest.NewServer(heimdaltest.WithAlertPaths("/2.0/xtp/getDetections", ""))
	t.Cleanup(srv.Close)
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleRansomware, "ACME-WS01", "Encryption blocked", "REP stopped a process")

	// Defaults: neither list is where this server has it.
	c, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"CyberAlerts": func() error { _, _, err := c.CyberAlerts.List(ctx, heimdaltest.AcmeID, nil); return err },
		"M365":        func() error { _, _, err := c.M365.List(ctx, heimdaltest.AcmeID, nil); return err },
	} {
		var ue *heimdal.EndpointUnavailableError
		if err := call(); !errors.As(err, &ue) || ue.List != name || ue.Path == "" {
			t.Errorf("%s with the default path: %v, want *EndpointUnavailableError", name, err)
		}
	}

	// Configured: the Cyber Alerts path is found, M365 is marked absent
	// and costs no request.
	opts := append(srv.ClientOptions(), heimdal.WithAlertPaths(heimdal.AlertPaths{CyberAlerts: "/2.0/xtp/getDetections"}))
	c, err = heimdal.NewClient(srv.APIKey(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	alerts, _, err := c.CyberAlerts.List(ctx, heimdaltest.AcmeID, nil)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("configured Cyber Alerts path: %d alerts, %v", len(alerts), err)
	}
	before := srv.CountRequests("", "")
	var ue *heimdal.EndpointUnavailableError
	if _, _, err := c.M365.List(ctx, heimdaltest.AcmeID, nil); !errors.As(err, &ue) || ue.Path != "" {
		t.Errorf("M365 with no path: %v", err)
	}
	if srv.CountRequests("", "") != before {
		t.Error("an unconfigured endpoint was called")
	}

	// A malformed path is a configuration error.
	c, _ = heimdal.NewClient(srv.APIKey(), append(srv.ClientOptions(), heimdal.WithAlertPaths(heimdal.AlertPaths{CyberAlerts: "2.0/x?y", M365: "/2.0/m365/getAlerts"}))...)
	var ce *heimdal.ConfigError
	if _, _, err := c.CyberAlerts.List(ctx, heimdaltest.AcmeID, nil); !errors.As(err, &ce) {
		t.Errorf("malformed path: %v", err)
	}
}
