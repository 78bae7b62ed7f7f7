package callback

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/psabridge/psabridge/connectwise"
)

// Entry is a callback registration, the PSA's CallbackEntry
// (/system/callbacks). URL, Type, Level and ObjectID are required.
type Entry struct {
	ID int `json:"id,omitempty"`
	// Description labels the callback; at most 100 characters.
	Description string `json:"description,omitempty"`
	// URL receives the POSTs. The PSA appends the record id to it, so end
	// it with a parameter such as "?recordId=" (ConnectWise's advice).
	URL string `json:"url,omitempty"`
	// ObjectID is the record the level refers to (a board id for level
	// "board"); 1 for level "owner". Always sent: the PSA requires it.
	ObjectID int `json:"objectId"`
	// Type is the kind of record: TypeTicket, TypeCompany, TypeContact...
	Type string `json:"type,omitempty"`
	// Level narrows which records of Type are reported: LevelOwner for all.
	Level string `json:"level,omitempty"`
	// MemberID is the member who created the callback (read-only).
	MemberID int `json:"memberId,omitempty"`
	// PayloadVersion selects the payload format ("3.0.0" is the one seen
	// in public fixtures); empty leaves the PSA default.
	PayloadVersion string `json:"payloadVersion,omitempty"`
	// InactiveFlag stops deliveries without deleting the registration. The
	// PSA sets it after three consecutive days of failed deliveries.
	InactiveFlag bool `json:"inactiveFlag,omitempty"`
	// IsSoapCallbackFlag marks a legacy SOAP callback.
	IsSoapCallbackFlag bool `json:"isSoapCallbackFlag,omitempty"`
	// IsSelfSuppressedFlag suppresses deliveries for changes made by the
	// member who registered the callback (that is, by this integration).
	IsSelfSuppressedFlag bool `json:"isSelfSuppressedFlag,omitempty"`
	// ConnectWiseID is a GUID the PSA assigns (answered, not in the spec).
	ConnectWiseID string `json:"connectWiseID,omitempty"`
	// Info is the _info block (lastUpdated, updatedBy as strings).
	Info map[string]string `json:"_info,omitempty"`
}

// Record types a callback can watch (the PSA's "type"), as the PSA sends
// them in deliveries. Registration matches them case-insensitively.
const (
	TypeActivity       = "activity"
	TypeAgreement      = "agreement"
	TypeCompany        = "company"
	TypeConfiguration  = "configuration"
	TypeContact        = "contact"
	TypeExpense        = "expense"
	TypeInvoice        = "invoice"
	TypeMember         = "member"
	TypeOpportunity    = "opportunity"
	TypeProductCatalog = "productcatalog"
	TypeProject        = "project"
	TypePurchaseOrder  = "purchaseorder"
	TypeSchedule       = "schedule"
	TypeTicket         = "ticket"
	TypeTime           = "time"
)

// Levels of a callback. Which levels a type accepts is the PSA's table
// "Levels and Types" in the developer guide; the PSA answers 400
// ("Unrecognized level for type") for the others.
const (
	// LevelOwner reports every record of the type; ObjectID must be 1.
	LevelOwner = "owner"
	// LevelBoard reports tickets on the board ObjectID.
	LevelBoard = "board"
	// LevelStatus reports records in the status ObjectID.
	LevelStatus = "status"
	// LevelTicket, LevelCompany and LevelContact report one record.
	LevelTicket  = "ticket"
	LevelCompany = "company"
	LevelContact = "contact"
)

// MaxDescriptionLength is the PSA's limit on Entry.Description, counted in
// UTF-16 code units as the PSA counts.
const MaxDescriptionLength = 100

const path = "system/callbacks"

// Service manages callback registrations through a connectwise.Client,
// with its authentication, retries, rate limit and typed errors.
type Service struct {
	c *connectwise.Client
}

// NewService returns a Service using c.
func NewService(c *connectwise.Client) *Service { return &Service{c: c} }

