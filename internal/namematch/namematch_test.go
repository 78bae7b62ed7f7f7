package namematch_test

import (
	"testing"

	"github.com/psabridge/psabridge/internal/namematch"
)

func TestScore(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		min  float64
		max  float64
	}{
		{"Acme Corp", "ACME Corporation, Inc.", 1, 1},
		{"GlobexCorp", "Globex Corp", 0.95, 0.95},
		{"Initech LLC", "Initech", 1, 1},
		{"Umbrella Health", "Umbrella Pharmaceuticals", 0.29, 0.31},
		{"Acme", "Globex", 0, 0},
		{"", "Acme", 0, 0},
	} {
		if s := namematch.Score(tc.a, tc.b); s < tc.min || s > tc.max {
			t.Errorf("Score(%q, %q) = %v, want [%v, %v]", tc.a, tc.b, s, tc.min, tc.max)
		}
	}
}

func TestBestRefusesTiesAndWeakMatches(t *testing.T) {
	type co struct{ name, id string }
	cands := []co{{"Acme Corporation", "AcmeCorp"}, {"Globex", "Globex"}, {"Stark Industries East", "StarkE"}, {"Stark Industries West", "StarkW"}}
	names := func(c co) []string { return []string{c.name, c.id} }
	if c, s, ok := namematch.Best("ACME Corp.", cands, names); !ok || c.id != "AcmeCorp" || s != 1 {
		t.Errorf("Best(Acme) = %v %v %v", c, s, ok)
	}
	if _, _, ok := namematch.Best("Stark Industries", cands, names); ok {
		t.Error("a tie between two Stark companies was resolved silently")
	}
	if _, _, ok := namematch.Best("Wayne Enterprises", cands, names); ok {
		t.Error("proposed a match for an unknown company")
	}
}
