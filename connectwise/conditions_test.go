package connectwise_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
)

type severity string

func TestWhereQuoting(t *testing.T) {
	when := time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		got  connectwise.Conditions
		want string
	}{
		{connectwise.Where("externalXRef = ? and board/id = ?", "heimdal:1", 5), `externalXRef = "heimdal:1" and board/id = 5`},
		{connectwise.Where("summary = ?", `Disk "C:" full`), `summary = 'Disk "C:" full'`},
		{connectwise.Where("summary = ?", `O'Brien's laptop`), `summary = "O'Brien's laptop"`},
		{connectwise.Where("summary = ?", `C:\Windows\Temp\`), `summary = "C:\Windows\Temp\"`},
		{connectwise.Where("closedFlag = ? and closedDate = ?", false, nil), `closedFlag = false and closedDate = null`},
		{connectwise.Where("_info/lastUpdated > ?", when), `_info/lastUpdated > [2024-05-01T11:00:00Z]`},
		{connectwise.Where("id in ?", []int{1, 2, 3}), `id in (1, 2, 3)`},
		{connectwise.Where("name not in ?", []string{"a", `b"c`}), `name not in ("a", 'b"c')`},
		{connectwise.Where("level = ?", severity("high")), `level = "high"`},
		{connectwise.Where("quantity >= ?", 2.5), `quantity >= 2.5`},
		{connectwise.Where(`summary like "%?%" and id = ?`, 4), `summary like "%?%" and id = 4`},
		{connectwise.Where("a = ?", 1).And(connectwise.Where("b = ? or c = ?", 2, 3)), `(a = 1) and (b = 2 or c = 3)`},
		{connectwise.Conditions{}.And(connectwise.Where("a = ?", 1)), `a = 1`},
	} {
		if err := tc.got.Err(); err != nil {
			t.Errorf("%q: %v", tc.want, err)
			continue
		}
		if tc.got.String() != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
}

func TestWhereRefusesWhatItCannotQuote(t *testing.T) {
	c := connectwise.Where("summary = ?", `both " and '`)
	if !errors.Is(c.Err(), connectwise.ErrUnquotable) {
		t.Fatalf("err = %v", c.Err())
	}
	// The error survives combination, so the request fails before sending.
	if !errors.Is(connectwise.Where("a = ?", 1).And(c).Err(), connectwise.ErrUnquotable) {
		t.Fatal("And dropped the error")
	}
	for _, bad := range []connectwise.Conditions{
		connectwise.Where("a = ? and b = ?", 1),
		connectwise.Where("a = ?", 1, 2),
		connectwise.Where("a in ?", []int{}),
		connectwise.Where("a = ?", struct{}{}),
	} {
		if bad.Err() == nil {
			t.Errorf("accepted: %q", bad.String())
		}
	}
}

// TestRawRefusesFailedConditions: a Raw caller who puts String of failed
// Conditions into its query (or body) must get the build error, not a
// request without a filter that reads every ticket.
func TestRawRefusesFailedConditions(t *testing.T) {
	srv, c := newSim(t)
	bad := connectwise.Where("summary = ?", `both " and '`)
	if bad.String() == "" {
		t.Fatal("failed Conditions print as the empty string")
	}
	srv.ResetRequests()
	var out []connectwise.Ticket
	_, err := c.Raw(context.Background(), http.MethodGet, "service/tickets", url.Values{"conditions": {bad.String()}}, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "could not be built") {
		t.Fatalf("Raw with failed conditions in the query: %v", err)
	}
	_, err = c.Raw(context.Background(), http.MethodPost, "service/tickets/search", nil, map[string]string{"conditions": bad.String()}, &out)
	if err == nil || !strings.Contains(err.Error(), "could not be built") {
		t.Fatalf("Raw with failed conditions in the body: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}