// Validate checks what the PSA requires of a new registration, naming the
// field at fault, before anything is sent.
func (e *Entry) Validate() error {
	switch {
	case e == nil:
		return &FieldError{Field: "Entry", Problem: "is nil"}
	case e.URL == "":
		return &FieldError{Field: "URL", Problem: "is required"}
	case e.Type == "":
		return &FieldError{Field: "Type", Problem: "is required (for example callback.TypeTicket)"}
	case e.Level == "":
		return &FieldError{Field: "Level", Problem: "is required (for example callback.LevelOwner)"}
	case e.ObjectID <= 0:
		return &FieldError{Field: "ObjectID", Problem: "is required (1 for level owner, else the id of the board, status or record)"}
	case len(utf16.Encode([]rune(e.Description))) > MaxDescriptionLength:
		return &FieldError{Field: "Description", Problem: fmt.Sprintf("is longer than %d characters", MaxDescriptionLength)}
	}
	u, err := url.Parse(e.URL)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &FieldError{Field: "URL", Problem: "is not an absolute http(s) URL"}
	}
	if u.User != nil {
		return &FieldError{Field: "URL", Problem: "must not carry credentials: the PSA shows it to every admin"}
	}
	return nil
}

// FieldError reports an Entry the client refuses to send.
type FieldError struct {
	Field   string
	Problem string
}

// Error reads "callback: <field>: <problem>".
func (e *FieldError) Error() string { return "callback: " + e.Field + ": " + e.Problem }

// List returns one page of registrations. Forward-only paging is not
// offered here: the list is short and Raw has no way to send the header.
func (s *Service) List(ctx context.Context, opts *connectwise.ListOptions) ([]Entry, *connectwise.Response, error) {
	q, err := query(opts)
	if err != nil {
		return nil, nil, err
	}
	var out []Entry
	resp, err := s.c.Raw(ctx, http.MethodGet, path, q, nil, &out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// All walks every page lazily. It copies opts and never changes them.
func (s *Service) All(ctx context.Context, opts *connectwise.ListOptions) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		var o connectwise.ListOptions
		if opts != nil {
			o = *opts
		}
		if o.PageSize == 0 {
			o.PageSize = connectwise.MaxPageSize
		}
		if o.Page == 0 {
			o.Page = 1
		}
		for {
			page, resp, err := s.List(ctx, &o)
			if err != nil {
				yield(Entry{}, err)
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
			}
			switch {
			case len(page) == 0:
				return
			case resp.NextPage > o.Page:
				o.Page = resp.NextPage
			case resp.NextPage > 0:
				yield(Entry{}, fmt.Errorf("callback: %s: the next page %d does not advance past page %d; stopping", path, resp.NextPage, o.Page))
				return
			case resp.Header.Get("Link") == "" && len(page) == o.PageSize:
				o.Page++
			default:
				return
			}
		}
	}
}

// Count counts the registrations matching cond.
func (s *Service) Count(ctx context.Context, cond connectwise.Conditions) (int, *connectwise.Response, error) {
	q, err := query(&connectwise.ListOptions{Conditions: cond})
	if err != nil {
		return 0, nil, err
	}
	var out struct {
		Count int `json:"count"`
	}
	resp, err := s.c.Raw(ctx, http.MethodGet, path+"/count", q, nil, &out)
	return out.Count, resp, err
}

// Get reads one registration.
func (s *Service) Get(ctx context.Context, id int) (*Entry, *connectwise.Response, error) {
	if id <= 0 {
		return nil, nil, &FieldError{Field: "id", Problem: "must be positive"}
	}
	e := new(Entry)
	resp, err := s.c.Raw(ctx, http.MethodGet, path+"/"+strconv.Itoa(id), nil, nil, e)
	if err != nil {
		return nil, resp, err
	}
	return e, resp, nil
}

