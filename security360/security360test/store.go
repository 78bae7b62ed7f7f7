package security360test

import (
	"encoding/json"
	"sync"
	"time"
)

// Kinds of training data the INFIMA integration pushes into Security 360,
// one per category the integration documents.
const (
	// KindTrainingStats is employee training completion and progress.
	KindTrainingStats = "training-stats"
	// KindPhishingResults is the outcome of phishing simulations.
	KindPhishingResults = "phishing-results"
	// KindCourseSchedule is the upcoming training assignments per user.
	KindCourseSchedule = "course-schedule"
)

// SiteKey is the conventional key of a site in a Store: its company and
// site IDs joined by a slash.
func SiteKey(companyID, siteID string) string { return companyID + "/" + siteID }

// Delivery is one push recorded by a Store.
type Delivery struct {
	// Seq numbers deliveries from 1 in the order they arrived.
	Seq int
	// SiteKey identifies the site the data landed on.
	SiteKey string
	// Kind is one of the Kind constants, or whatever the writer chose.
	Kind string
	// Payload is the value as given to Put.
	Payload any
	// JSON is Payload encoded at the time of Put (nil if it could not be
	// encoded), so later changes to Payload by the writer do not show.
	JSON json.RawMessage
	// At is when the delivery was recorded.
	At time.Time
}

// Store stands in for the Security 360 Training screen: the place where
// training stats, phishing results and course schedules land. Asio's
// ingestion API for partner data is not public, so the simulator offers it
// as a Go-side store a sink can write to directly. It is safe for
// concurrent use.
type Store struct {
	now func() time.Time

	mu         sync.Mutex
	deliveries []Delivery
}

// NewStore returns an empty store using the real clock.
func NewStore() *Store { return &Store{now: time.Now} }

// Put records one delivery of kind for the site.
func (s *Store) Put(siteKey, kind string, payload any) {
	var js json.RawMessage
	if b, err := json.Marshal(payload); err == nil {
		js = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	s.deliveries = append(s.deliveries, Delivery{
		Seq:     len(s.deliveries) + 1,
		SiteKey: siteKey,
		Kind:    kind,
		Payload: payload,
		JSON:    js,
		At:      now(),
	})
}

// Deliveries returns every delivery in arrival order.
func (s *Store) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	copy(out, s.deliveries)
	return out
}

// For returns the deliveries for one site, in arrival order.
func (s *Store) For(siteKey string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Delivery
	for _, d := range s.deliveries {
		if d.SiteKey == siteKey {
			out = append(out, d)
		}
	}
	return out
}

// Latest returns the most recent delivery of kind for the site: what the
// Training screen would show now.
func (s *Store) Latest(siteKey, kind string) (Delivery, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.deliveries) - 1; i >= 0; i-- {
		if d := s.deliveries[i]; d.SiteKey == siteKey && d.Kind == kind {
			return d, true
		}
	}
	return Delivery{}, false
}

// Len returns how many deliveries were recorded.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.deliveries)
}

// Reset forgets every delivery.
func (s *Store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = nil
}
