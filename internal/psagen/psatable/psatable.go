// Package psatable declares the records of the PSA spec table: psagen
// writes them into connectwise/internal/psaspec/table_gen.go and psaspec
// reads them back. One declaration serves both sides, so the generator and
// the simulator cannot drift apart on a field. It lives beside the
// generator because the generator, outside connectwise/, may not import
// connectwise/internal.
package psatable

// Operation is one path and verb of the API.
type Operation struct {
	// Method is the HTTP method, upper case.
	Method string `json:"method"`
	// Path is the template under apis/3.0, with a leading slash and the
	// spec's parameter names: "/company/contacts/{parentId}/notes/{id}".
	// The two paths the spec truncated ("{memberIdentifier:regex(...") are
	// repaired to "{memberIdentifier}". A few paths end in "/", as in the
	// spec.
	Path string `json:"path"`
	// OperationID is the spec's name, unique: "getCompanyContacts".
	OperationID string `json:"operationId"`
	// Area is the first path segment: company, service, finance...
	Area string `json:"area"`
	// Status is the success status: 200, 201 (create) or 204 (no body).
	Status int `json:"status"`
	// Request names the body schema ("" when there is none);
	// RequestArray is true when the body is an array of it. PATCH bodies
	// are PatchOperation arrays.
	Request      string `json:"request,omitempty"`
	RequestArray bool   `json:"requestArray,omitempty"`
	// Response names the answer's schema (or "string" for downloads);
	// ResponseArray is true for lists.
	Response      string `json:"response,omitempty"`
	ResponseArray bool   `json:"responseArray,omitempty"`
	// Query lists the operation-specific query parameters beyond
	// conditions, childConditions, customFieldConditions, orderBy,
	// fields, page, pageSize and pageId (which every GET takes).
	Query []string `json:"query,omitempty"`
}

// Property is one property of a schema.
type Property struct {
	// Name is the JSON name, exactly as the PSA spells it.
	Name string `json:"name"`
	// Type is string, integer, number, boolean, object (a reference, see
	// Ref, or a map) or any. For arrays it is the element's type.
	Type string `json:"type"`
	// Format is int32, int64, double, date-time, date, uuid or "".
	Format string `json:"format,omitempty"`
	// Ref names the referenced schema ("CompanyReference").
	Ref string `json:"ref,omitempty"`
	// Array is true for an array of Type/Ref.
	Array bool `json:"array,omitempty"`
	// Enum lists the allowed values of a string.
	Enum []string `json:"enum,omitempty"`
	// Nullable, Required, RequiredOnUpdates (x-required-on-updates) and
	// PostOnly (x-post-only: accepted on create, never returned) are the
	// spec's flags.
	Nullable          bool `json:"nullable,omitempty"`
	Required          bool `json:"required,omitempty"`
	RequiredOnUpdates bool `json:"requiredOnUpdates,omitempty"`
	PostOnly          bool `json:"postOnly,omitempty"`
	// MaxLength is the maximum length of a string, 0 when unlimited.
	MaxLength int `json:"maxLength,omitempty"`
}

// Schema is one object of the API with its properties in the spec's order.
type Schema struct {
	Name       string     `json:"name"`
	Properties []Property `json:"properties"`
}

// Property returns the property named name (exact spelling), if any.
func (s *Schema) Property(name string) (Property, bool) {
	for _, p := range s.Properties {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}
