package connectwise_test

import (
	"context"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// The PSA names the flag noEndingDateFlag (wire14-facts §3); the seeded
// agreements have it set, so a wrong tag decodes every agreement as ending.
func TestAgreementNoEndingDateFlag(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	c := simClient(t, srv)
	ags, _, err := c.Agreements.List(context.Background(), nil)
	if err != nil || len(ags) == 0 {
		t.Fatalf("list: %d %v", len(ags), err)
	}
	for _, ag := range ags {
		if !ag.NoEnding {
			t.Errorf("agreement %d %q: NoEnding false, the simulator serves noEndingDateFlag=true", ag.ID, ag.Name)
		}
	}
}
