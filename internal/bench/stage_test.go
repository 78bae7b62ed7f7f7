package main

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// A long scenario is never silent: stage says it started, that it still
// runs every heartbeat, and each result as it ends, and leaves no
// goroutine behind (synctest fails on one).
func TestStageReportsProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out strings.Builder
		rows := stage(&out, "scenario 9 (test)", func() []row {
			time.Sleep(2*heartbeat + time.Second)
			return []row{{ID: "9a", Name: "waiting", Figure: "11 s", Verdict: "PASS"}}
		})
		if len(rows) != 1 || rows[0].ID != "9a" {
			t.Fatalf("rows = %+v", rows)
		}
		got := out.String()
		for _, want := range []string{"running scenario 9 (test)\n", "still running, 5s so far", "still running, 10s so far", "9a  PASS    waiting: 11 s", "done in 11s"} {
			if !strings.Contains(got, want) {
				t.Errorf("no %q in:\n%s", want, got)
			}
		}
	})
}
