package cwtest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// call sends one API request with net/http only, as any PSA client would.
func call(t *testing.T, srv *cwtest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	cfg := srv.Config()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+"/v2025_1/apis/3.0/"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(cfg.CompanyID+"+"+cfg.PublicKey, cfg.PrivateKey)
	req.Header.Set("clientId", cfg.ClientID)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// receiver records deliveries and answers with the statuses queued in
// answers (204 once they run out).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	answers []int
	got     []delivery
}

type delivery struct {
	path string
	sig  string
	body []byte
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	rc := &receiver{answers: answers}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{r.URL.RequestURI(), r.Header.Get("x-content-signature"), b})
		status := http.StatusNoContent
		if len(rc.answers) > 0 {
			status, rc.answers = rc.answers[0], rc.answers[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func flush(t *testing.T, srv *cwtest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.FlushCallbacks(ctx); err != nil {
		t.Fatal(err)
	}
}

func register(t *testing.T, srv *cwtest.Server, body string) cwtest.CallbackEntry {
	t.Helper()
	status, b := call(t, srv, http.MethodPost, "system/callbacks", body)
	if status != http.StatusCreated {
		t.Fatalf("register: %d %s", status, b)
	}
	var e cwtest.CallbackEntry
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCallbackRegistrationErrorsAreThePSAs(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	status, body := call(t, srv, http.MethodPost, "system/callbacks", `{"url":"not a url","objectId":1,"type":"ticket","level":"planet"}`)
	want := `{"code":"InvalidObject","message":"callbackEntry object is invalid","errors":[` +
		`{"code":"InvalidField","message":"Invalid URL","resource":"callbackEntry","field":"url"},` +
		`{"code":"InvalidObject","message":"Unrecognized level for type, see documentation for supported levels for each type","resource":"callbackEntry","field":"level"}]}`
	if status != http.StatusBadRequest || string(body) != want {
		t.Fatalf("%d %s", status, body)
	}
}

func TestCallbackDeliveryIsSignedAndShapedAsThePSAs(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	rc := newReceiver(t)
	e := register(t, srv, `{"url":"`+rc.URL+`/hook?recordId=","objectId":1,"type":"Ticket","level":"Owner"}`)
	if e.Type != "ticket" || e.Level != "owner" || e.MemberID == nil || e.ConnectWiseID == "" || e.PayloadVersion == "" {
		t.Fatalf("registration: %+v", e)
	}
	company := srv.Companies()[0]
	status, b := call(t, srv, http.MethodPost, "service/tickets", `{"summary":"Signed","company":{"id":`+strconv.Itoa(company.ID)+`}}`)
	if status != http.StatusCreated {
		t.Fatalf("%d %s", status, b)
	}
	var tk struct{ ID int }
	_ = json.Unmarshal(b, &tk)
	flush(t, srv)

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) != 1 {
		t.Fatalf("%d deliveries", len(rc.got))
	}
	d := rc.got[0]
	if d.path != "/hook?recordId="+strconv.Itoa(tk.ID) {
		t.Fatalf("posted to %s", d.path)
	}
	// Member names and order as the PSA's payload class declares them.
	if !bytes.HasPrefix(d.body, []byte(`{"MessageId":"`)) {
		t.Fatalf("body: %s", d.body)
	}
	var p struct {
		MessageID, FromURL, CompanyID, MemberID, Action, Type string
		ID, CallbackObjectRecID                               int
		Entity                                                string
		Metadata                                              struct {
			KeyURL string `json:"key_url"`
		}
	}
	if err := json.Unmarshal(d.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Action != "added" || p.Type != "ticket" || p.ID != tk.ID || p.CompanyID != "cwtest" || p.MemberID != "psabridge-api" ||
		p.CallbackObjectRecID != e.ID || p.FromURL != strings.TrimPrefix(srv.URL, "http://") {
		t.Fatalf("payload: %+v", p)
	}
	var entity struct {
		ID      int
		Summary string
	}
	if err := json.Unmarshal([]byte(p.Entity), &entity); err != nil || entity.ID != tk.ID || entity.Summary != "Signed" {
		t.Fatalf("entity %q: %v", p.Entity, err)
	}
	if !strings.HasPrefix(p.Metadata.KeyURL, srv.URL+"/v2025_1//system/callbackkey/index.rails?companyName=cwtest&id=") {
		t.Fatalf("key_url %s", p.Metadata.KeyURL)
	}
	// The key endpoint needs no credentials and answers {"signing_key"}.
	resp, err := http.Get(p.Metadata.KeyURL)
	if err != nil {
		t.Fatal(err)
	}
	var key struct {
		SigningKey string `json:"signing_key"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&key)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || key.SigningKey == "" {
		t.Fatalf("key endpoint: %d", resp.StatusCode)
	}
	k := sha256.Sum256([]byte(key.SigningKey))
	m := hmac.New(sha256.New, k[:])
	m.Write(d.body)
	if d.sig != base64.StdEncoding.EncodeToString(m.Sum(nil)) {
		t.Fatal("x-content-signature is not base64(HMAC-SHA256(SHA-256(key), body))")
	}
	// A wrong key id is not served.
	if resp, err := http.Get(strings.Replace(p.Metadata.KeyURL, "&id=", "&id=0", 1)); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("wrong key id: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestCallbackRetriesAsThePSA(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	srv.SetCallbackRetryDelays(0, 0)
	retried := newReceiver(t, 429, 409, 204)
	failed := newReceiver(t, 500)
	register(t, srv, `{"url":"`+retried.URL+`/?id=","objectId":1,"type":"ticket","level":"owner"}`)
	register(t, srv, `{"url":"`+failed.URL+`/?id=","objectId":1,"type":"ticket","level":"owner"}`)
	company := srv.Companies()[0]
	if status, b := call(t, srv, http.MethodPost, "service/tickets", `{"summary":"Retry","company":{"id":`+strconv.Itoa(company.ID)+`}}`); status != http.StatusCreated {
		t.Fatalf("%d %s", status, b)
	}
	flush(t, srv)
	ds := srv.CallbackDeliveries()
	if len(ds) != 2 || ds[0].Attempts != 3 || ds[0].Status != 204 || !ds[0].Delivered() || ds[1].Attempts != 1 || ds[1].Status != 500 || ds[1].Delivered() {
		t.Fatalf("deliveries: %+v", ds)
	}
}

func TestCloseStopsDeliveriesInFlight(t *testing.T) {
	srv := cwtest.NewServer()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stuck.Close()
	defer close(release)
	register(t, srv, `{"url":"`+stuck.URL+`/?id=","objectId":1,"type":"company","level":"owner"}`)
	srv.SetPermission("Company Maintenance", "All", "All", "All", "All")
	c := srv.Companies()[0]
	if status, b := call(t, srv, http.MethodPatch, "company/companies/"+strconv.Itoa(c.ID), `[{"op":"replace","path":"name","value":"Renamed"}]`); status != http.StatusOK {
		t.Fatalf("%d %s", status, b)
	}
	<-arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.FlushCallbacks(ctx); err == nil {
		t.Fatal("FlushCallbacks returned nil with a delivery in flight and a cancelled context")
	}
	srv.Close() // must not wait for the receiver's 5 s timeout
	ds := srv.CallbackDeliveries()
	if len(ds) != 1 || ds[0].Delivered() || ds[0].Err == "" {
		t.Fatalf("deliveries: %+v", ds)
	}
	if err := srv.FlushCallbacks(context.Background()); err != nil {
		t.Fatal(err)
	}
}
