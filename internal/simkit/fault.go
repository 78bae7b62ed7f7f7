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
