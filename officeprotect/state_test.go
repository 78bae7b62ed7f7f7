package officeprotect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/officeprotect"
)

// The flow has the verbs flow.RunEvery drives.
var (
	_ flow.Runner[*officeprotect.Report]  = (*officeprotect.Integration)(nil)
	_ flow.Auditor[*officeprotect.Report] = (*officeprotect.Integration)(nil)
)

var checkItem = flowtest.Item

func TestCheckReportsItemByItem(t *testing.T) {
	f := newFixture(t)
	rep := flowtest.Check(t, f.in)
	if rep.OK() || rep.Flow != officeprotect.Source {
		t.Fatalf("unconfigured integration passes: %+v", rep)
	}
	flowtest.WantItems(t, rep, map[string]flow.Status{
		"connection": flow.Granted, "Service Desk / Service Tickets: Add": flow.Granted,
		"EmergencyContact": flow.Missing, "Mappings": flow.Warning, "Setup": flow.Missing, "Board": flow.Granted,
	})
	f.confirm()
	if rep = flowtest.Check(t, f.in); !rep.OK() {
		t.Fatalf("confirmed integration: %+v", rep)
	}
	if it := checkItem(t, rep, "Mapping[t-initech]"); it.Status != flow.Warning {
		t.Errorf("disabled tenant: %+v", it)
	}
	f.psa.SetCompanyInactive(f.acme.ID, true)
	f.psa.RevokePermission("Table Setup")
	if rep = flowtest.Check(t, f.in); rep.OK() {
		t.Fatalf("broken integration passes: %+v", rep)
	}
	if it := checkItem(t, rep, "Mapping[t-acme]"); it.Status != flow.Missing || !strings.Contains(it.Detail, "inactive") {
		t.Errorf("inactive company: %+v", it)
	}
	// An optional right is a warning saying what is lost, not a failure.
	if it := checkItem(t, rep, "System / Table Setup: Inquire"); it.Status != flow.Warning || !strings.Contains(it.Lost, "status") {
		t.Errorf("optional right: %+v", it)
	}
}

func TestRunResumesFromTheStoredWatermark(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []officeprotect.Option
		overlap time.Duration
	}{
		{"default overlap", nil, officeprotect.DefaultOverlap},
		{"WithOverlap", []officeprotect.Option{officeprotect.WithOverlap(30 * time.Minute)}, 30 * time.Minute},
		{"no overlap", []officeprotect.Option{officeprotect.WithOverlap(0)}, 0},
		{"negative overlap ignored", []officeprotect.Option{officeprotect.WithOverlap(-time.Minute)}, officeprotect.DefaultOverlap},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			f.src.Add(event("old", "t-acme", ago(time.Hour)))
			f.confirm()
			f.clock = f.clock.Add(time.Hour)
			f.src.Add(event("new", "t-globex", f.clock.Add(-time.Minute)))
			f.restart()
			rep, err := f.in.Run(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Only what came after the backfill (less the overlap) is read again.
			if !rep.Resumed || rep.Backfill || rep.Events != 1 || rep.Created != 1 {
				t.Fatalf("run after restart: %v (events %d, backfill %v)", rep, rep.Events, rep.Backfill)
			}
			if !rep.Since.Equal(now.Add(-tc.overlap)) {
				t.Errorf("read since %v, want the backfill's start less %v", rep.Since, tc.overlap)
			}
		})
	}
}

func TestBadStoredStateIsTypedAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.src.Add(event("e1", "t-acme", f.clock.Add(-time.Minute)))
	if err := f.store.Put(f.ctx, "officeprotect/default/mappings/t-globex", []byte(`{"TenantID":"t-globex","Company":{"id":`)); err != nil {
		t.Fatal(err)
	}
	before := f.ticketCount()
	_, err := f.in.Run(f.ctx)
	var se *flow.StateError
	if !errors.As(err, &se) || !errors.Is(err, flow.ErrCorrupt) || !strings.Contains(se.Key, "mappings/t-globex") {
		t.Fatalf("Run on a damaged mapping = %v", err)
	}
	if f.ticketCount() != before {
		t.Error("tickets written from damaged state")
	}
	// A configuration from a newer version is refused, not misread.
	if err := f.store.Put(f.ctx, "officeprotect/default/config", []byte(`{"version":99}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.in.Run(f.ctx); !errors.Is(err, flow.ErrCorrupt) || !strings.Contains(err.Error(), "newer version") {
		t.Fatalf("Run on a newer configuration = %v", err)
	}
}

func TestRunEveryDrivesTheFlow(t *testing.T) {
	f := newFixture(t)
	f.src.Add(event("e1", "t-acme", ago(time.Hour)))
	f.confirm()
	f.src.Add(event("e2", "t-globex", f.clock.Add(-time.Minute)))
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	var got []flow.Result
	err := flow.RunEvery(ctx, f.in, flow.Schedule{Every: time.Hour, OnResult: func(r flow.Result) {
		got = append(got, r)
		cancel()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Audit || got[0].Err != nil || got[0].Report.Created != 1 || !got[0].Report.Resumed {
		t.Fatalf("results %+v", got)
	}
}
