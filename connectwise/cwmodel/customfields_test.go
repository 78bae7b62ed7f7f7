package cwmodel_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/cwmodel"
)

func fields(t *testing.T) cwmodel.CustomFields {
	t.Helper()
	var cf cwmodel.CustomFields
	err := json.Unmarshal([]byte(`[
 {"id":1,"caption":"Alert ID","type":"Text","value":"A-1"},
 {"id":2,"caption":"Risk","type":"Number","value":3.25},
 {"id":3,"caption":"Escalated","type":"Checkbox","value":true},
 {"id":4,"caption":"Due","type":"Date","value":"2024-05-06T00:00:00Z"},
 {"id":5,"caption":"Twin","type":"Text","value":"a"},
 {"id":6,"caption":"twin","type":"Text","value":"b"},
 {"id":7,"caption":"Notes","type":"TextArea","value":null}]`), &cf)
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

func TestReadByCaptionOrID(t *testing.T) {
	cf := fields(t)
	if s, ok, err := cf.Text(cwmodel.Caption("alert id")); err != nil || !ok || s != "A-1" {
		t.Errorf("Text by caption = %q %v %v", s, ok, err)
	}
	if n, ok, err := cf.Number(cwmodel.FieldID(2)); err != nil || !ok || n != 3.25 {
		t.Errorf("Number by id = %v %v %v", n, ok, err)
	}
	if b, ok, err := cf.Checkbox(cwmodel.Caption("Escalated")); err != nil || !ok || !b {
		t.Errorf("Checkbox = %v %v %v", b, ok, err)
	}
	if d, ok, err := cf.Date(cwmodel.Caption("Due")); err != nil || !ok || !d.Equal(time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Date = %v %v %v", d, ok, err)
	}
	if s, ok, err := cf.Text(cwmodel.Caption("Notes")); err != nil || ok || s != "" {
		t.Errorf("a null value must read as not set: %q %v %v", s, ok, err)
	}
}

func TestTypeMismatchAmbiguityAndAbsenceAreErrors(t *testing.T) {
	cf := fields(t)
	for name, err := range map[string]error{
		"number as text":   func() error { _, _, err := cf.Text(cwmodel.Caption("Risk")); return err }(),
		"set text on date": cf.SetText(cwmodel.Caption("Due"), "tomorrow"),
		"set bool on text": cf.SetCheckbox(cwmodel.FieldID(1), true),
		"ambiguous":        cf.SetText(cwmodel.Caption("TWIN"), "c"),
		"absent":           cf.SetText(cwmodel.Caption("Nope"), "c"),
		"no key":           cf.Clear(cwmodel.Caption("")),
	} {
		var cfe *cwmodel.CustomFieldError
		if !errors.As(err, &cfe) {
			t.Errorf("%s: err = %v, want *CustomFieldError", name, err)
		}
	}
	// Nothing above changed a value.
	if s, _, _ := cf.Text(cwmodel.FieldID(5)); s != "a" {
		t.Errorf("twin changed to %q", s)
	}
	if err := cf.SetText(cwmodel.FieldID(6), "c"); err != nil {
		t.Errorf("set by id on a shared caption: %v", err)
	}
}

func TestSetDateUsesThePSAForm(t *testing.T) {
	cf := fields(t)
	loc := time.FixedZone("CET", 3600)
	if err := cf.SetDate(cwmodel.Caption("Due"), time.Date(2024, 7, 1, 1, 30, 0, 999, loc)); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cf[3])
	if want := `{"id":4,"caption":"Due","type":"Date","value":"2024-07-01T00:30:00Z"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestPatchOfNilArrayWritesAnEmptyArray(t *testing.T) {
	var cf cwmodel.CustomFields
	b, _ := json.Marshal(cf.Patch())
	if want := `{"op":"replace","path":"customFields","value":[]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
