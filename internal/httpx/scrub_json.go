package httpx

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// scrubEncoded replaces every occurrence of each secret written in an
// encoded form: JSON escapes (`\u002B`, `\/`, `\"`, surrogate pairs, any
// hex case: .NET's System.Text.Json escapes '+', '<', '>', '&' and the apostrophe
// by default, PHP's json_encode escapes '/' and, without
// JSON_UNESCAPED_UNICODE, every non-ASCII character), and percent-encoding
// (`%2B`, `%2b`, '+' for a space), as a server echoing a URL would write it.
// Scrub calls it after replacing the literal forms: a secret that reached a
// caller's error escaped would be put back in clear by decoding it.
func scrubEncoded(s string, secrets []string) string {
	if !strings.ContainsAny(s, `\%+`) {
		return s
	}
	for _, sec := range secrets {
		if len(sec) < 4 || !utf8.ValidString(sec) {
			continue
		}
		var b strings.Builder
		changed := false
		for i := 0; i < len(s); {
			if end, ok := matchEncoded(s, i, sec); ok {
				b.WriteString(Redacted)
				i, changed = end, true
				continue
			}
			b.WriteByte(s[i])
			i++
		}
		if changed {
			s = b.String()
		}
	}
	return s
}

// matchEncoded reports whether s[i:] starts with sec where any character
// may be written literally, JSON-escaped or percent-encoded, and where the
// match ends.
func matchEncoded(s string, i int, sec string) (int, bool) {
	for _, want := range sec {
		n := matchRune(s[i:], want)
		if n == 0 {
			return 0, false
		}
		i += n
	}
	return i, true
}

// matchRune returns how many bytes at the start of s spell want, or 0.
func matchRune(s string, want rune) int {
	if s == "" {
		return 0
	}
	// An escape is tried before the literal reading, so that `\\` spells
	// one backslash; text that is not JSON still matches literally.
	if s[0] == '\\' {
		if n := matchJSONEscape(s, want); n > 0 {
			return n
		}
	}
	if r, n := utf8.DecodeRuneInString(s); r == want && r != utf8.RuneError {
		return n
	}
	switch s[0] {
	case '%':
		return matchPercent(s, want)
	case '+':
		if want == ' ' {
			return 1
		}
	}
	return 0
}

var shortEscapes = map[byte]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func matchJSONEscape(s string, want rune) int {
	if len(s) < 2 {
		return 0
	}
	if r, ok := shortEscapes[s[1]]; ok {
		if r == want {
			return 2
		}
		return 0
	}
	u, ok := hex4(s)
	if !ok {
		return 0
	}
	if rune(u) == want {
		return 6
	}
	if utf16.IsSurrogate(rune(u)) {
		if lo, ok := hex4(s[6:]); ok && utf16.DecodeRune(rune(u), rune(lo)) == want {
			return 12
		}
	}
	return 0
}

// hex4 decodes `\uXXXX` at the start of s.
func hex4(s string) (uint16, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var v uint16
	for _, c := range []byte(s[2:6]) {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// matchPercent matches want's UTF-8 bytes written as %HH each.
func matchPercent(s string, want rune) int {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], want)
	i := 0
	for _, b := range buf[:n] {
		if len(s) < i+3 || s[i] != '%' {
			return 0
		}
		hi, ok1 := hexDigit(s[i+1])
		lo, ok2 := hexDigit(s[i+2])
		if !ok1 || !ok2 || hi<<4|lo != b {
			return 0
		}
		i += 3
	}
	return i
}
