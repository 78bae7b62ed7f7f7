package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the results table.
type row struct {
	// ID is the scenario and line ("1a").
	ID, Name string
	// Figure is what was measured; Bound is the bound or baseline it is
	// compared with, measured or computed in the same run.
	Figure, Bound string
	// Ratio is Figure relative to Bound, in the direction Target states.
	Ratio  string
	Target string
	// Verdict is PASS, MISS or "info" for figures without a target.
	Verdict string
	// Note explains a miss or how a figure was obtained.
	Note string
}

type table struct{ rows []row }

func (t *table) add(rs ...row) { t.rows = append(t.rows, rs...) }

func (t *table) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tscenario\tmeasured\tbound / baseline\tratio\ttarget\tresult")
	for _, r := range t.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Figure, r.Bound, r.Ratio, r.Target, r.Verdict)
	}
	tw.Flush()
	var notes []string
	for _, r := range t.rows {
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("  %s: %s", r.ID, r.Note))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// ratio formats a/b as "1.03×"; b <= 0 gives "n/a".
func ratio(a, b float64) (float64, string) {
	if b <= 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return math.NaN(), "n/a"
	}
	r := a / b
	switch {
	case r >= 100:
		return r, fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return r, fmt.Sprintf("%.1f×", r)
	}
	return r, fmt.Sprintf("%.3f×", r)
}

func secs(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// failed is the row of a scenario that could not run at all.
func failed(id, name string, err error) row {
	return row{ID: id, Name: name, Figure: "error", Bound: "-", Ratio: "-", Target: "-", Verdict: "MISS", Note: err.Error()}
}
