package connectwise_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/psabridge/psabridge/connectwise"
)

func utf16Units(s string) int { return len(utf16.Encode([]rune(s))) }

func TestLengthCountsUTF16Units(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"é", 1},
		{"e\u0301", 2},
		{"漢字", 2},
		{"🔥", 2},
		{"🇩🇪", 4},
		{"👩‍👩‍👧‍👦", 11},
		{"👍🏽", 4},
		{"\xff", 1},
	} {
		if got := connectwise.Length(tc.s); got != tc.want {
			t.Errorf("Length(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestTruncateKeepsClustersWhole(t *testing.T) {
	family := "👩‍👩‍👧‍👦" // 7 runes, 11 units
	for _, tc := range []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"fits", "hello", 5, "hello"},
		{"ascii", "hello world", 6, "hello…"},
		{"100 emoji", strings.Repeat("🔥", 100), 100, strings.Repeat("🔥", 49) + "…"},
		{"flags do not split into letters", strings.Repeat("🇩🇪", 3), 10, "🇩🇪🇩🇪…"},
		{"odd flag boundary", "x" + strings.Repeat("🇫🇷", 3), 8, "x🇫🇷…"},
		{"ZWJ family stays whole", "ab" + family + family, 20, "ab" + family + "…"},
		{"family dropped whole", "ab" + family, 12, "ab…"},
		{"combining marks", strings.Repeat("e\u0301\u0323", 5), 8, "e\u0301\u0323e\u0301\u0323…"},
		{"skin tone", strings.Repeat("👍🏽", 3), 9, "👍🏽👍🏽…"},
		{"keycap", "1️⃣2️⃣3️⃣", 7, "1️⃣2️⃣…"},
		{"CJK", strings.Repeat("漢", 120), 100, strings.Repeat("漢", 99) + "…"},
		{"hangul jamo", strings.Repeat("\u1100\u1161\u11A8", 4), 7, "\u1100\u1161\u11A8\u1100\u1161\u11A8…"},
		{"subdivision flag", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007Fok", 14, "…"},
		{"CRLF", "ab\r\ncd", 4, "ab…"},
		{"only ellipsis fits", "abc", 1, "…"},
		{"zero", "abc", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := connectwise.Truncate(tc.in, tc.limit)
			if got != tc.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
			}
			if u := utf16Units(got); u > tc.limit {
				t.Errorf("%d UTF-16 units > %d", u, tc.limit)
			}
		})
	}
	if got := connectwise.TruncateSummary(strings.Repeat("🔥", 100)); utf16Units(got) > connectwise.MaxSummaryLength {
		t.Errorf("TruncateSummary left %d units", utf16Units(got))
	}
}

// Before the fix a summary of 100 emoji (200 UTF-16 units) passed the
// client's check and was refused by the PSA on every sync; the simulator now
// counts as the PSA does.
func TestEmojiSummaryAgainstSimulator(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	co := srv.Companies()[1]
	emoji := strings.Repeat("🔥", 100)
	_, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: emoji, Company: connectwise.Ref{ID: co.ID}})
	var te *connectwise.TicketError
	if !errors.As(err, &te) || te.Field != "summary" {
		t.Fatalf("100 emoji: err = %v, want a summary TicketError before sending", err)
	}
	tk, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: connectwise.TruncateSummary(emoji), Company: connectwise.Ref{ID: co.ID}})
	if err != nil {
		t.Fatalf("truncated emoji summary refused: %v", err)
	}
	if !strings.HasPrefix(emoji, strings.TrimSuffix(tk.Summary, "…")) {
		t.Errorf("stored summary %q is not a prefix", tk.Summary)
	}
	// The simulator refuses 101 units even when they are 51 runes, as the
	// PSA does; PATCH reaches it without the client's check.
	_, _, err = c.Tickets.Patch(ctx, tk.ID, connectwise.Replace("summary", strings.Repeat("🔥", 50)+"x"))
	if err == nil || !strings.Contains(err.Error(), "maximum length of 100") {
		t.Fatalf("simulator on a 101-unit summary: %v, want its MaxLengthField error", err)
	}
}

// FuzzTruncate checks, for any input and limit, that the result is valid
// UTF-8, fits the limit in UTF-16 units, and is the input itself or a prefix
// of it plus an ellipsis, cut where no grapheme rule joins the two sides.
func FuzzTruncate(f *testing.F) {
	for _, s := range []string{"", "hello", strings.Repeat("🔥", 60), "🇩🇪🇫🇷🇮🇹", "👩‍👩‍👧‍👦x", "e\u0301\u0323", "漢字かな", "\xff\xfe", "a\r\nb", "👍🏽👍🏿"} {
		f.Add(s, 5)
		f.Add(s, 100)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit %= 300
		got := connectwise.Truncate(s, limit)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
		if limit < 1 {
			if got != "" {
				t.Fatalf("limit %d gave %q", limit, got)
			}
			return
		}
		if u := utf16Units(got); u > limit {
			t.Fatalf("%d units > limit %d", u, limit)
		}
		in := string([]rune(s)) // invalid bytes as U+FFFD
		if got == in {
			if utf16Units(in) > limit {
				t.Fatalf("returned %d units unchanged", utf16Units(in))
			}
			return
		}
		prefix, ok := strings.CutSuffix(got, "…")
		if !ok || !strings.HasPrefix(in, prefix) || len(prefix) == len(in) {
			t.Fatalf("Truncate(%q, %d) = %q: not a proper prefix plus ellipsis", in, limit, got)
		}
		rest := in[len(prefix):]
		next, _ := utf8.DecodeRuneInString(rest)
		last, _ := utf8.DecodeLastRuneInString(prefix)
		if prefix == "" {
			return
		}
		if !unicode.IsControl(last) && !unicode.IsControl(next) {
			if unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc) || next == '\u200d' || (next >= 0x1F3FB && next <= 0x1F3FF) {
				t.Fatalf("cut before a mark or modifier %U in %q", next, in)
			}
			if last == '\u200d' {
				t.Fatalf("cut after ZWJ in %q", in)
			}
		}
		if last == '\r' && next == '\n' {
			t.Fatalf("cut inside CR LF")
		}
		ri := 0
		for _, r := range prefix {
			if r >= 0x1F1E6 && r <= 0x1F1FF {
				ri++
			} else {
				ri = 0
			}
		}
		if ri%2 == 1 && next >= 0x1F1E6 && next <= 0x1F1FF {
			t.Fatalf("cut inside a flag in %q", in)
		}
	})
}
