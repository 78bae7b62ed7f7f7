package cwtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// CallbackEntry is a callback registration (/system/callbacks), with the
// fields of the PSA's CallbackEntry schema plus the connectWiseID a create
// answers.
//
// When a record of a registered type is created, changed or deleted
// through the API, the simulator POSTs one signed delivery per matching
// active registration, as the PSA does: the body and signature are the
// PSA's (see package connectwise/callback for the format and its
// sources), the record id is appended to the URL, 404/409/419/429 answers
// are retried (SetCallbackRetryDelays), and the signing key is served
// without authentication at the key_url on the simulator's own host.
// Deliveries run in order on one goroutine; FlushCallbacks waits for them.
//
// Knowingly simpler than the PSA: changes made through test helpers
// (AddTickets, UpdateTicket, ...) are not delivered; levels other than
// owner, the record itself, board, status, company and type never match;
// callbacks are never disabled after failing; any authenticated member
// may manage them (the permission the PSA checks is not public).
type CallbackEntry struct {
	ID                   int    `json:"id"`
	Description          string `json:"description,omitempty"`
	URL                  string `json:"url"`
	ObjectID             *int   `json:"objectId"`
	Type                 string `json:"type"`
	Level                string `json:"level"`
	MemberID             *int   `json:"memberId,omitempty"`
	PayloadVersion       string `json:"payloadVersion,omitempty"`
	InactiveFlag         bool   `json:"inactiveFlag"`
	IsSoapCallbackFlag   bool   `json:"isSoapCallbackFlag"`
	IsSelfSuppressedFlag bool   `json:"isSelfSuppressedFlag"`
	ConnectWiseID        string `json:"connectWiseID,omitempty"`
	Info                 *Info  `json:"_info,omitempty"`
}

func (e *CallbackEntry) recID() int      { return e.ID }
func (e *CallbackEntry) setRecID(id int) { e.ID = id }
func (e *CallbackEntry) info() **Info    { return &e.Info }

// callbackLevels lists the levels the simulator accepts per type, from the
// developer guide's "Levels and Types" table; other types accept owner and
// their own name.
var callbackLevels = map[string][]string{
	"ticket":  {"owner", "board", "status", "ticket", "company"},
	"company": {"owner", "status", "type", "territory", "company", "integratortag"},
	"contact": {"owner", "type", "company", "contact"},
}

// callbackTypes are the record types the PSA reports (lower case, as sent).
var callbackTypes = []string{"activity", "agreement", "company", "configuration", "contact", "expense", "invoice",
	"member", "opportunity", "productcatalog", "project", "purchaseorder", "schedule", "ticket", "time"}

var callbackEntries = &kind[CallbackEntry, *CallbackEntry]{
	// The permission guarding callbacks is not public; the simulator
	// lets any authenticated member manage them.
	resource: "callbackEntry", perm: "",
	tab:     func(st *state) *table[CallbackEntry, *CallbackEntry] { return st.callbacks },
	prepare: prepareCallback,
}

