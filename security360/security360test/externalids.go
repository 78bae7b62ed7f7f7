package security360test

// The platform owns three members of every site externalIds entry: id,
// siteId and backsynced (partner API 2.2.8 Site.externalIds; connectwise/WIREFACTS.md
// N11, §8). What it does when an entry is written back without them is not
// documented; the simulator takes the strict reading, so that a client
// which rewrites other products' entries is caught: an entry arriving
// without a known id is a new entry, with a new id and backsynced false.

// stampExternalIDs assigns the platform's members to next's entries after
// a PATCH of the site old.
func (s *Server) stampExternalIDs(old, next map[string]any) {
	known := map[string]map[string]any{}
	if list, ok := old["externalIds"].([]any); ok {
		for _, e := range list {
			if obj, ok := e.(map[string]any); ok {
				if id, _ := obj["id"].(string); id != "" {
					known[id] = obj
				}
			}
		}
	}
	list, ok := next["externalIds"].([]any)
	if !ok {
		return
	}
	for _, e := range list {
		obj, ok := e.(map[string]any)
		if !ok {
			continue
		}
		id, _ := obj["id"].(string)
		prev := known[id]
		if prev == nil {
			obj["id"] = randomHex(8)
			obj["backsynced"] = false
		} else {
			obj["backsynced"] = prev["backsynced"]
		}
		obj["siteId"] = next["id"]
	}
}

// MarkBacksynced sets backsynced on the site's entries for productID, as
// the platform does once that product has synchronised the mapping, and
// reports whether there was any.
func (s *Server) MarkBacksynced(companyID, siteID, productID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.site(companyID, siteID)
	if m == nil {
		return false
	}
	found := false
	list, _ := m["externalIds"].([]any)
	for _, e := range list {
		if obj, ok := e.(map[string]any); ok && obj["productId"] == productID {
			obj["backsynced"], found = true, true
		}
	}
	return found
}
