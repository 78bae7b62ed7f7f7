package infimasync

import "context"

// Kind is one of the three data categories the integration pushes. The
// values match the security360test Kind constants.
type Kind string

// The categories, in the order a sync delivers them for each site.
const (
	// KindTrainingStats carries an *infima.TrainingStats.
	KindTrainingStats Kind = "training-stats"
	// KindPhishingResults carries an *infima.PhishingResults.
	KindPhishingResults Kind = "phishing-results"
	// KindCourseSchedule carries an *infima.CourseSchedule.
	KindCourseSchedule Kind = "course-schedule"
)

// Kinds lists every category in delivery order.
var Kinds = []Kind{KindTrainingStats, KindPhishingResults, KindCourseSchedule}

// Delivery is one category of one client's data, addressed to its site.
type Delivery struct {
	// CompanyID and SiteID identify the Asio site.
	CompanyID, SiteID string
	// ClientID is the INFIMA client's id.
	ClientID int
	// ClientName is the INFIMA client's name.
	ClientName string
	// Kind says which category Payload is.
	Kind Kind
	// Payload is *infima.TrainingStats, *infima.PhishingResults or
	// *infima.CourseSchedule, according to Kind. The sink may keep it; the
	// sync does not touch it afterwards.
	Payload any
	// Fingerprint is the payload's digest; the sync delivers a category
	// again only when it changes.
	Fingerprint string
}

// SiteKey is the site's key: company and site IDs joined by a slash, as
// security360test.SiteKey builds it.
func (d Delivery) SiteKey() string { return d.CompanyID + "/" + d.SiteID }

// Sink receives deliveries: it stands for the Security 360 Training screen.
// Security 360's ingestion API for partner data is not public, so no
// implementation talks to Asio; tests and the example write to the
// security360test simulator's Store.
//
// Deliver is called from several goroutines at once, for different sites;
// for one site, categories arrive in Kinds order. A delivery that returns nil
// is considered shown and is not sent again until its data changes; an error
// makes the next sync try again.
type Sink interface {
	// Deliver shows d on its site, replacing the previous delivery of the
	// same kind.
	Deliver(ctx context.Context, d Delivery) error
}

// SinkFunc adapts a function to Sink:
//
//	store := srv.Training() // security360test
//	sink := infimasync.SinkFunc(func(_ context.Context, d infimasync.Delivery) error {
//		store.Put(d.SiteKey(), string(d.Kind), d.Payload)
//		return nil
//	})
type SinkFunc func(ctx context.Context, d Delivery) error

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, d Delivery) error { return f(ctx, d) }
