package simkit

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

// serve is the pipeline: request log → latency → injected faults → auth →
// 429 rate limit → route.
func (k *Kit) serve(w http.ResponseWriter, r *http.Request) {
	entry := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Time: k.clock()}
	logged := false
	logOnce := func(status int) {
		if logged {
			return
		}
		logged = true
		entry.Status = status
		k.log.add(entry)
		if status == http.StatusTooManyRequests {
			k.log.noteThrottled()
		}
		if k.observe != nil {
			k.observe(entry)
		}
	}
	sw := &statusWriter{ResponseWriter: w, record: logOnce}
	// A request that ends without a status (client gone during latency)
	// is still logged.
	defer logOnce(0)

	k.mu.Lock()
	delay := k.latency
	k.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	exempt := k.vendor.Exempt != nil && k.vendor.Exempt(r)
	if !exempt {
		if f := k.takeFault(r); f != nil {
			if f.DropAfterWrite || f.TruncateBody {
				bw := &bufferWriter{header: http.Header{}}
				k.admit(bw, r, false)
				entry.Dropped = true
				logOnce(bw.status)
				if f.TruncateBody {
					writeTruncated(w, bw)
				}
				dropConnection(w)
				return
			}
			if f.RetryAfter != "" {
				sw.Header().Set("Retry-After", f.RetryAfter)
			}
			k.vendor.WriteFault(sw, *f)
			return
		}
	}
	k.admit(sw, r, exempt)
}

// admit runs authentication, the rate limit and the route.
func (k *Kit) admit(w http.ResponseWriter, r *http.Request, exempt bool) {
	if k.vendor.Auth != nil {
		var ok bool
		if r, ok = k.vendor.Auth(w, r); !ok {
			return
		}
	}
	if !exempt {
		if wait, limited := k.spend(); limited {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			k.vendor.WriteTooManyRequests(w, secs)
			return
		}
	}
	k.vendor.Route.ServeHTTP(w, r)
}

// spend takes a rate-limit token, or reports the wait when none is left
// (a rejected request takes none, so the wait does not grow).
func (k *Kit) spend() (time.Duration, bool) {
	k.mu.Lock()
	lim := k.limiter
	k.mu.Unlock()
	if lim == nil {
		return 0, false
	}
	now := k.clock()
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); !res.OK() || d > 0 {
		res.CancelAt(now)
		return d, true
	}
	return 0, false
}

// dropConnection closes the client's connection without a response, which
// is what a client sees when a proxy dies after forwarding a write.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// No connection to hijack (HTTP/2, or the in-memory transport):
		// abort the handler so the server resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// statusWriter records the request in the log the moment its status is
// known, before any byte reaches the client: a client that has its answer
// must find its request already logged.
type statusWriter struct {
	http.ResponseWriter
	status int
	record func(status int)
}

func (w *statusWriter) WriteHeader(code int) {
	w.note(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.note(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) note(code int) {
	if w.status == 0 {
		w.status = code
		w.record(code)
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bufferWriter holds a whole response so it can be thrown away.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// WriteJSON answers status with v encoded as JSON and the given content
// type ("application/json" when empty). Headers set on w before the call
// are kept.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"simulator: encoding failed"}`)
	}
	WriteBody(w, status, contentType, b)
}

// WriteBody answers status with body as it is.
func WriteBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeTruncated sends a buffered response's status and headers, with a
// Content-Length promising the whole body, then only its first half.
func writeTruncated(w http.ResponseWriter, b *bufferWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	body := b.body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(b.status)
	_, _ = w.Write(body[:len(body)/2])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// BodyOr is a Vendor.WriteFault for the usual case: a Fault.Body is sent
// as it is (as contentType), and a fault without one gets the vendor's
// own error answer for its status from write.
func BodyOr(contentType string, write func(w http.ResponseWriter, status int)) func(http.ResponseWriter, Fault) {
	return func(w http.ResponseWriter, f Fault) {
		if f.Body != "" {
			WriteBody(w, f.Status, contentType, []byte(f.Body))
			return
		}
		write(w, f.Status)
	}
}
