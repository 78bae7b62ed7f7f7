package main

import (
	"go/token"
	"strings"
	"unicode"
)

// words splits an identifier on non-alphanumerics and camel-case humps:
// "billComplete_Flag" -> bill Complete Flag; "glpaths" stays one word.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = nil
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(cur[len(cur)-1]) || unicode.IsDigit(cur[len(cur)-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// initialisms are written in capitals in Go names (ID, URL...).
var initialisms = map[string]string{"id": "ID", "ids": "IDs", "url": "URL", "api": "API", "uri": "URI", "html": "HTML", "ip": "IP", "sso": "SSO", "guid": "GUID", "uuid": "UUID"}

// exported turns a spec name into an exported Go name.
func exported(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if unicode.IsDigit([]rune(out)[0]) {
		out = "N" + out
	}
	return out
}

// unexported turns a spec name into a Go identifier starting lower-case.
func unexported(s string) string {
	e := exported(s)
	ws := words(e)
	if len(ws) == 0 {
		return "x"
	}
	first := ws[0]
	var out string
	if strings.ToUpper(first) == first {
		out = strings.ToLower(first) + e[len(first):]
	} else {
		r := []rune(e)
		r[0] = unicode.ToLower(r[0])
		out = string(r)
	}
	if token.IsKeyword(out) {
		out += "_"
	}
	return out
}

// singular makes a plural English resource name singular, for names of
// single-object methods (GetNote for .../notes/{id}).
func singular(w string) string {
	lw := strings.ToLower(w)
	switch {
	case strings.HasSuffix(lw, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(lw, "statuses"), strings.HasSuffix(lw, "addresses"), strings.HasSuffix(lw, "classes"), strings.HasSuffix(lw, "processes"), strings.HasSuffix(lw, "boxes"), strings.HasSuffix(lw, "taxes"), strings.HasSuffix(lw, "batches"), strings.HasSuffix(lw, "searches"), strings.HasSuffix(lw, "aliases"), strings.HasSuffix(lw, "businesses"):
		return w[:len(w)-2]
	case strings.HasSuffix(lw, "ss"), strings.HasSuffix(lw, "us"), strings.HasSuffix(lw, "is"), strings.HasSuffix(lw, "news"):
		return w
	case strings.HasSuffix(lw, "s") && len(w) > 2:
		return w[:len(w)-1]
	}
	return w
}
