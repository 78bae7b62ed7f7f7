package connectwise

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Check selects the rules a body is checked against before it is sent.
type Check int

const (
	// NoCheck sends the body as it is.
	NoCheck Check = iota
	// CheckCreate requires the fields the spec marks required and keeps
	// strings within their maximum length.
	CheckCreate
	// CheckUpdate (a PUT, which replaces the object) also requires the
	// fields the spec marks "Required On Updates".
	CheckUpdate
)

// BodyError reports a body refused before it was sent, naming the object
// and the field (by its JSON name) and what is wrong with it.
type BodyError struct {
	Object  string // Go type, "Ticket"
	Field   string // JSON name, "summary"
	Problem string
}

// Error reads "connectwise: Ticket.summary: is required".
func (e *BodyError) Error() string {
	return "connectwise: " + e.Object + "." + e.Field + ": " + e.Problem
}

// The generated models carry the spec's rules in a cw struct tag:
// `cw:"required,update,max=100"` (required on create, required on
// updates, maximum length). A field without the tag has no rule.
type fieldRule struct {
	index    int
	name     string
	required bool
	onUpdate bool
	max      int
}

var rulesCache sync.Map // reflect.Type -> []fieldRule

func rulesOf(t reflect.Type) []fieldRule {
	if r, ok := rulesCache.Load(t); ok {
		return r.([]fieldRule)
	}
	var rules []fieldRule
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("cw")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		r := fieldRule{index: i, name: name}
		for _, part := range strings.Split(tag, ",") {
			switch {
			case part == "required":
				r.required = true
			case part == "update":
				r.onUpdate = true
			case strings.HasPrefix(part, "max="):
				r.max, _ = strconv.Atoi(strings.TrimPrefix(part, "max="))
			}
		}
		rules = append(rules, r)
	}
	rulesCache.Store(t, rules)
	return rules
}

// checkRules applies the cw tags of body's struct type (or of each element
// of a slice of structs).
func checkRules(body any, mode Check) error {
	if mode == NoCheck || body == nil {
		return nil
	}
	rv := reflect.ValueOf(body)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Slice {
		for i := 0; i < rv.Len(); i++ {
			if err := checkRules(rv.Index(i).Addr().Interface(), mode); err != nil {
				return err
			}
		}
		return nil
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	for _, r := range rulesOf(rv.Type()) {
		f := rv.Field(r.index)
		set := !f.IsZero()
		var s string
		isString := false
		if f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String {
			s, isString = f.Elem().String(), true
			set = strings.TrimSpace(s) != ""
		}
		if (r.required || (mode == CheckUpdate && r.onUpdate)) && !set {
			problem := "is required"
			if r.onUpdate && !r.required {
				problem = "is required on updates"
			}
			return &BodyError{rv.Type().Name(), r.name, problem}
		}
		if r.max > 0 && isString {
			// The PSA is .NET on SQL Server: lengths are UTF-16 code units,
			// so a character outside the BMP (an emoji) counts twice.
			if n := Length(s); n > r.max {
				return &BodyError{rv.Type().Name(), r.name, fmt.Sprintf("is %d characters (UTF-16 units); the PSA allows %d", n, r.max)}
			}
		}
	}
	return nil
}
