package infimasync

import "context"

// Kind is one of the three data categories the integration pushes.
// infimasynctest records deliveries under these same values.
type Kind string

// The categories, in the order a sync delivers them for each site.
const (
	// KindTrainingStats carries a *TrainingStats.
	KindTrainingStats Kind = "training-stats"
	// KindPhishingResults carries a *PhishingResults.
	KindPhishingResults Kind = "phishing-results"
	// KindCourseSchedule carries a *CourseSchedule.
	KindCourseSchedule Kind = "course-schedule"
)

// Kinds lists every category in delivery order.
var Kinds = []Kind{KindTrainingStats, KindPhishingResults, KindCourseSchedule}

// Delivery is one category of one client's data, addressed to its site.
type Delivery struct {
	// CompanyID and SiteID identify the Asio site.
	CompanyID, SiteID string
	// InfimaClientID is the INFIMA client's id.
	InfimaClientID int
	// ClientName is the INFIMA client's name.
	ClientName string
	// Kind says which category Payload is.
	Kind Kind
	// Payload is *TrainingStats, *PhishingResults or *CourseSchedule,
	// according to Kind. The sink may keep it; the sync does not touch it
	// afterwards.
	Payload any
	// Fingerprint is the payload's digest; the sync delivers a category
	// again only when it changes. A sink that can be told the same thing
	// twice (a crash between its answer and the store's write) may use
	// (SiteKey, Kind, Fingerprint) as an idempotency key.
	Fingerprint string
}

// SiteKey is the site's key: company and site IDs joined by a slash.
func (d Delivery) SiteKey() string { return d.CompanyID + "/" + d.SiteID }

// Sink receives deliveries: it stands for the Security 360 Training screen.
// Security 360's ingestion API for partner data is not public, so no
// implementation talks to Asio; tests and the example use the recorder in
// infimasynctest.
//
// Deliver is called from several goroutines at once, for different sites;
// for one site, categories arrive in Kinds order. A delivery that returns nil
// is considered shown and is not sent again until its data changes; an error
// makes the next sync try again. Deliver must honour ctx: a delivery that
// returns ctx's error must not have been shown.
type Sink interface {
	// Deliver shows d on its site, replacing the previous delivery of the
	// same kind.
	Deliver(ctx context.Context, d Delivery) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, d Delivery) error

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, d Delivery) error { return f(ctx, d) }
