package conformance_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrorExcerptNeverCutsThroughCredential: each client keeps only the
// first cut bytes of a plain-text error body. Were the credential scrubbed
// after that cut, a proxy page echoing it across the cut would leave its
// first part in the error, where scrubbing no longer recognises it (and in
// every log line that prints the error). So the echo is placed to straddle
// the cut at every offset, and no eight bytes of the credential may
// survive.
func TestErrorExcerptNeverCutsThroughCredential(t *testing.T) {
	const window = 8
	for _, tc := range exCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, echo := range tc.echoes {
				// The secret starts at n+1+len(intro), so these n leave
				// len(secret)-1 down to 0 of its bytes before the cut.
				start := tc.cut - len(echo.intro) - len(echo.secret)
				for n := start; n < start+len(echo.secret); n++ {
					body := []byte(strings.Repeat("x", n) + " " + echo.intro + echo.secret)
					err := tc.call(&exTransport{side: tc.side, status: http.StatusBadRequest, body: body}, 0)
					// The text must reach the error, or the case proves
					// nothing. (Scrubbed first, the echo is shorter than the
					// cut, so the kept text may end before it.)
					if err == nil || !strings.Contains(err.Error(), strings.Repeat("x", 100)) {
						t.Fatalf("a 400 with a text body gave %v", err)
					}
					for i := 0; i+window <= len(echo.secret); i++ {
						if piece := echo.secret[i : i+window]; strings.Contains(err.Error(), piece) {
							t.Fatalf("echo cut %d bytes in: error %q holds %q", tc.cut-n-1-len(echo.intro), err, piece)
						}
					}
				}
			}
		})
	}
}
