package infimasynctest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
	"github.com/psabridge/psabridge/security360/security360test"
)

func TestRecorder(t *testing.T) {
	r := infimasynctest.NewRecorder()
	ctx := context.Background()
	for name, got := range map[string][]infimasynctest.Delivery{"Deliveries": r.Deliveries(), "For": r.For("c1/s1"), "Duplicates": r.Duplicates()} {
		if got == nil || len(got) != 0 {
			t.Fatalf("%s before any delivery = %#v, want empty, not nil", name, got)
		}
	}
	stats := map[string]any{"completion": 0.8}
	d := infimasync.Delivery{CompanyID: "c1", SiteID: "s1", InfimaClientID: 7, Kind: infimasync.KindTrainingStats, Payload: stats, Fingerprint: "a"}
	if err := r.Deliver(ctx, d); err != nil {
		t.Fatal(err)
	}
	stats["completion"] = 0.1 // the snapshot must not change
	_ = r.Deliver(ctx, infimasync.Delivery{CompanyID: "c1", SiteID: "s1", Kind: infimasync.KindPhishingResults, Fingerprint: "p"})
	_ = r.Deliver(ctx, infimasync.Delivery{CompanyID: "c2", SiteID: "s9", Kind: infimasync.KindCourseSchedule, Fingerprint: "s"})
	d.Payload, d.Fingerprint = map[string]any{"completion": 0.9}, "b"
	_ = r.Deliver(ctx, d)

	if r.Len() != 4 || len(r.Deliveries()) != 4 || len(r.For("c1/s1")) != 3 {
		t.Fatalf("Len %d, For %d", r.Len(), len(r.For("c1/s1")))
	}
	if first := r.Deliveries()[0]; first.Seq != 1 || string(first.JSON) != `{"completion":0.8}` || first.InfimaClientID != 7 {
		t.Errorf("first delivery = %+v (%s)", first, first.JSON)
	}
	if latest, ok := r.Latest("c1/s1", infimasync.KindTrainingStats); !ok || latest.Seq != 4 || latest.Fingerprint != "b" {
		t.Errorf("Latest = %+v", latest)
	}
	if _, ok := r.Latest("c1/s1", infimasync.KindCourseSchedule); ok {
		t.Error("Latest found a kind never delivered to the site")
	}
	if dups := r.Duplicates(); len(dups) != 0 {
		t.Errorf("Duplicates = %+v, want none", dups)
	}
	_ = r.Deliver(ctx, d) // the same data again
	if dups := r.Duplicates(); len(dups) != 1 || dups[0].Seq != 5 {
		t.Errorf("Duplicates = %+v, want delivery 5", dups)
	}

	boom := errors.New("ingestion unavailable")
	r.FailWhen(func(d infimasync.Delivery) error {
		if d.Kind == infimasync.KindPhishingResults {
			return boom
		}
		return nil
	})
	if err := r.Deliver(ctx, infimasync.Delivery{CompanyID: "c", SiteID: "s", Kind: infimasync.KindPhishingResults}); !errors.Is(err, boom) || r.Len() != 5 {
		t.Errorf("FailWhen: err %v, len %d", err, r.Len())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := r.Deliver(cctx, d); !errors.Is(err, context.Canceled) || r.Len() != 5 {
		t.Errorf("cancelled Deliver: err %v, len %d", err, r.Len())
	}
	r.Reset()
	if r.Len() != 0 {
		t.Error("Reset kept deliveries")
	}

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_ = r.Deliver(ctx, infimasync.Delivery{CompanyID: "c", SiteID: fmt.Sprint(i % 3), Kind: infimasync.KindTrainingStats, Fingerprint: fmt.Sprint(i)})
		})
	}
	wg.Wait()
	seqs := map[int]bool{}
	for _, d := range r.Deliveries() {
		seqs[d.Seq] = true
	}
	if len(seqs) != 20 {
		t.Errorf("concurrent deliveries gave %d distinct sequence numbers, want 20", len(seqs))
	}
}

func TestAddINFIMAClientCompanies(t *testing.T) {
	srv := security360test.NewServer()
	defer srv.Close()
	if _, ok := srv.CompanyByName("Blue Ridge Logistics, Inc."); ok {
		t.Fatal("the default seed already has the INFIMA-matching companies")
	}
	infimasynctest.AddINFIMAClientCompanies(srv)
	co, ok := srv.CompanyByName("Blue Ridge Logistics, Inc.")
	if !ok {
		t.Fatal("Blue Ridge Logistics was not added")
	}
	if sites := srv.Sites(co.ID); len(sites) != 1 || sites[0].Name != "Blue Ridge Logistics" {
		t.Fatalf("sites = %+v", sites)
	}
	if _, ok := srv.CompanyByName("Acme Corp"); !ok {
		t.Fatal("the default seed is gone")
	}
}
