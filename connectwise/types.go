package connectwise

import "time"

// Ref is the PSA's reference to another object: {id, name} (companies also
// carry identifier). To set a reference, an ID is enough.
type Ref struct {
	ID         int    `json:"id,omitempty"`
	Name       string `json:"name,omitempty"`
	Identifier string `json:"identifier,omitempty"`
}

// Info is the PSA's _info block: audit dates and who made the change.
type Info struct {
	DateEntered time.Time `json:"dateEntered,omitzero"`
	LastUpdated time.Time `json:"lastUpdated,omitzero"`
	EnteredBy   string    `json:"enteredBy,omitempty"`
	UpdatedBy   string    `json:"updatedBy,omitempty"`
}

// Level is a security role access level for one right.
type Level string

// Access levels of a security role setting.
const (
	LevelNone Level = "None"
	LevelMy   Level = "My"
	LevelAll  Level = "All"
)
