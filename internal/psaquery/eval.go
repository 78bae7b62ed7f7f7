package psaquery

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Eval reports whether the record that get reads from satisfies the
// expression. Fields get does not know are treated as null.
func (e *Expr) Eval(get Getter) bool { return e.root.eval(get) }

func (n *logical) eval(get Getter) bool {
	if n.and {
		return n.l.eval(get) && n.r.eval(get)
	}
	return n.l.eval(get) || n.r.eval(get)
}

func (n *compNode) eval(get Getter) bool {
	v, _ := get(n.c.Field)
	return Match(v, n.c)
}

// Match applies one comparison to a field value with SQL Server semantics.
func Match(field any, c Comparison) bool {
	field = normalize(field)
	switch c.Op {
	case OpEq, OpNe:
		if c.Value.Kind == Null {
			return (field == nil) == (c.Op == OpEq)
		}
		if field == nil {
			return false
		}
		cmp, ok := compare(field, c.Value)
		if !ok {
			return false
		}
		return (cmp == 0) == (c.Op == OpEq)
	case OpLt, OpLe, OpGt, OpGe:
		if field == nil || c.Value.Kind == Null {
			return false
		}
		cmp, ok := compare(field, c.Value)
		if !ok {
			return false
		}
		switch c.Op {
		case OpLt:
			return cmp < 0
		case OpLe:
			return cmp <= 0
		case OpGt:
			return cmp > 0
		}
		return cmp >= 0
	case OpLike, OpNotLike:
		if field == nil {
			return false
		}
		return Like(text(field), c.Value.Str) == (c.Op == OpLike)
	case OpContains, OpNotContains:
		if field == nil {
			return false
		}
		has := strings.Contains(strings.ToLower(text(field)), strings.ToLower(c.Value.Str))
		return has == (c.Op == OpContains)
	case OpIn, OpNotIn:
		if field == nil {
			return false
		}
		found := false
		for _, v := range c.Values {
			if v.Kind == Null {
				continue
			}
			if cmp, ok := compare(field, v); ok && cmp == 0 {
				found = true
				break
			}
		}
		return found == (c.Op == OpIn)
	}
	return false
}

// normalize reduces a field value to nil, string, float64, bool or
// time.Time.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, string, float64, bool, time.Time:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float32:
		return float64(x)
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case *time.Time:
		if x == nil {
			return nil
		}
		return *x
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	// Anything else (a whole reference object) is present but comparable
	// only with null.
	return rv.Interface()
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return ""
}

// compare orders a normalized field value against a literal, converting
// between kinds the way SQL Server's implicit conversions would. ok is
// false when the two cannot be compared.
func compare(field any, lit Value) (int, bool) {
	switch f := field.(type) {
	case string:
		switch lit.Kind {
		case String:
			return compareText(f, lit.Str), true
		case Number:
			n, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return 0, false
			}
			return cmpFloat(n, lit.Num), true
		case Bool:
			b, ok := parseBool(f)
			if !ok {
				return 0, false
			}
			return cmpBool(b, lit.Bool), true
		case DateTime:
			t, ok := ParseTime(strings.TrimSpace(f))
			if !ok {
				return 0, false
			}
			return t.Compare(lit.Time), true
		}
	case float64:
		switch lit.Kind {
		case Number:
			return cmpFloat(f, lit.Num), true
		case String:
			n, err := strconv.ParseFloat(strings.TrimSpace(lit.Str), 64)
			if err != nil {
				return 0, false
			}
			return cmpFloat(f, n), true
		case Bool:
			var n float64
			if lit.Bool {
				n = 1
			}
			return cmpFloat(f, n), true
		}
	case bool:
		switch lit.Kind {
		case Bool:
			return cmpBool(f, lit.Bool), true
		case String:
			b, ok := parseBool(lit.Str)
			if !ok {
				return 0, false
			}
			return cmpBool(f, b), true
		case Number:
			if lit.Num != 0 && lit.Num != 1 {
				return 0, false
			}
			return cmpBool(f, lit.Num == 1), true
		}
	case time.Time:
		switch lit.Kind {
		case DateTime:
			return f.Compare(lit.Time), true
		case String:
			t, ok := ParseTime(strings.TrimSpace(lit.Str))
			if !ok {
				return 0, false
			}
			return f.Compare(t), true
		}
	}
	return 0, false
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// compareText compares like a case-insensitive SQL Server collation:
// case is folded and trailing spaces are ignored.
func compareText(a, b string) int {
	a = strings.ToLower(strings.TrimRight(a, " "))
	b = strings.ToLower(strings.TrimRight(b, " "))
	return strings.Compare(a, b)
}

// CompareValues orders two field values the way orderBy does: nulls first,
// then by kind-specific order (strings case-insensitively).
func CompareValues(a, b any) int {
	a, b = normalize(a), normalize(b)
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return compareText(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmpFloat(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmpBool(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	}
	return strings.Compare(text(a), text(b))
}

// Like matches s against a SQL Server LIKE pattern, case-insensitively:
// % matches any run of characters, _ exactly one, [abc] and [a-c] one of a
// set and [^abc] one outside it. A [ without a closing ] is literal.
func Like(s, pattern string) bool {
	return like([]rune(strings.ToLower(s)), []rune(strings.ToLower(pattern)))
}

func like(s, p []rune) bool {
	// Iterative matcher with single-star backtracking: linear in practice
	// and never exponential, since hostile patterns reach it through
	// untrusted query strings.
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch p[pi] {
			case '%':
				starP, starS = pi, si
				pi++
				continue
			case '_':
				si++
				pi++
				continue
			case '[':
				if ok, width, valid := matchClass(s[si], p[pi:]); valid {
					if ok {
						si++
						pi += width
						continue
					}
				} else if s[si] == '[' {
					si++
					pi++
					continue
				}
			default:
				if p[pi] == s[si] {
					si++
					pi++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// matchClass tests c against the class starting at p[0] == '['. valid is
// false when the class is not closed (then '[' is a literal).
func matchClass(c rune, p []rune) (ok bool, width int, valid bool) {
	end := -1
	for i := 2; i < len(p); i++ { // "[]" is not a class; "[]]" includes ]
		if p[i] == ']' {
			end = i
			break
		}
	}
	if end < 0 {
		return false, 0, false
	}
	body := p[1:end]
	negate := len(body) > 0 && body[0] == '^'
	if negate {
		body = body[1:]
	}
	in := false
	for i := 0; i < len(body); i++ {
		if i+2 < len(body) && body[i+1] == '-' {
			if body[i] <= c && c <= body[i+2] {
				in = true
			}
			i += 2
			continue
		}
		if body[i] == c {
			in = true
		}
	}
	return in != negate, end + 1, true
}
