package infima

import (
	"encoding/json"
	"strings"
)

// PhishingOutcome is the status a phishing test reached, with the names
// INFIMA shows in Risk → Phishing.
type PhishingOutcome string

// The six statuses, in roughly increasing severity except Reported, which
// is the outcome training aims for.
const (
	// OutcomeSent: delivered; the user has done nothing yet.
	OutcomeSent PhishingOutcome = "Sent"
	// OutcomeOpened: opened but not acted on.
	OutcomeOpened PhishingOutcome = "Opened"
	// OutcomeClicked: the user clicked a link in the test.
	OutcomeClicked PhishingOutcome = "Clicked"
	// OutcomeReported: the user pressed Report Phishing (success).
	OutcomeReported PhishingOutcome = "Reported"
	// OutcomeCredentialsSubmitted: the user entered credentials on the
	// simulated site; the worst outcome.
	OutcomeCredentialsSubmitted PhishingOutcome = "Credentials Submitted"
	// OutcomeAttachmentOpened: the user opened the attachment of an
	// attachment-style test; as severe as submitting credentials.
	OutcomeAttachmentOpened PhishingOutcome = "Attachment Opened"
)

// PhishingOutcomes lists every outcome in display order.
var PhishingOutcomes = []PhishingOutcome{
	OutcomeSent, OutcomeOpened, OutcomeClicked, OutcomeReported,
	OutcomeCredentialsSubmitted, OutcomeAttachmentOpened,
}

// Failed reports an outcome that counts as falling for the test (the click
// rates count these).
func (o PhishingOutcome) Failed() bool {
	switch o {
	case OutcomeClicked, OutcomeCredentialsSubmitted, OutcomeAttachmentOpened:
		return true
	}
	return false
}

// ParsePhishingOutcome maps the spellings seen in exports
// ("credentials_submitted", "ATTACHMENT OPENED", "clicked") to the
// constants; anything else is kept as given.
func ParsePhishingOutcome(s string) PhishingOutcome {
	k := normalizeWord(s)
	for _, o := range PhishingOutcomes {
		if normalizeWord(string(o)) == k {
			return o
		}
	}
	return PhishingOutcome(strings.TrimSpace(s))
}

// UnmarshalJSON normalizes the spelling (see ParsePhishingOutcome).
func (o *PhishingOutcome) UnmarshalJSON(b []byte) error {
	return unmarshalString(b, o, ParsePhishingOutcome)
}

// CampaignKind says how a phishing test was sent.
type CampaignKind string

const (
	// CampaignAutomatic tests come from INFIMA's automatic rotation.
	CampaignAutomatic CampaignKind = "automatic"
	// CampaignOnDemand tests were sent by the partner on demand.
	CampaignOnDemand CampaignKind = "on_demand"
)

// ParseCampaignKind maps "On-Demand", "on demand", "ondemand", "Automatic"
// and the like to the constants; anything else is kept as given.
func ParseCampaignKind(s string) CampaignKind {
	switch normalizeWord(s) {
	case "automatic", "auto", "rotation":
		return CampaignAutomatic
	case "ondemand", "manual":
		return CampaignOnDemand
	}
	return CampaignKind(strings.TrimSpace(s))
}

// UnmarshalJSON normalizes the spelling (see ParseCampaignKind).
func (k *CampaignKind) UnmarshalJSON(b []byte) error {
	return unmarshalString(b, k, ParseCampaignKind)
}

// unmarshalString decodes a JSON string into dst through parse. INFIMA
// spells its enumerations and identifiers loosely, so each such type reads
// the string one way, in its own function, whatever the JSON around it.
func unmarshalString[T any](b []byte, dst *T, parse func(string) T) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*dst = parse(s)
	return nil
}

// normalizeWord lowercases and drops separators so that spellings compare.
func normalizeWord(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != ' ' && r != '_' && r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PhishingTest is one phishing simulation sent to one user: a row of the
// in-app Risk → Phishing activity log. It is not part of the published
// Reporting API reference (see User.PhishingTests).
type PhishingTest struct {
	ID      string `json:"id,omitempty"`
	Subject string `json:"subject"`
	// From is who the test claimed to come from.
	From string       `json:"from"`
	Kind CampaignKind `json:"campaign_type"`
	// Outcome is the current status; StatusDate is when it was reached.
	Outcome    PhishingOutcome `json:"status"`
	SentDate   Timestamp       `json:"sent_date"`
	StatusDate Timestamp       `json:"status_date"`
}
