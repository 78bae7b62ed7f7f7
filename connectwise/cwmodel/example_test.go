package cwmodel_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/psabridge/psabridge/connectwise/cwmodel"
)

// Custom fields are read and set by caption (or id) with a type check, and
// written back whole, as the PSA requires.
func ExampleCustomFields() {
	var t cwmodel.Ticket
	err := json.Unmarshal([]byte(`{"id":42,"customFields":[
		{"id":7,"caption":"Alert ID","type":"Text","value":"A-1"},
		{"id":8,"caption":"Risk","type":"Number","value":null}]}`), &t)
	if err != nil {
		log.Fatal(err)
	}
	id, _, _ := t.CustomFields.Text(cwmodel.Caption("alert id"))
	fmt.Println("alert:", id)

	if err := t.CustomFields.SetText(cwmodel.Caption("Risk"), "high"); err != nil {
		fmt.Println(err)
	}
	if err := t.CustomFields.SetNumber(cwmodel.Caption("Risk"), 7); err != nil {
		log.Fatal(err)
	}
	op, _ := json.Marshal(t.CustomFields.Patch())
	fmt.Println(string(op))
	// Output:
	// alert: A-1
	// cwmodel: custom field caption "Risk": has type Number, not a text field
	// {"op":"replace","path":"customFields","value":[{"id":7,"caption":"Alert ID","type":"Text","value":"A-1"},{"id":8,"caption":"Risk","type":"Number","value":7}]}
}
