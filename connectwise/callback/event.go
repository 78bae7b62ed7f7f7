package callback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Action is what happened to the record.
type Action string

// Actions the PSA reports (amp-labs/connectors,
// providers/connectwise/internal/webhook/message.go).
const (
	ActionAdded   Action = "added"
	ActionUpdated Action = "updated"
	ActionDeleted Action = "deleted"
)

// Event is one verified delivery. Every field comes from the signed body.
type Event struct {
	// MessageID identifies the delivery; replays are detected by it.
	MessageID string
	// Action is added, updated or deleted.
	Action Action
	// Type is the record type, lower case ("ticket", "company", ...).
	Type string
	// ID is the record's id.
	ID int
	// CompanyID is the PSA company (login company id) that sent it.
	CompanyID string
	// MemberID is the identifier of the member whose change caused it.
	MemberID string
	// FromURL is the PSA host that sent it ("na.myconnectwise.net").
	FromURL string
	// CallbackID is the id of the registration (CallbackObjectRecId).
	CallbackID int
	// ProductInstanceID and PartnerID identify marketplace integrations;
	// empty for most.
	ProductInstanceID string
	PartnerID         string
	// Entity is the record as JSON, as the PSA saved it; nil on delete.
	// Decode it with Decode or DecodeEntity.
	Entity json.RawMessage
	// Body is the verified body exactly as received.
	Body []byte
}

// DecodeEntity decodes the record into v (for a ticket, a
// *connectwise.Ticket). It fails with ErrNoEntity on a delete.
func (e *Event) DecodeEntity(v any) error {
	if len(e.Entity) == 0 {
		return ErrNoEntity
	}
	if err := json.Unmarshal(e.Entity, v); err != nil {
		return fmt.Errorf("callback: decoding the %s entity of message %s: %w", e.Type, e.MessageID, err)
	}
	return nil
}

// Decode decodes the event's record into a T:
//
//	t, err := callback.Decode[connectwise.Ticket](ev)
func Decode[T any](e *Event) (T, error) {
	var v T
	err := e.DecodeEntity(&v)
	return v, err
}

// ErrNoEntity is returned when decoding the record of an event that has
// none (deletes).
var ErrNoEntity = errors.New("callback: the delivery carries no entity (the record was deleted)")

// payload is the delivery body. encoding/json matches member names
// case-insensitively, which covers the MessageId/MessageID spellings seen
// in public code.
type payload struct {
	MessageID           string          `json:"MessageId"`
	FromURL             string          `json:"FromUrl"`
	CompanyID           string          `json:"CompanyId"`
	MemberID            string          `json:"MemberId"`
	Action              string          `json:"Action"`
	Type                string          `json:"Type"`
	ID                  json.Number     `json:"ID"`
	ProductInstanceID   json.RawMessage `json:"ProductInstanceId"`
	PartnerID           json.RawMessage `json:"PartnerId"`
	Entity              json.RawMessage `json:"Entity"`
	CallbackObjectRecID json.Number     `json:"CallbackObjectRecId"`
	Metadata            struct {
		KeyURL string `json:"key_url"`
	} `json:"Metadata"`
}

// parse decodes body into a payload and checks what verification and the
// caller need. Errors say which member is wrong; they are client errors.
func parse(body []byte) (*payload, error) {
	var p payload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("body is not a callback payload: %v", err)
	}
	if dec.More() {
		return nil, errors.New("body has data after the JSON object")
	}
	switch {
	case p.Metadata.KeyURL == "":
		return nil, errors.New("Metadata.key_url is missing")
	case p.MessageID == "":
		return nil, errors.New("MessageId is missing")
	case p.Type == "":
		return nil, errors.New("Type is missing")
	case p.Action == "":
		return nil, errors.New("Action is missing")
	}
	if _, err := p.ID.Int64(); err != nil {
		return nil, errors.New("ID is missing or not an integer")
	}
	return &p, nil
}

// event builds the caller's view of a verified payload.
func (p *payload) event(body []byte) (*Event, error) {
	id, _ := p.ID.Int64()
	cb, _ := p.CallbackObjectRecID.Int64()
	ev := &Event{
		MessageID:         p.MessageID,
		Action:            Action(p.Action),
		Type:              p.Type,
		ID:                int(id),
		CompanyID:         p.CompanyID,
		MemberID:          p.MemberID,
		FromURL:           p.FromURL,
		CallbackID:        int(cb),
		ProductInstanceID: scalar(p.ProductInstanceID),
		PartnerID:         scalar(p.PartnerID),
		Body:              body,
	}
	ent := bytes.TrimSpace(p.Entity)
	switch {
	case len(ent) == 0 || bytes.Equal(ent, []byte("null")):
	case ent[0] == '"':
		// The PSA sends the record as a JSON document inside a string.
		var s string
		if err := json.Unmarshal(ent, &s); err != nil {
			return nil, fmt.Errorf("Entity is not a string: %v", err)
		}
		if s != "" {
			if !json.Valid([]byte(s)) {
				return nil, errors.New("Entity does not hold a JSON document")
			}
			ev.Entity = json.RawMessage(s)
		}
	case ent[0] == '{':
		// Some consumers type Entity as an object too; accept both.
		ev.Entity = json.RawMessage(ent)
	default:
		return nil, errors.New("Entity is neither a string nor an object")
	}
	return ev, nil
}

// scalar renders a string, number or null member as a string.
func scalar(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return string(raw)
	}
}
