package infimasync

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/psabridge/psabridge/infima"
)

// The Reporting API has no endpoints dedicated to training statistics,
// phishing results or course schedules: it publishes the partner, the client
// list (with rollup rates) and each client's users (with per-user training
// and phishing fields). The three categories the Security 360 integration
// pushes are therefore derived here from those two lists. Only active users
// are counted: inactive users have left the client and INFIMA already
// reports them apart (Company.InactiveUserCount).

// ClientReport holds the three data categories for one client, built from a
// single walk of its users.
type ClientReport struct {
	Company  infima.Company
	Training TrainingStats
	Phishing PhishingResults
	Schedule CourseSchedule
}

// HasData reports whether any category has something to show. A freshly
// onboarded client has users but no training, phishing or schedule data,
// and (as the seed's FAQ says) sends nothing to display.
func (r *ClientReport) HasData() bool {
	return r.Training.HasData() || r.Phishing.HasData() || r.Schedule.HasData()
}

// TrainingStats is the "employee security training stats" category:
// completion progress per client and per user. INFIMA measures progress as
// "on track" (no assigned course overdue) and "courses behind"; these come
// from Company.TrainingOnTrackRate and the users' training_on_track and
// courses_behind fields.
type TrainingStats struct {
	ClientID   int
	ClientName string
	// OnTrackRate is the percentage of users on track: INFIMA's own rollup
	// when present, else computed from the users. Nil means no training
	// data yet.
	OnTrackRate *float64
	// ActiveUsers is every active user; OnTrackUsers and BehindUsers count
	// those with a training verdict (a fresh user has none).
	ActiveUsers, OnTrackUsers, BehindUsers int
	// CoursesBehind is the total number of overdue courses.
	CoursesBehind int
	// Users holds active users with a training verdict, by email.
	Users []UserTraining
}

// UserTraining is one user's training progress.
type UserTraining struct {
	UserID        infima.UserID
	Email         string
	Name          string
	Department    string
	OnTrack       bool
	CoursesBehind int
}

// HasData reports whether INFIMA has judged any training yet.
func (s *TrainingStats) HasData() bool { return s.OnTrackRate != nil || len(s.Users) > 0 }

// Fingerprint is a stable digest of the stats: equal fingerprints mean
// nothing changed since the last sync, so the push can be skipped.
func (s *TrainingStats) Fingerprint() string { return fingerprint(s) }

// PhishingResults is the "phishing simulation results" category.
//
// The published API exposes phishing only as click rates (per client and per
// user); those are always filled. Outcome counts (Sent, Opened, Clicked,
// Reported, Credentials Submitted, Attachment Opened) and the split between
// automatic and on-demand campaigns need the per-test history in
// User.PhishingTests, which the published reference does not document;
// when the server omits it, Tests is 0 and the maps are empty.
type PhishingResults struct {
	ClientID   int
	ClientName string
	// ClickRateTotal and ClickRateLastYear are the client's rollups
	// (percent); nil when no test was ever sent.
	ClickRateTotal, ClickRateLastYear *float64
	// Tests is the number of tests in the users' histories.
	Tests int
	// Outcomes counts tests by current status.
	Outcomes OutcomeCounts
	// ByCampaign splits Outcomes by how the tests were sent.
	ByCampaign map[infima.CampaignKind]OutcomeCounts
	// Users holds active users with any phishing data, by email.
	Users []UserPhishing
}

// OutcomeCounts counts phishing tests by outcome.
type OutcomeCounts map[infima.PhishingOutcome]int

// Total is the number of tests counted.
func (c OutcomeCounts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Failed is the number of tests the users fell for.
func (c OutcomeCounts) Failed() int {
	n := 0
	for o, v := range c {
		if o.Failed() {
			n += v
		}
	}
	return n
}

// UserPhishing is one user's phishing record.
type UserPhishing struct {
	UserID infima.UserID
	Email  string
	Name   string
	// Rates are percentages; nil when the user was never tested.
	ClickRateTotal, ClickRateLastYear *float64
	RiskScore                         *float64
	// Outcomes and Tests come from the test history (see PhishingResults).
	Outcomes OutcomeCounts
	Tests    []infima.PhishingTest
}

// HasData reports whether any phishing test has results.
func (r *PhishingResults) HasData() bool {
	return r.ClickRateTotal != nil || r.ClickRateLastYear != nil || r.Tests > 0 || len(r.Users) > 0
}

// Fingerprint is a stable digest of the results (see TrainingStats.Fingerprint).
func (r *PhishingResults) Fingerprint() string { return fingerprint(r) }

// CourseSchedule is the "security course schedule" category: each active
// user's upcoming assignment, from the users' next_course field.
type CourseSchedule struct {
	ClientID   int
	ClientName string
	// Assignments are sorted by due date, then email; an assignment
	// without a due date sorts last.
	Assignments []Assignment
}

// Assignment is a course a user is due to take.
type Assignment struct {
	UserID infima.UserID
	Email  string
	Name   string
	Course string
	// DueDate is zero when INFIMA gave none.
	DueDate time.Time
}

// Overdue reports whether the assignment was due before asOf.
func (a Assignment) Overdue(asOf time.Time) bool {
	return !a.DueDate.IsZero() && a.DueDate.Before(asOf)
}

// HasData reports whether any assignment is scheduled.
func (s *CourseSchedule) HasData() bool { return len(s.Assignments) > 0 }

// Fingerprint is a stable digest of the schedule (see TrainingStats.Fingerprint).
func (s *CourseSchedule) Fingerprint() string { return fingerprint(s) }

// fingerprint hashes the JSON form; encoding/json sorts map keys, so equal
// values always hash alike.
func fingerprint(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only unsupported values (channels, NaN) fail; none are in the
		// report types.
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// BuildClientReport derives the three categories from a client and its users, as
// returned by the API. It makes no calls, so a sync that already holds the
// data can use it directly.
func BuildClientReport(c infima.Company, users []infima.User) *ClientReport {
	r := &ClientReport{
		Company:  c,
		Training: TrainingStats{ClientID: c.ID, ClientName: c.Name, OnTrackRate: c.TrainingOnTrackRate},
		Phishing: PhishingResults{
			ClientID: c.ID, ClientName: c.Name,
			ClickRateTotal: c.PhishingClickRateTotal, ClickRateLastYear: c.PhishingClickRateLastYear,
		},
		Schedule: CourseSchedule{ClientID: c.ID, ClientName: c.Name},
	}
	for i := range users {
		u := &users[i]
		if !u.Status.IsActive() {
			continue
		}
		r.Training.add(u)
		r.Phishing.add(u)
		r.Schedule.add(u)
	}
	t := &r.Training
	if t.OnTrackRate == nil && t.OnTrackUsers+t.BehindUsers > 0 {
		rate := 100 * float64(t.OnTrackUsers) / float64(t.OnTrackUsers+t.BehindUsers)
		t.OnTrackRate = &rate
	}
	slices.SortFunc(t.Users, func(a, b UserTraining) int { return cmp.Compare(a.Email, b.Email) })
	slices.SortFunc(r.Phishing.Users, func(a, b UserPhishing) int { return cmp.Compare(a.Email, b.Email) })
	slices.SortFunc(r.Schedule.Assignments, func(a, b Assignment) int {
		if a.DueDate.IsZero() != b.DueDate.IsZero() {
			if a.DueDate.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.DueDate.Compare(b.DueDate); c != 0 {
			return c
		}
		return cmp.Compare(a.Email, b.Email)
	})
	return r
}

func (t *TrainingStats) add(u *infima.User) {
	t.ActiveUsers++
	t.CoursesBehind += u.CoursesBehind
	if u.TrainingOnTrack == nil {
		return
	}
	if *u.TrainingOnTrack {
		t.OnTrackUsers++
	} else {
		t.BehindUsers++
	}
	t.Users = append(t.Users, UserTraining{
		UserID: u.ID, Email: u.Email, Name: u.Name(), Department: u.Department,
		OnTrack: *u.TrainingOnTrack, CoursesBehind: u.CoursesBehind,
	})
}

func (r *PhishingResults) add(u *infima.User) {
	if u.PhishingClickRateTotal == nil && u.PhishingClickRateLastYear == nil && len(u.PhishingTests) == 0 {
		return
	}
	up := UserPhishing{
		UserID: u.ID, Email: u.Email, Name: u.Name(),
		ClickRateTotal: u.PhishingClickRateTotal, ClickRateLastYear: u.PhishingClickRateLastYear,
		RiskScore: u.RiskScore,
		Tests:     slices.Clone(u.PhishingTests),
	}
	for _, t := range u.PhishingTests {
		if up.Outcomes == nil {
			up.Outcomes = OutcomeCounts{}
		}
		up.Outcomes[t.Outcome]++
		if r.Outcomes == nil {
			r.Outcomes = OutcomeCounts{}
			r.ByCampaign = map[infima.CampaignKind]OutcomeCounts{}
		}
		r.Outcomes[t.Outcome]++
		if r.ByCampaign[t.Kind] == nil {
			r.ByCampaign[t.Kind] = OutcomeCounts{}
		}
		r.ByCampaign[t.Kind][t.Outcome]++
		r.Tests++
	}
	r.Users = append(r.Users, up)
}

func (s *CourseSchedule) add(u *infima.User) {
	if u.NextCourse == nil || u.NextCourse.Name == "" {
		return
	}
	s.Assignments = append(s.Assignments, Assignment{
		UserID: u.ID, Email: u.Email, Name: u.Name(),
		Course: u.NextCourse.Name, DueDate: u.NextCourse.DueDate.Time,
	})
}
