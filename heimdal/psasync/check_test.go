package psasync_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// The flow has the verbs flow.RunEvery drives.
var (
	_ flow.Runner[*psasync.Report]  = (*psasync.Integration)(nil)
	_ flow.Auditor[*psasync.Report] = (*psasync.Integration)(nil)
)

func TestCheckReportsItemByItem(t *testing.T) {
	e := newEnv(t)
	// Nothing configured yet: connections fine, boards and mappings missing.
	rep := flowtest.CheckOK(t, e.in, false)
	if rep.Flow != psasync.Flow {
		t.Errorf("report of flow %q, want %q", rep.Flow, psasync.Flow)
	}
	flowtest.WantItems(t, rep, map[string]flow.Status{
		"PSA connection": flow.Granted, "Heimdal connection": flow.Granted,
		"Service Desk / Service Tickets: Add": flow.Granted,
		"Heimdal M365 Notifications":          flow.Missing,
		"customer mappings":                   flow.Missing,
	})

	e.ready(t)
	flowtest.CheckOK(t, e.in, true)
	// A right removed and a mapped company deactivated show as missing,
	// each with what is lost.
	e.cw.RevokePermission("Close Service Tickets")
	e.cw.SetCompanyInactive(e.company(t, "Globex").ID, true)
	rep = flowtest.CheckOK(t, e.in, false)
	if it := flowtest.Item(t, rep, "Service Desk / Close Service Tickets: Add"); it.Status != flow.Missing || !strings.Contains(it.Lost, "closed") {
		t.Errorf("revoked right: %+v", it)
	}
	found := false
	for _, it := range rep.Items {
		if strings.HasPrefix(it.Name, "customer "+heimdaltest.GlobexID) {
			found = it.Status == flow.Missing && strings.Contains(it.Detail, "inactive")
		}
	}
	if !found {
		t.Errorf("inactive company not reported: %+v", rep.Items)
	}
}

func TestCheckRevokedPSAKeysIsMissingNotAnError(t *testing.T) {
	e := newEnv(t)
	e.cw.RevokeCredentials()
	if it := flowtest.Item(t, flowtest.Check(t, e.in), "PSA connection"); it.Status != flow.Missing || strings.Contains(it.Detail, settingsOf(e.cw).PrivateKey) {
		t.Errorf("revoked keys: %+v", it)
	}
}

func TestBadStoredStateIsTypedAndWritesNothing(t *testing.T) {
	e := newReadyEnv(t)
	ctx := context.Background()
	e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "")
	// A truncated mapping, as a crash of a non-atomic store would leave.
	if err := e.store.Put(ctx, "heimdal-psa/"+heimdaltest.ResellerID+"/mappings/"+heimdaltest.AcmeID, []byte(`{"CustomerID":"200101","Company":{"id":`)); err != nil {
		t.Fatal(err)
	}
	before := e.writes()
	_, err := e.in.Run(ctx)
	var se *flow.StateError
	if !errors.As(err, &se) || !errors.Is(err, flow.ErrCorrupt) || !strings.Contains(se.Key, "mappings/"+heimdaltest.AcmeID) {
		t.Fatalf("Run on a damaged mapping = %v, want a *flow.StateError naming the key", err)
	}
	if n := e.writes() - before; n != 0 {
		t.Errorf("%d PSA writes from damaged state", n)
	}
}

func TestCheckRejectedHeimdalKeyIsMissing(t *testing.T) {
	e := newEnv(t)
	hc, err := heimdal.NewClient(e.hd.APIKey()+"-old", e.hd.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	in, err := psasync.New(hc, flowtest.PSAClient(t, e.cw), e.store, heimdaltest.ResellerID)
	if err != nil {
		t.Fatal(err)
	}
	if it := flowtest.Item(t, flowtest.Check(t, in), "Heimdal connection"); it.Status != flow.Missing || it.Lost == "" || strings.Contains(it.Detail, e.hd.APIKey()) {
		t.Errorf("rejected Heimdal key: %+v", it)
	}
}
