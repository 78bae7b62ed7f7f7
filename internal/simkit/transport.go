package simkit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
)

// transport serves requests by calling the handler in-process, without a
// socket, so a client can run inside a testing/synctest bubble where
// latency, Retry-After and backoff then run on the fake clock.
type transport struct {
	h    http.Handler
	name string
}

// RoundTrip serves req with the handler. A handler that gave up because
// the request was cancelled yields the context's error; a DropAfterWrite
// fault yields a transport error, as a dropped connection does.
func (t transport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if req.Body == nil {
		req.Body = http.NoBody
	}
	// The handler reads the server-side view of the request.
	sreq := req.Clone(req.Context())
	sreq.RequestURI = req.URL.RequestURI()
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				resp, err = nil, fmt.Errorf("%s: connection closed by server after %s %s was processed (injected DropAfterWrite)", t.name, req.Method, req.URL.Path)
				return
			}
			panic(p)
		}
	}()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, sreq)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	res := rec.Result()
	res.Request = req
	return res, nil
}
