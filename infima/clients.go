package infima

import (
	"context"
	"iter"
	"strconv"
)

// ClientsService lists the partner's clients: the companies subscribed to
// INFIMA through the partner.
type ClientsService service

// Company is one INFIMA client ("a company that is subscribed to INFIMA
// Services", in INFIMA's words) with its training and phishing rollups. The
// Go name differs from INFIMA's "client" only because Client is the API
// client.
//
// Rates are percentages (25.0 means 25 %). A nil rate means INFIMA has no
// data yet, as for a freshly onboarded client; that differs from 0 %.
type Company struct {
	ID   int    `json:"id"`
	Name string `json:"client_name"`
	// UserCount is the number of users INFIMA reports for the client.
	UserCount int `json:"user_count"`
	// InactiveUserCount is the number of deactivated users.
	InactiveUserCount int `json:"inactive_user_count"`
	// PhishingClickRateTotal is the share of phishing tests that were
	// failed, over the client's whole history.
	PhishingClickRateTotal *float64 `json:"phishing_click_rate_total"`
	// PhishingClickRateLastYear is the same over the last twelve months.
	PhishingClickRateLastYear *float64 `json:"phishing_click_rate_last_year"`
	// TrainingOnTrackRate is the share of users whose training is on track.
	TrainingOnTrackRate *float64  `json:"training_on_track_rate"`
	CreatedDate         Timestamp `json:"created_date"`
}

// ClientListOptions are the query parameters of GET /v1/clients.
type ClientListOptions struct {
	ListOptions
}

// List returns one page of clients (GET /v1/clients). The caller's options
// are never modified; a Limit above MaxLimit is sent as MaxLimit.
func (s *ClientsService) List(ctx context.Context, opts *ClientListOptions) ([]Company, *Response, error) {
	var o ClientListOptions
	if opts != nil {
		o = *opts
	}
	o.ListOptions = o.normalized()
	return list[Company](ctx, s.client, "/v1/clients", &o, o.ListOptions)
}

// All walks every client lazily, MaxLimit per request unless opts sets a
// Limit, starting at opts.Offset. Stop ranging to stop fetching. It never
// modifies opts. An error is yielded once, as the last element.
func (s *ClientsService) All(ctx context.Context, opts *ClientListOptions) iter.Seq2[Company, error] {
	var o ClientListOptions
	if opts != nil {
		o = *opts
	}
	return walk(o.ListOptions, func(lo ListOptions) ([]Company, *Response, error) {
		q := o
		q.ListOptions = lo
		return s.List(ctx, &q)
	})
}

// Get returns the client with the given id, as Get does in every psabridge
// client. The Reporting API publishes no single-client endpoint, so Get walks the client list until it meets the
// id (at most ceil(clients/50) requests); it returns an error matching
// ErrNotFound when no client has it. The *Response is that of the last page
// read.
func (s *ClientsService) Get(ctx context.Context, id int) (*Company, *Response, error) {
	lo := ListOptions{Limit: MaxLimit}
	for {
		items, resp, err := s.List(ctx, &ClientListOptions{ListOptions: lo})
		if err != nil {
			return nil, resp, err
		}
		for i := range items {
			if items[i].ID == id {
				return &items[i], resp, nil
			}
		}
		if resp.NextOffset <= lo.Offset {
			return nil, resp, &notFoundError{what: "client", id: id}
		}
		lo.Offset = resp.NextOffset
	}
}

// Find is Get.
//
// Deprecated: use Get, the name every psabridge client uses for a look-up by
// id.
func (s *ClientsService) Find(ctx context.Context, id int) (*Company, *Response, error) {
	return s.Get(ctx, id)
}

// notFoundError reports a lookup that the API answered without the object.
type notFoundError struct {
	what string
	id   int
}

// Error names the id that was not found.
func (e *notFoundError) Error() string {
	return "infima: no " + e.what + " with id " + strconv.Itoa(e.id) + " is visible to this API key"
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }
