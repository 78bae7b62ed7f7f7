package cwmodel

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
)

// CustomFields is an object's customFields array (tickets, companies,
// contacts, configurations, ...). The PSA defines the fields (caption, type,
// entry method) in its setup tables; an object carries one entry per field,
// each with a value or null.
//
// Read and set values by caption (case-insensitive, as the PSA shows them)
// or by id; each accessor checks the field's type. The PSA has no way to
// patch one custom field: a PATCH replaces the whole array, so change the
// values in the array read from the object and send it back whole with
// Patch (or UpdateCustomFields in connectwise/cwservice and the other area
// packages' Patch methods):
//
//	if err := t.CustomFields.SetText(cwmodel.Caption("Alert ID"), id); err != nil { ... }
//	_, _, err = svc.Tickets.Patch(ctx, *t.ID, t.CustomFields.Patch())
type CustomFields []CustomFieldValue

// CustomFieldKey names one custom field by caption or by id.
type CustomFieldKey struct {
	caption string
	id      int
}

// Caption names a custom field by its caption, compared case-insensitively.
func Caption(caption string) CustomFieldKey { return CustomFieldKey{caption: caption} }

// FieldID names a custom field by its id.
func FieldID(id int) CustomFieldKey { return CustomFieldKey{id: id} }

// String reads `caption "Alert ID"` or `id 12`.
func (k CustomFieldKey) String() string {
	if k.caption != "" {
		return "caption " + strconv.Quote(k.caption)
	}
	return "id " + strconv.Itoa(k.id)
}

// CustomFieldError reports a custom field that cannot be read or set as
// asked: missing, ambiguous, or of another type.
type CustomFieldError struct {
	Key     CustomFieldKey
	Problem string
}

// Error reads "cwmodel: custom field caption "X": <problem>".
func (e *CustomFieldError) Error() string {
	return "cwmodel: custom field " + e.Key.String() + ": " + e.Problem
}

// Lookup returns the entry k names. It fails when no entry or more than
// one matches (two fields may share a caption; use FieldID then).
func (cf CustomFields) Lookup(k CustomFieldKey) (*CustomFieldValue, error) {
	if k.caption == "" && k.id == 0 {
		return nil, &CustomFieldError{k, "no caption or id given"}
	}
	var found *CustomFieldValue
	for i := range cf {
		v := &cf[i]
		match := false
		switch {
		case k.caption != "":
			match = v.Caption != nil && strings.EqualFold(strings.TrimSpace(*v.Caption), strings.TrimSpace(k.caption))
		default:
			match = v.ID != nil && int(*v.ID) == k.id
		}
		if !match {
			continue
		}
		if found != nil {
			return nil, &CustomFieldError{k, "more than one field matches; name it by id"}
		}
		found = v
	}
	if found == nil {
		return nil, &CustomFieldError{k, fmt.Sprintf("not among the object's %d custom fields (was customFields left out of fields=?)", len(cf))}
	}
	return found, nil
}

// kindOf groups the PSA's field types by the Go type of their value.
func kindOf(v *CustomFieldValue) string {
	if v.Type == nil {
		return ""
	}
	switch *v.Type {
	case CustomFieldValueTypeText, CustomFieldValueTypeTextArea, CustomFieldValueTypeHyperlink, CustomFieldValueTypeIPAddress, CustomFieldValueTypePassword, CustomFieldValueTypeButton:
		return "text"
	case CustomFieldValueTypeNumber, CustomFieldValueTypeCurrency, CustomFieldValueTypePercent:
		return "number"
	case CustomFieldValueTypeCheckbox:
		return "checkbox"
	case CustomFieldValueTypeDate:
		return "date"
	}
	return string(*v.Type)
}

func (cf CustomFields) typed(k CustomFieldKey, want string) (*CustomFieldValue, error) {
	v, err := cf.Lookup(k)
	if err != nil {
		return nil, err
	}
	if got := kindOf(v); got != want {
		t := "no type"
		if v.Type != nil {
			t = "type " + string(*v.Type)
		}
		return nil, &CustomFieldError{k, fmt.Sprintf("has %s, not a %s field", t, want)}
	}
	return v, nil
}

