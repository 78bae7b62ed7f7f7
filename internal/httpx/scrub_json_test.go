package httpx_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/psabridge/psabridge/internal/httpx"
)

// A server echoing a secret JSON-escaped (as .NET escapes '+', PHP escapes
// '/', and either may escape any character) used to pass Scrub; decoding
// the body then put the secret back in clear.
func TestScrubJSONEscapedSecrets(t *testing.T) {
	const secret = "ab+cd/EF<gh>\"q\\z"
	for _, tc := range []struct{ name, body string }{
		{"dotnet plus", `{"message":"bad key ab\u002Bcd\/EF\u003Cgh\u003E\"q\\z"}`},
		{"lower hex", `{"message":"bad key ab\u002bcd\/EF\u003cgh\u003e\u0022q\u005cz"}`},
		{"every char escaped", `{"message":"` + escapeAll(secret) + `"}`},
		{"php slashes", `{"message":"ab+cd\/EF<gh>\"q\\z"}`},
		{"twice", `{"a":"ab\u002Bcd\/EF<gh>\"q\\z","b":"ab+cd\/EF\u003cgh>\"q\\z"}`},
		{"percent", `{"url":"https://x/?k=ab%2Bcd%2fEF%3Cgh%3E%22q%5Cz"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := httpx.Scrub(tc.body, secret)
			var v map[string]string
			if err := json.Unmarshal([]byte(got), &v); err != nil {
				t.Fatalf("scrubbed body no longer JSON: %v: %s", err, got)
			}
			for k, val := range v {
				if strings.Contains(val, secret) || !strings.Contains(val, httpx.Redacted) {
					if k == "url" && strings.Contains(val, httpx.Redacted) {
						continue
					}
					t.Errorf("%s decodes to %q", k, val)
				}
			}
		})
	}
}

func TestScrubSurrogatesAndNearMisses(t *testing.T) {
	secret := "key-😀-0123"
	if got := httpx.Scrub(`"key-\uD83D\uDE00-0123"`, secret); got != `"`+httpx.Redacted+`"` {
		t.Errorf("surrogate pair: %s", got)
	}
	// Text that only resembles the secret is left alone.
	for _, s := range []string{`key-\uD83D-0123`, `key-\u00`, `key-%F0%9F`, `\`, `%`, `+`} {
		if got := httpx.Scrub(s, secret); got != s {
			t.Errorf("Scrub(%q) = %q", s, got)
		}
	}
	if got := httpx.Scrub(`a\u0062c`, "abc"); got != `a\u0062c` {
		t.Errorf("short secrets must stay ignored: %s", got)
	}
}

func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(`\u00`)
		b.WriteString(strings.ToUpper(string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15])))
	}
	return b.String()
}

func FuzzScrubEscaped(f *testing.F) {
	f.Add("s3cr3t+key/value", `x\u0073`)
	f.Fuzz(func(t *testing.T, secret, noise string) {
		if len(secret) < 4 || !utf8.ValidString(secret) { // keys are text
			return
		}
		enc, _ := json.Marshal(noise + secret + noise)
		// Escape every '+' and '/' as .NET and PHP do, then decode what
		// Scrub left: the secret must not come back.
		body := strings.NewReplacer("+", `\u002B`, "/", `\/`).Replace(string(enc))
		var out string
		if err := json.Unmarshal([]byte(httpx.Scrub(body, secret)), &out); err != nil {
			return // Scrub may cut through an escape of noise; nothing leaked
		}
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q back in clear: %q", secret, out)
		}
	})
}
