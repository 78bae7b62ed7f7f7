package psaquery

import (
	"fmt"
	"strings"
)

// SyntaxError reports where a conditions or orderBy string stops making
// sense. Pos is a byte offset into the input.
type SyntaxError struct {
	Pos int
	Msg string
}

// Error reads like the PSA's own messages: "Expected ... at position N".
func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at position %d", e.Msg, e.Pos) }

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tDate
	tOp // = != < <= > >=
	tLParen
	tRParen
	tComma
)

type token struct {
	kind  tokKind
	text  string // identifier/operator text, or the literal's decoded content
	raw   string // the literal exactly as written, quotes included
	quote byte
	pos   int
}

type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || ('0' <= c && c <= '9') || c == '/' || c == '.'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '(':
		l.pos++
		return token{kind: tLParen, text: "(", pos: start}, nil
	case c == ')':
		l.pos++
		return token{kind: tRParen, text: ")", pos: start}, nil
	case c == ',':
		l.pos++
		return token{kind: tComma, text: ",", pos: start}, nil
	case c == '"' || c == '\'':
		end := strings.IndexByte(l.src[l.pos+1:], c)
		if end < 0 {
			return token{}, &SyntaxError{start, fmt.Sprintf("Expected a closing %c for the string starting", c)}
		}
		text := l.src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return token{kind: tString, text: text, raw: l.src[start:l.pos], quote: c, pos: start}, nil
	case c == '[':
		end := strings.IndexByte(l.src[l.pos+1:], ']')
		if end < 0 {
			return token{}, &SyntaxError{start, "Expected ] to close the date"}
		}
		text := l.src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return token{kind: tDate, text: text, raw: l.src[start:l.pos], pos: start}, nil
	case c == '=':
		l.pos++
		return token{kind: tOp, text: "=", pos: start}, nil
	case c == '!':
		if l.pos+1 < len(l.src) && l.src[l.pos+1] == '=' {
			l.pos += 2
			return token{kind: tOp, text: "!=", pos: start}, nil
		}
		return token{}, &SyntaxError{start, "Expected != "}
	case c == '<' || c == '>':
		l.pos++
		if l.pos < len(l.src) && l.src[l.pos] == '=' {
			l.pos++
		}
		return token{kind: tOp, text: l.src[start:l.pos], pos: start}, nil
	case isDigit(c) || ((c == '-' || c == '+') && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])):
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && isDigit(l.src[l.pos+1]) {
			l.pos++
			for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
				l.pos++
			}
		}
		if l.pos < len(l.src) && isIdentPart(l.src[l.pos]) {
			return token{}, &SyntaxError{start, "Expected a number"}
		}
		return token{kind: tNumber, text: l.src[start:l.pos], raw: l.src[start:l.pos], pos: start}, nil
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentPart(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tIdent, text: l.src[start:l.pos], pos: start}, nil
	}
	return token{}, &SyntaxError{start, fmt.Sprintf("Unexpected character %q", rune(c))}
}
