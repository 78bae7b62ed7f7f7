package simkit

import (
	"strings"
	"sync"

	"github.com/psabridge/psabridge/connectwise/apitest"
)

// Request and Fault are the public vocabulary the simulators re-export.
type (
	Request = apitest.Request
	Fault   = apitest.Fault
)

// maxCountKeys bounds the counters' memory: past it, new paths are
// counted with their numeric segments folded to "#", so "/tickets/"
// still matches them.
const maxCountKeys = 50000

type countKey struct{ method, path string }

// requestLog is a ring of the latest requests plus counters that outlive
// the ring.
type requestLog struct {
	mu        sync.Mutex
	ring      []Request
	next      int
	full      bool
	counts    map[countKey]int
	maxKeys   int
	throttled int
}

func newRequestLog(size, maxKeys int) *requestLog {
	return &requestLog{ring: make([]Request, max(size, 1)), counts: map[countKey]int{}, maxKeys: maxKeys}
}

func (l *requestLog) add(req Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = req
	l.next++
	if l.next == len(l.ring) {
		l.next, l.full = 0, true
	}
	key := countKey{strings.ToUpper(req.Method), strings.ToLower(req.Path)}
	if _, ok := l.counts[key]; !ok && len(l.counts) >= l.maxKeys {
		key.path = idPattern(key.path)
	}
	l.counts[key]++
}

func (l *requestLog) noteThrottled() {
	l.mu.Lock()
	l.throttled++
	l.mu.Unlock()
}

func (l *requestLog) requests() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]Request(nil), l.ring[:l.next]...)
	}
	out := make([]Request, 0, len(l.ring))
	out = append(out, l.ring[l.next:]...)
	return append(out, l.ring[:l.next]...)
}

func (l *requestLog) count(method, pathContains string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	sub := strings.ToLower(pathContains)
	n := 0
	for k, c := range l.counts {
		if (method == "" || strings.EqualFold(method, k.method)) && strings.Contains(k.path, sub) {
			n += c
		}
	}
	return n
}

func (l *requestLog) throttledCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.throttled
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.ring)
	l.next, l.full, l.throttled = 0, false, 0
	l.counts = map[countKey]int{}
}

func idPattern(path string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if seg != "" && strings.Trim(seg, "0123456789") == "" {
			segs[i] = "#"
		}
	}
	return strings.Join(segs, "/")
}