// Create registers a callback. A POST is not retried once it may have
// reached the PSA; prefer Ensure, which is safe to repeat.
func (s *Service) Create(ctx context.Context, e *Entry) (*Entry, *connectwise.Response, error) {
	if err := e.Validate(); err != nil {
		return nil, nil, err
	}
	body := *e
	body.ID, body.MemberID, body.Info, body.ConnectWiseID = 0, 0, nil, ""
	out := new(Entry)
	resp, err := s.c.Raw(ctx, http.MethodPost, path, nil, &body, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// Update replaces registration id with e (PUT): fields left empty in e
// are reset to the PSA's defaults.
func (s *Service) Update(ctx context.Context, id int, e *Entry) (*Entry, *connectwise.Response, error) {
	if id <= 0 {
		return nil, nil, &FieldError{Field: "id", Problem: "must be positive"}
	}
	if err := e.Validate(); err != nil {
		return nil, nil, err
	}
	body := *e
	body.ID = id
	out := new(Entry)
	resp, err := s.c.Raw(ctx, http.MethodPut, path+"/"+strconv.Itoa(id), nil, &body, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// Patch changes fields of registration id, for example
// connectwise.Replace("inactiveFlag", true).
func (s *Service) Patch(ctx context.Context, id int, ops ...connectwise.PatchOp) (*Entry, *connectwise.Response, error) {
	if id <= 0 {
		return nil, nil, &FieldError{Field: "id", Problem: "must be positive"}
	}
	if len(ops) == 0 {
		return nil, nil, &FieldError{Field: "ops", Problem: "an empty patch changes nothing"}
	}
	for _, op := range ops {
		if p := strings.TrimPrefix(op.Path, "/"); p == "" || strings.Contains(p, "/") {
			return nil, nil, &FieldError{Field: "ops", Problem: fmt.Sprintf("path %q must name one top-level field", op.Path)}
		}
	}
	out := new(Entry)
	resp, err := s.c.Raw(ctx, http.MethodPatch, path+"/"+strconv.Itoa(id), nil, ops, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// Delete removes registration id. Deleting one that is already gone is an
// error the caller can test with connectwise.IsNotFound.
func (s *Service) Delete(ctx context.Context, id int) (*connectwise.Response, error) {
	if id <= 0 {
		return nil, &FieldError{Field: "id", Problem: "must be positive"}
	}
	return s.c.Raw(ctx, http.MethodDelete, path+"/"+strconv.Itoa(id), nil, nil, nil)
}

// Ensure returns the registration with e's URL, type, level and object id,
// creating it (and reactivating it, when the PSA has disabled it) only if
// needed; created reports whether a POST was made. Repeating Ensure after a
// crash, a timeout or in parallel with itself converges on one
// registration: an ambiguous POST is looked up again before anything else
// is sent.
func (s *Service) Ensure(ctx context.Context, e Entry) (entry *Entry, created bool, err error) {
	if err := e.Validate(); err != nil {
		return nil, false, err
	}
	find := func() (*Entry, error) {
		// The URL is compared here rather than in conditions: callback URLs
		// routinely hold both quote characters' neighbours (&, =, ?), and a
		// registration list is short.
		cond := connectwise.Where("type = ? and level = ? and objectId = ?", e.Type, e.Level, e.ObjectID)
		for got, err := range s.All(ctx, &connectwise.ListOptions{Conditions: cond}) {
			if err != nil {
				return nil, err
			}
			if got.URL == e.URL && strings.EqualFold(got.Type, e.Type) && strings.EqualFold(got.Level, e.Level) && got.ObjectID == e.ObjectID {
				return &got, nil
			}
		}
		return nil, nil
	}
	got, err := find()
	if err != nil {
		return nil, false, err
	}
	if got == nil {
		got, _, err = s.Create(ctx, &e)
		if connectwise.IsOutcomeUnknown(err) {
			if again, ferr := find(); ferr == nil && again != nil {
				return again, true, nil
			}
		}
		if err != nil {
			return nil, false, err
		}
		created = true
	}
	if got.InactiveFlag && !e.InactiveFlag {
		got, _, err = s.Patch(ctx, got.ID, connectwise.Replace("inactiveFlag", false))
		if err != nil {
			return nil, created, err
		}
	}
	return got, created, nil
}

// query encodes list options the way the PSA reads them.
func query(o *connectwise.ListOptions) (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if o.ForwardOnly {
		return nil, errors.New("callback: forward-only paging is not available for /system/callbacks through this service; use page numbers")
	}
	for name, c := range map[string]connectwise.Conditions{"conditions": o.Conditions, "childConditions": o.ChildConditions, "customFieldConditions": o.CustomFieldConditions} {
		if err := c.Err(); err != nil {
			return nil, err
		}
		if s := c.String(); s != "" {
			q.Set(name, s)
		}
	}
	if o.OrderBy != "" {
		q.Set("orderBy", o.OrderBy)
	}
	if o.Fields != "" {
		q.Set("fields", o.Fields)
	}
	if o.PageSize < 0 || o.PageSize > connectwise.MaxPageSize {
		return nil, fmt.Errorf("callback: PageSize %d is outside 1..%d", o.PageSize, connectwise.MaxPageSize)
	}
	if o.PageSize > 0 {
		q.Set("pageSize", strconv.Itoa(o.PageSize))
	}
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	return q, nil
}
