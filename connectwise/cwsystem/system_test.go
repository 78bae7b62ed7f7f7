package cwsystem_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwsystem"
	"github.com/psabridge/psabridge/connectwise/internal/cwtestkit"
)

const base = cwtestkit.MockBase

// The spec declares the audit trail's request object as a parameter; it
// goes out as one query parameter per property, with the list options.
func TestObjectParameterIsFlattenedIntoTheQuery(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwsystem.New)
	mt.RegisterResponder("GET", base+"system/audittrail", func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		if q.Get("type") != "Ticket" || q.Get("id") != "42" || q.Has("deviceIdentifier") || q.Get("pageSize") != "10" {
			t.Errorf("query = %s", r.URL.RawQuery)
		}
		return httpmock.NewStringResponse(200, `[{"text":"Status changed"}]`), nil
	})
	typ := cwmodel.AuditTrailEntryGetRequestTypeTicket
	entries, _, err := svc.Audittrail.List(context.Background(),
		&cwsystem.AudittrailListParams{GetRequest: &cwmodel.AuditTrailEntryGetRequest{Type: &typ, ID: new(int32(42))}},
		&connectwise.ListOptions{PageSize: 10})
	if err != nil || len(entries) != 1 {
		t.Fatalf("%v, %d entries", err, len(entries))
	}
}

func TestOperationParametersRideOnEveryPage(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwsystem.New)
	mt.RegisterResponder("GET", base+"system/documents", func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		if q.Get("recordType") != "Ticket" || q.Get("recordId") != "42" {
			t.Errorf("query = %s", r.URL.RawQuery)
		}
		if q.Get("page") == "1" {
			return httpmock.NewStringResponse(200, `[{"id":1},{"id":2}]`), nil
		}
		return httpmock.NewStringResponse(200, `[{"id":3}]`), nil
	})
	n := 0
	for _, err := range svc.Documents.All(context.Background(), &cwsystem.DocumentsListParams{RecordType: new("Ticket"), RecordID: new(42)}, &connectwise.ListOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("walked %d documents, want 3", n)
	}
}

// A full page whose Link names an earlier page must end the walk with an
// error, as the plain walk does, not pass for the last page.
func TestOperationParameterWalkRefusesALinkThatPointsBack(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwsystem.New)
	calls := 0
	mt.RegisterResponder("GET", base+"system/documents", func(r *http.Request) (*http.Response, error) {
		calls++
		resp := httpmock.NewStringResponse(200, `[{"id":1},{"id":2}]`)
		resp.Header.Set("Link", `<`+base+`system/documents?recordType=Ticket&recordId=42&page=1&pageSize=2>; rel="next"`)
		return resp, nil
	})
	var err error
	for _, e := range svc.Documents.All(context.Background(), &cwsystem.DocumentsListParams{RecordType: new("Ticket"), RecordID: new(42)}, &connectwise.ListOptions{PageSize: 2}) {
		if e != nil {
			err = e
		}
	}
	if err == nil || !strings.Contains(err.Error(), "does not advance") {
		t.Fatalf("err = %v, want the walk to stop with a paging error", err)
	}
	if calls != 1 {
		t.Errorf("%d requests, want 1", calls)
	}
}

func TestDownloadReturnsTheBytes(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwsystem.New)
	png := "\x89PNG\r\n\x1a\n binary"
	mt.RegisterResponder("GET", base+"system/documents/5/download", httpmock.NewStringResponder(200, png))
	b, _, err := svc.Documents.GetDownload(context.Background(), 5, nil, nil)
	if err != nil || string(b) != png {
		t.Fatalf("%v, %q", err, b)
	}
	mt.RegisterResponder("GET", base+"system/documents/6/download", httpmock.NewStringResponder(404, `{"code":"NotFound","message":"no document"}`))
	if _, _, err := svc.Documents.GetDownload(context.Background(), 6, nil, nil); !connectwise.IsNotFound(err) {
		t.Errorf("err = %v", err)
	}
}

func TestTextualPathParameterIsEscaped(t *testing.T) {
	svc, mt := cwtestkit.MockService(t, cwsystem.New)
	mt.RegisterResponder("GET", base+"system/members/j%20doe", httpmock.NewStringResponder(200, `{"id":3,"identifier":"j doe"}`))
	m, _, err := svc.Members.GetByMemberIdentifier(context.Background(), "j doe", nil)
	if err != nil || m.Identifier == nil || *m.Identifier != "j doe" {
		t.Fatalf("%v %+v", err, m)
	}
}
