package connectwise

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Conditions is a PSA conditions expression ("board/id = 5 and closedFlag =
// false") whose values were quoted by this package. Build one with Where;
// combine with And and Or. The zero value means "no conditions".
//
// A Conditions that could not be built carries its error; the request that
// uses it fails with that error before anything is sent.
type Conditions struct {
	expr string
	err  error
}

// ErrUnquotable is returned for a string holding both a double and a single
// quote: the PSA grammar has no escape inside string literals, so such a
// value cannot be written as a literal at all. Filter on a like pattern that
// avoids the quotes and narrow the results yourself.
var ErrUnquotable = errors.New("connectwise: value contains both \" and ' and cannot be expressed as a PSA string literal")

// Where builds conditions from a template in which each ? stands for one
// argument, formatted for the PSA grammar:
//
//   - strings (and named string types, fmt.Stringer) are double-quoted, or
//     single-quoted when they contain a double quote;
//   - integers and floats bare; bools as true/false; nil as null;
//   - time.Time as [2006-01-02T15:04:05Z] in UTC;
//   - slices as a parenthesised list, for "in ?" and "not in ?".
//
// A ? inside a quoted part of the template is left alone. Literal operators
// and field names belong in the template; values never do.
func Where(template string, args ...any) Conditions {
	var b strings.Builder
	next := 0
	var quote byte
	for i := 0; i < len(template); i++ {
		ch := template[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '?':
			if next >= len(args) {
				return Conditions{err: fmt.Errorf("connectwise: Where(%q): more placeholders than the %d argument(s)", template, len(args))}
			}
			lit, err := Literal(args[next])
			if err != nil {
				return Conditions{err: fmt.Errorf("connectwise: Where(%q) argument %d: %w", template, next+1, err)}
			}
			next++
			b.WriteString(lit)
			continue
		}
		b.WriteByte(ch)
	}
	if next != len(args) {
		return Conditions{err: fmt.Errorf("connectwise: Where(%q): %d argument(s) for %d placeholder(s)", template, len(args), next)}
	}
	return Conditions{expr: b.String()}
}

// Literal formats one value as a PSA conditions literal (see Where).
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "null", nil
	case string:
		return quoteString(x)
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return timeLiteral(x)
	case *time.Time:
		if x == nil {
			return "null", nil
		}
		return timeLiteral(*x)
	case fmt.Stringer:
		return quoteString(x.String())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return "null", nil
		}
		return Literal(rv.Elem().Interface())
	case reflect.String:
		return quoteString(rv.String())
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if f != f || f > 1e300 || f < -1e300 {
			return "", fmt.Errorf("number %v cannot be sent to the PSA", f)
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case reflect.Slice, reflect.Array:
		if rv.Len() == 0 {
			return "", errors.New("an empty list cannot be written in PSA conditions (\"in ()\" is a syntax error)")
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			p, err := Literal(rv.Index(i).Interface())
			if err != nil {
				return "", fmt.Errorf("list element %d: %w", i, err)
			}
			parts[i] = p
		}
		return "(" + strings.Join(parts, ", ") + ")", nil
	}
	return "", fmt.Errorf("a %T cannot be written in PSA conditions", v)
}

// timeLiteral writes [2006-01-02T15:04:05Z]. Only four-digit years can
// be written that way; others would reach the PSA as a syntax error.
func timeLiteral(t time.Time) (string, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("time %s is outside the four-digit years (0000-9999) that PSA conditions can express", t.Format(time.RFC3339))
	}
	return "[" + t.Format(time.RFC3339) + "]", nil
}

func quoteString(s string) (string, error) {
	switch {
	case !strings.Contains(s, `"`):
		return `"` + s + `"`, nil
	case !strings.Contains(s, `'`):
		return `'` + s + `'`, nil
	}
	return "", ErrUnquotable
}

// And joins conditions with "and", parenthesising each side. Empty sides
// are dropped.
func (c Conditions) And(others ...Conditions) Conditions { return c.join("and", others) }

// Or joins conditions with "or", parenthesising each side.
func (c Conditions) Or(others ...Conditions) Conditions { return c.join("or", others) }

func (c Conditions) join(op string, others []Conditions) Conditions {
	all := append([]Conditions{c}, others...)
	var parts []string
	for _, o := range all {
		if o.err != nil {
			return Conditions{err: o.err}
		}
		if o.expr != "" {
			parts = append(parts, "("+o.expr+")")
		}
	}
	if len(parts) == 1 {
		return Conditions{expr: strings.TrimSuffix(strings.TrimPrefix(parts[0], "("), ")")}
	}
	return Conditions{expr: strings.Join(parts, " "+op+" ")}
}

// String returns the expression as sent on the wire. For Conditions whose
// build failed it returns a marked text holding the error, never "": a Raw
// caller that puts String into its query would otherwise send no filter at
// all and read (or act on) every record. The client refuses to send a
// request that carries the mark, with the build error.
func (c Conditions) String() string {
	if c.err != nil {
		return invalidMark + c.err.Error()
	}
	return c.expr
}

// invalidMark starts String of Conditions that could not be built. No PSA
// expression holds a NUL byte, so the mark cannot be mistaken for one.
const invalidMark = "\x00invalid conditions: "

// checkNoInvalidConditions refuses a request whose query or JSON body
// carries String of failed Conditions.
func checkNoInvalidConditions(q url.Values, payload []byte) error {
	for _, vs := range q {
		for _, v := range vs {
			if i := strings.Index(v, invalidMark); i >= 0 {
				return fmt.Errorf("connectwise: refusing to send conditions that could not be built (%s)", v[i+len(invalidMark):])
			}
		}
	}
	if bytes.Contains(payload, []byte(`\u0000invalid conditions: `)) {
		return errors.New("connectwise: refusing to send conditions that could not be built (found in the request body; see Conditions.Err)")
	}
	return nil
}

// Err returns the error met while building the conditions, if any.
func (c Conditions) Err() error { return c.err }

// IsZero reports whether no conditions were set.
func (c Conditions) IsZero() bool { return c.expr == "" && c.err == nil }
