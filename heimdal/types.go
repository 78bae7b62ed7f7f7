package heimdal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// ID is a Heimdal identifier (customer, device, notification). Heimdal sends
// numbers, but IDs are kept as strings so keys and map lookups never depend
// on the JSON type the server happens to use; both forms decode.
type ID string

// String returns the identifier as text.
func (id ID) String() string { return string(id) }

// UnmarshalJSON accepts a JSON number, a string or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*id = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("heimdal: id must be a number or a string, got %.40s", b)
	}
	*id = ID(n.String())
	return nil
}

// DateLayout is how Heimdal writes dates in query parameters (startDate,
// endDate): UTC without a zone designator.
const DateLayout = "2006-01-02T15:04:05"

// Time is a timestamp as Heimdal sends it. Heimdal's .NET back end writes
// dates with or without a zone designator; a date without one is UTC.
type Time struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// UnmarshalJSON accepts RFC 3339, the zone-less forms above, "" and null
// (both the zero time).
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("heimdal: timestamp must be a string, got %.40s", b)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, l := range timeLayouts {
		if v, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("heimdal: unrecognised timestamp %q", s)
}
