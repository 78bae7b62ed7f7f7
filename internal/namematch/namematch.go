// Package namematch proposes matches between organisations named in two
// systems (Heimdal customers, Office Protect tenants or INFIMA clients on
// one side, PSA companies or Asio sites on the other). It only proposes:
// a person confirms, because a wrong mapping files one customer's alerts
// under another's name.
package namematch

import (
	"strings"
	"unicode"
)

// legalSuffixes are dropped before comparing: "Acme Corp" and "ACME
// Corporation, Inc." are the same customer.
var legalSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "ltd": true, "limited": true,
	"corp": true, "corporation": true, "co": true, "company": true, "gmbh": true,
	"plc": true, "sa": true, "srl": true, "bv": true, "ag": true, "pty": true, "the": true,
}

// Tokens returns the significant lower-case words of a name.
func Tokens(name string) []string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := words[:0]
	for _, w := range words {
		if !legalSuffixes[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		// A name made only of suffixes ("The Company") is still a name.
		return words
	}
	return out
}

// Score rates how alike two names are, from 0 (nothing shared) to 1 (the
// same once normalised). Between, it is the share of tokens in common.
func Score(a, b string) float64 {
	ta, tb := Tokens(a), Tokens(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	if strings.Join(ta, " ") == strings.Join(tb, " ") {
		return 1
	}
	// Names written without spaces ("GlobexCorp" vs "Globex Corp").
	if squash(a) == squash(b) || strings.Join(ta, "") == strings.Join(tb, "") {
		return 0.95
	}
	set := map[string]bool{}
	for _, t := range ta {
		set[t] = true
	}
	common := 0
	union := len(set)
	for _, t := range tb {
		if set[t] {
			common++
			delete(set, t)
		} else {
			union++
		}
	}
	return 0.9 * float64(common) / float64(union)
}

// Threshold is the least score Best proposes.
const Threshold = 0.5

// Best returns the candidate whose name (or any of its alternative names,
// such as a PSA company identifier) scores highest against name, if that
// score reaches Threshold and no other candidate ties with it: a tie is
// left for a person to decide.
func Best[T any](name string, candidates []T, names func(T) []string) (best T, score float64, ok bool) {
	tie := false
	for _, c := range candidates {
		s := 0.0
		for _, n := range names(c) {
			s = max(s, Score(name, n))
		}
		switch {
		case s > score:
			best, score, tie = c, s, false
		case s == score && s > 0:
			tie = true
		}
	}
	if score < Threshold || tie {
		var zero T
		return zero, score, false
	}
	return best, score, true
}

// squash keeps only letters and digits, lower-cased.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
