package cwmodel

import "time"

// RecordInfo is the PSA's _info block on every object: audit fields
// (dateEntered, enteredBy, lastUpdated, updatedBy) and links to related
// records (company_href, ...). The spec declares it as a map of strings, and
// it is kept as one so that nothing the PSA sends is lost; the methods read
// the audit fields typed.
type RecordInfo map[string]string

// LastUpdated returns _info.lastUpdated; ok is false when it is absent or
// not a time.
func (i RecordInfo) LastUpdated() (t time.Time, ok bool) { return i.time("lastUpdated") }

// DateEntered returns _info.dateEntered; ok is false when it is absent or
// not a time.
func (i RecordInfo) DateEntered() (t time.Time, ok bool) { return i.time("dateEntered") }

// UpdatedBy returns _info.updatedBy, the member (or API member) that made
// the last change.
func (i RecordInfo) UpdatedBy() string { return i["updatedBy"] }

// EnteredBy returns _info.enteredBy.
func (i RecordInfo) EnteredBy() string { return i["enteredBy"] }

func (i RecordInfo) time(key string) (time.Time, bool) {
	s, ok := i[key]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		// A time without a zone is read as UTC.
		if t, err = time.Parse("2006-01-02T15:04:05", s); err != nil {
			return time.Time{}, false
		}
	}
	return t, true
}
