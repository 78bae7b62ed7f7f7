package infima

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
)

// UsersService lists the users (employees) of one client.
type UsersService service

// UserStatus is a user's state, and also the status filter of the users
// endpoint.
type UserStatus string

const (
	// StatusActive users are current employees in training.
	StatusActive UserStatus = "active"
	// StatusInactive users were deactivated (left the company).
	StatusInactive UserStatus = "inactive"
	// StatusAll is a filter only: active and inactive users together.
	StatusAll UserStatus = "all"
)

// IsActive reports whether the status is active, ignoring case ("Active"
// and "active" both appear in reporting data).
func (s UserStatus) IsActive() bool { return strings.EqualFold(string(s), string(StatusActive)) }

// User is one person in a client's security awareness program.
//
// Rates are percentages; nil means no data (no phishing test sent yet, no
// training assigned yet), which differs from 0 %.
type User struct {
	ID                UserID     `json:"id"`
	Email             string     `json:"email"`
	FirstName         string     `json:"first_name"`
	LastName          string     `json:"last_name"`
	Department        string     `json:"department"`
	Status            UserStatus `json:"status"`
	PreferredLanguage string     `json:"preferred_language"`
	Role              string     `json:"role"`
	CreatedDate       Timestamp  `json:"created_date"`
	// TrainingOnTrack is nil until the user has training to be judged on.
	TrainingOnTrack *bool `json:"training_on_track"`
	// NextCourse is the upcoming assignment, nil when none is scheduled.
	NextCourse *Course `json:"next_course"`
	// CoursesBehind counts assigned courses past their due date.
	CoursesBehind int `json:"courses_behind"`
	// RiskScore is INFIMA's per-user risk figure (higher is riskier).
	RiskScore                 *float64 `json:"risk_score"`
	PhishingClickRateTotal    *float64 `json:"phishing_click_rate_total"`
	PhishingClickRateLastYear *float64 `json:"phishing_click_rate_last_year"`
	// PhishingTests is the user's phishing test history, one entry per test
	// sent. The published reference does not document this field (only the
	// click rates above); it mirrors the in-app Risk → Phishing activity log
	// and is filled only when the server sends it. See PhishingResults.
	PhishingTests []PhishingTest `json:"phishing_tests,omitempty"`
}

// Name is "First Last", or the email when both are empty.
func (u *User) Name() string {
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		return u.Email
	}
	return n
}

// Course is a training course assignment.
type Course struct {
	Name    string    `json:"name"`
	DueDate Timestamp `json:"due_date"`
}

// UnmarshalJSON accepts the object form {"name", "due_date"} (also "title",
// "course_name" and "due"/"due_at"), a bare course-name string, or null:
// the reference names next_course without publishing its shape.
func (c *Course) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*c = Course{}
		return nil
	case len(b) > 0 && b[0] == '"':
		return unmarshalString(b, c, func(s string) Course { return Course{Name: s} })
	}
	var v struct {
		Name       string     `json:"name"`
		Title      string     `json:"title"`
		CourseName string     `json:"course_name"`
		DueDate    *Timestamp `json:"due_date"`
		Due        *Timestamp `json:"due"`
		DueAt      *Timestamp `json:"due_at"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("infima: next_course: %w", err)
	}
	*c = Course{Name: firstNonEmpty(v.Name, v.Title, v.CourseName)}
	for _, d := range []*Timestamp{v.DueDate, v.Due, v.DueAt} {
		if d != nil && !d.IsZero() {
			c.DueDate = *d
			break
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// UserListOptions are the query parameters of GET /v1/clients/{id}/users.
type UserListOptions struct {
	// Status filters users; empty leaves the server default. Community
	// exports pass StatusAll explicitly, which suggests the default leaves
	// inactive users out; the infimatest simulator behaves that way.
	Status UserStatus `url:"status,omitempty"`
	ListOptions
}

// List returns one page of a client's users (GET /v1/clients/{id}/users).
// The caller's options are never modified; a Limit above MaxLimit is sent
// as MaxLimit.
func (s *UsersService) List(ctx context.Context, clientID int, opts *UserListOptions) ([]User, *Response, error) {
	if clientID <= 0 {
		return nil, nil, fmt.Errorf("infima: client id %d is not valid (ids are positive integers)", clientID)
	}
	var o UserListOptions
	if opts != nil {
		o = *opts
	}
	o.ListOptions = o.normalized()
	return list[User](ctx, s.client, fmt.Sprintf("/v1/clients/%d/users", clientID), &o, o.ListOptions)
}

// All walks every user of a client lazily, MaxLimit per request unless opts
// sets a Limit. It never modifies opts. An error is yielded once, as the
// last element.
func (s *UsersService) All(ctx context.Context, clientID int, opts *UserListOptions) iter.Seq2[User, error] {
	var o UserListOptions
	if opts != nil {
		o = *opts
	}
	return walk(o.ListOptions, func(lo ListOptions) ([]User, *Response, error) {
		q := o
		q.ListOptions = lo
		return s.List(ctx, clientID, &q)
	})
}
