package infima_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/psabridge/psabridge/infima"
)

func TestTimestampFormats(t *testing.T) {
	want := time.Date(2010, 2, 4, 18, 37, 1, 0, time.UTC)
	for _, in := range []string{
		`"2010-02-04T18:37:01Z"`, `"2010-02-04T18:37:01.000Z"`, `"2010-02-04T19:37:01+01:00"`,
		`"2010-02-04T18:37:01"`, `"2010-02-04 18:37:01"`, `"2010-02-04 18:37:01Z"`,
		`1265308621`, `1265308621000`, `"1265308621"`,
	} {
		var ts infima.Timestamp
		if err := json.Unmarshal([]byte(in), &ts); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !ts.Equal(want) || ts.Location() != time.UTC {
			t.Errorf("%s: got %v", in, ts.Time)
		}
	}
	var ts infima.Timestamp
	if err := json.Unmarshal([]byte(`"2010-02-04"`), &ts); err != nil || ts.Format(time.DateOnly) != "2010-02-04" {
		t.Errorf("date only: %v %v", ts, err)
	}
	for _, in := range []string{`null`, `""`} {
		ts := infima.Timestamp{Time: want}
		if err := json.Unmarshal([]byte(in), &ts); err != nil || !ts.IsZero() {
			t.Errorf("%s: %v %v", in, ts, err)
		}
	}
	for _, in := range []string{`"yesterday"`, `true`, `{}`} {
		if err := json.Unmarshal([]byte(in), &ts); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	b, _ := json.Marshal(struct{ A, B infima.Timestamp }{infima.Timestamp{Time: want}, infima.Timestamp{}})
	if string(b) != `{"A":"2010-02-04T18:37:01Z","B":null}` {
		t.Errorf("marshal %s", b)
	}
	if (infima.Timestamp{}).String() != "" || (infima.Timestamp{Time: want}).String() != "2010-02-04T18:37:01Z" {
		t.Error("String")
	}
}

func TestUserDecodingTolerance(t *testing.T) {
	var us []infima.User
	err := json.Unmarshal([]byte(`[
		{"id": 42, "next_course": "Password Security", "status": "Active"},
		{"id": "u-2", "next_course": {"title": "Safe Browsing", "due": "2025-07-01"}},
		{"id": null, "next_course": {"name": "MFA", "due_date": "2025-07-02T00:00:00Z"},
		 "phishing_tests": [{"status": "credentials_submitted", "campaign_type": "On-Demand"},
		                    {"status": "ATTACHMENT OPENED", "campaign_type": "Automatic"},
		                    {"status": "Bounced", "campaign_type": "weekly"}]},
		{"next_course": null, "training_on_track": null, "risk_score": null}
	]`), &us)
	if err != nil {
		t.Fatal(err)
	}
	if us[0].ID != "42" || us[0].NextCourse.Name != "Password Security" || !us[0].NextCourse.DueDate.IsZero() || !us[0].Status.IsActive() {
		t.Errorf("user 0 %+v", us[0])
	}
	if us[1].NextCourse.Name != "Safe Browsing" || us[1].NextCourse.DueDate.Format(time.DateOnly) != "2025-07-01" {
		t.Errorf("user 1 %+v", us[1].NextCourse)
	}
	pt := us[2].PhishingTests
	if us[2].ID != "" || us[2].NextCourse.Name != "MFA" || pt[0].Outcome != infima.OutcomeCredentialsSubmitted || pt[0].Kind != infima.CampaignOnDemand ||
		pt[1].Outcome != infima.OutcomeAttachmentOpened || pt[1].Kind != infima.CampaignAutomatic || pt[2].Outcome != "Bounced" || pt[2].Kind != "weekly" {
		t.Errorf("user 2 %+v", us[2])
	}
	if us[3].NextCourse != nil || us[3].TrainingOnTrack != nil || us[3].RiskScore != nil {
		t.Errorf("user 3 %+v", us[3])
	}
	if err := json.Unmarshal([]byte(`[{"next_course": 5}]`), &us); err == nil {
		t.Error("numeric next_course accepted")
	}
}

func TestOutcomes(t *testing.T) {
	failed := map[infima.PhishingOutcome]bool{
		infima.OutcomeClicked: true, infima.OutcomeCredentialsSubmitted: true, infima.OutcomeAttachmentOpened: true,
	}
	if len(infima.PhishingOutcomes) != 6 {
		t.Fatal("six outcomes expected")
	}
	for _, o := range infima.PhishingOutcomes {
		if o.Failed() != failed[o] {
			t.Errorf("%s.Failed() = %v", o, o.Failed())
		}
		if infima.ParsePhishingOutcome(string(o)) != o {
			t.Errorf("round trip %s", o)
		}
	}
	if infima.ParseCampaignKind("on demand") != infima.CampaignOnDemand || infima.ParseCampaignKind("AUTO") != infima.CampaignAutomatic {
		t.Error("ParseCampaignKind")
	}
}