// Text returns the value of a text-like field (Text, TextArea, Hyperlink,
// IPAddress, Password, Button). ok is false when the field has no value.
func (cf CustomFields) Text(k CustomFieldKey) (s string, ok bool, err error) {
	v, err := cf.typed(k, "text")
	if err != nil || v.Value == nil {
		return "", false, err
	}
	s, isStr := v.Value.(string)
	if !isStr {
		return "", false, &CustomFieldError{k, fmt.Sprintf("holds %T, not text", v.Value)}
	}
	return s, true, nil
}

// Number returns the value of a Number, Currency or Percent field.
func (cf CustomFields) Number(k CustomFieldKey) (n float64, ok bool, err error) {
	v, err := cf.typed(k, "number")
	if err != nil || v.Value == nil {
		return 0, false, err
	}
	switch x := v.Value.(type) {
	case float64:
		return x, true, nil
	case json.Number:
		f, err := x.Float64()
		return f, err == nil, err
	case string:
		// A number stored as text is read too.
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, false, &CustomFieldError{k, fmt.Sprintf("holds %q, not a number", x)}
		}
		return f, true, nil
	}
	return 0, false, &CustomFieldError{k, fmt.Sprintf("holds %T, not a number", v.Value)}
}

// Checkbox returns the value of a Checkbox field.
func (cf CustomFields) Checkbox(k CustomFieldKey) (b bool, ok bool, err error) {
	v, err := cf.typed(k, "checkbox")
	if err != nil || v.Value == nil {
		return false, false, err
	}
	b, isBool := v.Value.(bool)
	if !isBool {
		return false, false, &CustomFieldError{k, fmt.Sprintf("holds %T, not a checkbox value", v.Value)}
	}
	return b, true, nil
}

// Date returns the value of a Date field.
func (cf CustomFields) Date(k CustomFieldKey) (t time.Time, ok bool, err error) {
	v, err := cf.typed(k, "date")
	if err != nil || v.Value == nil {
		return time.Time{}, false, err
	}
	s, isStr := v.Value.(string)
	if !isStr {
		return time.Time{}, false, &CustomFieldError{k, fmt.Sprintf("holds %T, not a date", v.Value)}
	}
	t, perr := time.Parse(time.RFC3339, s)
	if perr != nil {
		if t, perr = time.Parse("2006-01-02T15:04:05", s); perr != nil {
			return time.Time{}, false, &CustomFieldError{k, fmt.Sprintf("holds %q, not a date", s)}
		}
	}
	return t, true, nil
}

// SetText sets a text-like field. It checks the type; the PSA's own
// length and list rules are checked by the PSA.
func (cf CustomFields) SetText(k CustomFieldKey, s string) error { return cf.set(k, "text", s) }

// set stores value in the field k after checking that the field is of the
// kind the value was made for, so a setter never writes, say, a bool into
// a date field.
func (cf CustomFields) set(k CustomFieldKey, kind string, value any) error {
	v, err := cf.typed(k, kind)
	if err != nil {
		return err
	}
	v.Value = value
	return nil
}

// SetNumber sets a Number, Currency or Percent field.
func (cf CustomFields) SetNumber(k CustomFieldKey, n float64) error {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return &CustomFieldError{k, fmt.Sprintf("%v cannot be sent to the PSA", n)}
	}
	return cf.set(k, "number", n)
}

// SetCheckbox sets a Checkbox field.
func (cf CustomFields) SetCheckbox(k CustomFieldKey, b bool) error { return cf.set(k, "checkbox", b) }

// SetDate sets a Date field, sent in the PSA's form (UTC, whole seconds,
// "2024-01-02T00:00:00Z").
func (cf CustomFields) SetDate(k CustomFieldKey, t time.Time) error {
	return cf.set(k, "date", t.UTC().Truncate(time.Second).Format(time.RFC3339))
}

// Clear removes a field's value, whatever its type.
func (cf CustomFields) Clear(k CustomFieldKey) error {
	v, err := cf.Lookup(k)
	if err != nil {
		return err
	}
	v.Value = nil
	return nil
}

// Patch returns the JSON Patch operation that writes the whole array back,
// the only way the PSA accepts to change custom fields.
func (cf CustomFields) Patch() connectwise.PatchOp {
	out := cf
	if out == nil {
		out = CustomFields{}
	}
	return connectwise.Replace("customFields", out)
}