func prepareCallback(c *call, st *state, e, old *CallbackEntry) *apiError {
	var errs []fieldError
	u, err := url.Parse(e.URL)
	if e.URL == "" {
		errs = append(errs, required("url"))
	} else if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		errs = append(errs, fieldError{Code: "InvalidField", Message: "Invalid URL", Field: "url"})
	}
	e.Type, e.Level = strings.ToLower(e.Type), strings.ToLower(e.Level)
	switch {
	case e.Type == "":
		errs = append(errs, required("type"))
	case !slices.Contains(callbackTypes, e.Type):
		errs = append(errs, fieldError{Code: "InvalidField", Message: "Unrecognized type, see documentation for supported types", Field: "type"})
	case e.Level == "":
		errs = append(errs, required("level"))
	default:
		levels, ok := callbackLevels[e.Type]
		if !ok {
			levels = []string{"owner", e.Type}
		}
		if !slices.Contains(levels, e.Level) {
			errs = append(errs, fieldError{Code: "InvalidObject", Message: "Unrecognized level for type, see documentation for supported levels for each type", Field: "level"})
		}
	}
	if e.ObjectID == nil {
		errs = append(errs, required("objectId"))
	}
	if n := len(utf16.Encode([]rune(e.Description))); n > 100 {
		errs = append(errs, fieldError{Code: "MaxLengthField", Message: "The field description must be a string with a maximum length of 100.", Field: "description"})
	}
	if len(errs) > 0 {
		return invalid("callbackEntry", errs...)
	}
	if old != nil {
		e.MemberID, e.ConnectWiseID = old.MemberID, old.ConnectWiseID
	} else {
		id := c.member.ID
		e.MemberID, e.ConnectWiseID = &id, newUUID()
	}
	if e.PayloadVersion == "" {
		e.PayloadVersion = "3.0.0"
	}
	return nil
}

// Callbacks returns the registered callbacks.
func (s *Server) Callbacks() []CallbackEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.callbacks.snapshot(nil)
}

// CallbackDelivery is one delivery the simulator made (or gave up on).
type CallbackDelivery struct {
	CallbackID int
	// URL is where it was posted: the registered URL plus the record id.
	URL       string
	MessageID string
	Action    string
	Type      string
	RecordID  int
	// Attempts counts the POSTs; the PSA retries 404, 409, 419 and 429.
	Attempts int
	// Status is the last answer's status; 0 when none came.
	Status int
	// Err says why no answer came (timeout, connection refused, queue
	// full, server closed); empty otherwise.
	Err string
}

// Delivered reports whether the receiver answered 2xx, which the PSA
// counts as delivered.
func (d CallbackDelivery) Delivered() bool { return d.Status >= 200 && d.Status < 300 }

// CallbackDeliveries returns the most recent deliveries (up to 1,000) in
// the order they were made.
func (s *Server) CallbackDeliveries() []CallbackDelivery {
	h := &s.cb
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.log)
}

