package connectwise

import (
	"unicode"
	"unicode/utf8"
)

// The PSA is an ASP.NET service on SQL Server (its IIS/ASP.NET headers,
// connectwise/WIREFACTS.md N8, and its SqlClient pool-timeout text, N2). Its "Max length"
// limits are therefore counted as .NET's String.Length and nvarchar(n) count:
// in UTF-16 code units, so a character outside the Basic Multilingual Plane
// (most emoji) costs two (connectwise/WIREFACTS.md §7, N15: "String.Length returns the
// number of Char objects … not the number of Unicode characters";
// "Supplementary Characters use two byte-pairs"). A summary of 100 emoji is
// 200 units and is refused.

// Length counts s as the PSA counts a string against its length limits: in
// UTF-16 code units. A rune outside the Basic Multilingual Plane counts 2;
// every other rune, and every byte of invalid UTF-8 (which JSON encoding
// turns into U+FFFD), counts 1.
func Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

func utf16Len(r rune) int {
	if r >= 0x10000 && r <= unicode.MaxRune {
		return 2
	}
	return 1
}

// ellipsis marks a cut; U+2026 is one UTF-16 unit.
const ellipsis = "…"

// Truncate shortens s so that Length(s) <= limit, cutting only between
// user-perceived characters (grapheme clusters: a flag, a joined emoji
// family, a letter with its combining marks, an emoji with its skin tone
// stay whole) and marking the cut with an ellipsis. A string that already
// fits is returned unchanged. Invalid UTF-8 is first replaced by U+FFFD per
// byte, as JSON encoding would. A limit below 1 gives "".
//
// The cluster boundaries approximate Unicode's extended grapheme clusters
// (UAX #29) closely enough for ticket text; see graphemeBreak.
func Truncate(s string, limit int) string {
	if limit < 1 {
		return ""
	}
	valid := utf8.ValidString(s)
	if valid && Length(s) <= limit {
		return s
	}
	r := []rune(s) // invalid bytes become U+FFFD here
	if !valid && runesLength(r) <= limit {
		return string(r)
	}
	budget := limit - 1 // room for the ellipsis
	cut, units := 0, 0
	for i := 0; i < len(r); i++ {
		if i > 0 && graphemeBreak(r, i) {
			cut = i
		}
		units += utf16Len(r[i])
		if units > budget {
			return string(r[:cut]) + ellipsis
		}
	}
	return string(r) + ellipsis // unreachable: r does not fit
}

func runesLength(r []rune) int {
	n := 0
	for _, c := range r {
		n += utf16Len(c)
	}
	return n
}

const zwj = 0x200D

// graphemeBreak reports whether a user-perceived character ends between
// r[i-1] and r[i] (0 < i < len(r)). It implements the rules of UAX #29 that
// matter for alert text, without Unicode's property tables:
//
//   - GB3-5: CR LF stays together; otherwise a control character stands alone;
//   - GB6-8: Hangul jamo sequences stay together;
//   - GB9/9a: no break before combining and spacing marks, variation
//     selectors, ZWJ/ZWNJ, emoji skin-tone modifiers and tag characters;
//   - GB11 (approximated): no break after ZWJ, which joins emoji families;
//   - GB12/13: regional indicators pair up into flags.
//
// Prepend characters (GB9b) are not modelled: they are rare in alert text
// and a break after one still yields valid, shorter text.
func graphemeBreak(r []rune, i int) bool {
	prev, cur := r[i-1], r[i]
	switch {
	case prev == '\r' && cur == '\n':
		return false
	case unicode.IsControl(prev) || unicode.IsControl(cur):
		return true
	case hangulJoins(prev, cur):
		return false
	case isExtend(cur):
		return false
	case prev == zwj:
		return false
	case isRegional(prev) && isRegional(cur):
		// Break only before an indicator that starts a new pair.
		n := 0
		for j := i - 1; j >= 0 && isRegional(r[j]); j-- {
			n++
		}
		return n%2 == 0
	}
	return true
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// isExtend approximates Grapheme_Cluster_Break Extend, SpacingMark and ZWJ.
func isExtend(r rune) bool {
	switch {
	case r == zwj, r == 0x200C: // ZWJ, ZWNJ
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // emoji skin-tone modifiers
		return true
	case r >= 0xE0020 && r <= 0xE007F: // tags (subdivision flags)
		return true
	case r == 0xFF9E || r == 0xFF9F: // half-width katakana sound marks
		return true
	}
	// Mn and Me include variation selectors, the keycap U+20E3 and all
	// combining diacritics; Mc are spacing marks of Indic scripts.
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

// Hangul syllable types (UAX #29 GB6-8).
const (
	hangulNone = iota
	hangulL
	hangulV
	hangulT
	hangulLV
	hangulLVT
)

func hangulType(r rune) int {
	switch {
	case r >= 0x1100 && r <= 0x115F, r >= 0xA960 && r <= 0xA97C:
		return hangulL
	case r >= 0x1160 && r <= 0x11A7, r >= 0xD7B0 && r <= 0xD7C6:
		return hangulV
	case r >= 0x11A8 && r <= 0x11FF, r >= 0xD7CB && r <= 0xD7FB:
		return hangulT
	case r >= 0xAC00 && r <= 0xD7A3:
		if (r-0xAC00)%28 == 0 {
			return hangulLV
		}
		return hangulLVT
	}
	return hangulNone
}

func hangulJoins(prev, cur rune) bool {
	p, c := hangulType(prev), hangulType(cur)
	switch p {
	case hangulL:
		return c == hangulL || c == hangulV || c == hangulLV || c == hangulLVT
	case hangulLV, hangulV:
		return c == hangulV || c == hangulT
	case hangulLVT, hangulT:
		return c == hangulT
	}
	return false
}
