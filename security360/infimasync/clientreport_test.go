package infimasync_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync"
)

var fixedNow = time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)

// simClient is an INFIMA client on a simulator with a fixed calendar.
func simClient(t *testing.T) (*infima.Client, *infimatest.Server) {
	t.Helper()
	srv := infimatest.NewServer(infimatest.WithNow(fixedNow))
	t.Cleanup(srv.Close)
	return newInfima(t, srv), srv
}

// clientReport reads every user of co (status=all, a full page at a time)
// and builds its report, as a caller without a sync would.
func clientReport(ctx context.Context, c *infima.Client, co infima.Company) (*infimasync.ClientReport, error) {
	var users []infima.User
	for u, err := range c.Users.All(ctx, co.ID, &infima.UserListOptions{Status: infima.StatusAll, ListOptions: infima.ListOptions{Limit: infima.MaxLimit}}) {
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return infimasync.BuildClientReport(co, users), nil
}

func TestFreshClientHasNothingToSync(t *testing.T) {
	c, srv := simClient(t)
	ctx := context.Background()
	fresh := srv.FreshClientID()
	co, _, err := c.Clients.Find(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if co.TrainingOnTrackRate != nil || co.PhishingClickRateTotal != nil || co.PhishingClickRateLastYear != nil || co.UserCount == 0 {
		t.Fatalf("fresh client rollups %+v", co)
	}
	r, err := clientReport(ctx, c, *co)
	if err != nil {
		t.Fatal(err)
	}
	if r.HasData() || r.Training.HasData() || r.Phishing.HasData() || r.Schedule.HasData() {
		t.Fatalf("fresh client has data: %+v", r)
	}
	if r.Training.ActiveUsers != co.UserCount || r.Training.OnTrackRate != nil || r.Phishing.Tests != 0 {
		t.Fatalf("training %+v phishing %+v", r.Training, r.Phishing)
	}
}

func TestReportsForEstablishedClients(t *testing.T) {
	c, srv := simClient(t)
	ctx := context.Background()
	kinds := map[infima.CampaignKind]bool{}
	var overdue, upcoming int
	for co, err := range c.Clients.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		srv.ResetRequests()
		r, err := clientReport(ctx, c, co)
		if err != nil {
			t.Fatal(err)
		}
		if srv.Requests() != (co.UserCount+co.InactiveUserCount+49)/50 {
			t.Fatalf("%s: %d requests for %d users", co.Name, srv.Requests(), co.UserCount+co.InactiveUserCount)
		}
		if co.ID == srv.FreshClientID() {
			continue
		}
		if !r.HasData() || !r.Training.HasData() || !r.Phishing.HasData() || !r.Schedule.HasData() {
			t.Fatalf("%s: missing data", co.Name)
		}
		tr := r.Training
		if *tr.OnTrackRate != *co.TrainingOnTrackRate || tr.ActiveUsers != co.UserCount || tr.OnTrackUsers+tr.BehindUsers != len(tr.Users) {
			t.Fatalf("%s: training %+v vs %+v", co.Name, tr, co)
		}
		ph := r.Phishing
		if ph.Outcomes.Total() != ph.Tests || ph.Tests == 0 {
			t.Fatalf("%s: %d tests, outcomes %v", co.Name, ph.Tests, ph.Outcomes)
		}
		byKind := 0
		for k, oc := range ph.ByCampaign {
			kinds[k] = true
			byKind += oc.Total()
		}
		if byKind != ph.Tests {
			t.Fatalf("%s: campaigns %v", co.Name, ph.ByCampaign)
		}
		// The client's click rate is the share of failed tests.
		got := float64(int(1000*float64(ph.Outcomes.Failed())/float64(ph.Tests)+0.5)) / 10
		if got != *ph.ClickRateTotal {
			t.Fatalf("%s: click rate %v, outcomes give %v", co.Name, *ph.ClickRateTotal, got)
		}
		if !slices.IsSortedFunc(r.Schedule.Assignments, func(a, b infimasync.Assignment) int { return a.DueDate.Compare(b.DueDate) }) {
			t.Fatalf("%s: schedule not sorted", co.Name)
		}
		for _, a := range r.Schedule.Assignments {
			if a.Course == "" || a.Email == "" {
				t.Fatalf("assignment %+v", a)
			}
			if a.Overdue(srv.Now()) {
				overdue++
			} else {
				upcoming++
			}
		}
	}
	if !kinds[infima.CampaignAutomatic] || !kinds[infima.CampaignOnDemand] || overdue == 0 || upcoming == 0 {
		t.Fatalf("kinds %v overdue %d upcoming %d", kinds, overdue, upcoming)
	}
}

func TestFingerprintsTrackChanges(t *testing.T) {
	c, srv := simClient(t)
	ctx := context.Background()
	id := srv.ClientIDs()[2]
	report := func() *infimasync.ClientReport {
		t.Helper()
		co, _, err := c.Clients.Find(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r, err := clientReport(ctx, c, *co)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := report(), report()
	if a.Training.Fingerprint() != b.Training.Fingerprint() || a.Phishing.Fingerprint() != b.Phishing.Fingerprint() ||
		a.Schedule.Fingerprint() != b.Schedule.Fingerprint() || len(a.Training.Fingerprint()) != 64 {
		t.Fatal("unchanged data gave different fingerprints")
	}

	var email string
	for _, u := range a.Training.Users {
		if u.OnTrack {
			email = u.Email
			break
		}
	}
	if err := srv.SetUserTraining(id, email, false, 2); err != nil {
		t.Fatal(err)
	}
	d := report()
	if d.Training.Fingerprint() == a.Training.Fingerprint() {
		t.Fatal("training change not seen")
	}
	// The schedule is untouched. (Phishing may move too: the user's risk
	// score, part of UserPhishing, counts overdue courses.)
	if d.Schedule.Fingerprint() != a.Schedule.Fingerprint() {
		t.Fatal("schedule fingerprint changed with training only")
	}

	if err := srv.AddPhishingTest(id, email, infima.PhishingTest{Outcome: infima.OutcomeReported}); err != nil {
		t.Fatal(err)
	}
	e := report()
	if e.Phishing.Fingerprint() == d.Phishing.Fingerprint() || e.Phishing.Outcomes[infima.OutcomeReported] != d.Phishing.Outcomes[infima.OutcomeReported]+1 {
		t.Fatal("phishing change not seen")
	}
	if err := srv.SetNextCourse(id, email, "Ransomware Awareness", srv.Now().Add(10*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if f := report(); f.Schedule.Fingerprint() == e.Schedule.Fingerprint() {
		t.Fatal("schedule change not seen")
	}
}

func TestBuildClientReportRules(t *testing.T) {
	yes, no := true, false
	rate := 40.0
	due := infima.Timestamp{Time: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}
	users := []infima.User{
		{ID: "a", Email: "a@x.example", FirstName: "Ann", Status: "Active", TrainingOnTrack: &yes,
			NextCourse: &infima.Course{Name: "Later"}, PhishingClickRateTotal: &rate,
			PhishingTests: []infima.PhishingTest{{Kind: infima.CampaignOnDemand, Outcome: infima.OutcomeAttachmentOpened}}},
		{ID: "b", Email: "b@x.example", Status: infima.StatusActive, TrainingOnTrack: &no, CoursesBehind: 3,
			NextCourse: &infima.Course{Name: "Soon", DueDate: due}},
		{ID: "c", Email: "c@x.example", Status: infima.StatusInactive, TrainingOnTrack: &no, CoursesBehind: 5,
			NextCourse: &infima.Course{Name: "Ignored", DueDate: due}, PhishingClickRateTotal: &rate},
		{ID: "d", Email: "d@x.example", Status: infima.StatusActive},
	}
	r := infimasync.BuildClientReport(infima.Company{ID: 9, Name: "X"}, users)
	tr := r.Training
	if tr.ActiveUsers != 3 || tr.OnTrackUsers != 1 || tr.BehindUsers != 1 || tr.CoursesBehind != 3 || len(tr.Users) != 2 {
		t.Fatalf("training %+v", tr)
	}
	if tr.OnTrackRate == nil || *tr.OnTrackRate != 50 {
		t.Fatalf("computed rate %v", tr.OnTrackRate)
	}
	if tr.Users[0].Name != "Ann" || tr.Users[1].Name != "b@x.example" {
		t.Fatalf("names %+v", tr.Users)
	}
	ph := r.Phishing
	if len(ph.Users) != 1 || ph.Tests != 1 || ph.ByCampaign[infima.CampaignOnDemand][infima.OutcomeAttachmentOpened] != 1 || ph.Outcomes.Failed() != 1 {
		t.Fatalf("phishing %+v", ph)
	}
	as := r.Schedule.Assignments
	if len(as) != 2 || as[0].Course != "Soon" || as[1].Course != "Later" || !as[1].DueDate.IsZero() {
		t.Fatalf("schedule %+v", as)
	}
	if as[0].Overdue(due.Add(-time.Hour)) || !as[0].Overdue(due.Add(time.Hour)) || as[1].Overdue(due.Add(time.Hour)) {
		t.Fatal("Overdue")
	}
	empty := infimasync.BuildClientReport(infima.Company{ID: 1}, nil)
	if empty.HasData() {
		t.Fatal("empty report has data")
	}
}

func TestOutcomeCounts(t *testing.T) {
	c := infimasync.OutcomeCounts{infima.OutcomeSent: 2, infima.OutcomeClicked: 1, infima.OutcomeReported: 3}
	if c.Total() != 6 || c.Failed() != 1 {
		t.Errorf("counts %d %d", c.Total(), c.Failed())
	}
}
