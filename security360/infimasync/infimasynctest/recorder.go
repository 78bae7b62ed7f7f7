// Package infimasynctest is the test kit of the INFIMA → Security 360 flow:
// a Recorder that stands in for the Security 360 Training screen (Asio's
// ingestion API for partner data is not public), with failure injection,
// and the Asio companies that match the INFIMA simulator's clients.
package infimasynctest

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/security360test"
)

// Delivery is one delivery the Recorder accepted.
type Delivery struct {
	// Seq numbers deliveries from 1 in the order they arrived.
	Seq int
	// SiteKey identifies the site the data landed on ("company/site").
	SiteKey string
	// Kind is the category.
	Kind infimasync.Kind
	// InfimaClientID and Fingerprint are the delivery's.
	InfimaClientID int
	Fingerprint    string
	// Payload is the value delivered.
	Payload any
	// JSON is Payload encoded when it arrived, so later changes by the
	// writer do not show.
	JSON json.RawMessage
	// At is when it was recorded.
	At time.Time
}

// Recorder is an infimasync.Sink that records what the Training screen
// would show. It is safe for concurrent use.
type Recorder struct {
	mu         sync.Mutex
	deliveries []Delivery
	fail       func(infimasync.Delivery) error
	after      func(infimasync.Delivery)
	now        func() time.Time
}

var _ infimasync.Sink = (*Recorder)(nil)

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{now: time.Now} }

// Deliver records d, unless ctx has ended or the failure set by FailWhen
// refuses it (then nothing is recorded, as a real screen would show
// nothing).
func (r *Recorder) Deliver(ctx context.Context, d infimasync.Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	fail, after := r.fail, r.after
	r.mu.Unlock()
	if fail != nil {
		if err := fail(d); err != nil {
			return err
		}
	}
	var js json.RawMessage
	if b, err := json.Marshal(d.Payload); err == nil {
		js = b
	}
	r.mu.Lock()
	r.deliveries = append(r.deliveries, Delivery{
		Seq: len(r.deliveries) + 1, SiteKey: d.SiteKey(), Kind: d.Kind, InfimaClientID: d.InfimaClientID,
		Fingerprint: d.Fingerprint, Payload: d.Payload, JSON: js, At: r.now(),
	})
	r.mu.Unlock()
	if after != nil {
		after(d)
	}
	return nil
}

// FailWhen makes Deliver return fn's error (when non-nil) instead of
// recording; nil clears it. fn runs outside the Recorder's lock.
func (r *Recorder) FailWhen(fn func(infimasync.Delivery) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = fn
}

// AfterDeliver calls fn after each recorded delivery, before Deliver
// returns: a test can stop the flow there, between the screen showing the
// data and the flow recording it. nil clears it.
func (r *Recorder) AfterDeliver(fn func(infimasync.Delivery)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.after = fn
}

// Deliveries returns every delivery in arrival order. Like every list a
// test server of this module returns, it is empty, never nil, when there
// is nothing, so tests compare it without a nil case.
func (r *Recorder) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Delivery, len(r.deliveries))
	copy(out, r.deliveries)
	return out
}

// For returns the deliveries to one site, in arrival order (empty, never
// nil).
func (r *Recorder) For(siteKey string) []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []Delivery{}
	for _, d := range r.deliveries {
		if d.SiteKey == siteKey {
			out = append(out, d)
		}
	}
	return out
}

// Latest returns the most recent delivery of kind to the site: what the
// Training screen shows now.
func (r *Recorder) Latest(siteKey string, kind infimasync.Kind) (Delivery, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.deliveries) - 1; i >= 0; i-- {
		if d := r.deliveries[i]; d.SiteKey == siteKey && d.Kind == kind {
			return d, true
		}
	}
	return Delivery{}, false
}

// Len returns how many deliveries were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.deliveries)
}

// Duplicates returns the deliveries that repeat an earlier one exactly
// (same site, kind and fingerprint, with nothing else of that kind in
// between): data the flow delivered twice. Empty, never nil, when there
// are none.
func (r *Recorder) Duplicates() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	type slot struct {
		site string
		kind infimasync.Kind
	}
	last := map[slot]string{}
	dups := []Delivery{}
	for _, d := range r.deliveries {
		k := slot{d.SiteKey, d.Kind}
		if fp, ok := last[k]; ok && fp == d.Fingerprint {
			dups = append(dups, d)
		}
		last[k] = d.Fingerprint
	}
	return dups
}

// Reset forgets every delivery.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deliveries = nil
}

// INFIMAClientCompanies are the Asio companies and sites named the way the
// INFIMA simulator's default clients typically appear in Asio ("Blue Ridge
// Logistics, Inc." for INFIMA's "Blue Ridge Logistics"; a two-clinic
// practice whose match is a tie for a person to settle).
var INFIMAClientCompanies = []struct {
	Company string
	Sites   []string
}{
	{"Acme Dental Group PLLC", []string{"Acme Dental Group PLLC"}},
	{"Blue Ridge Logistics, Inc.", []string{"Blue Ridge Logistics"}},
	{"Cedar Creek Accounting LLC", []string{"Main Office"}},
	{"Lakeside Credit Union", []string{"Lakeside CU Main Branch"}},
	{"Northgate Engineering", []string{"Northgate Engineering"}},
	{"Summit Family Medicine", []string{"Summit North Clinic", "Summit South Clinic"}},
	{"Harbor Point Bakery", []string{"Harbor Point Bakery"}},
}

// AddINFIMAClientCompanies adds INFIMAClientCompanies to an Asio simulator,
// so that the two simulators together show realistic mapping suggestions.
// The simulator's default seed matches none of them.
func AddINFIMAClientCompanies(srv *security360test.Server) {
	for _, c := range INFIMAClientCompanies {
		co := srv.AddCompany(c.Company)
		for _, name := range c.Sites {
			srv.AddSite(co.ID, name)
		}
	}
}
