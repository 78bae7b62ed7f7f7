package bridge

import "encoding/json"

// PatchOp is one RFC 6902 JSON Patch operation, the way the PSA and the
// Asio platform update records: fields the client does not model stay
// untouched (a PUT would need the whole record).
type PatchOp struct {
	// Op is "add", "replace", "remove" or "test".
	Op string
	// Path is a JSON Pointer such as "/externalIds" (the PSA also takes
	// "status").
	Path string
	// Value is the new value: not sent for "remove"; an explicit nil is
	// sent as null, which RFC 6902 requires for add, replace and test.
	Value any
}

// MarshalJSON writes {"op","path","value"}, keeping an explicit null value
// (omitempty would turn "set this to null" into an invalid operation) and
// omitting value for remove.
func (p PatchOp) MarshalJSON() ([]byte, error) {
	if p.Op == "remove" {
		return json.Marshal(struct {
			Op   string `json:"op"`
			Path string `json:"path"`
		}{p.Op, p.Path})
	}
	return json.Marshal(struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}{p.Op, p.Path, p.Value})
}
