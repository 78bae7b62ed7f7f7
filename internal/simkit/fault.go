package simkit

import (
	"net/http"
	"strings"
)

// InjectFault adds a fault. Faults are tried in the order added; the first
// that matches a request answers it.
func (k *Kit) InjectFault(f Fault) {
	k.mu.Lock()
	k.faults = append(k.faults, &f)
	k.mu.Unlock()
}

// InjectStatus is the shorthand every simulator offers: the next times
// requests fail with status, and a 429 or 503 carries retryAfter as its
// Retry-After. times <= 0 does nothing.
func (k *Kit) InjectStatus(status, times int, retryAfter string) {
	if times <= 0 {
		return
	}
	f := Fault{Status: status, Times: times}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		f.RetryAfter = retryAfter
	}
	k.InjectFault(f)
}

// ClearFaults removes every injected fault.
func (k *Kit) ClearFaults() {
	k.mu.Lock()
	k.faults = nil
	k.mu.Unlock()
}

// takeFault returns the first fault matching r, spending one of its Times.
func (k *Kit) takeFault(r *http.Request) *Fault {
	k.mu.Lock()
	defer k.mu.Unlock()
	path := strings.ToLower(r.URL.Path)
	for i, f := range k.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.PathContains != "" && !strings.Contains(path, strings.ToLower(f.PathContains)) {
			continue
		}
		hit := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				k.faults = append(k.faults[:i:i], k.faults[i+1:]...)
			}
		}
		return &hit
	}
	return nil
}
