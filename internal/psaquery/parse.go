package psaquery

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Op is a comparison operator, spelled as the PSA spells it (lower case).
type Op string

// The operators of the conditions grammar.
const (
	OpEq          Op = "="
	OpNe          Op = "!="
	OpLt          Op = "<"
	OpLe          Op = "<="
	OpGt          Op = ">"
	OpGe          Op = ">="
	OpLike        Op = "like"
	OpNotLike     Op = "not like"
	OpContains    Op = "contains"
	OpNotContains Op = "not contains"
	OpIn          Op = "in"
	OpNotIn       Op = "not in"
)

// Kind says which literal form a Value was written in.
type Kind int

// Literal kinds.
const (
	String   Kind = iota + 1 // "text" or 'text'
	Number                   // 42, -1.5
	Bool                     // true, false
	Null                     // null
	DateTime                 // [2024-05-01T00:00:00Z]
)

// String names the kind for messages.
func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "bool"
	case Null:
		return "null"
	case DateTime:
		return "datetime"
	}
	return "invalid"
}

// Value is one literal as written in a conditions string, decoded.
type Value struct {
	Kind Kind
	// Str is the decoded content of a String literal (quotes removed;
	// nothing is unescaped because the grammar has no escapes).
	Str string
	// Num is the value of a Number literal.
	Num float64
	// Bool is the value of a Bool literal.
	Bool bool
	// Time is the value of a DateTime literal, in UTC.
	Time time.Time
	// Raw is the literal exactly as written, quotes or brackets included.
	Raw string
}

// String returns the literal as written, so printing a Value shows
// exactly what a conditions builder produced.
func (v Value) String() string { return v.Raw }

// Comparison is one "field op value" test. For in and not in, Values holds
// the list and Value its first element.
type Comparison struct {
	Field  string
	Op     Op
	Value  Value
	Values []Value
}

// Expr is a parsed conditions string. The zero value is not useful; use Parse.
type Expr struct {
	root node
}

type node interface {
	eval(get Getter) bool
	walk(fn func(*Comparison))
	str(b *strings.Builder, parent int)
}

type logical struct {
	and  bool
	l, r node
}

type compNode struct{ c Comparison }

// Getter returns the value of a field path ("board/name") for the record
// being tested. ok is false when the record has no such field; a present
// but empty field returns (nil, true). Supported values are nil, string,
// bool, the Go integer and float types, time.Time and pointers to them.
type Getter func(path string) (value any, ok bool)

// Parse parses a conditions string such as
//
//	board/name = "Service Desk" and (closedFlag = false or status/name like 'Wait%')
//
// Keywords are case-insensitive. Errors are *SyntaxError.
func Parse(s string) (*Expr, error) {
	p := &parser{lx: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, &SyntaxError{0, "Expected a condition"}
	}
	n, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected and, or or the end of the conditions, found %s", p.describe())}
	}
	return &Expr{root: n}, nil
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

type parser struct {
	lx  lexer
	tok token
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) describe() string {
	switch p.tok.kind {
	case tEOF:
		return "the end of the conditions"
	case tString, tDate, tNumber:
		return p.tok.raw
	}
	return strconv.Quote(p.tok.text)
}

func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *parser) parseOr(depth int) (node, error) {
	return p.parseChain(depth, "or", p.parseAnd)
}

func (p *parser) parseAnd(depth int) (node, error) {
	return p.parseChain(depth, "and", p.parsePrimary)
}

// parseChain parses operands joined by the keyword kw, grouping to the
// left; operand parses the tighter-binding level, so "and" binds before
// "or" as in the PSA.
func (p *parser) parseChain(depth int, kw string, operand func(int) (node, error)) (node, error) {
	l, err := operand(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword(kw) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := operand(depth)
		if err != nil {
			return nil, err
		}
		l = &logical{and: kw == "and", l: l, r: r}
	}
	return l, nil
}

// wordOps are the operators spelled as words, each with the form "not"
// gives it.
var wordOps = []struct {
	word    string
	op, not Op
}{
	{"like", OpLike, OpNotLike},
	{"contains", OpContains, OpNotContains},
	{"in", OpIn, OpNotIn},
}

// wordOp reads the current token as a word operator, negated after "not".
func (p *parser) wordOp(negated bool) (Op, bool) {
	for _, w := range wordOps {
		if p.isKeyword(w.word) {
			if negated {
				return w.not, true
			}
			return w.op, true
		}
	}
	return "", false
}

func (p *parser) parsePrimary(depth int) (node, error) {
	if p.tok.kind == tLParen {
		if depth >= maxDepth {
			return nil, &SyntaxError{p.tok.pos, "Too many nested parentheses"}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected ), found %s", p.describe())}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return n, nil
	}
	return p.parseComparison()
}