// FlushCallbacks waits until every delivery queued so far has been made
// (with its retries), or ctx ends. Deliveries run on one goroutine in the
// order the changes happened, so after FlushCallbacks a test sees them all.
func (s *Server) FlushCallbacks(ctx context.Context) error {
	h := &s.cb
	h.mu.Lock()
	if !h.running {
		h.mu.Unlock()
		return nil
	}
	idle := h.idle
	h.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetCallbackRetryDelays sets the waits before the retries of a delivery
// answered 404, 409, 419 or 429; the PSA's are 2 s and then 4 s (the
// default). Tests pass zeros, or run inside testing/synctest.
func (s *Server) SetCallbackRetryDelays(d ...time.Duration) {
	h := &s.cb
	h.mu.Lock()
	h.retries = slices.Clone(d)
	h.retriesSet = true
	h.mu.Unlock()
}

// CallbackKeyURL returns the key_url deliveries name for a server reached
// at base ("http://127.0.0.1:1234"): the PSA's form, double slash included.
func (s *Server) CallbackKeyURL(base string) string {
	_, keyID := s.cb.signingKey()
	return strings.TrimSuffix(base, "/") + "/" + s.opts.codebase + "/system/callbackkey/index.rails?companyName=" +
		url.QueryEscape(companyID) + "&id=" + keyID
}

// callbackHub queues deliveries and makes them one at a time, in order,
// on a goroutine that exists only while there is work. The zero value is
// ready; Server.Close stops it.
type callbackHub struct {
	mu         sync.Mutex
	queue      []*pendingDelivery
	running    bool
	idle       chan struct{} // closed when the worker stops
	closed     bool
	ctx        context.Context
	cancel     context.CancelFunc
	log        []CallbackDelivery
	retries    []time.Duration
	retriesSet bool

	keyOnce sync.Once
	key     string
	keyID   string
}

type pendingDelivery struct {
	url  string
	body []byte
	rec  CallbackDelivery
}

const (
	maxCallbackQueue = 1000
	maxCallbackLog   = 1000
	// callbackTimeout is the PSA's per-attempt limit.
	callbackTimeout = 5 * time.Second
)

func (h *callbackHub) signingKey() (key, id string) {
	h.keyOnce.Do(func() {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		h.key, h.keyID = hex.EncodeToString(b), newUUID()
	})
	return h.key, h.keyID
}

// sign is what the PSA computes: base64(HMAC-SHA256(SHA-256(key), body)).
func (h *callbackHub) sign(body []byte) string {
	key, _ := h.signingKey()
	k := sha256.Sum256([]byte(key))
	m := hmac.New(sha256.New, k[:])
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (h *callbackHub) enqueue(d *pendingDelivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		d.rec.Err = "server closed"
		h.record(d.rec)
		return
	case len(h.queue) >= maxCallbackQueue:
		d.rec.Err = "delivery queue full"
		h.record(d.rec)
		return
	}
	h.queue = append(h.queue, d)
	if !h.running {
		if h.ctx == nil {
			h.ctx, h.cancel = context.WithCancel(context.Background())
		}
		h.running = true
		h.idle = make(chan struct{})
		go h.work(h.ctx, h.idle)
	}
}

// record appends to the bounded log. Caller holds mu.
func (h *callbackHub) record(d CallbackDelivery) {
	if len(h.log) >= maxCallbackLog {
		h.log = slices.Delete(h.log, 0, len(h.log)-maxCallbackLog+1)
	}
	h.log = append(h.log, d)
}

func (h *callbackHub) work(ctx context.Context, idle chan struct{}) {
	// A transport of its own, emptied when the queue is: no connection
	// (and no goroutine) outlives the burst of deliveries.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Timeout: callbackTimeout, Transport: tr}
	for {
		h.mu.Lock()
		if len(h.queue) == 0 || ctx.Err() != nil {
			for _, d := range h.queue {
				d.rec.Err = "server closed"
				h.record(d.rec)
			}
			h.queue = nil
			h.running = false
			close(idle)
			h.mu.Unlock()
			return
		}
		d := h.queue[0]
		h.queue = h.queue[1:]
		delays := []time.Duration{2 * time.Second, 4 * time.Second}
		if h.retriesSet {
			delays = h.retries
		}
		h.mu.Unlock()

		rec := h.deliver(ctx, hc, d, delays)
		h.mu.Lock()
		h.record(rec)
		h.mu.Unlock()
	}
}

// deliver posts d, retrying as the PSA does.
func (h *callbackHub) deliver(ctx context.Context, hc *http.Client, d *pendingDelivery, delays []time.Duration) CallbackDelivery {
	rec := d.rec
	sig := h.sign(d.body)
	for attempt := 0; ; attempt++ {
		rec.Attempts++
		rec.Status, rec.Err = 0, ""
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
		if err != nil {
			rec.Err = err.Error()
			return rec
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("x-content-signature", sig)
		resp, err := hc.Do(req)
		if err != nil {
			rec.Err = err.Error()
			return rec
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		rec.Status = resp.StatusCode
		switch resp.StatusCode {
		case http.StatusNotFound, http.StatusConflict, 419, http.StatusTooManyRequests:
		default:
			return rec
		}
		if attempt >= len(delays) {
			return rec
		}
		t := time.NewTimer(delays[attempt])
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			rec.Err = "server closed"
			return rec
		}
	}
}

// close cancels deliveries in progress and waits for the worker to stop.
func (h *callbackHub) close() {
	h.mu.Lock()
	h.closed = true
	if h.cancel != nil {
		h.cancel()
	}
	running, idle := h.running, h.idle
	h.mu.Unlock()
	if running {
		<-idle
	}
}

// callbackPayload is the delivery body, members in the order the PSA's
// payload class declares them (github.com/NangoHQ/nango,
// packages/server/lib/webhook/types.ts).
type callbackPayload struct {
	MessageID         string  `json:"MessageId"`
	FromURL           string  `json:"FromUrl"`
	CompanyID         string  `json:"CompanyId"`
	MemberID          string  `json:"MemberId"`
	Action            string  `json:"Action"`
	Type              string  `json:"Type"`
	ID                int     `json:"ID"`
	ProductInstanceID *string `json:"ProductInstanceId"`
	PartnerID         *string `json:"PartnerId"`
	Entity            *string `json:"Entity"`
	Metadata          struct {
		KeyURL string `json:"key_url"`
	} `json:"Metadata"`
	CallbackObjectRecID int `json:"CallbackObjectRecId"`
}

// notifyCallbacks queues a delivery to every active registration matching
// a change: action is added, updated or deleted; rec is the record as
// stored (the old one on delete). Caller holds the write lock, so the
// order of deliveries is the order of changes.
func notifyCallbacks(c *call, st *state, resource, action string, id int, rec any) {
	typ := strings.ToLower(resource)
	if !slices.Contains(callbackTypes, typ) || len(st.callbacks.rows) == 0 {
		return
	}
	doc, err := json.Marshal(rec)
	if err != nil {
		return
	}
	var refs struct {
		Board, Status, Company, Type *struct{ ID int }
	}
	_ = json.Unmarshal(doc, &refs)
	refID := func(r *struct{ ID int }) int {
		if r == nil {
			return 0
		}
		return r.ID
	}
	var entity *string
	if action != "deleted" {
		s := string(doc)
		entity = &s
	}
	base := scheme(c.r) + "://" + c.r.Host
	for _, e := range st.callbacks.rows {
		if e.InactiveFlag || e.Type != typ || e.ObjectID == nil {
			continue
		}
		if e.IsSelfSuppressedFlag && e.MemberID != nil && *e.MemberID == c.member.ID {
			continue
		}
		obj := *e.ObjectID
		match := false
		switch e.Level {
		case "owner":
			match = true
		case typ:
			match = obj == id
		case "board":
			match = obj == refID(refs.Board)
		case "status":
			match = obj == refID(refs.Status)
		case "company":
			match = obj == refID(refs.Company)
		case "type":
			match = obj == refID(refs.Type)
		}
		if !match {
			continue
		}
		p := callbackPayload{
			MessageID: newUUID(), FromURL: c.r.Host, CompanyID: companyID, MemberID: c.member.Identifier,
			Action: action, Type: typ, ID: id, Entity: entity, CallbackObjectRecID: e.ID,
		}
		p.Metadata.KeyURL = c.s.CallbackKeyURL(base)
		body, _ := json.Marshal(p)
		c.s.cb.enqueue(&pendingDelivery{
			// The PSA appends the record id to the registered URL.
			url:  e.URL + strconv.Itoa(id),
			body: body,
			rec:  CallbackDelivery{CallbackID: e.ID, URL: e.URL + strconv.Itoa(id), MessageID: p.MessageID, Action: action, Type: typ, RecordID: id},
		})
	}
}

// actionOf names a store: a create is "added", a change "updated".
func actionOf(created bool) string {
	if created {
		return "added"
	}
	return "updated"
}

// serveCallbackKey answers GET {codebase}/system/callbackkey/index.rails
// ?companyName=&id= with {"signing_key": "..."}, without authentication
// (public verifiers fetch it with none).
func (s *Server) serveCallbackKey(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", r.Method))
		return
	}
	key, id := s.cb.signingKey()
	q := r.URL.Query()
	if !strings.EqualFold(q.Get("companyName"), companyID) || q.Get("id") != id {
		writeError(w, errorf(http.StatusNotFound, "NotFound", "callback key not found"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"signing_key": key})
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
