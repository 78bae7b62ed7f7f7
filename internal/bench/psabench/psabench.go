// Package psabench is what the PSA benchmarks share, so that go run
// ./internal/bench and the connectwise benchmarks measure the same thing:
// the simulator's ticket set they read, and the hand-written client (net/http,
// encoding/json and the headers every PSA request needs, nothing else)
// they measure the SDK against.
package psabench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// NewTicketServer starts a simulator holding n tickets with realistic
// text, and returns it with a configuration whose codebase is set, so that
// no discovery request runs inside a timed loop. No rate limit and no
// latency: the benchmarks measure CPU and memory.
func NewTicketServer(n int) (*cwtest.Server, connectwise.Config) {
	srv := cwtest.NewServer(cwtest.WithRequestLogSize(100))
	srv.AddTickets(n, func(i int, t *cwtest.Ticket) {
		t.Summary = fmt.Sprintf("High CPU on device %d", i)
		t.InitialDescription = "CPU above 95% for 10 minutes on the device; see the RMM for the process list."
		t.ExternalXRef = fmt.Sprintf("bench:dev-%06d/cpu#0123abcd", i)
	})
	cfg := srv.Config()
	cfg.Codebase = cwtest.DefaultCodebase
	return srv, cfg
}

// Transport is the base transport the SDK builds for itself, so that the
// raw side reuses connections just as well.
func Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// NewRequest is a GET of path (below apis/3.0/, with its query) on cfg's
// site with the headers a hand-written client sends.
func NewRequest(ctx context.Context, cfg connectwise.Config, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Site+"/"+cfg.Codebase+"apis/3.0/"+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cfg.CompanyID+"+"+cfg.PublicKey+":"+cfg.PrivateKey)))
	req.Header.Set("clientId", cfg.ClientID)
	req.Header.Set("Accept", "application/vnd.connectwise.com+json; version="+connectwise.DefaultAPIVersion)
	return req, nil
}

// TicketPageRequest asks for the forward-only page of 1000 tickets that
// starts after ticket pageID (the first page for 0).
func TicketPageRequest(ctx context.Context, cfg connectwise.Config, pageID int) (*http.Request, error) {
	path := "service/tickets?pageSize=1000"
	if pageID > 0 {
		path += "&pageId=" + strconv.Itoa(pageID)
	}
	req, err := NewRequest(ctx, cfg, path)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Pagination-Type", "forward-only")
	return req, nil
}

// Decode sends req, decodes the body into v and reads it to the end, so
// the connection is reused, and returns the response's header. Anything
// but a 200 is an error.
func Decode(hc *http.Client, req *http.Request, v any) (http.Header, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	err = json.NewDecoder(resp.Body).Decode(v)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("raw: HTTP %d", resp.StatusCode)
	}
	return resp.Header, err
}

// Tickets walks every ticket of cfg's site page by page, decoding into T
// (the SDK's ticket type, hand-written or generated); id gives a ticket's
// id, where the next page starts. It stops on an error, after yielding it.
func Tickets[T any](ctx context.Context, hc *http.Client, cfg connectwise.Config, id func(T) int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		pageID := 0
		for {
			req, err := TicketPageRequest(ctx, cfg, pageID)
			if err != nil {
				yield(zero, err)
				return
			}
			var page []T
			h, err := Decode(hc, req, &page)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, v := range page {
				if !yield(v, nil) {
					return
				}
			}
			if len(page) == 0 || !strings.Contains(h.Get("Link"), `rel="next"`) {
				return
			}
			pageID = id(page[len(page)-1])
		}
	}
}
