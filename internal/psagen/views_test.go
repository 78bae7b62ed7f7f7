package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestViewsRefuseWhatTheSpecDoesNotSupport edits one entry of the core
// table at a time and checks that generation stops, naming the entry.
func TestViewsRefuseWhatTheSpecDoesNotSupport(t *testing.T) {
	s, err := loadSpec(filepath.Join("..", "..", "connectwise", "internal", "psaspec", "connectwise-psa-openapi.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkViews(s, coreServices, views); err != nil {
		t.Fatalf("the committed table is refused: %v", err)
	}
	// set edits one field of the table's copy.
	set := func(name, goName string, edit func(*viewField)) func([]coreService, []view) []view {
		return func(_ []coreService, vs []view) []view {
			for i := range vs {
				for j := range vs[i].Fields {
					if vs[i].Name == name && vs[i].Fields[j].Go == goName {
						edit(&vs[i].Fields[j])
						return vs
					}
				}
			}
			t.Fatalf("no %s.%s in the table", name, goName)
			return nil
		}
	}
	for _, tc := range []struct {
		name string
		edit func(svcs []coreService, vs []view) []view
		want string
	}{
		{"property not in the schema", func(_ []coreService, vs []view) []view {
			v := slices.Clone(vs)
			v[0].Fields = append(slices.Clone(v[0].Fields), viewField{Go: "Colour", JSON: "colour", Type: "string"})
			return v
		}, `Ticket.Colour: schema Ticket has no property "colour"`},
		{"json name in the wrong case", set("Ticket", "ExternalXRef", func(f *viewField) { f.JSON = "externalXref" }),
			`schema Ticket has no property "externalXref"`},
		{"incompatible type", set("Ticket", "ClosedFlag", func(f *viewField) { f.Type = "string" }),
			"Ticket.ClosedFlag: Go type string does not hold Ticket.closedFlag (boolean)"},
		{"looser type without a reason", set("Note", "DateCreated", func(f *viewField) { f.Loose = "" }),
			"Note.DateCreated: Go type time.Time differs from ServiceNote.dateCreated (string): say why in Loose"},
		{"a reason where none is needed", set("Board", "Name", func(f *viewField) { f.Loose = "no reason" }),
			"Board.Name: Go type string matches Board.name: drop Loose"},
		{"beyond the spec but in it", set("Priority", "Color", func(f *viewField) { f.Beyond = "seen on a server" }),
			`Priority.Color: Priority "color" is in the spec now: drop Beyond`},
		{"operation not in the spec", func(svcs []coreService, vs []view) []view {
			svcs[0].Methods[0].Path = "/service/tickets/archive"
			return vs
		}, "TicketsService.List: the spec has no GET /service/tickets/archive"},
		{"verb that does not fit the kind", func(svcs []coreService, vs []view) []view {
			svcs[0].Methods[0].Verb = "post"
			return vs
		}, "TicketsService.List: a list sends GET, not POST"},
		{"view of another schema than the operation answers", func(svcs []coreService, vs []view) []view {
			svcs[0].Methods[0].Model = "Board"
			return vs
		}, "TicketsService.List: the spec's GET /service/tickets answers Ticket (array true), not the Board view of Board"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svcs := slices.Clone(coreServices)
			for i := range svcs {
				svcs[i].Methods = slices.Clone(svcs[i].Methods)
			}
			vs := slices.Clone(views)
			for i := range vs {
				vs[i].Fields = slices.Clone(vs[i].Fields)
			}
			vs = tc.edit(svcs, vs)
			err := checkViews(s, svcs, vs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