func (p *parser) parseComparison() (node, error) {
	if p.tok.kind != tIdent || isReserved(p.tok.text) {
		return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected a field name, found %s", p.describe())}
	}
	field := p.tok.text
	if strings.HasSuffix(field, "/") || strings.Contains(field, "//") {
		return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected a field name, found %q", field)}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	opPos := p.tok.pos
	var op Op
	switch {
	case p.tok.kind == tOp:
		op = Op(p.tok.text)
	case p.isKeyword("not"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		var ok bool
		if op, ok = p.wordOp(true); !ok {
			return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected like, contains or in after not, found %s", p.describe())}
		}
	default:
		var ok bool
		if op, ok = p.wordOp(false); !ok {
			return nil, &SyntaxError{opPos, fmt.Sprintf("Expected an operator after %s, found %s", field, p.describe())}
		}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	c := Comparison{Field: field, Op: op}
	if op == OpIn || op == OpNotIn {
		if p.tok.kind != tLParen {
			return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected ( after %s, found %s", op, p.describe())}
		}
		for {
			if err := p.advance(); err != nil {
				return nil, err
			}
			v, err := p.parseValue()
			if err != nil {
				return nil, err
			}
			c.Values = append(c.Values, v)
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind == tRParen {
				break
			}
			if p.tok.kind != tComma {
				return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected , or ) in the %s list, found %s", op, p.describe())}
			}
		}
		c.Value = c.Values[0]
	} else {
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		switch op {
		case OpLike, OpNotLike, OpContains, OpNotContains:
			if v.Kind != String {
				return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("Expected a quoted string after %s, found %s", op, v.Raw)}
			}
		}
		c.Value = v
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &compNode{c: c}, nil
}

var reserved = []string{"and", "or", "not", "like", "contains", "in", "true", "false", "null"}

func isReserved(s string) bool {
	for _, r := range reserved {
		if strings.EqualFold(s, r) {
			return true
		}
	}
	return false
}

// parseValue decodes the current token as a literal without advancing.
func (p *parser) parseValue() (Value, error) {
	t := p.tok
	switch t.kind {
	case tString:
		return Value{Kind: String, Str: t.text, Raw: t.raw}, nil
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Value{}, &SyntaxError{t.pos, "Expected a number"}
		}
		return Value{Kind: Number, Num: f, Raw: t.raw}, nil
	case tDate:
		tm, ok := ParseTime(strings.TrimSpace(t.text))
		if !ok {
			return Value{}, &SyntaxError{t.pos, fmt.Sprintf("Expected a date like [2024-05-01T00:00:00Z], found %s", t.raw)}
		}
		return Value{Kind: DateTime, Time: tm, Raw: t.raw}, nil
	case tIdent:
		switch strings.ToLower(t.text) {
		case "true":
			return Value{Kind: Bool, Bool: true, Raw: t.text}, nil
		case "false":
			return Value{Kind: Bool, Bool: false, Raw: t.text}, nil
		case "null":
			return Value{Kind: Null, Raw: t.text}, nil
		}
	}
	return Value{}, &SyntaxError{t.pos, fmt.Sprintf("Expected a value (a quoted string, number, true, false, null or [date]), found %s", p.describe())}
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// ParseTime reads the date forms the PSA accepts inside [brackets]: RFC 3339,
// or a date and time without zone (taken as UTC), or a bare date.
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Comparisons lists every comparison in the expression, left to right.
func (e *Expr) Comparisons() []Comparison {
	var out []Comparison
	e.root.walk(func(c *Comparison) { out = append(out, *c) })
	return out
}

// Fields lists the distinct field paths the expression reads, in order of
// first appearance, as written.
func (e *Expr) Fields() []string {
	var out []string
	seen := map[string]bool{}
	e.root.walk(func(c *Comparison) {
		k := strings.ToLower(c.Field)
		if !seen[k] {
			seen[k] = true
			out = append(out, c.Field)
		}
	})
	return out
}

// String renders the expression in canonical form, with the literals as
// they were written and parentheses only where precedence needs them.
func (e *Expr) String() string {
	var b strings.Builder
	e.root.str(&b, 0)
	return b.String()
}

func (n *logical) walk(fn func(*Comparison))  { n.l.walk(fn); n.r.walk(fn) }
func (n *compNode) walk(fn func(*Comparison)) { fn(&n.c) }

// precedence: 1 for or, 2 for and.
func (n *logical) str(b *strings.Builder, parent int) {
	prec, word := 1, " or "
	if n.and {
		prec, word = 2, " and "
	}
	if parent > prec {
		b.WriteByte('(')
	}
	n.l.str(b, prec)
	b.WriteString(word)
	// The right side of a chain binds tighter, so equal precedence there
	// needs parentheses to keep the tree's shape.
	n.r.str(b, prec+1)
	if parent > prec {
		b.WriteByte(')')
	}
}

func (n *compNode) str(b *strings.Builder, _ int) {
	b.WriteString(n.c.Field)
	b.WriteByte(' ')
	b.WriteString(string(n.c.Op))
	b.WriteByte(' ')
	if n.c.Op == OpIn || n.c.Op == OpNotIn {
		b.WriteByte('(')
		for i, v := range n.c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.Raw)
		}
		b.WriteByte(')')
		return
	}
	b.WriteString(n.c.Value.Raw)
}

// OrderKey is one "field asc|desc" term of an orderBy string.
type OrderKey struct {
	Field string
	Desc  bool
}

// ParseOrderBy parses "board/name asc, id desc". The direction defaults to
// ascending.
func ParseOrderBy(s string) ([]OrderKey, error) {
	var keys []OrderKey
	pos := 0
	for part := range strings.SplitSeq(s, ",") {
		words := strings.Fields(part)
		lead := len(part) - len(strings.TrimLeft(part, " \t\r\n"))
		if len(words) == 0 || len(words) > 2 {
			return nil, &SyntaxError{pos + lead, "Expected \"field asc\" or \"field desc\" in orderBy"}
		}
		f := words[0]
		if !isIdentStart(f[0]) || strings.HasSuffix(f, "/") {
			return nil, &SyntaxError{pos + lead, fmt.Sprintf("Expected a field name in orderBy, found %q", f)}
		}
		for i := 0; i < len(f); i++ {
			if !isIdentPart(f[i]) {
				return nil, &SyntaxError{pos + lead + i, fmt.Sprintf("Expected a field name in orderBy, found %q", f)}
			}
		}
		k := OrderKey{Field: f}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				k.Desc = true
			default:
				return nil, &SyntaxError{pos + strings.Index(part, words[1]), fmt.Sprintf("Expected asc or desc in orderBy, found %q", words[1])}
			}
		}
		keys = append(keys, k)
		pos += len(part) + 1
	}
	return keys, nil
}
