package infima

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a date from the Reporting API. The published examples use
// RFC 3339 in UTC ("2010-02-04T18:37:01Z"); Timestamp also accepts
// fractional seconds, a missing zone (read as UTC), a space instead of the
// "T", a bare date, Unix seconds or milliseconds, and null or "" (the zero
// time), because reporting back ends drift between these and a sync should
// not stop over a date format.
type Timestamp struct {
	time.Time
}

// timestampLayouts are tried in order; zone-less layouts are read as UTC.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
}

// ParseTimestamp parses s in any format Timestamp accepts.
func ParseTimestamp(s string) (Timestamp, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Timestamp{}, nil
	}
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return Timestamp{t.UTC()}, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return fromUnix(n), nil
	}
	return Timestamp{}, fmt.Errorf("infima: unrecognised date %q", s)
}

// fromUnix reads seconds, or milliseconds when the value is too large to be
// seconds of this era.
func fromUnix(n int64) Timestamp {
	if n > 1e11 || n < -1e11 {
		return Timestamp{time.UnixMilli(n).UTC()}
	}
	return Timestamp{time.Unix(n, 0).UTC()}
}

// UnmarshalJSON accepts a string in any supported format, a number of Unix
// seconds or milliseconds, or null.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*t = Timestamp{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseTimestamp(s)
		if err != nil {
			return err
		}
		*t = v
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("infima: date must be a string or a number, got %s", clip(string(b)))
	}
	*t = fromUnix(int64(f))
	return nil
}

// MarshalJSON writes RFC 3339 in UTC, or null for the zero time.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339) + `"`), nil
}

// String prints RFC 3339, or "" for the zero time.
func (t Timestamp) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// UserID identifies a user. The published examples use UUID strings for
// people; UserID also accepts a JSON number so a numeric id cannot break
// decoding.
type UserID string

// UnmarshalJSON accepts a string, a number or null.
func (id *UserID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*id = ""
	case len(b) > 0 && b[0] == '"':
		return unmarshalString(b, id, func(s string) UserID { return UserID(s) })
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("infima: user id must be a string or a number, got %s", clip(string(b)))
		}
		*id = UserID(n.String())
	}
	return nil
}
